/* partition.c: blocks, edges and ranks (partition.h). */
#include "payback/partition.h"

static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }
static int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }

void pb_partition_make(pb_partition *p, int64_t size, int64_t N, int64_t A, int64_t B, int rank, int ranks)
{
    *p = (pb_partition){.size = size, .n = N, .first = A, .end = B};
    /* Blocks b_lo .. b_hi-1 meet the range.  The head block is an edge when
     * the range starts inside it; the tail block when the range stops
     * before its end (the run's last block ends at N); one block that is
     * both is one edge. */
    const int64_t b_lo = A / size, b_hi = (B + size - 1) / size;
    const bool head_edge = A > b_lo * size && b_lo < b_hi;
    const int64_t last_end = min64(b_hi * size, N);
    const bool tail_edge = B < last_end && b_hi - 1 >= b_lo && !(head_edge && b_hi - 1 == b_lo);
    const int64_t i_lo = b_lo + head_edge, i_hi = b_hi - tail_edge;
    const int64_t n_int = i_hi > i_lo ? i_hi - i_lo : 0;
    p->my_lo = i_lo + n_int * rank / ranks;
    p->my_hi = i_lo + n_int * (rank + 1) / ranks;
    if (rank == 0 && head_edge) p->edge[p->n_edges++] = b_lo;
    if (rank == 0 && tail_edge) p->edge[p->n_edges++] = b_hi - 1;
    p->n_tasks = p->my_hi - p->my_lo + p->n_edges;
}

pb_task pb_partition_task(const pb_partition *p, int64_t k)
{
    const int64_t n_int = p->my_hi - p->my_lo;
    pb_task t;
    t.edge = k >= n_int;
    t.block = t.edge ? p->edge[k - n_int] : p->my_lo + k;
    t.first = max64(t.block * p->size, p->first);
    t.end = min64((t.block + 1) * p->size, p->end);
    return t;
}

int64_t pb_partition_paths_below(const pb_partition *p, int64_t limit)
{
    /* Interior blocks are covered whole: one run of indices (in closed
     * form, so that a huge run costs nothing to count). */
    int64_t n = 0;
    if (p->my_hi > p->my_lo) n = max64(0, min64(min64(p->my_hi * p->size, p->end), limit) - p->my_lo * p->size);
    for (int64_t k = p->my_hi - p->my_lo; k < p->n_tasks; k++) {
        pb_task t = pb_partition_task(p, k);
        int64_t hi = min64(t.end, limit);
        if (hi > t.first) n += hi - t.first;
    }
    return n;
}

int64_t pb_partition_paths(const pb_partition *p) { return pb_partition_paths_below(p, p->end); }

int64_t pb_partition_edge_paths(const pb_partition *p)
{
    int64_t n = 0;
    for (int64_t k = p->my_hi - p->my_lo; k < p->n_tasks; k++) {
        pb_task t = pb_partition_task(p, k);
        n += t.end - t.first;
    }
    return n;
}
