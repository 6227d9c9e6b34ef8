/* kernel.h: the Monte Carlo kernel.  It draws and simulates the paths of a
 * partition (partition.h) on OpenMP threads, one workspace, generator and
 * input buffer per thread allocated once, and hands every path to a list of
 * visitors: today's statistics are one visitor (run.c), the stored paths
 * another (pathset.c); the analysis commands of model.md §10 will be others.
 *
 * A visitor keeps per-thread state and sees, on each thread, the tasks
 * (blocks) that thread takes, in any order, and within a task the paths in
 * index order.  Whatever a visitor computes must not depend on which thread
 * took which block: its finish() folds the threads' states with an exact,
 * order-independent merge, so that results are bit-identical for any
 * thread count (and, merged the same way across ranks, any rank count or
 * split of the paths). */
#ifndef PB_KERNEL_H
#define PB_KERNEL_H

#include <stdbool.h>
#include <stdint.h>

#include "payback/draws.h"
#include "payback/error.h"
#include "payback/partition.h"
#include "payback/path.h"

typedef struct pb_visitor pb_visitor;
struct pb_visitor {
    void *ctx;  /* the visitor's own data, shared by its threads */
    /* Per-thread state, made on each thread before its first task.  NULL
     * on failure, with *st set (PB_ENOMEM ...); it may pb_raise the cause.
     * A NULL state is a failure whatever *st says. */
    void *(*thread_begin)(pb_visitor *v, int tid, pb_status *st);
    /* A task starts and ends on the calling thread (either may be NULL). */
    void (*block_begin)(void *ts, const pb_task *t);
    void (*block_end)(void *ts, const pb_task *t);
    /* One path of the current task: its index in the run, its inputs and
     * results (valid during the call only). */
    void (*path)(void *ts, int64_t index, const pb_path_in *in, const pb_path_out *out);
    /* After the parallel loop: folds the states ts[0..T-1] of the threads
     * (a NULL entry: a thread that failed to start) into the visitor's
     * result and frees them.  ok is false when the run failed: then it only
     * frees.  Called once per run, on one thread. */
    pb_status (*finish)(pb_visitor *v, void **ts, int T, bool ok);
};

typedef struct {
    int threads;            /* >= 1 */
    uint64_t seed;
    bool progress;          /* progress lines on stderr (rank 0, thread 0); under MPI
                               the same on every rank, which all report to rank 0 */
    int64_t progress_total; /* the paths the progress line counts to (every rank's) */
} pb_kernel_opts;

/* Runs every task of part: for each path, pb_draw_path, pb_path_simulate,
 * then each visitor's path() in the order of v[0..nv-1].  Returns PB_OK, or
 * the first failure (after pb_raise); every visitor's finish() is called
 * either way.  *seconds (may be NULL) is the wall time of the loop. */
pb_status pb_kernel_run(const pb_sampler *s, const pb_partition *part, const pb_kernel_opts *o,
                        pb_visitor *const *v, int nv, double *seconds);

#endif
