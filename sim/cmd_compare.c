/* cmd_compare.c: payback compare A.yaml [B.yaml] [--set-b PATH=VALUE]...
 * (docs/cli.md, "compare").  B is the second file, or A
 * with the --set-b overrides, or both; --set applies to both.  Everything
 * is checked before any path runs; then compare.c runs the two on common
 * random numbers and compare_out.c writes the file and the table. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "compare_out.h"
#include "payback/compare.h"
#include "payback/par.h"
#include "payback/stats.h"

enum { OPT_SET_B = PB_OPT_FIRST_OWN };

typedef struct {
    pb_cli cli;
    const char *file_b;   /* NULL: A's file */
    char **sets_b;        /* the --set-b arguments (argc + 1 slots) */
    int n_sets_b;
} compare_opts;

/* After the options: one or two scenario files, and something that makes
 * B (a second file or --set-b).  0, or 2 after a usage error. */
static int finish_args(compare_opts *o, int argc, char **argv)
{
    if (o->cli.quiet && o->cli.progress) return pb_usage_error("%s", "--quiet and --progress exclude each other");
    const int n = argc - optind;
    if (n < 1 || n > 2) return pb_usage_error("'compare' takes one or two scenario files (A, and B), not %d", n);
    o->cli.scenario = argv[optind];
    o->file_b = n == 2 ? argv[optind + 1] : NULL;
    if (!o->file_b && o->n_sets_b == 0)
        return pb_usage_error("%s", "'compare' needs B: a second scenario file or --set-b PATH=VALUE (or both)");
    return 0;
}

/* B: its file (or A's) with --set, then --set-b; positions inside the
 * overrides read --set:N:COL and --set-b:N:COL. */
static pb_scenario *load_b(const compare_opts *o, pb_status *st)
{
    const int n = o->cli.n_sets + o->n_sets_b;
    char **all = calloc((size_t)n + 1, sizeof *all);
    pb_override_label *lab = calloc((size_t)n + 1, sizeof *lab);
    pb_scenario *sc = NULL;
    if (!all || !lab) *st = pb_raise(PB_ENOMEM, NULL, "out of memory");
    else {
        for (int i = 0; i < o->cli.n_sets; i++) all[i] = o->cli.sets[i], lab[i] = (pb_override_label){"--set", i + 1};
        for (int i = 0; i < o->n_sets_b; i++)
            all[o->cli.n_sets + i] = o->sets_b[i], lab[o->cli.n_sets + i] = (pb_override_label){"--set-b", i + 1};
        sc = pb_scenario_load_labelled(o->file_b ? o->file_b : o->cli.scenario, all, lab, n, st);
    }
    free(lab);
    free(all);
    return sc;
}

static bool same_levels(const pb_scenario *a, const pb_scenario *b)
{
    if (a->n_quantiles != b->n_quantiles) return false;
    for (int k = 0; k < a->n_quantiles; k++)
        if (a->quantiles[k] != b->quantiles[k]) return false;
    return true;
}

/* The checks across A and B (before any path).  Different years: input
 * error naming both.  Different quantile levels, depreciation windows or
 * seeds: a note on stderr; A's are used. */
static pb_status check_pair(const pb_scenario *a, const pb_scenario *b, bool have_seed)
{
    if (a->start != b->start || a->end != b->end)
        return pb_raise(PB_EINPUT, NULL, "A (%s) runs over %d-%d and B (%s) over %d-%d; 'compare' needs the same years",
                        a->file, a->start, a->end, b->file, b->start, b->end);
    if (!same_levels(a, b))
        fprintf(stderr, "payback: note: B's output.quantiles differ from A's; /a, /b and /diff all use A's levels\n");
    if (a->window_from != b->window_from || a->window_through != b->window_through)
        fprintf(stderr, "payback: note: B's output.depreciation_window differs from A's; each scenario's "
                        "understated_depreciation_window uses its own window, the file's attribute is A's\n");
    if (!have_seed && a->seed != b->seed)
        fprintf(stderr, "payback: note: B's seed differs from A's; both run on A's seed (%llu), as they must to "
                        "share their random numbers\n", (unsigned long long)a->seed);
    return PB_OK;
}

static pb_status run_compare(const compare_opts *o, const pb_scenario *a, const pb_scenario *b, int argc, char **argv)
{
    pb_compare_opts co = {.paths = pb_cli_paths(&o->cli, a, 0),
                          .seed = pb_cli_seed(&o->cli, a),
                          .threads = pb_cli_threads(&o->cli),
                          .progress = pb_cli_progress(&o->cli)};
    char *out_path;
    pb_status st = pb_cli_out_path(&o->cli, a, "compare", &out_path);
    if (st == PB_OK && o->file_b) st = pb_check_output(out_path, &o->file_b, 1, o->cli.force);
    if (st != PB_OK) {
        free(out_path);
        return st;
    }
    pb_compare_result r;
    st = pb_compare_run(a, b, &co, &r);
    if (st == PB_OK) {
        pb_run_info info;
        pb_cli_fill_info(&info, a, co.seed);
        info.paths = co.paths;
        info.threads = r.threads;
        info.command = "compare";
        info.argc = argc;
        info.argv = argv;
        pb_compare_b cb = {b, o->sets_b, o->n_sets_b};
        st = pb_compare_write(out_path, &info, &cb, &r);
        /* A comparison whose file cannot be written prints no table. */
        if (st == PB_OK) {
            pb_compare_print(stdout, &info, &cb, &r);
            if (fflush(stdout) != 0) st = pb_raise(PB_EIO, NULL, "cannot write the table to standard output");
        }
    }
    pb_compare_result_clear(&r);
    free(out_path);
    return st;
}

/* compare's own option, --set-b. */
static int compare_option(void *ctx, int c, char *arg)
{
    compare_opts *o = ctx;
    if (c != OPT_SET_B) return pb_usage_error("%s", "unknown or incomplete option to 'compare'");
    o->sets_b[o->n_sets_b++] = arg;
    return 0;
}

int pb_cmd_compare(int argc, char **argv)
{
    static const struct option longopts[] = {PB_CLI_LONGOPTS, {"set-b", required_argument, 0, OPT_SET_B}, {0, 0, 0, 0}};
    compare_opts o = {0};
    if (pb_cli_init(&o.cli, argc) != PB_OK) return 1;
    if (!(o.sets_b = calloc((size_t)argc + 1, sizeof *o.sets_b))) {
        pb_cli_clear(&o.cli);
        return pb_exit_code(pb_raise(PB_ENOMEM, NULL, "out of memory"));
    }
    int rc = pb_cli_options(&o.cli, argc, argv, longopts, compare_option, &o);
    if (rc == 0) rc = finish_args(&o, argc, argv);
    if (rc == 0) {
        pb_status st;
        pb_scenario *a = pb_cli_load(&o.cli, NULL, 0, &st), *b = a ? load_b(&o, &st) : NULL;
        if (a && b) st = check_pair(a, b, o.cli.have_seed);
        if (st == PB_OK) st = run_compare(&o, a, b, o.cli.argc, o.cli.argv);
        pb_scenario_free(b);
        pb_scenario_free(a);
        rc = pb_exit_code(st);
    }
    free(o.sets_b);
    pb_cli_clear(&o.cli);
    return rc;
}
