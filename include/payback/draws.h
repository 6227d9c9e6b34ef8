/* draws.h: from a scenario's parameters to one path's inputs (pb_path_in).
 *
 * pb_path_in_fill walks the scenario and asks a value function for each
 * parameter (and each year, for a per-year one); year-valued parameters are
 * rounded here, after every draw (model.md §2).  Deterministic mode is the
 * value function "the mean", with every shock 0 and the regime always boom. */
#ifndef PB_DRAWS_H
#define PB_DRAWS_H

#include <stdbool.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "payback/error.h"
#include "payback/path.h"
#include "payback/scenario.h"

/* Returns the value of parameter p in year index t (t = -1 for a per-path
 * parameter).  ctx is the caller's. */
typedef double (*pb_value_fn)(void *ctx, const pb_param *p, int t);

/* Fills every parameter field of in; leaves eps, u_regime and regime to the
 * caller (regime is set from the scenario). */
void pb_path_in_fill(const pb_scenario *sc, pb_path_in *in, pb_value_fn fn, void *ctx);

/* The central path of deterministic mode (model.md §2): every distribution
 * at its mean, every shock 0, the regime always boom. */
void pb_path_in_central(const pb_scenario *sc, pb_path_in *in);

/* A scenario prepared for drawing paths: every parameter's stream, the
 * order in which pb_path_in_fill asks for values, and the Cholesky factor of
 * the correlations.  Read-only once built; shared by all threads. */
typedef struct pb_sampler pb_sampler;

/* Prepares sc (which must outlive the sampler), on `threads` threads (the
 * quantile tables of its laws, about 4 ms each on one thread; the result
 * is the same for any number).  NULL after pb_raise, with *st PB_ENOMEM
 * when out of memory, PB_EINTERNAL if two streams' ids collide or a path
 * would draw a parameter the registry does not hold. */
pb_sampler *pb_sampler_alloc(const pb_scenario *sc, int threads, pb_status *st);
/* The years of the sampler's scenario (H). */
int pb_sampler_years(const pb_sampler *s);
void pb_sampler_free(pb_sampler *s); /* accepts NULL */

/* Draws path `path` of a run with `seed` into in, with the calling
 * thread's generator r (pb_rng_alloc).  The result depends on (seed, path)
 * and the scenario alone.  Allocates nothing. */
void pb_draw_path(const pb_sampler *s, uint64_t seed, uint64_t path, gsl_rng *r, pb_path_in *in);

/* ------------------------------------------------------------------ */
/* Factors and resampling (model.md §10).
 *
 * A factor is one thing that varies between paths: a per-path parameter
 * with a distribution, a per-year parameter with a distribution (one factor
 * for all its years), the revenue shocks, the regime chain.  A factor is
 * resampled by drawing its streams under the second key
 * pb_resample_seed(seed) (and an inner path index of the caller's) while
 * every other factor keeps its draws; correlated parameters are resampled
 * from their conditional law in the Gaussian copula. */

typedef enum { PB_FACTOR_PARAM, PB_FACTOR_YEARLY, PB_FACTOR_SHOCKS, PB_FACTOR_REGIME } pb_factor_kind;

typedef struct {
    char name[160];          /* the dotted path as --set spells it; "revenue.shocks", "revenue.regime" */
    pb_factor_kind kind;
    const pb_param *param;   /* PARAM and YEARLY: the scenario's parameter; else NULL */
    bool year_valued;        /* its values are rounded to years */
    int slot;                /* PARAM: its value's index in pb_draw_path_cond's vals; YEARLY: year 0's
                                (year t at slot + t); else -1 */
    int corr;                /* its index among the correlated parameters, or -1 */
} pb_factor;

/* The constant mixed into the seed for resampled draws (model.md §10):
 * the 64-bit golden ratio, so that no small seed maps onto another. */
#define PB_RESAMPLE_KEY 0x9E3779B97F4A7C15ULL
static inline uint64_t pb_resample_seed(uint64_t seed) { return seed ^ PB_RESAMPLE_KEY; }

/* The sampler's factors, in the order of param_table.h, then committed
 * capex and generations, then shocks and regime.  Owned by the sampler. */
int pb_sampler_n_factors(const pb_sampler *s);
const pb_factor *pb_sampler_factor(const pb_sampler *s, int f);
/* The length of pb_draw_path_cond's vals (every value a path draws). */
int pb_sampler_n_values(const pb_sampler *s);
/* The index of the factor named `name`, or -1. */
int pb_sampler_find_factor(const pb_sampler *s, const char *name);

/* Path `outer` of the run with `seed`, except that the factors f with
 * resample[f] != 0 are drawn under pb_resample_seed(seed) and path index
 * `inner`; a correlated parameter among them is drawn from its law in the
 * copula conditional on the correlated parameters that are not resampled.
 * resample NULL (or all 0) is pb_draw_path(s, seed, outer, ...); all 1 is
 * an independent path.  vals (may be NULL) receives every value drawn
 * [pb_sampler_n_values], before rounding (pb_factor.slot says where).
 * Returns PB_ENOMEM (after pb_raise) when the conditional law's workspace
 * cannot be allocated; PB_OK otherwise. */
pb_status pb_draw_path_cond(const pb_sampler *s, uint64_t seed, uint64_t outer, const unsigned char *resample,
                            uint64_t inner, gsl_rng *r, pb_path_in *in, double *vals);

/* Stream names of the per-year processes (model.md §5). */
#define PB_STREAM_SHOCK "revenue.shock"
#define PB_STREAM_REGIME "revenue.regime.state"

#endif
