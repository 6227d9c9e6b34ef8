/* outfile.h (private): pieces of the result file for the commands that
 * write files of their own layout (interfaces.md §5): open it with
 * pb_h5_out_begin (h5util.h), write the root attributes and their groups
 * with these, close it with pb_h5_out_end (renamed only on success). */
#ifndef PB_OUTFILE_H
#define PB_OUTFILE_H

#include <hdf5.h>

#include "h5util.h"
#include "payback/output.h"

/* The root attributes of interfaces.md §3 (and `command`, `argv` when
 * info->command is set).  Rank 0's values; collective under MPI. */
pb_status pb_write_root(hid_t file, const char *tmp, const pb_run_info *info);

/* The groups `summary` and `metrics` of s under loc (the file, or a group
 * such as /a of compare), each with its own scales.  window: the
 * depreciation window [from, through]. */
pb_status pb_write_stats(hid_t loc, const char *tmp, const pb_summary *s, const int *window);

/* /paths/parameters (path, parameter) and /paths/yearly_parameters (path,
 * year, yearly_parameter) of this rank's rows of pp, with string scales of
 * the dotted paths, in the group grp whose path and year scales are given
 * (write_params.c).  Nothing when pp->sc is NULL or the scenario draws no
 * such parameter.  Collective under MPI. */
pb_status pb_write_path_params(hid_t grp, const char *tmp, const pb_paths_part *pp, hid_t path_scale, hid_t year_scale,
                               hid_t dxpl);

#endif
