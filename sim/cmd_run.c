/* cmd_run.c: payback run (interfaces.md §2): one Monte Carlo run, or the
 * central path with --deterministic, into a result file and the summary
 * table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "payback/draws.h"
#include "payback/par.h"
#include "payback/path.h"
#include "payback/precision.h"
#include "payback/run.h"

enum { OPT_DET = PB_OPT_FIRST_OWN, OPT_STORE, OPT_RANGE, OPT_PRECISION, OPT_BATCH };

typedef struct {
    pb_cli cli;
    bool deterministic;
    long long store_paths;
    bool have_range;       /* --paths A:B */
    long long range_first, range_end;
    char **precision;      /* the --precision targets (in cli's argc + 1 slots) */
    int n_precision;
    long long batch;       /* --batch: 0 until given */
} run_opts;

static pb_status run_deterministic(const pb_scenario *sc, const run_opts *o, const char *out_path)
{
    pb_status st = PB_ENOMEM;
    pb_path_in *in = malloc(sizeof *in);
    pb_path_ws *ws = pb_path_ws_alloc(sc->n_years);
    pb_summary *s = NULL;
    double q[PB_MAX_QUANTILES + 3];
    int nq = pb_report_quantiles(sc, q);
    if (!in || !ws || !(s = pb_summary_alloc(sc->start, sc->n_years, nq, q))) {
        if (!in) pb_raise(PB_ENOMEM, NULL, "out of memory");
        goto done;
    }
    pb_path_in_central(sc, in);
    pb_path_out out;
    pb_path_simulate(in, ws, &out);
    unsigned char kind = (unsigned char)out.irr_kind, bad = out.nonfinite;
    if ((st = pb_summary_exact(s, 1, out.series, out.metric, &kind, &bad)) != PB_OK) goto done;
    pb_run_info info;
    pb_cli_fill_info(&info, sc, pb_cli_seed(&o->cli, sc));
    info.paths = 1;
    info.threads = 1;
    info.deterministic = true;
    /* --store-paths keeps the one path (rank 0 writes it). */
    int64_t zero = 0;
    pb_path_set one = {1, sc->n_years, &zero, out.series, out.metric, &kind, &bad};
    pb_paths_part pp = {pb_par_rank() == 0 ? &one : NULL, 0, o->store_paths > 0 ? 1 : 0, sc, info.seed, true};
    st = pb_finish_run(out_path, &info, s, &pp, NULL);
done:
    pb_summary_free(s);
    pb_path_ws_free(ws);
    free(in);
    return st;
}

static pb_status run_monte_carlo(const pb_scenario *sc, const run_opts *o, const char *out_path)
{
    const int64_t N = pb_cli_paths(&o->cli, sc, 0);
    pb_run_opts ro = {
        .paths = N,
        .first = o->have_range ? o->range_first : 0,
        .end = o->have_range ? o->range_end : N,
        .seed = pb_cli_seed(&o->cli, sc),
        .threads = pb_cli_threads(&o->cli),
        .store_paths = o->store_paths,
        .progress = pb_cli_progress(&o->cli),
    };
    if (ro.end > N) return pb_raise(PB_EUSAGE, NULL, "--paths %lld:%lld reaches past the run's %lld paths",
                                    (long long)ro.first, (long long)ro.end, (long long)N);
    /* For the tests of failure handling (tests/mpi.sh): the rank named by
     * PAYBACK_TEST_FAIL_RANK fails between the kernel and the merge. */
    const char *fail_rank = getenv("PAYBACK_TEST_FAIL_RANK");
    ro.test_fail_rank = fail_rank ? atoi(fail_rank) + 1 : 0;
    pb_run_result res;
    pb_status st = pb_run_mc(sc, &ro, &res);
    if (st != PB_OK) return st;
    if (ro.progress && res.ranks > 1)
        fprintf(stderr, "rank %d: %.3f s in the kernel, %llu bytes of statistics sent in the merge, %.3f s merging\n",
                pb_par_rank(), res.seconds, (unsigned long long)res.bytes_sent, res.merge_seconds);
    pb_run_info info;
    pb_cli_fill_info(&info, sc, ro.seed);
    info.paths = N;
    info.threads = res.threads;
    info.partial = o->have_range;
    info.paths_first = ro.first;
    info.paths_end = ro.end;
    int64_t kept_end = ro.store_paths < ro.end ? ro.store_paths : ro.end;
    pb_paths_part pp = {&res.stored, ro.first, kept_end > ro.first ? kept_end - ro.first : 0, sc, ro.seed, false};
    pb_state_part state = {res.acc, &res.edges, ro.first, ro.end};
    st = pb_finish_run(out_path, &info, res.summary, &pp, o->have_range ? &state : NULL);
    pb_run_result_clear(&res);
    return st;
}

/* Prints each target's estimate, interval half-width, tolerance and
 * whether it was met; a warning on stderr when the limit came first. */
static void print_precision(const pb_precision *p, const pb_precision_result *r, int64_t limit)
{
    printf("\nprecision (95 %% interval half-width against the tolerance), %lld paths used of at most %lld:\n",
           (long long)r->paths, (long long)limit);
    for (int i = 0; i < p->n; i++)
        printf("  %-40s %14.6g  +- %-12.4g tol %-12.4g %s\n", p->t[i].text, p->estimate[i], p->half[i], p->tol[i],
               p->met[i] ? "met" : "NOT met");
    if (r->reached) return;
    fprintf(stderr, "payback: warning: the path limit (%lld) came before the targets", (long long)limit);
    for (int i = 0, first = 1; i < p->n; i++)
        if (!p->met[i]) fprintf(stderr, "%s %s", first ? ":" : ",", p->t[i].text), first = 0;
    fprintf(stderr, " (raise -n, or loosen the tolerance)\n");
}

/* run --precision (docs/model.md §10.5): batches until the targets are met. */
static pb_status run_precision(pb_scenario *sc, const run_opts *o, const char *out_path)
{
    pb_precision *p = calloc(1, sizeof *p);
    if (!p) return pb_raise(PB_ENOMEM, NULL, "out of memory");
    pb_status st = PB_OK;
    p->n = o->n_precision;
    for (int i = 0; st == PB_OK && i < p->n; i++) st = pb_target_parse(o->precision[i], sc, true, "--precision", i + 1, &p->t[i]);
    if (st == PB_OK) st = pb_precision_levels(sc, p);
    const int64_t N = pb_cli_paths(&o->cli, sc, 0);
    pb_run_opts ro = {.paths = N, .seed = pb_cli_seed(&o->cli, sc), .threads = pb_cli_threads(&o->cli),
                      .store_paths = o->store_paths, .progress = pb_cli_progress(&o->cli)};
    pb_precision_result r;
    if (st == PB_OK) st = pb_run_precision(sc, &ro, o->batch ? o->batch : PB_DEFAULT_BATCH, p, &r);
    if (st != PB_OK) {
        free(p);
        return st;
    }
    pb_run_info info;
    pb_cli_fill_info(&info, sc, ro.seed);
    info.paths = r.paths;
    info.threads = r.threads;
    info.precision = p;
    info.precision_reached = r.reached;
    int64_t kept = ro.store_paths < r.paths ? ro.store_paths : r.paths;
    pb_paths_part pp = {&r.stored, 0, kept, sc, ro.seed, false};
    st = pb_finish_run(out_path, &info, r.summary, &pp, NULL);
    if (st == PB_OK && pb_par_rank() == 0) {
        print_precision(p, &r, N);
        if (fflush(stdout) != 0) st = pb_raise(PB_EIO, NULL, "cannot write the summary to standard output");
    }
    pb_precision_result_clear(&r);
    free(p);
    return st;
}

/* run's own options; the shared ones are in o->cli. */
static int run_option(void *ctx, int c, char *arg)
{
    run_opts *o = ctx;
    unsigned long long v, w;
    char *colon;
    switch (c) {
    case OPT_DET: o->deterministic = true; return 0;
    case OPT_STORE:
        if (!pb_parse_u64(arg, &v) || v > (unsigned long long)1e9)
            return pb_usage_error("--store-paths takes a number of paths from 0 to 1e9, not '%s'", arg);
        o->store_paths = (long long)v;
        return 0;
    case OPT_RANGE:
        colon = strchr(arg, ':');
        if (colon) *colon = 0;
        if (!colon || !pb_parse_u64(arg, &v) || !pb_parse_u64(colon + 1, &w) || v >= w) {
            if (colon) *colon = ':';
            return pb_usage_error("--paths takes A:B with 0 <= A < B, not '%s'", arg);
        }
        *colon = ':';
        o->have_range = true;
        o->range_first = (long long)v;
        o->range_end = (long long)w;
        return 0;
    case OPT_PRECISION: o->precision[o->n_precision++] = arg; return 0;
    case OPT_BATCH:
        if (!pb_parse_u64(arg, &v) || v < PB_BLOCK || v % PB_BLOCK || v > (unsigned long long)1e12)
            return pb_usage_error("--batch takes a number of paths, a positive multiple of %d, not '%s'", PB_BLOCK, arg);
        o->batch = (long long)v;
        return 0;
    default: return pb_usage_error("%s", "unknown or incomplete option to 'run'");
    }
}

int pb_cmd_run(int argc, char **argv)
{
    static const struct option longopts[] = {
        PB_CLI_LONGOPTS, {"deterministic", no_argument, 0, OPT_DET},
        {"store-paths", required_argument, 0, OPT_STORE}, {"paths", required_argument, 0, OPT_RANGE},
        {"precision", required_argument, 0, OPT_PRECISION}, {"batch", required_argument, 0, OPT_BATCH}, {0, 0, 0, 0}};
    run_opts o = {0};
    if (pb_cli_init(&o.cli, argc) != PB_OK) return 1;
    if (!(o.precision = calloc((size_t)argc + 1, sizeof *o.precision))) {
        pb_cli_clear(&o.cli);
        return pb_exit_code(pb_raise(PB_ENOMEM, NULL, "out of memory"));
    }
    int rc = pb_cli_parse(&o.cli, argc, argv, longopts, run_option, &o, "run");
    if (rc == 0 && o.have_range && o.deterministic)
        rc = pb_usage_error("%s", "--paths splits a Monte Carlo run; --deterministic has one path");
    if (rc == 0 && o.n_precision && (o.deterministic || o.have_range))
        rc = pb_usage_error("--precision runs batches of paths until its targets are met; it excludes %s",
                            o.deterministic ? "--deterministic" : "--paths");
    if (rc == 0 && o.n_precision > PB_MAX_TARGETS) rc = pb_usage_error("at most %d --precision targets", PB_MAX_TARGETS);
    if (rc == 0 && o.batch && !o.n_precision) rc = pb_usage_error("%s", "--batch sets the batches of --precision");
    if (rc != 0) goto done;

    pb_status st;
    pb_scenario *sc = pb_cli_load(&o.cli, NULL, 0, &st);
    if (!sc) { rc = pb_exit_code(st); goto done; }
    char *out_path = NULL;
    st = pb_cli_out_path(&o.cli, sc, NULL, &out_path);
    if (st != PB_OK) {
    } else if (o.deterministic) st = run_deterministic(sc, &o, out_path);
    else if (o.n_precision) st = run_precision(sc, &o, out_path);
    else st = run_monte_carlo(sc, &o, out_path);
    free(out_path);
    pb_scenario_free(sc);
    rc = pb_exit_code(st);
done:
    free(o.precision);
    pb_cli_clear(&o.cli);
    return rc;
}
