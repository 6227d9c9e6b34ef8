/* run.h: a Monte Carlo run and its statistics.  Paths are computed in
 * blocks of PB_BLOCK consecutive path indices (a constant: block b is paths
 * b*PB_BLOCK .. (b+1)*PB_BLOCK-1 of the run, whatever the threads, ranks or
 * parts; partition.h), blocks are shared out to MPI ranks and OpenMP
 * threads by the kernel (kernel.h), the statistics are a visitor of the
 * kernel with one accumulator per thread, and the accumulators are merged
 * exactly across threads and ranks (stats.h), so that results are
 * bit-identical for any thread count, rank count or split of the paths. */
#ifndef PB_RUN_H
#define PB_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "payback/kernel.h"
#include "payback/pathset.h"
#include "payback/scenario.h"
#include "payback/stats.h"

#define PB_BLOCK 8192 /* paths per block; part of the results (block sums) */
#define PB_MAX_EXTRA 4   /* pb_run_opts.extra visitors at most */
#define PB_PILOT 4096 /* paths 0 .. PB_PILOT-1 fix the quantile sketch's windows (stats.h) */

typedef struct {
    int64_t paths;          /* N: the paths of the whole run */
    int64_t first, end;     /* this call computes paths first .. end-1 (end 0: up to N) */
    uint64_t seed;
    int threads;            /* per rank, >= 1 */
    int64_t store_paths;    /* keep the paths with index < store_paths */
    bool progress;          /* progress lines on stderr (rank 0) */
    /* The pilot's sketch plan, kept between calls on the same run (run
     * --precision's batches): NULL, or *plan NULL to compute it and leave it
     * there (the caller frees it with pb_sketch_plan_free), or a plan from
     * an earlier call, used as it is.  The plan depends only on the run's
     * first paths (PB_PILOT) and the scenario's quantile levels, so every
     * batch would compute the same one. */
    pb_sketch_plan **plan;
    bool acc_only;          /* leave res->summary NULL: the caller finishes res->acc itself (run --precision) */
    pb_visitor *const *extra; /* further visitors of the kernel (e.g. run --precision's counts), or NULL */
    int n_extra;
    int test_fail_rank;     /* tests only: when > 0, rank test_fail_rank - 1 fails after the kernel,
                               before the merge; 0 (the default): none */
} pb_run_opts;

typedef struct {
    pb_summary *summary;    /* every rank: the statistics of the paths first .. end-1 (NULL with acc_only) */
    pb_acc *acc;            /* rank 0: the merged state of the blocks wholly inside the range */
    pb_path_set stored;     /* this rank's paths with index < store_paths */
    pb_path_set edges;      /* rank 0: the paths of blocks the range covers only in part */
    int threads, ranks;
    double seconds;         /* wall time of the kernel on this rank */
    uint64_t bytes_sent;    /* this rank's bytes in the merge of statistics */
    double merge_seconds;   /* wall time of the merge across ranks, on this rank */
} pb_run_result;

/* Runs the Monte Carlo of sc over the paths o->first .. o->end-1, on every
 * rank of the job (a collective call).  On success fills *res (free with
 * pb_run_result_clear); on failure, on any rank, every rank returns the
 * worst status. */
pb_status pb_run_mc(const pb_scenario *sc, const pb_run_opts *o, pb_run_result *res);
void pb_run_result_clear(pb_run_result *res);

/* The statistics of acc together with the paths of `edges` (sorted by
 * index), added block by block (a block is the paths of one PB_BLOCK range
 * that edges holds).  acc is not changed. */
pb_status pb_run_finish(const pb_scenario *sc, const pb_acc *acc, const pb_path_set *edges, pb_summary **out);


#endif
