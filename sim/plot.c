/* plot.c: `payback plot RESULT.h5 [--kind KIND]... [-o FILE.png|.svg|.pdf]`
 * (interfaces.md §4): the command line, the table of kinds and which
 * files each fits, the output names, and running gnuplot (gp.h) on the
 * script a kind writes (plot_run.c, plot_analysis.c). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "gp.h"
#include "payback/signals.h"
#include "plot.h"

typedef struct {
    const char *name;
    int types;              /* the PB_PF_* files it fits */
    pb_plot_fn fn;
    int width, height;      /* pixels (PNG, SVG) */
} plot_kind;

static const plot_kind kinds[] = {
    {"dashboard", PB_PF_RUN, pb_plot_dashboard, 1800, 1200},
    {"fan", PB_PF_RUN, pb_plot_fan, 1600, 1000},
    {"gap", PB_PF_RUN, pb_plot_gap, 1600, 1000},
    {"payback", PB_PF_RUN, pb_plot_payback, 1600, 1000},
    {"depreciation", PB_PF_RUN, pb_plot_depreciation, 1600, 800},
    {"tornado", PB_PF_SENSITIVITY, pb_plot_tornado, 1600, 1300},
    {"indices", PB_PF_SENSITIVITY, pb_plot_indices, 1600, 1300},
    {"sweep", PB_PF_SWEEP, pb_plot_sweep, 1600, 800},
    {"diff", PB_PF_COMPARE, pb_plot_diff, 1600, 1000},
};
#define N_KINDS (int)(sizeof kinds / sizeof kinds[0])
#define MAX_KINDS 16

static const char *type_name(int type)
{
    return type == PB_PF_RUN ? "a run" : type == PB_PF_SWEEP ? "a sweep" : type == PB_PF_SENSITIVITY ? "a sensitivity"
                                                                                                   : "a compare";
}

static const plot_kind *find_kind(const char *name)
{
    for (int i = 0; i < N_KINDS; i++)
        if (!strcmp(kinds[i].name, name)) return &kinds[i];
    return NULL;
}

/* The kinds that fit a file type, as "a, b, c". */
static void kinds_for(int type, char *buf, size_t len)
{
    buf[0] = 0;
    for (int i = 0; i < N_KINDS; i++)
        if (kinds[i].types & type)
            snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", buf[0] ? ", " : "", kinds[i].name);
}

/* What is drawn when no --kind is given. */
static const plot_kind *default_kind(const pb_plot_file *f)
{
    switch (f->type) {
    case PB_PF_SWEEP: return find_kind("sweep");
    case PB_PF_COMPARE: return find_kind("diff");
    case PB_PF_SENSITIVITY:
        return find_kind(pb_plot_has(f->file, "sobol") || pb_plot_has(f->file, "shapley") ? "indices" : "tornado");
    default: return find_kind("dashboard");
    }
}

/* The folder of path, created if it is missing (results/ on a fresh
 * checkout). */
static pb_status make_folder(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash || slash == path) return PB_OK;
    char *dir = strndup(path, (size_t)(slash - path));
    if (!dir) return pb_raise(PB_ENOMEM, NULL, "out of memory");
    struct stat sb;
    pb_status st = PB_OK;
    if (stat(dir, &sb) != 0 && mkdir(dir, 0777) != 0 && errno != EEXIST)
        st = pb_raise(PB_EIO, NULL, "cannot create folder '%s' for '%s': %s", dir, path, strerror(errno));
    free(dir);
    return st;
}

/* Draws kind k of f into out. */
static pb_status draw(const plot_kind *k, const pb_plot_file *f, const char *out)
{
    pb_gp_format fmt;
    pb_gp g;
    if (!pb_gp_format_of(out, &fmt)) return pb_raise(PB_EUSAGE, NULL, "cannot tell the format of '%s'", out);
    pb_status st = make_folder(out);
    if (st == PB_OK) st = pb_gp_open(&g, fmt, k->width, k->height);
    if (st != PB_OK) return st;
    st = k->fn(&g, f, false);
    char what[64];
    snprintf(what, sizeof what, "the %s plot", k->name);
    if (st == PB_OK) st = pb_gp_run(&g, out, what);
    pb_gp_close(&g);
    if (st == PB_OK) printf("%s\n", out);
    return st;
}

typedef struct {
    const plot_kind *kinds[MAX_KINDS];
    int n;
    const char *out;
    bool force;
} plot_opts;

/* Whether an existing file is a picture (PNG, PDF or SVG by its first
 * bytes), which plot replaces without --force: anything else (notes.png
 * that is text) is refused, as every command refuses to write over a
 * file that is not its own kind (docs/cli.md, "Files"). */
static bool is_picture(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return false;
    unsigned char h[8] = {0};
    size_t n = fread(h, 1, sizeof h, f);
    fclose(f);
    return (n >= 8 && !memcmp(h, "\x89PNG\r\n\x1a\n", 8)) || (n >= 4 && !memcmp(h, "%PDF", 4)) ||
           (n >= 5 && (!memcmp(h, "<?xml", 5) || !memcmp(h, "<svg", 4)));
}

static int parse(int argc, char **argv, plot_opts *o)
{
    static const struct option longopts[] = {{"kind", required_argument, 0, 'k'},
                                             {"output", required_argument, 0, 'o'},
                                             {"force", no_argument, 0, 'f'}, {0, 0, 0, 0}};
    int c;
    optind = 1;
    memset(o, 0, sizeof *o);
    while ((c = getopt_long(argc, argv, "o:", longopts, NULL)) != -1) {
        if (c == 'o') o->out = optarg;
        else if (c == 'f') o->force = true;
        else if (c != 'k') return pb_usage_error("%s", "unknown or incomplete option to 'plot'");
        else if (o->n == MAX_KINDS) return pb_usage_error("'plot' takes at most %d --kind", MAX_KINDS);
        else if (!(o->kinds[o->n++] = find_kind(optarg))) {
            char all[160] = "";
            for (int i = 0; i < N_KINDS; i++)
                snprintf(all + strlen(all), sizeof all - strlen(all), "%s%s", i ? ", " : "", kinds[i].name);
            return pb_usage_error("--kind '%s' is not a kind of plot; expected one of %s", optarg, all);
        }
    }
    if (argc - optind != 1) return pb_usage_error("%s", "'plot' takes exactly one result file");
    pb_gp_format fmt;
    if (o->out && !pb_gp_format_of(o->out, &fmt))
        return pb_usage_error("-o '%s' has no known extension; expected FILE.png, FILE.svg or FILE.pdf", o->out);
    if (o->out && o->n > 1)
        return pb_usage_error("-o names one picture; with several --kind, leave -o out (each goes to "
                              "results/<name>-<kind>.png)");
    return 0;
}

/* Every kind asked for fits the file: else exit 2 naming those that do. */
static pb_status check_fit(const plot_opts *o, const pb_plot_file *f)
{
    for (int i = 0; i < o->n; i++)
        if (!(o->kinds[i]->types & f->type)) {
            char fit[160];
            kinds_for(f->type, fit, sizeof fit);
            return pb_raise(PB_EUSAGE, NULL, "--kind %s does not fit '%s', %s file; expected one of: %s",
                            o->kinds[i]->name, f->path, type_name(f->type), fit);
        }
    return PB_OK;
}

int pb_cmd_plot(int argc, char **argv)
{
    plot_opts o;
    int rc = parse(argc, argv, &o);
    if (rc) return rc;
    const char *in = argv[optind];
    pb_status st = pb_check_inputs(&in, 1);
    if (st != PB_OK) return pb_exit_code(st);
    pb_plot_file f;
    pb_signals_reading(in, pb_read_budget(&in, 1));
    st = pb_plot_open(in, &f);
    if (st == PB_OK && o.n == 0) o.kinds[o.n++] = default_kind(&f);
    if (st == PB_OK) st = check_fit(&o, &f);
    for (int i = 0; st == PB_OK && i < o.n; i++) {
        char *out = NULL;
        if (!o.out && (out = malloc(strlen(f.name) + strlen(o.kinds[i]->name) + 16)))
            sprintf(out, "results/%s-%s.png", f.name, o.kinds[i]->name);
        const char *path = o.out ? o.out : out;
        if (!path) st = pb_raise(PB_ENOMEM, NULL, "out of memory");
        /* A picture may be replaced; another file only with --force (never
         * the input, nor a device). */
        if (st == PB_OK) st = pb_check_output(path, &in, 1, o.force || is_picture(path));
        if (st == PB_OK) st = draw(o.kinds[i], &f, path);
        free(out);
    }
    pb_signals_reading(NULL, 0);
    pb_plot_free(&f);
    if (st == PB_OK && (fflush(stdout) != 0 || ferror(stdout)))
        st = pb_raise(PB_EIO, NULL, "cannot write to standard output");
    return pb_exit_code(st);
}
