/* compare.h: two scenarios on common random numbers (model.md §10.1
 * "Comparison").
 *
 * Path i of scenario A and path i of scenario B are drawn with the same
 * seed and path index, so that the draws they share (every parameter with
 * the same dotted path, the shocks, the regime chain) are the same numbers
 * (rng.h: streams are keyed by seed, path and dotted path, never by
 * position).  The kernel (kernel.h) runs A's sampler; a visitor draws and
 * simulates the same path of B and feeds three streaming accumulators: A,
 * B and the per-path difference Δ = Y_B - Y_A of every series-year and
 * metric.  Year metrics (payback, catch-up) get their own Δ statistics:
 * the joint counts of the event in A and B, and Δ in years over the paths
 * where both have it, from an exact integer histogram of differences.
 * Every statistic is an exact sum or an integer count, merged in any
 * order, so that results are bit-identical for any thread count. */
#ifndef PB_COMPARE_H
#define PB_COMPARE_H

#include <stdbool.h>
#include <stdint.h>

#include "payback/scenario.h"
#include "payback/stats.h"

/* The four joint outcomes of an event (a year metric's year within the
 * horizon; the IRR: exactly one root) in A and B. */
typedef enum { PB_JOINT_BOTH, PB_JOINT_ONLY_A, PB_JOINT_ONLY_B, PB_JOINT_NEITHER, PB_N_JOINT } pb_joint;
extern const char *const pb_joint_names[PB_N_JOINT]; /* "both", "only_a", "only_b", "neither" */

typedef struct {
    int64_t paths;          /* N >= 1 */
    uint64_t seed;          /* both scenarios are drawn with it */
    int threads;            /* >= 1 */
    bool progress;          /* progress lines on stderr */
} pb_compare_opts;

typedef struct {
    /* The statistics of model.md §9 of A, of B and of Δ, all at A's
     * quantile levels.  In d, a year metric's mean, sd, se and quantiles
     * (type 1, with their intervals) are those of Δ in years over the paths
     * where both have an event, and its `never` and `hist` are unused; the
     * IRR's cover the paths where both have exactly one root. */
    pb_summary *a, *b, *d;
    /* Paths with Δ > 0 and Δ < 0: series-year cells (series s, year t at
     * s * n_years + t) over d->n paths, then metrics (PB_N_SERIES *
     * n_years + m) over n_metric[m] paths. */
    int64_t *pos, *neg;
    int64_t n_metric[PB_N_METRICS];
    /* Year metrics and the IRR: paths by joint outcome (pb_joint), over
     * the d->n paths finite in both A and B.  Zero for other metrics. */
    int64_t joint[PB_N_METRICS][PB_N_JOINT];
    int threads;
    double seconds;         /* wall time of the kernel */
} pb_compare_result;

/* Runs a and b (the same years: start and horizon) path by path over paths
 * 0 .. o->paths-1.  On success fills *res (pb_compare_result_clear);
 * otherwise returns the status after pb_raise: PB_EINPUT if the years
 * differ, PB_ENOMEM, PB_EINTERNAL (a sampler's streams collide). */
pb_status pb_compare_run(const pb_scenario *a, const pb_scenario *b, const pb_compare_opts *o, pb_compare_result *res);
void pb_compare_result_clear(pb_compare_result *res); /* accepts a zeroed result */

#endif
