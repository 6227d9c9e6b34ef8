/* cmd_sweep.c: payback sweep (interfaces.md §4): a grid over fixed values
 * of one or more parameters, every point a Monte Carlo run of N paths on
 * the same seed, so that points differ only by the swept values (common
 * random numbers, docs/model.md §10).  One file: §3's groups with one
 * leading dimension per varied parameter (write_sweep.c); one table row
 * per point. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "outfile.h"
#include "payback/run.h"
#include "vary.h"

enum { OPT_VARY = PB_OPT_FIRST_OWN };

typedef struct {
    pb_cli cli;
    pb_vary vary[PB_SWEEP_MAX_DIMS];
    int nv;
    int64_t points;            /* the product of the value counts */
    char (*set)[200];          /* [nv]: "PATH=VALUE" of the current point */
    char *setp[PB_SWEEP_MAX_DIMS];
} sweep_opts;

/* The point p's index along each dimension (the last varies fastest, as
 * the file's row-major order), and its --set texts. */
static void point(sweep_opts *o, int64_t p, int *idx)
{
    for (int j = o->nv - 1; j >= 0; j--) {
        idx[j] = (int)(p % o->vary[j].n);
        p /= o->vary[j].n;
    }
    for (int j = 0; j < o->nv; j++) {
        pb_vary_set_text(&o->vary[j], o->vary[j].v[idx[j]], o->set[j], sizeof o->set[j]);
        o->setp[j] = o->set[j];
    }
}

/* Loads every point's scenario (the scenario file with --set, then the
 * point's values), so that no path is run before all of them are valid. */
static pb_status validate_points(sweep_opts *o)
{
    int idx[PB_SWEEP_MAX_DIMS];
    for (int64_t p = 0; p < o->points; p++) {
        point(o, p, idx);
        pb_status st;
        pb_scenario *sc = pb_cli_load(&o->cli, o->setp, o->nv, &st);
        pb_scenario_free(sc);
        if (!sc) {
            if (st != PB_EINPUT && st != PB_EUSAGE) return st;
            char what[1024] = "";
            for (int j = 0; j < o->nv; j++)
                snprintf(what + strlen(what), sizeof what - strlen(what), "%s%s", j ? ", " : "", o->set[j]);
            int last = o->nv - 1;
            return pb_vary_error(&o->vary[last], idx[last], "found a point (%s) at which the scenario is invalid "
                                 "(above, where --set:%d and after are the point's values); expected a valid scenario "
                                 "at every point",
                                 what, o->cli.n_sets + 1);
        }
    }
    return PB_OK;
}

/* The level 0.5 among s's quantiles (pb_report_quantiles adds it). */
static int median_index(const pb_summary *s)
{
    for (int k = 0; k < s->n_quantiles; k++)
        if (fabs(s->quantiles[k] - 0.5) < 1e-12) return k;
    return 0;
}

static void table_head(FILE *f, const sweep_opts *o, const pb_scenario *sc)
{
    for (int j = 0; j < o->nv; j++) fprintf(f, "%s%s", j ? "\t" : "", o->vary[j].path);
    for (int y = 0; y < sc->n_target_years; y++)
        for (int m = 0; m < PB_N_METHODS; m++) fprintf(f, "\tP(gap_%s<=0)@%d", pb_method_names[m], sc->target_years[y]);
    fprintf(f, "\tnpv_median\tP(payback<=%d)\n", sc->end);
}

/* One row: the point's values, P(gap <= 0) per target year and method, the
 * NPV median and P(payback by the last year) (model.md §9). */
static void table_row(FILE *f, const sweep_opts *o, const int *idx, const pb_scenario *sc, const pb_summary *s)
{
    for (int j = 0; j < o->nv; j++) fprintf(f, "%s%.10g", j ? "\t" : "", o->vary[j].v[idx[j]]);
    for (int y = 0; y < sc->n_target_years; y++)
        for (int m = 0; m < PB_N_METHODS; m++) fprintf(f, "\t%.4f", s->p_closed[m][sc->target_years[y] - s->start]);
    int64_t by = 0;
    for (int t = 0; t < s->n_years; t++) by += s->metric[PB_M_PAYBACK_YEAR].hist[t];
    fprintf(f, "\t%.2f\t%.4f\n", s->metric[PB_M_NPV].q[median_index(s)], s->n ? (double)by / (double)s->n : NAN);
}

/* Runs point p into the file and the table. */
static pb_status run_point(sweep_opts *o, int64_t p, const pb_run_opts *ro, pb_sweep_out *out, FILE *table,
                           const pb_scenario *base)
{
    int idx[PB_SWEEP_MAX_DIMS];
    point(o, p, idx);
    pb_status st;
    pb_scenario *sc = pb_cli_load(&o->cli, o->setp, o->nv, &st);
    if (!sc) return st;
    pb_run_result res;
    if ((st = pb_run_mc(sc, ro, &res)) == PB_OK) {
        st = pb_sweep_out_put(out, idx, res.summary);
        if (st == PB_OK) table_row(table, o, idx, base, res.summary);
        pb_run_result_clear(&res);
    }
    pb_scenario_free(sc);
    if (st == PB_OK && ro->progress) fprintf(stderr, "\rsweep: point %lld of %lld", (long long)p + 1, (long long)o->points);
    return st;
}

/* The whole sweep, into out_path, the table printed once the file is. */
static pb_status sweep(sweep_opts *o, pb_scenario *base, const char *out_path, int argc, char **argv)
{
    pb_run_opts ro = {.paths = pb_cli_paths(&o->cli, base, 0), .seed = pb_cli_seed(&o->cli, base),
                      .threads = pb_cli_threads(&o->cli), .progress = pb_cli_progress(&o->cli)};
    ro.end = ro.paths;
    pb_run_info info;
    pb_cli_fill_info(&info, base, ro.seed);
    info.paths = ro.paths;
    info.threads = ro.threads;
    info.command = "sweep";
    info.argc = argc;
    info.argv = argv;
    pb_sweep_dim dim[PB_SWEEP_MAX_DIMS];
    for (int j = 0; j < o->nv; j++) dim[j] = (pb_sweep_dim){o->vary[j].path, o->vary[j].n, o->vary[j].v};
    double q[PB_MAX_QUANTILES + 3];
    pb_summary *shape = pb_summary_alloc(base->start, base->n_years, pb_report_quantiles(base, q), q);
    char *text = NULL;
    size_t text_len = 0;
    FILE *table = open_memstream(&text, &text_len);
    pb_sweep_out *out = NULL;
    pb_status st = shape && table ? PB_OK : pb_raise(PB_ENOMEM, NULL, "out of memory");
    if (st == PB_OK) st = pb_sweep_out_begin(out_path, &info, dim, o->nv, shape, &out);
    if (st == PB_OK) table_head(table, o, base);
    const bool progress = ro.progress;
    ro.progress = false; /* one line per point, not per run */
    for (int64_t p = 0; p < o->points && st == PB_OK; p++) st = run_point(o, p, &ro, out, table, base);
    if (progress) fprintf(stderr, "\n");
    st = pb_sweep_out_end(out, st);
    if (table) fclose(table);
    if (st == PB_OK) {
        printf("payback %s: sweep of scenario %s (%s), %lld points of %lld paths, seed %llu\n", info.version,
               info.scenario_name, info.scenario_file, (long long)o->points, (long long)ro.paths,
               (unsigned long long)ro.seed);
        fputs(text, stdout);
        if (fflush(stdout) != 0) st = pb_raise(PB_EIO, NULL, "cannot write the table to standard output");
    }
    free(text);
    pb_summary_free(shape);
    return st;
}

static int sweep_option(void *ctx, int c, char *arg)
{
    sweep_opts *o = ctx;
    if (c != OPT_VARY) return pb_usage_error("%s", "unknown or incomplete option to 'sweep'");
    if (o->nv == PB_SWEEP_MAX_DIMS) return pb_usage_error("'sweep' takes at most %d --vary", PB_SWEEP_MAX_DIMS);
    pb_status st = pb_vary_parse(arg, o->nv + 1, false, &o->vary[o->nv]);
    o->nv++;
    return pb_exit_code(st);
}

/* Everything that needs the scenario: the --vary checks, the grid size,
 * every point valid; then the sweep. */
static pb_status sweep_checked(sweep_opts *o, pb_scenario *base, int argc, char **argv)
{
    pb_status st = pb_vary_check(o->vary, o->nv, base);
    double points = 1;
    for (int j = 0; j < o->nv; j++) points *= o->vary[j].n;
    if (st == PB_OK && points > PB_SWEEP_MAX_POINTS)
        st = pb_vary_error(&o->vary[o->nv - 1], 0, "found a grid of %.0f points; expected at most %d (the product "
                           "of the --vary value counts)", points, PB_SWEEP_MAX_POINTS);
    o->points = (int64_t)points;
    if (st == PB_OK && !(o->set = calloc((size_t)o->nv, sizeof *o->set))) st = pb_raise(PB_ENOMEM, NULL, "out of memory");
    if (st == PB_OK) st = validate_points(o);
    char *out_path = NULL;
    if (st == PB_OK) st = pb_cli_out_path(&o->cli, base, "sweep", &out_path);
    if (st == PB_OK) st = sweep(o, base, out_path, argc, argv);
    free(out_path);
    free(o->set);
    return st;
}

int pb_cmd_sweep(int argc, char **argv)
{
    static const struct option longopts[] = {PB_CLI_LONGOPTS, {"vary", required_argument, 0, OPT_VARY}, {0, 0, 0, 0}};
    sweep_opts o = {0};
    if (pb_cli_init(&o.cli, argc) != PB_OK) return 1;
    int rc = pb_cli_parse(&o.cli, argc, argv, longopts, sweep_option, &o, "sweep");
    if (rc == 0 && o.nv == 0) rc = pb_usage_error("%s", "'sweep' needs at least one --vary PATH=LO:HI:STEP or PATH=V1,V2,...");
    if (rc == 0) {
        pb_status st;
        pb_scenario *base = pb_cli_load(&o.cli, NULL, 0, &st);
        if (base) st = sweep_checked(&o, base, o.cli.argc, o.cli.argv);
        pb_scenario_free(base);
        rc = pb_exit_code(st);
    }
    for (int j = 0; j < o.nv; j++) pb_vary_clear(&o.vary[j]);
    pb_cli_clear(&o.cli);
    return rc;
}
