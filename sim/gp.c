/* gp.c: gnuplot scripts and running gnuplot (gp.h). */
#include "gp.h"

#include <errno.h>
#include <math.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "payback/signals.h"

extern char **environ;

bool pb_gp_format_of(const char *path, pb_gp_format *fmt)
{
    const char *dot = strrchr(path, '.');
    if (!dot || strchr(dot, '/')) return false;
    if (!strcasecmp(dot, ".png")) *fmt = PB_GP_PNG;
    else if (!strcasecmp(dot, ".svg")) *fmt = PB_GP_SVG;
    else if (!strcasecmp(dot, ".pdf")) *fmt = PB_GP_PDF;
    else return false;
    return true;
}

pb_status pb_gp_open(pb_gp *g, pb_gp_format fmt, int width, int height)
{
    memset(g, 0, sizeof *g);
    g->fmt = fmt;
    g->width = width;
    g->height = height;
    g->f = open_memstream(&g->buf, &g->len);
    return g->f ? PB_OK : pb_raise(PB_ENOMEM, NULL, "out of memory for a gnuplot script");
}

void pb_gp_close(pb_gp *g)
{
    if (g->f) fclose(g->f);
    free(g->buf);
    memset(g, 0, sizeof *g);
}

void pb_gp_printf(pb_gp *g, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(g->f, fmt, ap);
    va_end(ap);
}

void pb_gp_str(pb_gp *g, const char *s)
{
    fputc('"', g->f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') fprintf(g->f, "\\%c", *p);
        else if (*p == '\n') fputs("\\n", g->f);
        else if (*p < 0x20 || *p == 0x7f) fputc(' ', g->f);
        else fputc(*p, g->f);
    }
    fputc('"', g->f);
}

void pb_gp_data(pb_gp *g, const char *name) { fprintf(g->f, "$%s << EOD\n", name); }

void pb_gp_num(pb_gp *g, double v)
{
    if (isfinite(v)) fprintf(g->f, "%.10g ", v);
    else fputs("NaN ", g->f);
}

void pb_gp_text(pb_gp *g, const char *s)
{
    pb_gp_str(g, s);
    fputc(' ', g->f);
}

void pb_gp_eol(pb_gp *g) { fputc('\n', g->f); }
void pb_gp_end_data(pb_gp *g) { fputs("EOD\n", g->f); }

/* Whether an executable named name is in PATH. */
static bool in_path(const char *name)
{
    const char *path = getenv("PATH");
    if (!path || !*path) path = "/usr/bin:/bin";
    char buf[4096];
    for (const char *p = path; *p;) {
        size_t n = strcspn(p, ":");
        if (n > 0 && n + strlen(name) + 2 < sizeof buf) {
            snprintf(buf, sizeof buf, "%.*s/%s", (int)n, p, name);
            if (access(buf, X_OK) == 0) return true;
        }
        p += n + (p[n] == ':');
    }
    return false;
}

/* The terminal for the format, the size, and the output file. */
static void write_header(FILE *f, const pb_gp *g, const char *out)
{
    switch (g->fmt) {
    case PB_GP_PNG:
        fprintf(f, "set terminal pngcairo size %d,%d noenhanced font 'DejaVu Sans,15' linewidth 1.5\n", g->width,
                g->height);
        break;
    case PB_GP_SVG:
        fprintf(f, "set terminal svg size %d,%d dynamic noenhanced font 'DejaVu Sans,15' linewidth 1.5 background "
                   "'white'\n", g->width, g->height);
        break;
    case PB_GP_PDF:
        fprintf(f, "set terminal pdfcairo size %.2fin,%.2fin noenhanced font 'DejaVu Sans,10' linewidth 1\n",
                g->width / 100.0 * 0.7, g->height / 100.0 * 0.7);
        break;
    }
    fputs("set encoding utf8\nset output ", f);
    /* The name as a single-quoted string: no escapes but '' for '. */
    fputc('\'', f);
    for (const char *p = out; *p; p++) {
        if (*p == '\'') fputc('\'', f);
        fputc(*p, f);
    }
    fputs("'\n", f);
}

/* The whole script (header + body) in an unlinked temporary file,
 * rewound: nothing to clean up if payback is interrupted.  NULL after
 * pb_raise. */
static FILE *script_file(const pb_gp *g, const char *part, const char *out)
{
    FILE *f = tmpfile();
    if (!f) {
        pb_raise(PB_EIO, NULL, "cannot create a temporary file for the gnuplot script of '%s': %s", out,
                 strerror(errno));
        return NULL;
    }
    write_header(f, g, part);
    fwrite(g->buf, 1, g->len, f);
    fputs("unset output\n", f);
    if (fflush(f) != 0 || ferror(f) || fseek(f, 0, SEEK_SET) != 0) {
        pb_raise(PB_EIO, NULL, "cannot write the gnuplot script of '%s' to a temporary file", out);
        fclose(f);
        return NULL;
    }
    return f;
}

/* gnuplot reading the script on its standard input, its output on
 * stderr; its exit status, or -1 if it cannot be started. */
static int run_gnuplot(FILE *script)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fileno(script), STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&fa, STDERR_FILENO, STDOUT_FILENO);
    char *argv[] = {"gnuplot", NULL};
    pid_t pid;
    int rc = posix_spawnp(&pid, "gnuplot", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) return -1;
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

pb_status pb_gp_run(pb_gp *g, const char *out_path, const char *what)
{
    if (fflush(g->f) != 0 || fclose(g->f) != 0) {
        g->f = NULL;
        return pb_raise(PB_ENOMEM, NULL, "out of memory for the gnuplot script of %s", what);
    }
    g->f = NULL;
    if (!in_path("gnuplot"))
        return pb_raise(PB_EIO, NULL, "cannot draw %s: gnuplot is not installed (Debian package gnuplot-nox: "
                        "apt-get install gnuplot-nox)", what);
    size_t n = strlen(out_path) + 32;
    char *part = malloc(n);
    if (!part) return pb_raise(PB_ENOMEM, NULL, "out of memory");
    snprintf(part, n, "%s.part%ld", out_path, (long)getpid());
    pb_signals_part(part);
    pb_status st = PB_EIO;
    FILE *script = script_file(g, part, out_path);
    if (script) {
        int rc = run_gnuplot(script);
        fclose(script);
        struct stat sb;
        if (rc != 0)
            st = pb_raise(PB_EIO, NULL, rc < 0 ? "cannot run gnuplot to draw %s (%s)" : "gnuplot failed drawing %s "
                          "(%s; exit status %d)", what, out_path, rc);
        else if (stat(part, &sb) != 0 || sb.st_size < 64)
            st = pb_raise(PB_EIO, NULL, "gnuplot wrote no picture of %s (%s)", what, out_path);
        else if (rename(part, out_path) != 0)
            st = pb_raise(PB_EIO, NULL, "cannot rename '%s' to '%s': %s", part, out_path, strerror(errno));
        else
            st = PB_OK;
    }
    if (st != PB_OK) unlink(part);
    pb_signals_part(NULL);
    free(part);
    return st;
}
