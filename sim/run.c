/* run.c: blocks of paths on MPI ranks and OpenMP threads; exact merge of
 * statistics. */
#include "payback/run.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <omp.h>

#include "payback/draws.h"
#include "payback/par.h"
#include "payback/path.h"
#include "payback/rng.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void pb_path_set_clear(pb_path_set *ps)
{
    free(ps->index);
    free(ps->series);
    free(ps->metric);
    free(ps->irr_kind);
    free(ps->nonfinite);
    memset(ps, 0, sizeof *ps);
}

static int cmp_pair(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

pb_status pb_path_set_alloc(pb_path_set *ps, int64_t n, int H)
{
    memset(ps, 0, sizeof *ps);
    ps->n_years = H;
    if (n <= 0) return PB_OK;
    ps->n = n;
    const size_t stride = (size_t)PB_N_SERIES * (size_t)H;
    if (!(ps->index = malloc((size_t)n * sizeof *ps->index)) || !(ps->series = malloc((size_t)n * stride * sizeof(double))) ||
        !(ps->metric = malloc((size_t)n * PB_N_METRICS * sizeof(double))) || !(ps->irr_kind = malloc((size_t)n)) ||
        !(ps->nonfinite = malloc((size_t)n))) {
        pb_path_set_clear(ps);
        return pb_raise(PB_ENOMEM, NULL, "cannot keep %lld paths", (long long)n);
    }
    return PB_OK;
}

static void path_set_put(pb_path_set *ps, int64_t slot, int64_t index, const pb_path_out *out)
{
    const size_t stride = (size_t)PB_N_SERIES * (size_t)ps->n_years;
    ps->index[slot] = index;
    memcpy(ps->series + (size_t)slot * stride, out->series, stride * sizeof(double));
    memcpy(ps->metric + (size_t)slot * PB_N_METRICS, out->metric, sizeof out->metric);
    ps->irr_kind[slot] = (unsigned char)out->irr_kind;
    ps->nonfinite[slot] = out->nonfinite;
}

static void path_set_get(const pb_path_set *ps, int64_t slot, pb_path_out *out)
{
    const size_t stride = (size_t)PB_N_SERIES * (size_t)ps->n_years;
    out->series = ps->series + (size_t)slot * stride;
    memcpy(out->metric, ps->metric + (size_t)slot * PB_N_METRICS, sizeof out->metric);
    out->irr_kind = (pb_irr_kind)ps->irr_kind[slot];
    out->nonfinite = ps->nonfinite[slot];
}

/* Puts a path set in index order (blocks finish in any order). */
static pb_status path_set_sort(pb_path_set *ps)
{
    if (ps->n < 2) return PB_OK;
    int64_t n = ps->n, *order = malloc((size_t)n * 2 * sizeof *order);
    pb_path_set tmp;
    if (!order || pb_path_set_alloc(&tmp, n, ps->n_years) != PB_OK) {
        free(order);
        return pb_raise(PB_ENOMEM, NULL, "out of memory");
    }
    /* Each block's paths are a run of consecutive indices in consecutive
     * slots; sorting (index, slot) pairs restores the order. */
    for (int64_t i = 0; i < n; i++) { order[2 * i] = ps->index[i]; order[2 * i + 1] = i; }
    qsort(order, (size_t)n, 2 * sizeof *order, cmp_pair);
    for (int64_t i = 0; i < n; i++) {
        pb_path_out o;
        path_set_get(ps, order[2 * i + 1], &o);
        path_set_put(&tmp, i, order[2 * i], &o);
    }
    free(order);
    pb_path_set_clear(ps);
    *ps = tmp;
    return PB_OK;
}

void pb_run_result_clear(pb_run_result *res)
{
    pb_summary_free(res->summary);
    pb_acc_free(res->acc);
    pb_path_set_clear(&res->stored);
    pb_path_set_clear(&res->edges);
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

pb_status pb_run_finish(const pb_scenario *sc, const pb_acc *acc, const pb_path_set *edges, pb_summary **out)
{
    double q[PB_MAX_QUANTILES + 3];
    int nq = pb_report_quantiles(sc, q);
    pb_status st = PB_OK;
    pb_acc *total = NULL, *part = NULL;
    if (!(*out = pb_summary_alloc(sc->start, sc->n_years, nq, q))) return PB_ENOMEM;
    if (edges->n == 0) {
        st = pb_acc_finish(acc, *out);
        goto done;
    }
    /* Edge paths, block by block in index order: the same block sums as
     * the run that computed the whole block at once.  Into a copy (block
     * buffer of one path: it takes merges only), so that acc stays the
     * state of the complete blocks. */
    if (!(total = pb_acc_alloc_like(acc, 1))) { st = PB_ENOMEM; goto done; }
    st = pb_acc_merge(total, acc);
    for (int64_t i = 0; st == PB_OK && i < edges->n;) {
        const int64_t block = edges->index[i] / PB_BLOCK;
        if (!(part = pb_acc_alloc_like(acc, PB_BLOCK))) { st = PB_ENOMEM; break; }
        for (; i < edges->n && edges->index[i] / PB_BLOCK == block; i++) {
            pb_path_out o;
            path_set_get(edges, i, &o);
            pb_acc_add(part, &o);
        }
        pb_acc_flush(part);
        st = pb_acc_merge(total, part);
        pb_acc_free(part);
        part = NULL;
    }
    if (st == PB_OK) st = pb_acc_finish(total, *out);
done:
    if (st != PB_OK) {
        pb_summary_free(*out);
        *out = NULL;
    }
    pb_acc_free(total);
    return st;
}

/* pb_par_reduce's callbacks: fold a child's packed state into ours; pack ours. */
static pb_status merge_packed(void *ctx, const void *blob, size_t len)
{
    pb_acc *a = ctx;
    pb_status st;
    pb_acc *b = pb_acc_unpack(blob, len, PB_BLOCK, &st);
    if (!b) return st;
    st = pb_acc_merge(a, b);
    pb_acc_free(b);
    return st;
}

static pb_status pack_acc(void *ctx, void **blob, size_t *len) { return pb_acc_pack(ctx, blob, len); }

pb_status pb_run_mc(const pb_scenario *sc, const pb_run_opts *o, pb_run_result *res)
{
    memset(res, 0, sizeof *res);
    const int H = sc->n_years, T = o->threads, rank = pb_par_rank(), ranks = pb_par_size();
    const int64_t N = o->paths, A = o->first, B = o->end > 0 ? o->end : N;
    pb_status st = PB_OK;
    pb_sampler *sampler = pb_sampler_alloc(sc);
    pb_acc **acc = calloc((size_t)T, sizeof *acc);
    pb_sketch_plan **plans = calloc((size_t)T, sizeof *plans);
    pb_status *tstatus = calloc((size_t)T, sizeof *tstatus);
    const int64_t n_pilot = N < PB_PILOT ? N : PB_PILOT;
    if (!sampler) st = PB_ENOMEM; /* already raised */
    else if (!acc || !plans || !tstatus) st = pb_raise(PB_ENOMEM, NULL, "out of memory");
    for (int i = 0; i < T && st == PB_OK; i++)
        if (!(plans[i] = pb_sketch_plan_alloc(H))) st = PB_ENOMEM;

    /* Blocks b_lo .. b_hi-1 meet the range.  A block the range covers only
     * in part is an edge: rank 0 computes its paths and keeps them whole,
     * so that a merge can add them to the other parts' in one block.  The
     * other blocks go to the ranks in contiguous ranges. */
    const int64_t b_lo = A / PB_BLOCK, b_hi = (B + PB_BLOCK - 1) / PB_BLOCK;
    const bool head_edge = A > b_lo * PB_BLOCK && b_lo < b_hi;
    const int64_t last_end = b_hi * PB_BLOCK < N ? b_hi * PB_BLOCK : N;
    const bool tail_edge = B < last_end && b_hi - 1 >= b_lo && !(head_edge && b_hi - 1 == b_lo);
    const int64_t i_lo = b_lo + head_edge, i_hi = b_hi - tail_edge; /* interior blocks */
    const int64_t n_int = i_hi > i_lo ? i_hi - i_lo : 0;
    const int64_t my_lo = i_lo + n_int * rank / ranks, my_hi = i_lo + n_int * (rank + 1) / ranks;
    /* This rank's work: its interior blocks, and on rank 0 the edges. */
    int64_t n_work = my_hi - my_lo;
    int64_t work[2] = {-1, -1};
    int n_edge_blocks = 0;
    if (rank == 0 && head_edge) work[n_edge_blocks++] = b_lo;
    if (rank == 0 && tail_edge) work[n_edge_blocks++] = b_hi - 1;
    int64_t edge_paths = 0;
    for (int e = 0; e < n_edge_blocks; e++) {
        int64_t lo = work[e] * PB_BLOCK > A ? work[e] * PB_BLOCK : A, hi = (work[e] + 1) * PB_BLOCK < B ? (work[e] + 1) * PB_BLOCK : B;
        edge_paths += hi - lo;
    }
    /* Stored paths: those of this rank's blocks with index < store_paths. */
    int64_t n_store = 0;
    for (int64_t k = 0; k < n_work + n_edge_blocks; k++) {
        int64_t b = k < n_work ? my_lo + k : work[k - n_work];
        int64_t lo = b * PB_BLOCK > A ? b * PB_BLOCK : A, hi = (b + 1) * PB_BLOCK < B ? (b + 1) * PB_BLOCK : B;
        if (hi > o->store_paths) hi = o->store_paths;
        if (hi > lo) n_store += hi - lo;
    }
    if (st == PB_OK) st = pb_path_set_alloc(&res->stored, n_store, H);
    if (st == PB_OK) st = pb_path_set_alloc(&res->edges, edge_paths, H);
    st = pb_par_agree(st);
    if (st != PB_OK) goto done;

    int64_t done_paths = 0, stored_next = 0, edge_next = 0;
    int failed = 0;
    const double t0 = now();
    double last_report = t0;
    const uint64_t seed = o->seed;
    const bool progress = o->progress && rank == 0;
    const int64_t store_limit = o->store_paths, n_tasks = n_work + n_edge_blocks;
    const int64_t my_paths = (my_hi > my_lo ? (my_hi * PB_BLOCK < B ? my_hi * PB_BLOCK : B) - my_lo * PB_BLOCK : 0) + edge_paths;
    pb_path_set *sp = &res->stored, *ep = &res->edges;
#pragma omp parallel num_threads(T) default(none) \
    shared(sc, sampler, acc, plans, tstatus, sp, ep, done_paths, failed, last_report, work, stored_next, edge_next) \
    firstprivate(H, N, A, B, n_pilot, seed, progress, t0, store_limit, n_tasks, n_work, my_lo, my_paths)
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
        for (int64_t k = 0; k < n_tasks; k++) {
            int stop;
#pragma omp atomic read
            stop = failed;
            if (stop) continue;
            const bool edge = k >= n_work;
            const int64_t b = edge ? work[k - n_work] : my_lo + k;
            const int64_t first = b * PB_BLOCK > A ? b * PB_BLOCK : A;
            const int64_t end = (b + 1) * PB_BLOCK < B ? (b + 1) * PB_BLOCK : B;
            /* Slots in the path sets: blocks are taken in any order. */
            int64_t n_keep = (end < store_limit ? end : store_limit) - first, keep_at = 0, edge_at = 0;
            if (n_keep > 0) {
#pragma omp atomic capture
                { keep_at = stored_next; stored_next += n_keep; }
            }
            if (edge) {
#pragma omp atomic capture
                { edge_at = edge_next; edge_next += end - first; }
            }
            for (int64_t p = first; p < end; p++) {
                pb_path_out out;
                pb_draw_path(sampler, seed, (uint64_t)p, rng, in);
                pb_path_simulate(in, ws, &out);
                if (edge) path_set_put(ep, edge_at + (p - first), p, &out);
                else pb_acc_add(a, &out);
                if (p < store_limit) path_set_put(sp, keep_at + (p - first), p, &out);
            }
            if (!edge) pb_acc_flush(a); /* the end of a block: the same blocks whatever the threads */
            int64_t d;
#pragma omp atomic capture
            d = done_paths += end - first;
            if (progress && tid == 0) {
                double t = now();
                if (t - last_report > (isatty(2) ? 0.5 : 5.0)) {
                    last_report = t;
                    progress_line(d, my_paths, t0, false);
                }
            }
        }
        pb_path_ws_free(ws);
        pb_rng_free(rng);
        free(in);
    }
    for (int i = 0; i < T && st == PB_OK; i++)
        if (tstatus[i] != PB_OK) st = pb_raise(tstatus[i], NULL, "a thread could not allocate its workspace");
    /* A hook for the tests of failure handling: the rank named by
     * PAYBACK_TEST_FAIL_RANK fails here, as if it had run out of memory. */
    const char *fail_rank = getenv("PAYBACK_TEST_FAIL_RANK");
    if (st == PB_OK && fail_rank && atoi(fail_rank) == rank)
        st = pb_raise(PB_EINTERNAL, NULL, "rank %d fails on purpose (PAYBACK_TEST_FAIL_RANK)", rank);
    /* Exact sums and integer counts: the order of these merges, across
     * threads and then ranks, does not change a bit of the result. */
    for (int i = 1; i < T && st == PB_OK; i++) st = pb_acc_merge(acc[0], acc[i]);
    st = pb_par_agree(st);
    if (st != PB_OK) goto done;
    if (progress) progress_line(done_paths, my_paths, t0, true);
    res->seconds = now() - t0;
    res->threads = T;
    res->ranks = ranks;
    const double t_merge = now();
    st = pb_par_agree(pb_par_reduce(merge_packed, pack_acc, acc[0], &res->bytes_sent));
    res->merge_seconds = now() - t_merge;
    if (st != PB_OK) goto done;
    /* Paths were put in their sets in the order blocks finished: sort them
     * back into index order. */
    if (st == PB_OK) st = path_set_sort(&res->stored);
    if (st == PB_OK) st = path_set_sort(&res->edges);
    if (st == PB_OK && rank == 0) st = pb_run_finish(sc, acc[0], &res->edges, &res->summary);
    st = pb_par_agree(st);
    if (st == PB_OK && rank != 0) {
        double q[PB_MAX_QUANTILES + 3];
        int nq = pb_report_quantiles(sc, q);
        if (!(res->summary = pb_summary_alloc(sc->start, H, nq, q))) st = PB_ENOMEM;
    }
    st = pb_par_agree(st);
    if (st == PB_OK) st = pb_par_agree(pb_summary_bcast(res->summary, pb_par_bcast));
    if (st == PB_OK && rank == 0) {
        res->acc = acc[0];
        acc[0] = NULL;
    }
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
