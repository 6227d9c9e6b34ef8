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

/* Prepares sc (which must outlive the sampler).  NULL after pb_raise, with
 * *st PB_ENOMEM when out of memory, PB_EINTERNAL if two streams' ids
 * collide or a path would draw a parameter the registry does not hold. */
pb_sampler *pb_sampler_alloc(const pb_scenario *sc, pb_status *st);
/* The years of the sampler's scenario (H). */
int pb_sampler_years(const pb_sampler *s);
void pb_sampler_free(pb_sampler *s); /* accepts NULL */

/* Draws path `path` of a run with `seed` into in, with the calling
 * thread's generator r (pb_rng_alloc).  The result depends on (seed, path)
 * and the scenario alone.  Allocates nothing. */
void pb_draw_path(const pb_sampler *s, uint64_t seed, uint64_t path, gsl_rng *r, pb_path_in *in);

/* Stream names of the per-year processes (model.md §5). */
#define PB_STREAM_SHOCK "revenue.shock"
#define PB_STREAM_REGIME "revenue.regime.state"

#endif
