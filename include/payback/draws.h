/* draws.h: from a scenario's parameters to one path's inputs (pb_path_in).
 *
 * pb_path_in_fill walks the scenario and asks a value function for each
 * parameter (and each year, for a per-year one); year-valued parameters are
 * rounded here, after every draw (model.md §2).  Deterministic mode is the
 * value function "the mean", with every shock 0 and the regime always boom. */
#ifndef PB_DRAWS_H
#define PB_DRAWS_H

#include <stdbool.h>

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

#endif
