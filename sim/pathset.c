/* pathset.c: sets of whole paths and the visitor that keeps them (pathset.h). */
#include "payback/pathset.h"

#include <stdlib.h>
#include <string.h>

void pb_path_set_clear(pb_path_set *ps)
{
    free(ps->index);
    free(ps->series);
    free(ps->metric);
    free(ps->irr_kind);
    free(ps->nonfinite);
    memset(ps, 0, sizeof *ps);
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

void pb_path_set_put(pb_path_set *ps, int64_t slot, int64_t index, const pb_path_out *out)
{
    const size_t stride = (size_t)PB_N_SERIES * (size_t)ps->n_years;
    ps->index[slot] = index;
    memcpy(ps->series + (size_t)slot * stride, out->series, stride * sizeof(double));
    memcpy(ps->metric + (size_t)slot * PB_N_METRICS, out->metric, sizeof out->metric);
    ps->irr_kind[slot] = (unsigned char)out->irr_kind;
    ps->nonfinite[slot] = out->nonfinite;
}

void pb_path_set_get(const pb_path_set *ps, int64_t slot, pb_path_out *out)
{
    const size_t stride = (size_t)PB_N_SERIES * (size_t)ps->n_years;
    out->series = ps->series + (size_t)slot * stride;
    memcpy(out->metric, ps->metric + (size_t)slot * PB_N_METRICS, sizeof out->metric);
    out->irr_kind = (pb_irr_kind)ps->irr_kind[slot];
    out->nonfinite = ps->nonfinite[slot];
}

static int cmp_pair(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

pb_status pb_path_set_sort(pb_path_set *ps)
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
        pb_path_set_get(ps, order[2 * i + 1], &o);
        pb_path_set_put(&tmp, i, order[2 * i], &o);
    }
    free(order);
    pb_path_set_clear(ps);
    *ps = tmp;
    return PB_OK;
}

/* ------------------------------------------------------------------ */
/* The visitor                                                          */

/* A thread's place in the sets for its current task. */
typedef struct {
    pb_keep *k;
    int64_t first, keep_at, edge_at;
    bool edge;
} keep_thread;

static void *keep_begin(pb_visitor *v, int tid, pb_status *st)
{
    (void)tid;
    keep_thread *t = calloc(1, sizeof *t);
    if (!t) *st = PB_ENOMEM;
    else t->k = v->ctx;
    return t;
}

/* Slots in the sets: the task's paths take a run of them, reserved here. */
static void keep_block_begin(void *ts, const pb_task *task)
{
    keep_thread *t = ts;
    pb_keep *k = t->k;
    t->first = task->first;
    t->edge = task->edge;
    int64_t n_keep = (task->end < k->store_limit ? task->end : k->store_limit) - task->first;
    if (n_keep > 0) {
#pragma omp atomic capture
        { t->keep_at = k->stored_next; k->stored_next += n_keep; }
    }
    if (task->edge) {
#pragma omp atomic capture
        { t->edge_at = k->edge_next; k->edge_next += task->end - task->first; }
    }
}

static void keep_path(void *ts, int64_t index, const pb_path_in *in, const pb_path_out *out)
{
    (void)in;
    keep_thread *t = ts;
    if (t->edge) pb_path_set_put(t->k->edges, t->edge_at + (index - t->first), index, out);
    if (index < t->k->store_limit) pb_path_set_put(t->k->stored, t->keep_at + (index - t->first), index, out);
}

static pb_status keep_finish(pb_visitor *v, void **ts, int T, bool ok)
{
    pb_keep *k = v->ctx;
    for (int i = 0; i < T; i++) free(ts[i]);
    if (!ok) return PB_OK;
    pb_status st = pb_path_set_sort(k->stored);
    return st == PB_OK ? pb_path_set_sort(k->edges) : st;
}

pb_visitor pb_keep_visitor(pb_keep *keep)
{
    keep->stored_next = keep->edge_next = 0;
    return (pb_visitor){keep, keep_begin, keep_block_begin, NULL, keep_path, keep_finish};
}
