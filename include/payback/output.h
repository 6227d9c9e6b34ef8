/* output.h: the result file (HDF5, readable as netCDF-4; interfaces.md §3)
 * and the summary table (interfaces.md §2).
 *
 * The file is written under a temporary name in the target folder and
 * renamed on success, so that a failed run never leaves a partial file. */
#ifndef PB_OUTPUT_H
#define PB_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "payback/precision.h"
#include "payback/run.h"
#include "payback/stats.h"

#define PB_VERSION "0.2.1"

/* What a run was: the root attributes of the file. */
typedef struct {
    char *scenario_name, *scenario_file, *scenario_yaml; /* owned by whoever filled them */
    char **overrides;
    int n_overrides;
    uint64_t seed;
    int64_t paths;
    int threads, ranks;
    bool deterministic;
    bool partial;           /* a --paths part: paths_first .. paths_end-1 of `paths` */
    int64_t paths_first, paths_end;
    int n_target_years;
    int target_years[PB_MAX_YEARS];
    int window[2];          /* output.depreciation_window: from, through (0, 0 in files before it) */
    char created[32];       /* ISO 8601 UTC */
    const char *command;    /* an analysis command's name (root attribute `command`), or NULL for run */
    int argc;               /* the command line (root attribute `argv`, joined by spaces), when command is set */
    char *const *argv;
    const pb_precision *precision; /* run --precision: its targets and measures (root attributes precision_*), or NULL */
    bool precision_reached;
    char version[32], build[512];
} pb_run_info;

/* This rank's part of /paths: its paths, at rows index - first of a
 * dataset of `total` paths (the same first and total on every rank). */
typedef struct {
    const pb_path_set *mine;
    int64_t first, total;
    /* For /paths/parameters, drawn again from (scenario, seed, index):
     * the scenario (NULL: no parameters written), the seed, and whether
     * the path is deterministic mode's central one (every mean). */
    const pb_scenario *sc;
    uint64_t seed;
    bool central;
} pb_paths_part;

/* What a partial result (--paths A:B) adds in /state for `payback merge`:
 * rank 0's merged accumulator and edge paths. */
typedef struct {
    const pb_acc *acc;
    const pb_path_set *edges;
    int64_t first, end;
} pb_state_part;

/* Writes the result file at path (creating its folder if it is missing),
 * on every rank of the job (a collective call; rank 0 writes the
 * statistics, each rank its own rows of /paths through MPI-IO).  paths may
 * be NULL or hold no path (no /paths group); state is NULL except for a
 * partial result.  Returns PB_OK, or PB_EIO / PB_ENOMEM after pb_raise,
 * with no file left, on every rank alike. */
pb_status pb_output_write(const char *path, const pb_run_info *info, const pb_summary *s,
                          const pb_paths_part *paths, const pb_state_part *state);

/* A partial result read back for `payback merge`. */
typedef struct {
    pb_run_info info;       /* scenario_yaml included */
    char *overrides;        /* the root attribute, one --set a line */
    int64_t first, end;     /* paths_first, paths_end */
    void *acc_blob;         /* /state/acc */
    size_t acc_len;
    pb_path_set edges;      /* /state/edge_* */
    pb_path_set stored;     /* /paths */
} pb_part;

/* Reads a partial result; PB_EINPUT (after pb_raise naming the file) if it
 * is not one. */
pb_status pb_part_read(const char *path, pb_part *part);
void pb_part_clear(pb_part *part);

/* Prints the summary table of interfaces.md §2. */
void pb_summary_print(FILE *f, const pb_run_info *info, const pb_summary *s);

/* Reads a result file written by pb_output_write.  On success *info holds
 * heap strings (free with pb_run_info_clear) and *s a new summary. */
pb_status pb_output_read(const char *path, pb_run_info *info, pb_summary **s);
void pb_run_info_clear(pb_run_info *info);

/* The build description (compiler, flags, git commit) compiled in. */
const char *pb_build_string(void);

#endif
