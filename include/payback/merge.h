/* merge.h: `payback merge`: the parts of one run split with --paths A:B
 * (interfaces.md §2), checked and joined into the statistics and stored
 * paths the single run would have produced, bit for bit.
 *
 * Each part holds in /state the exact statistics of the blocks it covers
 * whole and the paths of the blocks it covers in part (output.h: pb_part);
 * exact sums and integer counts add in any order (stats.h), and the paths
 * of a block split between parts are added as that one block. */
#ifndef PB_MERGE_H
#define PB_MERGE_H

#include <stdint.h>

#include "payback/run.h"
#include "payback/scenario.h"
#include "payback/stats.h"

typedef struct {
    pb_scenario *sc;        /* the scenario as it ran (from the parts' text); owned */
    pb_summary *summary;    /* the statistics of the whole run; owned */
    pb_path_set stored;     /* the parts' /paths, in index order; owned */
    uint64_t seed;
    int64_t paths;          /* N of the run */
    int threads, ranks;     /* the most any part used */
    char *overrides;        /* the run's --set arguments, one a line ("" if none); owned */
} pb_merged;

/* Reads the n partial results files[0..n-1] (any order) and joins them.
 * PB_EINPUT (after pb_raise naming the file) when they are not parts of one
 * run covering paths 0..N-1 once each: another scenario text, --set, seed,
 * version or N, a gap, an overlap, or a damaged part.  PB_ENOMEM, PB_EIO
 * otherwise.  On success *m holds the result (free with pb_merged_clear);
 * on failure *m is cleared. */
pb_status pb_merge_parts(const char *const *files, int n, pb_merged *m);
void pb_merged_clear(pb_merged *m);

#endif
