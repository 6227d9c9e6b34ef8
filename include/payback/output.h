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

#include "payback/run.h"
#include "payback/stats.h"

#define PB_VERSION "0.1.0"

/* What a run was: the root attributes of the file. */
typedef struct {
    char *scenario_name, *scenario_file, *scenario_yaml; /* owned by whoever filled them */
    char **overrides;
    int n_overrides;
    uint64_t seed;
    int64_t paths;
    int threads, ranks;
    bool deterministic;
    int n_target_years;
    int target_years[PB_MAX_YEARS];
    char created[32];       /* ISO 8601 UTC */
    char version[32], build[512];
} pb_run_info;

/* Writes the result file at path (creating its folder if it is missing),
 * with the group /paths when stored is not NULL and holds paths.
 * Returns PB_OK, or PB_EIO / PB_ENOMEM after pb_raise, with no file left. */
pb_status pb_output_write(const char *path, const pb_run_info *info, const pb_summary *s,
                          const pb_stored_paths *stored);

/* Prints the summary table of interfaces.md §2. */
void pb_summary_print(FILE *f, const pb_run_info *info, const pb_summary *s);

/* Reads a result file written by pb_output_write.  On success *info holds
 * heap strings (free with pb_run_info_clear) and *s a new summary. */
pb_status pb_output_read(const char *path, pb_run_info *info, pb_summary **s);
void pb_run_info_clear(pb_run_info *info);

/* The build description (compiler, flags, git commit) compiled in. */
const char *pb_build_string(void);

#endif
