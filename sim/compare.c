/* compare.c: A and B on common random numbers (compare.h; model.md §10.1).
 * The same discipline as run.c: a pilot over the
 * first PB_PILOT paths fixes the quantile sketches' windows (here of A, B
 * and Δ), then one accumulator per thread and scenario, flushed at every
 * block's end, merged exactly; every other number is an integer count. */
#include "payback/compare.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "payback/draws.h"
#include "payback/kernel.h"
#include "payback/partition.h"
#include "payback/path.h"
#include "payback/rng.h"
#include "payback/run.h"

const char *const pb_joint_names[PB_N_JOINT] = {"both", "only_a", "only_b", "neither"};

enum { SA, SB, SD, N_SIDES }; /* A, B, Δ */

/* The integer counts of a thread, in one array so that they merge by
 * adding element by element (cells C = PB_N_SERIES * H + PB_N_METRICS):
 * pos [C], neg [C], n_metric [M], joint [M][4], and per metric a histogram
 * of Δ in years, -(H-1) .. H-1 ([M][2H-1]). */
typedef struct {
    int H;
    size_t C, len;
    size_t o_neg, o_nmet, o_joint, o_ydiff;
} count_layout;

static count_layout layout(int H)
{
    count_layout l = {.H = H, .C = (size_t)PB_N_SERIES * (size_t)H + PB_N_METRICS};
    l.o_neg = l.C;
    l.o_nmet = 2 * l.C;
    l.o_joint = l.o_nmet + PB_N_METRICS;
    l.o_ydiff = l.o_joint + (size_t)PB_N_METRICS * PB_N_JOINT;
    l.len = l.o_ydiff + (size_t)PB_N_METRICS * (size_t)(2 * H - 1);
    return l;
}

/* What the visitor's threads share. */
typedef struct {
    const pb_sampler *sb;      /* B's */
    uint64_t seed;
    int start, H;
    count_layout cl;
    bool pilot;                /* the pilot: only observe, into plans */
    const pb_sketch_plan *plan[N_SIDES];
    pb_sketch_plan *plan_out[N_SIDES]; /* the pilot's result */
    pb_acc *acc[N_SIDES];      /* the run's result */
    int64_t *counts;           /* [cl.len], the run's result */
} cmp_ctx;

typedef struct {
    cmp_ctx *c;
    gsl_rng *rng;
    pb_path_in *in;            /* B's inputs */
    pb_path_ws *ws;            /* B's workspace */
    double *dseries;           /* Δ's series [PB_N_SERIES * H] */
    pb_sketch_plan *plan[N_SIDES];
    pb_acc *acc[N_SIDES];
    int64_t *counts;
} cmp_thread;

static void thread_free(cmp_thread *t)
{
    if (!t) return;
    for (int s = 0; s < N_SIDES; s++) {
        pb_sketch_plan_free(t->plan[s]);
        pb_acc_free(t->acc[s]);
    }
    free(t->counts);
    free(t->dseries);
    pb_path_ws_free(t->ws);
    free(t->in);
    pb_rng_free(t->rng);
    free(t);
}

static void *cmp_begin(pb_visitor *v, int tid, pb_status *st)
{
    (void)tid;
    cmp_ctx *c = v->ctx;
    cmp_thread *t = calloc(1, sizeof *t);
    bool ok = t && (t->rng = pb_rng_alloc()) && (t->in = malloc(sizeof *t->in)) && (t->ws = pb_path_ws_alloc(c->H)) &&
              (t->dseries = calloc((size_t)PB_N_SERIES * (size_t)c->H, sizeof *t->dseries));
    for (int s = 0; ok && s < N_SIDES; s++)
        ok = c->pilot ? (t->plan[s] = pb_sketch_plan_alloc(c->H)) != NULL
                      : (t->acc[s] = pb_acc_alloc(c->start, c->H, PB_BLOCK, c->plan[s])) != NULL;
    if (ok && !c->pilot) ok = (t->counts = calloc(c->cl.len, sizeof *t->counts)) != NULL;
    if (!ok) {
        thread_free(t);
        *st = PB_ENOMEM;
        return NULL;
    }
    t->c = c;
    return t;
}

/* Δ = B - A, path by path.  A year metric's Δ is left +inf ("never") in
 * the accumulator, which would otherwise put a difference of years in its
 * calendar-year histogram: its statistics come from the counts (count_path).
 * The IRR's Δ exists when both have exactly one root. */
static void make_delta(const pb_path_out *a, const pb_path_out *b, double *series, int H, pb_path_out *d)
{
    for (size_t k = 0; k < (size_t)PB_N_SERIES * (size_t)H; k++) series[k] = b->series[k] - a->series[k];
    d->series = series;
    for (int m = 0; m < PB_N_METRICS; m++)
        d->metric[m] = pb_metric_is_year(m) ? INFINITY : b->metric[m] - a->metric[m];
    const bool irr = a->irr_kind == PB_IRR_ONE && b->irr_kind == PB_IRR_ONE;
    d->irr_kind = irr ? PB_IRR_ONE : PB_IRR_NONE;
    if (!irr) d->metric[PB_M_IRR] = NAN;
    d->nonfinite = a->nonfinite || b->nonfinite;
}

static pb_joint joint_of(bool in_a, bool in_b)
{
    return in_a ? (in_b ? PB_JOINT_BOTH : PB_JOINT_ONLY_A) : (in_b ? PB_JOINT_ONLY_B : PB_JOINT_NEITHER);
}

/* The integer counts of one path finite in A and B (model.md §10.1: P(Δ > 0),
 * P(Δ < 0); for year metrics and the IRR, the joint outcome, and for year
 * metrics Δ in whole years when both have the event). */
static void count_path(const count_layout *l, int64_t *n, const pb_path_out *a, const pb_path_out *b,
                       const pb_path_out *d)
{
    const size_t SH = (size_t)PB_N_SERIES * (size_t)l->H;
    for (size_t k = 0; k < SH; k++) {
        n[k] += d->series[k] > 0;
        n[l->o_neg + k] += d->series[k] < 0;
    }
    for (int m = 0; m < PB_N_METRICS; m++) {
        const size_t cell = SH + (size_t)m;
        double x = d->metric[m];
        bool used = true;
        if (pb_metric_is_year(m) || m == PB_M_IRR) {
            bool in_a = m == PB_M_IRR ? a->irr_kind == PB_IRR_ONE : isfinite(a->metric[m]);
            bool in_b = m == PB_M_IRR ? b->irr_kind == PB_IRR_ONE : isfinite(b->metric[m]);
            n[l->o_joint + (size_t)m * PB_N_JOINT + joint_of(in_a, in_b)]++;
            used = in_a && in_b;
            if (used && m != PB_M_IRR) {
                x = b->metric[m] - a->metric[m]; /* whole years */
                int dy = (int)lround(x) + l->H - 1;
                if (dy < 0) dy = 0;
                if (dy > 2 * l->H - 2) dy = 2 * l->H - 2;
                n[l->o_ydiff + (size_t)m * (size_t)(2 * l->H - 1) + (size_t)dy]++;
            }
        }
        if (!used) continue;
        n[l->o_nmet + (size_t)m]++;
        n[cell] += x > 0;
        n[l->o_neg + cell] += x < 0;
    }
}

static void cmp_path(void *ts, int64_t index, const pb_path_in *in, const pb_path_out *a)
{
    (void)in;
    cmp_thread *t = ts;
    const cmp_ctx *c = t->c;
    pb_path_out b, d;
    pb_draw_path(c->sb, c->seed, (uint64_t)index, t->rng, t->in);
    pb_path_simulate(t->in, t->ws, &b);
    make_delta(a, &b, t->dseries, c->H, &d);
    const pb_path_out *side[N_SIDES] = {a, &b, &d};
    for (int s = 0; s < N_SIDES; s++) {
        if (c->pilot) pb_sketch_plan_observe(t->plan[s], side[s]);
        else pb_acc_add(t->acc[s], side[s]);
    }
    if (!c->pilot && !d.nonfinite) count_path(&c->cl, t->counts, a, &b, &d);
}

/* The end of a block: the same blocks whatever the threads (run.c).  In a
 * run of one part on one process an edge block is still computed whole by
 * one task, so it is flushed like any other. */
static void cmp_block_end(void *ts, const pb_task *task)
{
    (void)task;
    cmp_thread *t = ts;
    if (t->c->pilot) return;
    for (int s = 0; s < N_SIDES; s++) pb_acc_flush(t->acc[s]);
}

/* Plans merge as unions, accumulators exactly, counts as integers: in any
 * order, with the same bits. */
static pb_status cmp_finish(pb_visitor *v, void **ts, int T, bool ok)
{
    cmp_ctx *c = v->ctx;
    pb_status st = PB_OK;
    for (int i = 0; i < T; i++) {
        cmp_thread *t = ts[i];
        if (!t) continue;
        for (int s = 0; ok && st == PB_OK && s < N_SIDES; s++) {
            if (c->pilot && !c->plan_out[s]) c->plan_out[s] = t->plan[s], t->plan[s] = NULL;
            else if (c->pilot) pb_sketch_plan_merge(c->plan_out[s], t->plan[s]);
            else if (!c->acc[s]) c->acc[s] = t->acc[s], t->acc[s] = NULL;
            else st = pb_acc_merge(c->acc[s], t->acc[s]);
        }
        if (ok && st == PB_OK && !c->pilot && !c->counts) c->counts = t->counts, t->counts = NULL;
        else if (ok && st == PB_OK && !c->pilot)
            for (size_t k = 0; k < c->cl.len; k++) c->counts[k] += t->counts[k];
        thread_free(t);
    }
    return st;
}

/* ------------------------------------------------------------------ */

/* The k-th (1-based) smallest Δ of a histogram over -(H-1) .. H-1. */
static double hist_order(const int64_t *h, int H, int64_t k)
{
    int64_t cum = 0;
    for (int i = 0; i < 2 * H - 1; i++)
        if ((cum += h[i]) >= k) return (double)(i - (H - 1));
    return NAN;
}

/* A year metric's Δ in years over the paths where both have the event,
 * exactly from its histogram: mean, sd (n - 1), se, type 1 quantiles and
 * their intervals (model.md §9), as pb_summary_exact would compute them. */
static void year_delta_stats(const int64_t *h, int H, const pb_summary *d, pb_metric_stats *ms)
{
    int64_t n = 0, sum = 0;
    for (int i = 0; i < 2 * H - 1; i++) {
        n += h[i];
        sum += h[i] * (i - (H - 1));
    }
    ms->mean = ms->sd = ms->se = NAN;
    for (int k = 0; k < d->n_quantiles; k++) ms->q[k] = ms->q_lo[k] = ms->q_hi[k] = NAN;
    if (n == 0) return;
    ms->mean = (double)sum / (double)n;
    double ss = 0;
    for (int i = 0; i < 2 * H - 1; i++) {
        double e = (double)(i - (H - 1)) - ms->mean;
        ss += (double)h[i] * e * e;
    }
    ms->sd = n > 1 ? sqrt(ss / (double)(n - 1)) : 0;
    ms->se = ms->sd / sqrt((double)n);
    for (int k = 0; k < d->n_quantiles; k++) {
        double p = d->quantiles[k];
        int64_t r = (int64_t)ceil((double)n * p), lo, hi;
        if (r < 1) r = 1;
        if (r > n) r = n;
        pb_quantile_ci_ranks(n, p, &lo, &hi);
        ms->q[k] = hist_order(h, H, r);
        ms->q_lo[k] = n == 1 ? ms->q[k] : hist_order(h, H, lo);
        ms->q_hi[k] = n == 1 ? ms->q[k] : hist_order(h, H, hi);
    }
}

/* The summaries of the merged state, and the counts into res. */
static pb_status finish(const pb_scenario *sa, cmp_ctx *c, pb_compare_result *res)
{
    double q[PB_MAX_QUANTILES + 3];
    int nq = pb_report_quantiles(sa, q); /* A's levels for all three (docs/cli.md) */
    pb_summary **out[N_SIDES] = {&res->a, &res->b, &res->d};
    pb_status st = PB_OK;
    for (int s = 0; st == PB_OK && s < N_SIDES; s++) {
        if (!(*out[s] = pb_summary_alloc(c->start, c->H, nq, q))) return PB_ENOMEM;
        st = pb_acc_finish(c->acc[s], *out[s]);
    }
    if (st != PB_OK) return st;
    const count_layout *l = &c->cl;
    if (!(res->pos = malloc(2 * l->C * sizeof *res->pos))) return pb_raise(PB_ENOMEM, NULL, "out of memory");
    res->neg = res->pos + l->C;
    memcpy(res->pos, c->counts, 2 * l->C * sizeof *res->pos);
    for (int m = 0; m < PB_N_METRICS; m++) {
        res->n_metric[m] = pb_metric_is_year(m) || m == PB_M_IRR ? c->counts[l->o_nmet + (size_t)m] : res->d->n;
        for (int j = 0; j < PB_N_JOINT; j++) res->joint[m][j] = c->counts[l->o_joint + (size_t)m * PB_N_JOINT + (size_t)j];
        if (pb_metric_is_year(m))
            year_delta_stats(c->counts + l->o_ydiff + (size_t)m * (size_t)(2 * c->H - 1), c->H, res->d, &res->d->metric[m]);
    }
    return PB_OK;
}

/* One kernel run of the visitor over paths 0 .. n-1 in tasks of `block`. */
static pb_status run_kernel(const pb_sampler *sa, cmp_ctx *c, int64_t block, int64_t n, const pb_compare_opts *o,
                            bool progress, double *seconds)
{
    pb_partition part;
    pb_partition_make(&part, block, n, 0, n, 0, 1);
    pb_visitor v = {c, cmp_begin, NULL, cmp_block_end, cmp_path, cmp_finish};
    pb_visitor *vs[1] = {&v};
    pb_kernel_opts ko = {o->threads, o->seed, progress, n};
    return pb_kernel_run(sa, &part, &ko, vs, 1, seconds);
}

pb_status pb_compare_run(const pb_scenario *a, const pb_scenario *b, const pb_compare_opts *o, pb_compare_result *res)
{
    memset(res, 0, sizeof *res);
    if (a->start != b->start || a->n_years != b->n_years)
        return pb_raise(PB_EINPUT, NULL, "scenarios '%s' (%d-%d) and '%s' (%d-%d) have different years", a->file,
                        a->start, a->end, b->file, b->start, b->end);
    pb_status st, st2 = PB_OK;
    pb_sampler *sa = pb_sampler_alloc(a, o->threads, &st), *sb = st == PB_OK ? pb_sampler_alloc(b, o->threads, &st2) : NULL;
    if (st == PB_OK) st = st2;
    cmp_ctx c = {.sb = sb, .seed = o->seed, .start = a->start, .H = a->n_years, .cl = layout(a->n_years), .pilot = true};
    /* The pilot: the run's first paths fix every sketch window (run.c). */
    const int64_t n_pilot = o->paths < PB_PILOT ? o->paths : PB_PILOT;
    if (st == PB_OK) st = run_kernel(sa, &c, PB_PILOT / 8, n_pilot, o, false, NULL);
    double q[PB_MAX_QUANTILES + 3];
    const int nq = pb_report_quantiles(a, q); /* A's levels for all three (finish) */
    for (int s = 0; s < N_SIDES && st == PB_OK; s++)
        if (!pb_sketch_plan_focus(c.plan_out[s], nq, q)) st = PB_ENOMEM;
    if (st == PB_OK) {
        for (int s = 0; s < N_SIDES; s++) c.plan[s] = c.plan_out[s];
        c.pilot = false;
        st = run_kernel(sa, &c, PB_BLOCK, o->paths, o, o->progress, &res->seconds);
    }
    if (st == PB_OK) st = finish(a, &c, res);
    res->threads = o->threads;
    for (int s = 0; s < N_SIDES; s++) {
        pb_sketch_plan_free(c.plan_out[s]);
        pb_acc_free(c.acc[s]);
    }
    free(c.counts);
    pb_sampler_free(sb);
    pb_sampler_free(sa);
    if (st != PB_OK) pb_compare_result_clear(res);
    return st;
}

void pb_compare_result_clear(pb_compare_result *res)
{
    pb_summary_free(res->a);
    pb_summary_free(res->b);
    pb_summary_free(res->d);
    free(res->pos);
    memset(res, 0, sizeof *res);
}
