/* run.h: the Monte Carlo kernel.  Paths are computed in blocks of PB_BLOCK
 * consecutive path indices (a constant: it does not depend on the thread
 * count), blocks are shared out to OpenMP threads, each thread has one
 * workspace, one generator and one accumulator allocated once, and the
 * accumulators are merged exactly at the end (stats.h), so that results are
 * bit-identical for any thread count. */
#ifndef PB_RUN_H
#define PB_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "payback/scenario.h"
#include "payback/stats.h"

#define PB_BLOCK 8192 /* paths per block; part of the results (block sums) */
#define PB_PILOT 4096 /* paths 0 .. PB_PILOT-1 fix the quantile sketch's windows (stats.h) */

typedef struct {
    int64_t paths;          /* N */
    uint64_t seed;
    int threads;            /* >= 1 */
    int64_t store_paths;    /* keep the first min(N, store_paths) paths' series and metrics */
    bool progress;          /* progress lines on stderr */
} pb_run_opts;

/* Paths kept for /paths (--store-paths) or for tests. */
typedef struct {
    int64_t n;              /* paths kept: indices 0 .. n-1 */
    int n_years;
    double *series;         /* [n][PB_N_SERIES * n_years], as pb_path_out.series */
    double *metric;         /* [n][PB_N_METRICS] */
    unsigned char *irr_kind, *nonfinite; /* [n] */
} pb_stored_paths;

typedef struct {
    pb_summary *summary;
    pb_stored_paths stored;
    int threads;            /* threads used */
    double seconds;         /* wall time of the kernel */
    size_t stats_bytes;     /* memory of the merged accumulator */
} pb_run_result;

/* Runs the Monte Carlo of sc.  On success fills *res (free with
 * pb_run_result_clear); on failure returns the status after pb_raise. */
pb_status pb_run_mc(const pb_scenario *sc, const pb_run_opts *o, pb_run_result *res);
void pb_run_result_clear(pb_run_result *res);

#endif
