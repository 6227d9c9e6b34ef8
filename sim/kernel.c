/* kernel.c: the parallel loop over a partition's tasks (kernel.h). */
#include "payback/kernel.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <omp.h>

#include "payback/par.h"
#include "payback/rng.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
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

/* The line while rank 0 waits for the other ranks' last counts. */
typedef struct {
    int64_t total;
    double t0;
} progress_ctx;

static void progress_report(void *ctx, int64_t sum)
{
    const progress_ctx *c = ctx;
    progress_line(sum, c->total, c->t0, false);
}

/* One thread's scratch: allocated once, outside the loop. */
typedef struct {
    pb_path_ws *ws;
    gsl_rng *rng;
    pb_path_in *in;
} scratch;

static pb_status scratch_alloc(scratch *sc, int H)
{
    sc->ws = pb_path_ws_alloc(H);
    sc->rng = pb_rng_alloc();
    sc->in = malloc(sizeof *sc->in);
    return sc->ws && sc->rng && sc->in ? PB_OK : PB_ENOMEM;
}

static void scratch_free(scratch *sc)
{
    pb_path_ws_free(sc->ws);
    pb_rng_free(sc->rng);
    free(sc->in);
}

/* The paths of one task through the model and every visitor. */
static void run_task(const pb_sampler *s, uint64_t seed, const pb_task *t, scratch *sc, pb_visitor *const *v,
                     void **ts, int nv, int T, int tid)
{
    for (int j = 0; j < nv; j++)
        if (v[j]->block_begin) v[j]->block_begin(ts[j * T + tid], t);
    for (int64_t p = t->first; p < t->end; p++) {
        pb_path_out out;
        pb_draw_path(s, seed, (uint64_t)p, sc->rng, sc->in);
        pb_path_simulate(sc->in, sc->ws, &out);
        for (int j = 0; j < nv; j++) v[j]->path(ts[j * T + tid], p, sc->in, &out);
    }
    for (int j = 0; j < nv; j++)
        if (v[j]->block_end) v[j]->block_end(ts[j * T + tid], t);
}

pb_status pb_kernel_run(const pb_sampler *s, const pb_partition *part, const pb_kernel_opts *o,
                        pb_visitor *const *v, int nv, double *seconds)
{
    const int T = o->threads, H = pb_sampler_years(s);
    void **ts = calloc((size_t)T * (size_t)(nv > 0 ? nv : 1), sizeof *ts);
    pb_status *tst = calloc((size_t)T, sizeof *tst);
    if (!ts || !tst) {
        free(ts);
        free(tst);
        for (int j = 0; j < nv; j++) v[j]->finish(v[j], NULL, 0, false);
        return pb_raise(PB_ENOMEM, NULL, "out of memory");
    }
    int failed = 0;
    int64_t done = 0;
    const double t0 = now();
    double last_report = t0;
    const bool progress = o->progress;
    const int64_t n_tasks = part->n_tasks;
    const int rank = pb_par_rank();
    /* Rank 0 prints every `every` seconds; the other ranks report to it
     * five times as often, so that the line is at most a fifth stale. */
    const double every = (isatty(2) ? 0.5 : 5.0) / (rank == 0 ? 1 : 5);
    if (progress) pb_par_progress_begin();
#pragma omp parallel num_threads(T) default(none) shared(s, part, o, v, ts, tst, failed, done, last_report) \
    firstprivate(T, H, nv, t0, progress, n_tasks, rank, every)
    {
        const int tid = omp_get_thread_num();
        scratch sc;
        pb_status st = scratch_alloc(&sc, H);
        for (int j = 0; j < nv && st == PB_OK; j++)
            if (!(ts[j * T + tid] = v[j]->thread_begin(v[j], tid, &st)) && st == PB_OK) st = PB_ENOMEM;
        if (st != PB_OK) {
            tst[tid] = st;
#pragma omp atomic write
            failed = 1;
        }
#pragma omp for schedule(dynamic, 1)
        for (int64_t k = 0; k < n_tasks; k++) {
            int stop;
#pragma omp atomic read
            stop = failed;
            if (stop) continue;
            const pb_task t = pb_partition_task(part, k);
            run_task(s, o->seed, &t, &sc, v, ts, nv, T, tid);
            int64_t d;
#pragma omp atomic capture
            d = done += t.end - t.first;
            const double t_now = progress && tid == 0 ? now() : 0;
            if (progress && tid == 0 && t_now - last_report > every) {
                last_report = t_now;
                /* Under MPI the line counts every rank's paths (rank 0 prints it). */
                const int64_t all = pb_par_progress(d);
                if (rank == 0) progress_line(all, o->progress_total, t0, false);
            }
        }
        scratch_free(&sc);
    }
    pb_status st = PB_OK;
    for (int i = 0; i < T && st == PB_OK; i++)
        if (tst[i] != PB_OK) st = pb_raise(tst[i], NULL, "thread %d could not start (its workspace or a visitor's state)", i);
    if (seconds) *seconds = now() - t0;
    if (progress) { /* every rank, even a failed one: rank 0 waits for their last counts */
        progress_ctx pc = {o->progress_total, t0};
        const int64_t all = pb_par_progress_end(done, progress_report, &pc, every);
        if (st == PB_OK && rank == 0) progress_line(all, o->progress_total, t0, true);
    }
    for (int j = 0; j < nv; j++) {
        pb_status sj = v[j]->finish(v[j], ts + (size_t)j * (size_t)T, T, st == PB_OK);
        if (st == PB_OK) st = sj;
    }
    free(ts);
    free(tst);
    return st;
}
