/* partition.h: which paths a rank computes, in blocks (the blocks of model.md §9).
 *
 * The paths of a run are cut into blocks of a fixed number of consecutive
 * indices (block b holds paths b*size .. (b+1)*size-1 of the run, whatever
 * the threads, ranks or parts), so that block sums, and hence results, do
 * not depend on who computes them.  A run (or a part, --paths A:B) computes
 * the paths A .. B-1 of a run of N:
 *  - the blocks it covers whole ("interior") go to the ranks in contiguous
 *    ranges, as even as they can be;
 *  - a block it covers only in part (at most one at each end, an "edge")
 *    goes to rank 0, which keeps its paths whole so that `payback merge`
 *    can add them to the other parts' as one block.
 * A rank's work is a list of tasks, one block each, that threads take in any
 * order.  Pure: no allocation, no I/O, no MPI. */
#ifndef PB_PARTITION_H
#define PB_PARTITION_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    int64_t size;              /* paths per block */
    int64_t n, first, end;     /* the run's N, and the range A .. B-1 (0 <= A < B <= N) */
    int64_t my_lo, my_hi;      /* this rank's interior blocks my_lo .. my_hi-1 */
    int n_edges;               /* edge blocks on this rank (0 except on rank 0), */
    int64_t edge[2];           /* ... in ascending order */
    int64_t n_tasks;           /* interior blocks, then edges */
} pb_partition;

/* The work of rank `rank` of `ranks` (0 <= rank < ranks) in paths A .. B-1
 * of a run of N paths cut into blocks of `size` paths. */
void pb_partition_make(pb_partition *p, int64_t size, int64_t N, int64_t A, int64_t B, int rank, int ranks);

/* Task k (0 <= k < n_tasks): its block, whether it is an edge, and the
 * paths first .. end-1 of the block that lie in A .. B-1. */
typedef struct {
    int64_t block, first, end;
    bool edge;
} pb_task;
pb_task pb_partition_task(const pb_partition *p, int64_t k);

/* Paths in this rank's tasks: all, and those of edge blocks. */
int64_t pb_partition_paths(const pb_partition *p);
int64_t pb_partition_edge_paths(const pb_partition *p);
/* Paths in this rank's tasks with index < limit. */
int64_t pb_partition_paths_below(const pb_partition *p, int64_t limit);

#endif
