/* precision.c: run --precision, batches until the targets are met
 * (precision.h, docs/model.md §10.5). */
#include "payback/precision.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "payback/par.h"

pb_status pb_precision_levels(pb_scenario *sc, const pb_precision *p)
{
    for (int i = 0; i < p->n; i++) {
        if (p->t[i].kind != PB_TGT_QUANTILE) continue;
        bool have = false;
        for (int j = 0; j < sc->n_quantiles; j++) have |= fabs(sc->quantiles[j] - p->t[i].level) < 1e-12;
        if (have) continue;
        if (sc->n_quantiles >= PB_MAX_QUANTILES)
            return pb_raise(PB_EUSAGE, NULL, "--precision '%s': the scenario already reports %d quantile levels, "
                            "the most there can be", p->t[i].text, PB_MAX_QUANTILES);
        sc->quantiles[sc->n_quantiles++] = p->t[i].level;
    }
    return PB_OK;
}

/* ------------------------------------------------------------------ */
/* P(Y <= c): integer counts per target, exact in any order. */

typedef struct {
    const pb_precision *p;
    int H;
    int64_t counts[PB_MAX_TARGETS][2]; /* paths where Y counts (finite, or "never"), and those with Y <= c */
} counter;

/* into += from: exact integer sums, in any order. */
static void add_counts(int64_t into[PB_MAX_TARGETS][2], const int64_t from[PB_MAX_TARGETS][2])
{
    for (int j = 0; j < PB_MAX_TARGETS; j++) into[j][0] += from[j][0], into[j][1] += from[j][1];
}

/* A thread's counts, beside the counter (read-only while paths run). */
typedef struct {
    const counter *k;
    int64_t counts[PB_MAX_TARGETS][2];
} count_thread;

static void *count_thread_begin(pb_visitor *v, int tid, pb_status *st)
{
    (void)tid;
    count_thread *t = calloc(1, sizeof *t);
    if (!t) *st = PB_ENOMEM;
    else t->k = v->ctx;
    return t;
}

static void count_thread_path(void *ts, int64_t index, const pb_path_in *in, const pb_path_out *out)
{
    (void)index;
    (void)in;
    count_thread *t = ts;
    if (out->nonfinite) return; /* left out of every statistic (model.md §9) */
    const pb_precision *p = t->k->p;
    for (int i = 0; i < p->n; i++) {
        if (p->t[i].kind != PB_TGT_PROB) continue;
        double y = pb_output_value(&p->t[i].y, out, t->k->H);
        if (isnan(y)) continue; /* an IRR that is none or multiple */
        t->counts[i][0]++;
        t->counts[i][1] += y <= p->t[i].c; /* "never" (+inf) is never <= c */
    }
}

static pb_status count_finish(pb_visitor *v, void **ts, int T, bool ok)
{
    counter *k = v->ctx;
    for (int i = 0; i < T; i++) {
        count_thread *t = ts[i];
        if (ok && t)
            add_counts(k->counts, (const int64_t(*)[2])t->counts);
        free(t);
    }
    return PB_OK;
}

/* pb_par_reduce's callbacks: add a child's counts; pack ours. */
static pb_status merge_counts(void *ctx, const void *blob, size_t len)
{
    counter *k = ctx;
    if (len != sizeof k->counts) return pb_raise(PB_EINTERNAL, NULL, "a rank sent %zu bytes of counts", len);
    int64_t c[PB_MAX_TARGETS][2];
    memcpy(c, blob, sizeof c);
    add_counts(k->counts, (const int64_t(*)[2])c);
    return PB_OK;
}

static pb_status pack_counts(void *ctx, void **blob, size_t *len)
{
    counter *k = ctx;
    if (!(*blob = malloc(sizeof k->counts))) return pb_raise(PB_ENOMEM, NULL, "out of memory");
    memcpy(*blob, k->counts, sizeof k->counts);
    *len = sizeof k->counts;
    return PB_OK;
}

/* ------------------------------------------------------------------ */
/* Measuring the targets (rank 0) */

static int level_index(const pb_summary *s, double level)
{
    for (int j = 0; j < s->n_quantiles; j++)
        if (fabs(s->quantiles[j] - level) < 1e-12) return j;
    return -1;
}

/* The estimate and its 95 % interval's half-width (the larger side for a
 * quantile's or a probability's asymmetric interval). */
static void measure(const pb_target *t, const pb_summary *s, const int64_t *count, double *est, double *half)
{
    const pb_output_sel *y = &t->y;
    if (t->kind == PB_TGT_MEAN) {
        *est = y->is_series ? s->series[y->index].mean[y->t] : s->metric[y->index].mean;
        *half = PB_Z95 * (y->is_series ? s->series[y->index].se[y->t] : s->metric[y->index].se);
    } else if (t->kind == PB_TGT_QUANTILE) {
        const int j = level_index(s, t->level);
        const size_t at = y->is_series ? (size_t)y->t * (size_t)s->n_quantiles + (size_t)j : (size_t)j;
        const double *q = y->is_series ? s->series[y->index].q : s->metric[y->index].q;
        const double *lo = y->is_series ? s->series[y->index].q_lo : s->metric[y->index].q_lo;
        const double *hi = y->is_series ? s->series[y->index].q_hi : s->metric[y->index].q_hi;
        *est = q[at];
        /* Never narrower than the quantile sketch's own resolution: each
         * value is within 2^-10 of an order statistic (stats.h), so an
         * interval whose ends fall in one bucket is not exact. */
        *half = fmax(fmax(hi[at] - q[at], q[at] - lo[at]), 0x1p-10 * fabs(q[at]));
        if (isinf(q[at]) && isinf(lo[at]) && isinf(hi[at])) *half = 0; /* "never" on the whole interval */
    } else {
        double lo, hi;
        *est = count[0] ? (double)count[1] / (double)count[0] : NAN;
        pb_wilson(count[1], count[0], &lo, &hi);
        *half = count[0] ? fmax(*est - lo, hi - *est) : INFINITY;
    }
}

static bool check(pb_precision *p, const pb_summary *s, const counter *k)
{
    bool all = true;
    for (int i = 0; i < p->n; i++) {
        measure(&p->t[i], s, k->counts[i], &p->estimate[i], &p->half[i]);
        p->tol[i] = p->t[i].relative ? p->t[i].tol * fabs(p->estimate[i]) : p->t[i].tol;
        /* One path has an interval of width 0 (model.md §9): no target is
         * met on fewer than two. */
        const int64_t n = p->t[i].kind == PB_TGT_PROB ? k->counts[i][0] : s->n;
        p->met[i] = n >= 2 && p->half[i] <= p->tol[i]; /* false for NaN */
        all &= p->met[i];
    }
    return all;
}

/* ------------------------------------------------------------------ */
/* The batches */

/* Appends src's paths to *dst (both ascending, src after dst). */
static pb_status append_paths(pb_path_set *dst, const pb_path_set *src, int H)
{
    if (src->n == 0) return PB_OK;
    pb_path_set all;
    pb_status st = pb_path_set_alloc(&all, dst->n + src->n, H);
    if (st != PB_OK) return st;
    pb_path_out o;
    for (int64_t i = 0; i < dst->n; i++) pb_path_set_get(dst, i, &o), pb_path_set_put(&all, i, dst->index[i], &o);
    for (int64_t i = 0; i < src->n; i++) pb_path_set_get(src, i, &o), pb_path_set_put(&all, dst->n + i, src->index[i], &o);
    pb_path_set_clear(dst);
    *dst = all;
    return PB_OK;
}

void pb_precision_result_clear(pb_precision_result *r)
{
    pb_summary_free(r->summary);
    pb_path_set_clear(&r->stored);
    memset(r, 0, sizeof *r);
}

/* One batch: the kernel on paths first .. end-1, its counts and complete
 * blocks added to the totals (rank 0's), its stored paths to this rank's. */
static pb_status run_batch(const pb_scenario *sc, const pb_run_opts *o, int64_t first, int64_t end, counter *total,
                           pb_acc **acc, pb_sketch_plan **plan, pb_precision_result *r)
{
    counter k = {total->p, total->H, {{0}}};
    pb_visitor v = {&k, count_thread_begin, NULL, NULL, count_thread_path, count_finish};
    pb_visitor *extra[1] = {&v};
    pb_run_opts ro = *o;
    ro.first = first;
    ro.end = end;
    ro.extra = extra;
    ro.n_extra = 1;
    ro.plan = plan; /* the first batch's pilot serves them all */
    ro.acc_only = true; /* the batch's own statistics are not needed: the totals' are (below) */
    pb_run_result res;
    pb_status st = pb_run_mc(sc, &ro, &res);
    if (st != PB_OK) return st;
    r->threads = res.threads;
    r->ranks = res.ranks;
    uint64_t sent;
    st = pb_par_agree(pb_par_reduce(merge_counts, pack_counts, &k, &sent));
    if (st == PB_OK && pb_par_rank() == 0) {
        add_counts(total->counts, (const int64_t(*)[2])k.counts);
        /* Batches are whole blocks (a multiple of PB_BLOCK from 0, ending
         * at a batch boundary or the run's end): no edge paths. */
        if (res.edges.n) st = pb_raise(PB_EINTERNAL, NULL, "a batch cut a block");
        else if (!*acc) *acc = res.acc, res.acc = NULL;
        else st = pb_acc_merge(*acc, res.acc);
    }
    if (st == PB_OK) st = append_paths(&r->stored, &res.stored, sc->n_years);
    pb_run_result_clear(&res);
    return pb_par_agree(st);
}

pb_status pb_run_precision(const pb_scenario *sc, const pb_run_opts *o, int64_t batch, pb_precision *p,
                           pb_precision_result *r)
{
    memset(r, 0, sizeof *r);
    counter total = {p, sc->n_years, {{0}}};
    pb_acc *acc = NULL;
    pb_sketch_plan *plan = NULL;
    pb_status st = PB_OK;
    const pb_path_set none = {0};
    for (int64_t first = 0; st == PB_OK && first < o->paths; first += batch) {
        const int64_t end = first + batch < o->paths ? first + batch : o->paths;
        st = run_batch(sc, o, first, end, &total, &acc, &plan, r);
        unsigned char stop = 0;
        if (st == PB_OK && pb_par_rank() == 0) {
            pb_summary_free(r->summary);
            r->summary = NULL;
            st = pb_run_finish(sc, acc, &none, &r->summary);
            if (st == PB_OK) r->reached = check(p, r->summary, &total);
            stop = r->reached || end == o->paths;
            if (st == PB_OK && o->progress) {
                fprintf(stderr, "precision: %lld paths:", (long long)end);
                for (int i = 0; i < p->n; i++)
                    fprintf(stderr, " %s %.4g +- %.3g (%s)", p->t[i].text, p->estimate[i], p->half[i], p->met[i] ? "met" : "not yet");
                fputc('\n', stderr);
            }
        }
        if ((st = pb_par_agree(st)) == PB_OK) st = pb_par_bcast(&stop, 1);
        r->paths = end;
        if (stop && st == PB_OK) { /* the file's attributes are written by every rank alike */
            unsigned char reached = r->reached;
            st = pb_par_bcast(&reached, 1);
            r->reached = reached;
            if (st == PB_OK) st = pb_par_bcast(p->estimate, sizeof p->estimate);
            if (st == PB_OK) st = pb_par_bcast(p->half, sizeof p->half);
            if (st == PB_OK) st = pb_par_bcast(p->tol, sizeof p->tol);
            if (st == PB_OK) st = pb_par_bcast(p->met, sizeof p->met);
        }
        if (stop) break;
    }
    pb_acc_free(acc);
    pb_sketch_plan_free(plan);
    /* The other ranks take part in writing the file: a summary of the same
     * shape, whose values only rank 0 writes (as run.c does). */
    if (st == PB_OK && pb_par_rank() != 0) {
        double q[PB_MAX_QUANTILES + 3];
        int nq = pb_report_quantiles(sc, q);
        if (!(r->summary = pb_summary_alloc(sc->start, sc->n_years, nq, q))) st = PB_ENOMEM;
    }
    if ((st = pb_par_agree(st)) != PB_OK) pb_precision_result_clear(r);
    return st;
}
