/* boot.h: the bootstrap helpers shared by sim/indices.c and sim/shapley.c,
 * private to them. */
#ifndef PB_BOOT_H
#define PB_BOOT_H

#include <stdint.h>

#include <gsl/gsl_rng.h>

/* Points r at the index stream of bootstrap resample b (PB_BOOT_SEED, b,
 * pb_stream_id(stream)): resample b's draws depend on b alone. */
void pb_boot_start(gsl_rng *r, const char *stream, int64_t b);

/* The 2.5 % and 97.5 % points of v[n] (sorted in place; GSL's linear
 * interpolation between order statistics).  A NaN in v gives NaN for both,
 * since a resample with no variance has no index. */
void pb_boot_percentiles(double *v, int n, double *lo, double *hi);

#endif
