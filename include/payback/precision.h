/* precision.h: runs that stop at a target precision (run --precision;
 * docs/model.md §10.5).
 *
 * Paths are run in batches of b paths (a multiple of PB_BLOCK), batch k
 * being paths (k-1) b .. k b - 1 of the run; after each batch every target
 * is measured on all the paths so far, and the run stops when each target's
 * 95 % interval is within its tolerance, or at the run's path limit.  The
 * statistics after k batches are exactly those of `payback run -n k*b`
 * (the same pilot, the same blocks), so the stopping point depends only
 * on the scenario, the seed, b and the targets: never on threads, ranks or
 * timing. */
#ifndef PB_PRECISION_H
#define PB_PRECISION_H

#include <stdbool.h>
#include <stdint.h>

#include "payback/pathset.h"
#include "payback/run.h"
#include "payback/select.h"
#include "payback/stats.h"

#define PB_MAX_TARGETS 16
#define PB_DEFAULT_BATCH 65536

typedef struct {
    int n;
    pb_target t[PB_MAX_TARGETS];     /* parsed with pb_target_parse(..., precision = true, ...) */
    /* After each batch (rank 0): */
    double estimate[PB_MAX_TARGETS]; /* the mean, quantile or probability */
    double half[PB_MAX_TARGETS];     /* its 95 % interval's half-width (the larger side) */
    double tol[PB_MAX_TARGETS];      /* the tolerance, absolute (relative ones times |estimate|) */
    bool met[PB_MAX_TARGETS];
} pb_precision;

/* Adds the quantile targets' levels to the scenario's levels, so that the
 * statistics report them.  PB_EUSAGE (raised) when the list is full. */
pb_status pb_precision_levels(pb_scenario *sc, const pb_precision *p);

typedef struct {
    pb_summary *summary;   /* every rank (values on rank 0): the statistics of the paths used */
    pb_path_set stored;    /* this rank's stored paths (index < store_paths), ascending */
    int64_t paths;         /* the paths used: a multiple of the batch, or the limit */
    bool reached;          /* every target met */
    int threads, ranks;
} pb_precision_result;

/* Runs batches of `batch` paths of the run o describes (o->paths is the
 * limit; o->first and o->end are ignored) until p's targets are met.
 * Collective.  Fills *r (free with pb_precision_result_clear) and p's
 * measures; every rank returns the worst status. */
pb_status pb_run_precision(const pb_scenario *sc, const pb_run_opts *o, int64_t batch, pb_precision *p,
                           pb_precision_result *r);
void pb_precision_result_clear(pb_precision_result *r);

#endif
