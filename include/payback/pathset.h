/* pathset.h: sets of whole paths (every series and metric of each), by
 * index: the paths a run stores (--store-paths, /paths), the edge paths of
 * a partial run (/state), and the visitor that fills them (kernel.h). */
#ifndef PB_PATHSET_H
#define PB_PATHSET_H

#include <stdint.h>

#include "payback/error.h"
#include "payback/kernel.h"
#include "payback/path.h"

/* A set of whole paths, by index. */
typedef struct {
    int64_t n;              /* paths held */
    int n_years;
    int64_t *index;         /* [n], ascending once complete */
    double *series;         /* [n][PB_N_SERIES * n_years], as pb_path_out.series */
    double *metric;         /* [n][PB_N_METRICS] */
    unsigned char *irr_kind, *nonfinite; /* [n] */
} pb_path_set;

/* Allocates the arrays of a set of n paths of H years (n = 0: none).
 * PB_ENOMEM after pb_raise. */
pb_status pb_path_set_alloc(pb_path_set *ps, int64_t n, int H);
/* Frees the arrays of a path set (and zeroes it). */
void pb_path_set_clear(pb_path_set *ps);
/* Slot `slot` of ps: path `index` with results out (copied). */
void pb_path_set_put(pb_path_set *ps, int64_t slot, int64_t index, const pb_path_out *out);
/* The path in slot `slot` as a pb_path_out (series point into ps). */
void pb_path_set_get(const pb_path_set *ps, int64_t slot, pb_path_out *out);
/* Sorts the slots into index order.  PB_ENOMEM after pb_raise. */
pb_status pb_path_set_sort(pb_path_set *ps);

/* The visitor that keeps paths: those with index < store_limit into
 * *stored, and those of edge tasks into *edges (both allocated by the
 * caller to the partition's counts).  Blocks finish in any order: finish()
 * sorts both sets into index order.  The visitor's data is *keep. */
typedef struct {
    pb_path_set *stored, *edges;
    int64_t store_limit;
    int64_t stored_next, edge_next; /* next free slots (atomic) */
} pb_keep;
pb_visitor pb_keep_visitor(pb_keep *keep);

#endif
