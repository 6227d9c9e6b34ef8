/* cmd_export.c: payback export RESULT.h5 [--format csv|json] [-o FILE]
 * [--paths] [--force]: the result as one tidy long table (export.h) on
 * stdout, or into FILE written whole or not at all (FILE.part<pid>,
 * renamed when complete). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "help.h"
#include "payback/export.h"
#include "payback/signals.h"

/* Whether an existing file at path is an earlier export (its first bytes
 * are export's header), which -o may replace without --force. */
static bool is_export(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return false;
    char head[32] = "";
    size_t n = fread(head, 1, sizeof head - 1, f);
    fclose(f);
    head[n] = '\0';
    return !strncmp(head, "group,variable,statistic,", 25) || !strncmp(head, "{\n  \"attributes\": {", 19);
}

static pb_status to_file(const char *in, const char *out, pb_export_format fmt, bool paths)
{
    size_t len = strlen(out) + 32;
    char *tmp = malloc(len);
    if (!tmp) return pb_raise(PB_ENOMEM, NULL, "out of memory");
    snprintf(tmp, len, "%s.part%ld", out, (long)getpid());
    pb_signals_part(tmp);
    FILE *f = fopen(tmp, "w");
    pb_status st = f ? pb_export(in, f, fmt, paths) : pb_raise(PB_EIO, NULL, "cannot create '%s'", tmp);
    if (f && fclose(f) != 0 && st == PB_OK) st = pb_raise(PB_EIO, NULL, "cannot write '%s'", tmp);
    if (st == PB_OK && rename(tmp, out) != 0) st = pb_raise(PB_EIO, NULL, "cannot rename '%s' to '%s'", tmp, out);
    if (st != PB_OK) unlink(tmp);
    pb_signals_part(NULL);
    free(tmp);
    return st;
}

int pb_cmd_export(int argc, char **argv)
{
    const char *out = NULL;
    pb_export_format fmt = PB_EXPORT_CSV;
    bool force = false, paths = false;
    enum { OPT_PATHS = 256, OPT_FORCE };
    static const struct option longopts[] = {{"format", required_argument, 0, 'f'}, {"output", required_argument, 0, 'o'},
                                             {"paths", no_argument, 0, OPT_PATHS}, {"force", no_argument, 0, OPT_FORCE},
                                             {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "f:o:h", longopts, NULL)) != -1) {
        if (c == 'h') return pb_help_print(stdout, pb_help_find("export")), 0; /* --he: main.c takes --help */
        if (c == 'o') out = optarg;
        else if (c == OPT_PATHS) paths = true;
        else if (c == OPT_FORCE) force = true;
        else if (c == 'f' && (!strcmp(optarg, "csv") || !strcmp(optarg, "json")))
            fmt = !strcmp(optarg, "csv") ? PB_EXPORT_CSV : PB_EXPORT_JSON;
        else if (c == 'f') return pb_usage_error("--format '%s': expected csv or json", optarg);
        else return pb_usage_error("%s", "unknown or incomplete option to 'export'");
    }
    if (argc - optind != 1) return pb_usage_error("%s", "'export' takes exactly one result file");
    const char *in = argv[optind];
    pb_status st = pb_check_inputs(&in, 1);
    if (st == PB_OK && out) {
        if (!*out) return pb_usage_error("%s", "-o '': expected a file name");
        st = pb_check_output(out, &in, 1, force || is_export(out));
    }
    if (st != PB_OK) return pb_exit_code(st);
    pb_signals_reading(in, pb_read_budget(&in, 1));
    if (out) st = to_file(in, out, fmt, paths);
    else {
        st = pb_export(in, stdout, fmt, paths);
        if (st == PB_OK && (fflush(stdout) != 0 || ferror(stdout)))
            st = pb_raise(PB_EIO, NULL, "cannot write the export to standard output");
    }
    pb_signals_reading(NULL, 0);
    return pb_exit_code(st);
}
