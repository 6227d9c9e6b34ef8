/* run.c: a Monte Carlo run: the pilot that fixes the quantile sketches'
 * windows, the kernel with the statistics and the stored paths as its
 * visitors, and the exact merge of statistics across ranks (run.h). */
#include "payback/run.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "payback/kernel.h"
#include "payback/par.h"
#include "payback/partition.h"

void pb_run_result_clear(pb_run_result *res)
{
    pb_summary_free(res->summary);
    pb_acc_free(res->acc);
    pb_path_set_clear(&res->stored);
    pb_path_set_clear(&res->edges);
    memset(res, 0, sizeof *res);
}

/* ------------------------------------------------------------------ */
/* The pilot's visitor: per-thread sketch plans, merged (their paths are
 * pooled: the same plan in any order), then focused on the run's quantile
 * levels (run_pilot). */

typedef struct {
    int H;
    pb_sketch_plan *plan; /* the result */
} pilot;

static void *pilot_begin(pb_visitor *v, int tid, pb_status *st)
{
    (void)tid;
    pb_sketch_plan *p = pb_sketch_plan_alloc(((pilot *)v->ctx)->H);
    if (!p) *st = PB_ENOMEM;
    return p;
}

static void pilot_path(void *ts, int64_t index, const pb_path_in *in, const pb_path_out *out)
{
    (void)index;
    (void)in;
    pb_sketch_plan_observe(ts, out);
}

static pb_status pilot_finish(pb_visitor *v, void **ts, int T, bool ok)
{
    pilot *pl = v->ctx;
    for (int i = 0; i < T; i++) {
        if (ok && !pl->plan) pl->plan = ts[i];
        else {
            if (ok) pb_sketch_plan_merge(pl->plan, ts[i]);
            pb_sketch_plan_free(ts[i]);
        }
    }
    return PB_OK;
}

/* ------------------------------------------------------------------ */
/* The statistics' visitor: one accumulator per thread; a block's paths are
 * summed in the block buffer and flushed at its end, so that the block
 * sums are the same whatever thread computes the block.  Edge blocks are
 * kept whole (pathset.c) instead, for a later merge. */

typedef struct {
    int start, H;
    const pb_sketch_plan *plan;
    pb_acc *acc; /* the result: the threads' accumulators merged */
} stats;

typedef struct {
    pb_acc *a;
    bool edge;
} stats_thread;

static void *stats_begin(pb_visitor *v, int tid, pb_status *st)
{
    (void)tid;
    const stats *s = v->ctx;
    stats_thread *t = calloc(1, sizeof *t);
    if (!t || !(t->a = pb_acc_alloc(s->start, s->H, PB_BLOCK, s->plan))) {
        free(t);
        *st = PB_ENOMEM;
        return NULL;
    }
    return t;
}

static void stats_block_begin(void *ts, const pb_task *task) { ((stats_thread *)ts)->edge = task->edge; }

static void stats_path(void *ts, int64_t index, const pb_path_in *in, const pb_path_out *out)
{
    (void)index;
    (void)in;
    stats_thread *t = ts;
    if (!t->edge) pb_acc_add(t->a, out);
}

static void stats_block_end(void *ts, const pb_task *task)
{
    (void)task;
    stats_thread *t = ts;
    if (!t->edge) pb_acc_flush(t->a); /* the end of a block: the same blocks whatever the threads */
}

/* Exact sums and integer counts: the order of these merges, across
 * threads and then ranks, does not change a bit of the result. */
static pb_status stats_finish(pb_visitor *v, void **ts, int T, bool ok)
{
    stats *s = v->ctx;
    pb_status st = PB_OK;
    for (int i = 0; i < T; i++) {
        stats_thread *t = ts[i];
        if (!t) continue;
        if (ok && st == PB_OK && !s->acc) {
            s->acc = t->a;
            t->a = NULL;
        } else if (ok && st == PB_OK) st = pb_acc_merge(s->acc, t->a);
        pb_acc_free(t->a);
        free(t);
    }
    return st;
}

/* ------------------------------------------------------------------ */

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
            pb_path_set_get(edges, i, &o);
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
    pb_acc *b = pb_acc_unpack(blob, len, NULL, PB_BLOCK, &st); /* checked in itself; pb_acc_merge checks the plan */
    if (!b) return st;
    st = pb_acc_merge(a, b);
    pb_acc_free(b);
    return st;
}

static pb_status pack_acc(void *ctx, void **blob, size_t *len) { return pb_acc_pack(ctx, blob, len); }

/* The pilot: paths 0 .. min(N, PB_PILOT)-1 of the run (the same paths for
 * any threads, ranks or parts) fix each cell's sketch window.  Every rank
 * computes it, in tasks of PB_PILOT / 8 paths. */
static pb_status run_pilot(const pb_sampler *s, const pb_scenario *sc, const pb_run_opts *o, pb_sketch_plan **plan)
{
    const int64_t n_pilot = o->paths < PB_PILOT ? o->paths : PB_PILOT;
    pb_partition part;
    pb_partition_make(&part, PB_PILOT / 8, n_pilot, 0, n_pilot, 0, 1);
    pilot pl = {sc->n_years, NULL};
    pb_visitor v = {&pl, pilot_begin, NULL, NULL, pilot_path, pilot_finish};
    pb_visitor *vs[1] = {&v};
    pb_kernel_opts ko = {o->threads, o->seed, false, 0};
    pb_status st = pb_kernel_run(s, &part, &ko, vs, 1, NULL);
    double q[PB_MAX_QUANTILES + 3];
    const int nq = pb_report_quantiles(sc, q);
    if (st == PB_OK && !pb_sketch_plan_focus(pl.plan, nq, q)) st = PB_ENOMEM;
    *plan = pl.plan;
    return st;
}

/* After the kernel, on every rank: the rank's statistics merged to rank 0,
 * which adds the edge paths and computes the summary. */
static pb_status reduce(const pb_scenario *sc, pb_acc *acc, bool summary, pb_run_result *res)
{
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    pb_status st = pb_par_agree(pb_par_reduce(merge_packed, pack_acc, acc, &res->bytes_sent));
    clock_gettime(CLOCK_MONOTONIC, &b);
    res->merge_seconds = (double)(b.tv_sec - a.tv_sec) + 1e-9 * (double)(b.tv_nsec - a.tv_nsec);
    if (st != PB_OK || !summary) return st;
    if (pb_par_rank() == 0) st = pb_run_finish(sc, acc, &res->edges, &res->summary);
    st = pb_par_agree(st);
    /* The other ranks take part in creating the file's objects: they need
     * a summary of the same shape.  Its values stay 0: only rank 0 writes
     * statistics (write.c), so they are never broadcast. */
    if (st == PB_OK && pb_par_rank() != 0) {
        double q[PB_MAX_QUANTILES + 3];
        int nq = pb_report_quantiles(sc, q);
        if (!(res->summary = pb_summary_alloc(sc->start, sc->n_years, nq, q))) st = PB_ENOMEM;
    }
    return pb_par_agree(st);
}

pb_status pb_run_mc(const pb_scenario *sc, const pb_run_opts *o, pb_run_result *res)
{
    memset(res, 0, sizeof *res);
    const int H = sc->n_years, rank = pb_par_rank(), ranks = pb_par_size();
    const int64_t N = o->paths, B = o->end > 0 ? o->end : N;
    pb_partition part;
    pb_partition_make(&part, PB_BLOCK, N, o->first, B, rank, ranks);
    pb_status st;
    pb_sampler *sampler = pb_sampler_alloc(sc, o->threads, &st);
    if (st == PB_OK) st = pb_path_set_alloc(&res->stored, pb_partition_paths_below(&part, o->store_paths), H);
    if (st == PB_OK) st = pb_path_set_alloc(&res->edges, pb_partition_edge_paths(&part), H);
    stats s = {sc->start, H, NULL, NULL};
    pb_sketch_plan *plan = o->plan ? *o->plan : NULL;
    if ((st = pb_par_agree(st)) == PB_OK && !plan) {
        st = pb_par_agree(run_pilot(sampler, sc, o, &plan));
        if (o->plan) *o->plan = plan; /* the caller's now */
    }
    if (st == PB_OK) {
        s.plan = plan;
        pb_keep keep = {&res->stored, &res->edges, o->store_paths, 0, 0};
        pb_visitor vs = {&s, stats_begin, stats_block_begin, stats_block_end, stats_path, stats_finish};
        pb_visitor vk = pb_keep_visitor(&keep);
        pb_visitor *v[2 + PB_MAX_EXTRA] = {&vs, &vk};
        const int nx = o->n_extra < PB_MAX_EXTRA ? o->n_extra : PB_MAX_EXTRA;
        for (int i = 0; i < nx; i++) v[2 + i] = o->extra[i];
        /* Every rank reports its paths to rank 0, which counts the whole
         * range; rank 0's wish (a terminal, --progress) decides for all. */
        bool progress = o->progress;
        if ((st = pb_par_bcast(&progress, sizeof progress)) == PB_OK) {
            pb_kernel_opts ko = {o->threads, o->seed, progress, B - o->first};
            st = pb_kernel_run(sampler, &part, &ko, v, 2 + nx, &res->seconds);
        }
        st = pb_par_agree(st);
    }
    /* The tests' failing rank: after the kernel, before the merge, as if it
     * had run out of memory there; every rank must then fail. */
    if (st == PB_OK && o->test_fail_rank > 0 && rank == o->test_fail_rank - 1)
        st = pb_raise(PB_EINTERNAL, NULL, "rank %d fails on purpose (PAYBACK_TEST_FAIL_RANK)", rank);
    st = pb_par_agree(st);
    res->threads = o->threads;
    res->ranks = ranks;
    if (st == PB_OK) st = reduce(sc, s.acc, !o->acc_only, res);
    if (st == PB_OK && rank == 0) {
        res->acc = s.acc;
        s.acc = NULL;
    }
    pb_acc_free(s.acc);
    if (!o->plan) pb_sketch_plan_free(plan);
    pb_sampler_free(sampler);
    if (st != PB_OK) pb_run_result_clear(res);
    return st;
}
