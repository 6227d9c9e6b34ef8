/* validate_result.h: the checks of a result file that `summary` and
 * `merge` read (private to read.c; plot_read.c uses the root and scale
 * checks for `plot`).  Every function raises PB_EINPUT with
 * a message naming the file, the item and what was found and expected,
 * and checks each size before anything of that size is read or
 * allocated, so that a damaged or hostile file is refused, never trusted. */
#ifndef PB_VALIDATE_RESULT_H
#define PB_VALIDATE_RESULT_H

#include <stdbool.h>

#include <hdf5.h>

#include "payback/output.h"
#include "schema.h"

/* PB_EINPUT (raised) when file is a payback sweep, compare or sensitivity
 * file, which summary and merge do not read; PB_OK otherwise. */
pb_status pb_result_check_kind(hid_t file, const char *path);

/* The root attributes into *info (scenario_yaml and overrides too, when
 * present): every known attribute's class, size and range (paths 1 .. 1e15,
 * threads and ranks >= 1, paths_first < paths_end <= paths).  PB_OK,
 * PB_EINPUT or PB_ENOMEM (raised); *info is the caller's to clear. */
pb_status pb_result_read_root(hid_t file, const char *path, pb_run_info *info);

/* The year and quantile scales of /summary (and the same in /metrics):
 * H in 1 .. PB_MAX_YEARS consecutive years, Q in 1 .. PB_MAX_QUANTILES + 3
 * levels strictly increasing in (0, 1); the target years and the
 * depreciation window of *info within them. */
pb_status pb_result_read_dims(hid_t sg, hid_t mg, const char *path, const pb_run_info *info, int years[PB_MAX_YEARS],
                              int *H, double *q, int *Q);

/* Dataset grp/name (in group gname, for the message) has v's type class
 * and exactly the dimensions dims [rank], and was written whole. */
pb_status pb_result_check_ds(hid_t grp, const char *path, const char *gname, const char *name, pb_type type,
                             int rank, const hsize_t *dims);

/* The values of a summary read from path: each variable's pb_check, then
 * paths_used + nonfinite_paths = the file's paths, each year metric's
 * histogram + never = paths_used, IRR counts <= paths_used, and every
 * Wilson interval around its probability. */
pb_status pb_result_check_values(const pb_summary *s, const pb_run_info *info, const char *path);

/* The number of rows of /paths, checked before anything is allocated: at
 * most the paths of the file (of the part, for a part), every variable and
 * scale of the group [rows] or [rows, H] and written.  *rows = -1 when the
 * file has no /paths. */
pb_status pb_result_check_paths(hid_t file, const char *path, const pb_run_info *info, int H, hssize_t *rows);

#endif
