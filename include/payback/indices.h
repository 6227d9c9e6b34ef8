/* indices.h: the statistical estimators of `payback sensitivity` (model.md
 * §10): Spearman rank correlation, Sobol indices of independent factors and
 * Shapley effects.  Pure statistics: nothing here knows the simulator.  The
 * caller evaluates Y (arrays for Spearman and Sobol, a callback for Shapley)
 * and drops non-finite outputs first (model.md §10).
 *
 * Units: indices and shares are fractions of Var Y (dimensionless); var_y is
 * in Y's unit squared.  Every interval is a two-sided 95 % interval.
 *
 * Determinism: every result depends on the inputs and the seed constants
 * below alone, never on the thread count or timing.  Random numbers are
 * Philox streams (rng.h) keyed by (constant seed, resample or order number,
 * stream name), so resample b or order k is the same whatever else runs.
 *
 * Implemented in sim/indices.c (Spearman, Sobol) and sim/shapley.c. */
#ifndef PB_INDICES_H
#define PB_INDICES_H

#include <stdint.h>

#include "payback/error.h"

/* Bootstrap resamples of every interval here (model.md §10: B = 1,000). */
#define PB_BOOT_RESAMPLES 1000
/* Seed of the bootstrap resamples: resample b draws its indices from the
 * Philox stream (PB_BOOT_SEED, b, pb_stream_id("sobol.bootstrap") or
 * "shapley.bootstrap").  Part of the results: changing it changes every
 * interval (within its Monte Carlo error). */
#define PB_BOOT_SEED 0x5eed0b007ULL
/* Seed of Shapley's random orders: order k is gsl_ran_shuffle of 0..d-1 on
 * the stream (PB_SHAPLEY_ORDER_SEED, k, pb_stream_id("shapley.order")). */
#define PB_SHAPLEY_ORDER_SEED 0x5eed0bde4ULL
/* The largest factor count of exact enumeration (2^d subsets; model.md §10). */
#define PB_SHAPLEY_EXACT_MAX 6
/* The largest factor count of pb_shapley (the mask lives on the stack). */
#define PB_SHAPLEY_MAX_FACTORS 1024

/* ---------------------------------------------------------------- Spearman */

/* Spearman's rho between x[n] and y[n] (Pearson correlation of the ranks,
 * ties given their average rank), with the 95 % interval of the Fisher z
 * transform, se = sqrt(1.06 / (n - 3)) (Fieller, Hartley & Pearson 1957).
 * y (and x) may hold +-inf ("never" years rank after every finite value);
 * NaN is an error (the caller drops undefined outputs).
 *   Degenerate cases, with PB_OK: a constant x or y, or n < 2: all three NaN;
 *   n = 2 or 3: rho, with lo = hi = NaN.  |rho| = 1 gives lo = hi = rho.
 * Allocates 2n doubles and n size_t of scratch.  Thread-safe.
 * Returns PB_OK, PB_EINPUT (n < 0 or a NaN) or PB_ENOMEM, after pb_raise. */
pb_status pb_spearman(const double *x, const double *y, int64_t n, double *rho, double *lo, double *hi);

/* ------------------------------------------------------------------- Sobol */

/* Caller-owned results of pb_sobol: each pointer holds d doubles. */
typedef struct {
    double *s, *s_lo, *s_hi;     /* first-order S_i and its 95 % interval */
    double *st, *st_lo, *st_hi;  /* total S_Ti and its 95 % interval */
    double var_y;                /* V (Y's unit squared): see pb_sobol */
} pb_sobol_result;

/* First-order and total Sobol indices of d independent factors from N base
 * pairs (model.md §10):
 *   ya[n]      Y at the rows of matrix A (f(A)_k, k = 0 .. n-1)
 *   yb[n]      Y at the rows of B
 *   yab[d * n] row-major: yab[i * n + k] = Y at row k of A with column i
 *              taken from B (A_B^(i) of Saltelli et al. 2010)
 * S_i = mean_k((yB - m) (yAB_i - yA)) / V (Saltelli 2010, Table 2, (b), with
 * yB centred on m, the mean of ya and yb: the same expectation, since
 * E[yAB_i - yA] = 0, without m^2 Var(yAB_i - yA) / n of noise when Y's mean
 * is large beside its spread) and
 * S_Ti = mean_k((yA - yAB_i)^2) / 2 / V (Jansen 1999; Table 2, (f)), where V
 * is the sample variance (denominator 2n - 1) of the 2n values of ya and yb
 * together.  Intervals: percentile bootstrap over the n pairs (a resample
 * keeps row k's ya, yb and yab together), PB_BOOT_RESAMPLES resamples on
 * PB_BOOT_SEED.  V = 0: indices and intervals NaN, PB_OK.  Sequential
 * (B n (d + 2) additions; it is cheap beside the model runs); thread-safe.
 * Returns PB_OK, PB_EINPUT (d < 1, n < 2 or n > 2^32, or a non-finite Y)
 * or PB_ENOMEM. */
pb_status pb_sobol(const double *ya, const double *yb, const double *yab, int d, int64_t n,
                   pb_sobol_result *out);

/* ----------------------------------------------------------------- Shapley */

/* Y at one conditional sample (model.md §10).  The factors with mask[f] = 1
 * (the set J) are drawn from their conditional law given the others, which
 * keep their values in outer sample `outer`; `inner` numbers the draw.
 *   mask all-one: an unconditional sample numbered `inner` (for Var Y);
 *     outer = -1.
 *   mask all-zero: Y at outer sample `outer` itself (pb_shapley never asks:
 *     c(empty set) = 0 exactly).
 * Numbering, so that the caller's draws are independent: every call has a
 * distinct `inner`.  Var Y's samples are inner = 0 .. n_var-1; outer samples
 * are numbered from n_var up, so an outer sample never coincides with a Var Y
 * sample.  mask has d entries, owned by pb_shapley, valid during the call.
 * Must be thread-safe; tid in 0 .. threads-1 picks the caller's per-thread
 * workspace.  Must return a finite value (pb_shapley fails otherwise). */
typedef double (*pb_cond_eval)(void *ctx, int tid, const unsigned char *mask, int64_t outer, int64_t inner);

typedef struct {
    int exact;          /* 0: random orders (Song, Nelson & Staum 2016, Alg. 1);
                           1: every subset, d <= PB_SHAPLEY_EXACT_MAX */
    int64_t orders;     /* m, random orders (default 2,000; ignored if exact) */
    int64_t n_outer;    /* N_o per c(J) (default 1; exact: e.g. the caller's N) */
    int64_t n_inner;    /* N_i >= 2 per outer sample (default 3) */
    int64_t n_var;      /* N_v >= 2 unconditional samples for Var Y (default 8,192) */
    int threads;        /* OpenMP threads for the callback (default 1) */
} pb_shapley_opts;

/* The defaults above (model.md §10, interfaces.md §4). */
void pb_shapley_defaults(pb_shapley_opts *o);

/* Caller-owned results of pb_shapley: each pointer holds d doubles. */
typedef struct {
    double *share, *share_lo, *share_hi; /* Sh_i / Var Y and its 95 % interval */
    double var_y;                        /* Var Y estimate (Y's unit squared) */
} pb_shapley_result;

/* Shapley effects of d factors, possibly dependent, as shares of Var Y.
 * c(J) = E[Var(Y | X_-J)] is estimated as the sample variance (denominator
 * N_i - 1) of N_i inner draws of X_J given an outer X_-J, averaged over N_o
 * outer samples; c(empty) = 0 and c(all) = the Var Y estimate (sample
 * variance, denominator N_v - 1, of N_v unconditional samples).
 *   Random orders: order k walks J = first j factors of permutation k,
 *     j = 1 .. d, adding c(J) - c(J without its last) to that factor; Sh is
 *     the mean over the m orders.  Every (k, j < d, outer) has its own outer
 *     sample.  Interval: bootstrap over orders (and over the N_v samples).
 *   Exact: c(J) once for each of the 2^d subsets, all subsets sharing the
 *     same N_o outer samples (common random numbers make the differences
 *     c(J + i) - c(J) less noisy), combined with the weights
 *     |J|! (d - |J| - 1)! / d!.  Interval: bootstrap over the outer samples
 *     (and the N_v samples).
 * The shares sum to 1 up to rounding, in either mode.  Intervals are
 * percentile intervals of PB_BOOT_RESAMPLES resamples on PB_BOOT_SEED.
 * The evaluations run on opts->threads OpenMP threads; every Y is stored by
 * its index and reduced on one thread in a fixed order, so the results are
 * bit-identical for any thread count.  Memory: one double per evaluation,
 * n_var + (exact ? (2^d - 2) : m (d - 1)) N_o N_i of them.
 * Returns PB_OK, PB_EINPUT (bad options: orders, n_outer, n_var above 2^32
 * included; or a non-finite Y) or PB_ENOMEM. */
pb_status pb_shapley(int d, pb_cond_eval f, void *ctx, const pb_shapley_opts *opts, pb_shapley_result *out);

#endif
