/* stats.h: the statistics of model.md §9 over a set of paths, laid out as
 * the output file's /summary and /metrics groups (interfaces.md §3).
 *
 * pb_summary is the hand-off between statistics and output: the kernel (or
 * pb_summary_exact) fills it, write.c writes it and read.c reads it back
 * (a field is in the file once it has a row in sim/schema.c), table.c
 * prints it.  Arrays are row-major: a per-year-and-quantile array is
 * [n_years][n_quantiles].
 *
 * Implemented in sim/summary.c (the container, exact statistics by
 * sorting), sim/acc.c (the streaming accumulator, with its quantile sketch
 * in sim/sketch.c) and sim/pack.c (the accumulator's state as bytes). */
#ifndef PB_STATS_H
#define PB_STATS_H

#include <stdint.h>

#include "payback/path.h"

#define PB_Z95 1.959964 /* two-sided 95 % normal quantile, model.md §9 */

typedef struct {
    double *mean, *sd, *se;          /* [n_years] */
    double *q, *q_lo, *q_hi;         /* [n_years * n_quantiles] */
} pb_series_stats;

typedef struct {
    double mean, sd, se;             /* year metrics: over paths with an event (NaN if none); irr: over paths with one root */
    double *q, *q_lo, *q_hi;         /* [n_quantiles]; year metrics type 1, +inf = never */
    int64_t never;                   /* year metrics: paths with no event */
    int64_t *hist;                   /* year metrics: [n_years] paths whose event fell in each year; else NULL */
} pb_metric_stats;

typedef struct {
    int start, n_years, n_quantiles;
    double *quantiles;               /* [n_quantiles] levels, strictly increasing */
    int64_t n;                       /* finite paths used */
    int64_t nonfinite;               /* paths excluded (model.md §9) */
    pb_series_stats series[PB_N_SERIES];
    double *p_closed[PB_N_METHODS];  /* [n_years] P(G^m_t <= 0) */
    double *p_closed_lo[PB_N_METHODS], *p_closed_hi[PB_N_METHODS]; /* Wilson 95 % */
    pb_metric_stats metric[PB_N_METRICS];
    int64_t irr_none, irr_multiple;
    /* Reported quantile values (interval ends included) that fell outside
     * the sketch plan's fine buckets and are only known to their power of
     * two: 0 means every quantile is within 0.098 % of an order statistic. */
    int64_t coarse_series, coarse_metrics;
} pb_summary;

/* Allocates a zeroed summary for n_years years from `start` and the levels
 * quantiles [n_quantiles] (copied).  The summary owns all its arrays; free
 * it with pb_summary_free.  NULL (after pb_raise) when out of memory. */
pb_summary *pb_summary_alloc(int start, int n_years, int n_quantiles, const double *quantiles);
void pb_summary_free(pb_summary *s); /* accepts NULL */


/* The quantile levels a run reports: the scenario's levels together with
 * 0.10, 0.50 and 0.90 (the summary table's), sorted, without repeats.
 * Writes at most PB_MAX_QUANTILES + 3 levels into out and returns the count. */
int pb_report_quantiles(const pb_scenario *sc, double *out);

/* Exact statistics of n stored paths (their series and metrics copied into
 * `series` [n][PB_N_SERIES * n_years] and `metric` [n][PB_N_METRICS], with
 * irr_kind[n] and nonfinite[n]), by sorting.  Used for deterministic runs and
 * as the reference for streaming statistics.  Returns PB_OK or PB_ENOMEM. */
pb_status pb_summary_exact(pb_summary *s, int64_t n, const double *series, const double *metric,
                           const unsigned char *irr_kind, const unsigned char *nonfinite);

/* Type 7 quantile (Hyndman-Fan; NumPy's default) of sorted x[0..n-1]. */
double pb_quantile_type7(const double *sorted, int64_t n, double p);
/* Type 1 (inverse empirical CDF) of sorted x[0..n-1]. */
double pb_quantile_type1(const double *sorted, int64_t n, double p);
/* 1-based ranks of the order statistics bounding a 95 % interval for the
 * p-quantile of n values (model.md §9), clamped to 1..n. */
void pb_quantile_ci_ranks(int64_t n, double p, int64_t *lo, int64_t *hi);
/* Wilson 95 % interval for k successes in n trials; with n = 1 the interval
 * is the value itself (model.md §9). */
void pb_wilson(int64_t k, int64_t n, double *lo, double *hi);

/* ------------------------------------------------------------------ */
/* Streaming statistics of the Monte Carlo kernel.
 *
 * A pb_acc takes paths one at a time and keeps, for every series-year and
 * metric ("cell"), memory that does not grow with the number of paths:
 *  - sums of x and x^2, made exact: the paths of a block are summed in
 *    double in a fixed order (four interleaved partial sums over the
 *    block's paths; pb_acc_flush ends a block), and each block's
 *    sums are added exactly into GMP integers (x scaled by 2^1126, so that
 *    every double is an integer).  Exact sums add in any order, so threads,
 *    ranks and parts merge to the same bits;
 *  - min and max;
 *  - a quantile sketch: counts in log-spaced buckets, 512 per power of two
 *    (relative width at most 2^-9), so that a bucket's midpoint is within
 *    2^-10 = 0.098 % of any value in it; |x| < 2^-30 counts as 0.  Integer
 *    counts merge exactly in any order.  With a plan (pb_sketch_plan, from a
 *    pilot of the run's first paths) each cell's fine buckets cover a fixed
 *    range of octaves and values outside it are counted per octave, so that
 *    memory is fixed before the run; without one, the range grows to the
 *    values seen;
 *  - exact integer counts: P(gap <= 0) per method and year, year-metric
 *    histograms and "never" counts, IRR none/multiple, non-finite paths. */
typedef struct pb_acc pb_acc;
typedef struct pb_sketch_plan pb_sketch_plan;

/* A plan keeps, per pilot path and cell, the value's sign and power of two
 * (2 bytes: 3.3 MB for the baseline's 4,096 pilot paths of 409 cells,
 * however they are split between threads).  NULL (after pb_raise) when
 * out of memory. */
pb_sketch_plan *pb_sketch_plan_alloc(int n_years);
void pb_sketch_plan_free(pb_sketch_plan *p); /* accepts NULL */
/* Records one pilot path (of the plan's n_years); a non-finite path is
 * ignored, as are year metrics (they need no sketch).  Out of memory, the
 * plan is marked failed and pb_sketch_plan_focus reports it. */
void pb_sketch_plan_observe(pb_sketch_plan *p, const pb_path_out *out);
/* into = the pilot paths of into and of from (two plans for the same
 * years): the order in which pilots are merged does not matter.  into is
 * left unfocused: focus it after the last merge. */
void pb_sketch_plan_merge(pb_sketch_plan *into, const pb_sketch_plan *from);
/* Narrows the windows to the octaves where the quantiles at `levels`
 * [n_levels] (and their order-statistic intervals) will fall, as the
 * pilot's ranks predict, with margins (sketch.c); a quantile outside is
 * counted coarse and flagged.  Call once, after the last merge: it frees
 * the pilot's paths.  Without it, the windows cover every octave the pilot
 * saw, widened.  False (after pb_raise; p is then unfocused) when out of
 * memory, now or when a path was observed, or when p (or a plan merged
 * into it) was focused before. */
bool pb_sketch_plan_focus(pb_sketch_plan *p, int n_levels, const double *levels);

/* block_paths: the most paths between two pb_acc_flush calls (a block).
 * plan: fixes the sketch windows (NULL: windows grow with the data); it is
 * read only here and may be freed afterwards.  Accumulators merge only with
 * accumulators made from the same plan.  NULL (after pb_raise) when out of
 * memory. */
pb_acc *pb_acc_alloc(int start, int n_years, int block_paths, const pb_sketch_plan *plan);
void pb_acc_free(pb_acc *a); /* accepts NULL */

/* Adds one path (a non-finite path is only counted).  Its values wait in a
 * buffer of 256 paths, then go into the cells' sums, min, max and
 * sketches; the block's double sums and the sketches' per-block counts
 * wait for pb_acc_flush. */
void pb_acc_add(pb_acc *a, const pb_path_out *out);
/* Ends a block: its double sums go into the exact sums.  Call it after the
 * last path of every block, so that blocks are the same whatever thread
 * or process computes them. */
void pb_acc_flush(pb_acc *a);
/* into += from (exact).  PB_ENOMEM if a sketch cannot grow. */
pb_status pb_acc_merge(pb_acc *into, const pb_acc *from);
/* Computes the statistics of model.md §9 into s (allocated for the same
 * years).  PB_ENOMEM if the accumulator ran out of memory while adding. */
pb_status pb_acc_finish(const pb_acc *a, pb_summary *s);
/* The whole state of a (flushed) accumulator as bytes, for MPI and for
 * the /state of a partial result: counts, exact sums, sketch windows and
 * counts (sparse), sealed with a CRC-32 (pack.c).  Native byte order.
 * *buf is new (free()). */
pb_status pb_acc_pack(const pb_acc *a, void **buf, size_t *len);

/* What a packed state must match (pb_acc_unpack). */
typedef struct {
    const char *name;       /* the state in messages, e.g. "the /state of 'a.h5'" */
    int start, n_years;     /* the first year and horizon H of its run's scenario */
    bool planned;           /* sketch windows fixed by a plan (every run has one) */
    int64_t max_paths;      /* the most paths it may count, finite and non-finite */
} pb_acc_expect;

/* A new accumulator (pb_acc_free) from pb_acc_pack's bytes buf [len],
 * which stay the caller's.  Everything is checked before use: the magic and
 * CRC-32, the shape against want (if not NULL), every sketch window within
 * its buckets, counts non-negative and within the paths, sums possible for
 * the counts, min and max, and sizes before anything is allocated.  NULL
 * with *st = PB_EINPUT (after pb_raise naming want->name and what is
 * wrong, e.g. "checksum mismatch") if they are not such a state, PB_ENOMEM
 * if it cannot be allocated. */
pb_acc *pb_acc_unpack(const void *buf, size_t len, const pb_acc_expect *want, int block_paths, pb_status *st);
/* -1 if a and b can merge (the same years, and the same sketch plan if
 * planned); else 0 if their years or planning differ, or 1 + the first
 * cell whose sketch windows differ.  This can't fail. */
int pb_acc_plan_differs(const pb_acc *a, const pb_acc *b);
/* The paths a holds: finite ones and non-finite ones. */
int64_t pb_acc_count(const pb_acc *a);
/* A new, empty accumulator (pb_acc_free) with the sketch windows of model,
 * so that the two merge.  NULL (after pb_raise) when out of memory. */
pb_acc *pb_acc_alloc_like(const pb_acc *model, int block_paths);


#endif
