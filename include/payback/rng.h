/* rng.h: counter-based random streams (Philox4x32-10, Random123).
 *
 * A stream is keyed by (seed, path, stream id, year), and nothing else: not
 * the thread, the block or the order of execution.  The layout is part of
 * the results (tests/test_draws.c pins it):
 *   key     = {seed low 32 bits, seed high 32 bits}
 *   counter = {draw index | year << 16, stream id, path low 32 bits, path high 32 bits}
 * where the stream id is a 32-bit hash (FNV-1a, folded) of the parameter's
 * dotted path, so that adding or changing one parameter leaves every other
 * parameter's draws on every path as they were.
 *
 * pb_rng wraps a GSL generator whose state is the Philox stream, so that
 * GSL's samplers (gsl_ran_*) draw from it. */
#ifndef PB_RNG_H
#define PB_RNG_H

#include <stdint.h>

#include <gsl/gsl_rng.h>

/* The stream id of a dotted path (e.g. "revenue.growth.initial"). */
uint32_t pb_stream_id(const char *dotted_path);

/* Philox4x32-10 of one counter under one key (for known-answer tests). */
void pb_philox4x32(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]);

/* Philox4x32-10 of n counters (c0[i], c1[i], c2[i], c3[i]) under one key,
 * in place: the outputs replace the counters.  The same rounds as
 * Random123's, lanes side by side, so that the CPU overlaps the lanes'
 * chains of multiplications (the first block of every stream of a path is
 * computed in one call). */
void pb_philox4x32_many(int n, uint32_t *c0, uint32_t *c1, uint32_t *c2, uint32_t *c3, const uint32_t key[2]);

/* A GSL generator over Philox streams; one per thread, allocated once.
 * NULL (after pb_raise) when out of memory. */
gsl_rng *pb_rng_alloc(void);
void pb_rng_free(gsl_rng *r); /* accepts NULL */

/* Points r at the start of stream (seed, path, stream, year); year is the
 * calendar year for a per-year draw, 0 for a per-path one. */
void pb_rng_start(gsl_rng *r, uint64_t seed, uint64_t path, uint32_t stream, int year);

/* As pb_rng_start, with the stream's first block already computed (by
 * pb_philox4x32_many): the same outputs follow. */
void pb_rng_start_at(gsl_rng *r, uint64_t seed, uint64_t path, uint32_t stream, int year, const uint32_t first[4]);

#endif
