/* run.c: blocks of paths on OpenMP threads; exact merge of statistics. */
#include "payback/run.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <omp.h>

#include "payback/draws.h"
#include "payback/path.h"
#include "payback/rng.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void pb_run_result_clear(pb_run_result *res)
{
    pb_summary_free(res->summary);
    free(res->stored.series);
    free(res->stored.metric);
    free(res->stored.irr_kind);
    free(res->stored.nonfinite);
    memset(res, 0, sizeof *res);
}

static void progress_line(int64_t done, int64_t total, double t0, bool final)
{
    double el = now() - t0, rate = el > 0 ? (double)done / el : 0;
    double left = rate > 0 ? (double)(total - done) / rate : 0;
    bool tty = isatty(2);
    fprintf(stderr, "%s%lld/%lld paths, %.0f paths/s, %s %.0f s%s", tty ? "\r" : "", (long long)done,
            (long long)total, rate, final ? "took" : "about", final ? el : left, tty && !final ? "   " : "\n");
    fflush(stderr);
}

pb_status pb_run_mc(const pb_scenario *sc, const pb_run_opts *o, pb_run_result *res)
{
    memset(res, 0, sizeof *res);
    const int H = sc->n_years, T = o->threads;
    const int64_t N = o->paths, n_blocks = (N + PB_BLOCK - 1) / PB_BLOCK;
    const size_t stride = (size_t)PB_N_SERIES * (size_t)H;
    pb_status st = PB_OK;
    pb_sampler *sampler = pb_sampler_alloc(sc);
    pb_acc **acc = calloc((size_t)T, sizeof *acc);
    pb_sketch_plan **plans = NULL;
    const int64_t n_pilot = N < PB_PILOT ? N : PB_PILOT;
    pb_status *tstatus = calloc((size_t)T, sizeof *tstatus);
    double q[PB_MAX_QUANTILES + 3];
    int nq = pb_report_quantiles(sc, q);
    if (!sampler) return PB_ENOMEM; /* already raised */
    if (!acc || !tstatus) { st = pb_raise(PB_ENOMEM, NULL, "out of memory"); goto done; }
    if (!(plans = calloc((size_t)T, sizeof *plans))) { st = pb_raise(PB_ENOMEM, NULL, "out of memory"); goto done; }
    for (int i = 0; i < T; i++)
        if (!(plans[i] = pb_sketch_plan_alloc(H))) { st = PB_ENOMEM; goto done; }
    pb_stored_paths *sp = &res->stored;
    sp->n = o->store_paths < N ? o->store_paths : N;
    sp->n_years = H;
    if (sp->n > 0 &&
        (!(sp->series = malloc((size_t)sp->n * stride * sizeof(double))) ||
         !(sp->metric = malloc((size_t)sp->n * PB_N_METRICS * sizeof(double))) ||
         !(sp->irr_kind = malloc((size_t)sp->n)) || !(sp->nonfinite = malloc((size_t)sp->n)))) {
        st = pb_raise(PB_ENOMEM, NULL, "cannot keep %lld paths for --store-paths", (long long)sp->n);
        goto done;
    }

    int64_t done_paths = 0;
    int failed = 0;
    const double t0 = now();
    double last_report = t0;
    const uint64_t seed = o->seed;
    const bool progress = o->progress;
#pragma omp parallel num_threads(T) default(none) \
    shared(sc, sampler, acc, plans, tstatus, sp, done_paths, failed, last_report) \
    firstprivate(H, N, n_blocks, n_pilot, stride, seed, progress, t0)
    {
        const int tid = omp_get_thread_num();
        pb_path_ws *ws = pb_path_ws_alloc(H);       /* once per thread */
        gsl_rng *rng = pb_rng_alloc();
        pb_path_in *in = malloc(sizeof *in);
        if (!ws || !rng || !in) {
            tstatus[tid] = PB_ENOMEM;
#pragma omp atomic write
            failed = 1;
        }
        /* Pilot: the first paths of the run fix each cell's sketch window
         * (the same paths for any threads, ranks or parts; min and max
         * merge in any order). */
#pragma omp for schedule(static)
        for (int64_t p = 0; p < n_pilot; p++) {
            if (!ws || !rng || !in) continue;
            pb_path_out out;
            pb_draw_path(sampler, seed, (uint64_t)p, rng, in);
            pb_path_simulate(in, ws, &out);
            pb_sketch_plan_observe(plans[tid], &out);
        }
#pragma omp single
        {
            for (int i = 1; i < omp_get_num_threads(); i++) pb_sketch_plan_merge(plans[0], plans[i]);
            for (int i = 0; i < omp_get_num_threads(); i++)
                if (!(acc[i] = pb_acc_alloc(sc->start, H, PB_BLOCK, plans[0]))) {
                    tstatus[tid] = PB_ENOMEM;
#pragma omp atomic write
                    failed = 1;
                    break;
                }
        }
        pb_acc *a = acc[tid];
#pragma omp for schedule(dynamic, 1)
        for (int64_t b = 0; b < n_blocks; b++) {
            int stop;
#pragma omp atomic read
            stop = failed;
            if (stop) continue;
            const int64_t first = b * PB_BLOCK, end = first + PB_BLOCK < N ? first + PB_BLOCK : N;
            for (int64_t p = first; p < end; p++) {
                pb_path_out out;
                pb_draw_path(sampler, seed, (uint64_t)p, rng, in);
                pb_path_simulate(in, ws, &out);
                pb_acc_add(a, &out);
                if (p < sp->n) {
                    memcpy(sp->series + (size_t)p * stride, out.series, stride * sizeof(double));
                    memcpy(sp->metric + (size_t)p * PB_N_METRICS, out.metric, sizeof out.metric);
                    sp->irr_kind[p] = (unsigned char)out.irr_kind;
                    sp->nonfinite[p] = out.nonfinite;
                }
            }
            pb_acc_flush(a);  /* the end of a block: the same blocks whatever the threads */
            int64_t d;
#pragma omp atomic capture
            d = done_paths += end - first;
            if (progress && tid == 0) {
                double t = now();
                if (t - last_report > (isatty(2) ? 0.5 : 5.0)) {
                    last_report = t;
                    progress_line(d, N, t0, false);
                }
            }
        }
        pb_path_ws_free(ws);
        pb_rng_free(rng);
        free(in);
    }
    for (int i = 0; i < T && st == PB_OK; i++)
        if (tstatus[i] != PB_OK) st = pb_raise(tstatus[i], NULL, "a thread could not allocate its workspace");
    if (st != PB_OK) goto done;
    if (progress) progress_line(N, N, t0, true);
    /* Exact sums and integer counts: the order of this merge does not
     * change a bit of the result. */
    for (int i = 1; i < T && st == PB_OK; i++) st = pb_acc_merge(acc[0], acc[i]);
    if (st != PB_OK) goto done;
    res->seconds = now() - t0;
    res->threads = T;
    res->stats_bytes = pb_acc_bytes(acc[0]);
    if (!(res->summary = pb_summary_alloc(sc->start, H, nq, q))) { st = PB_ENOMEM; goto done; }
    st = pb_acc_finish(acc[0], res->summary);
done:
    if (acc)
        for (int i = 0; i < T; i++) pb_acc_free(acc[i]);
    free(acc);
    if (plans)
        for (int i = 0; i < T; i++) pb_sketch_plan_free(plans[i]);
    free(plans);
    free(tstatus);
    pb_sampler_free(sampler);
    if (st != PB_OK) pb_run_result_clear(res);
    return st;
}
