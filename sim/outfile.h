/* outfile.h (private): pieces of the result file for the commands that
 * write files of their own layout (interfaces.md §5): open it with
 * pb_h5_out_begin (h5util.h), write the root attributes and their groups
 * with these, close it with pb_h5_out_end (renamed only on success). */
#ifndef PB_OUTFILE_H
#define PB_OUTFILE_H

#include <hdf5.h>

#include "h5util.h"
#include "payback/output.h"
#include "schema.h"

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
/* The attributes of variable d (v for item k): units, long_name, its notes
 * and, for understated_depreciation_window, `window`; no scales.  False
 * when HDF5 fails. */
bool pb_write_var_attrs(hid_t d, const pb_var *v, int k, const int *window);

/* A sweep's file (write_sweep.c, interfaces.md §5): §3's /summary and
 * /metrics with one leading dimension per varied parameter, named by its
 * dotted path, its values the coordinate (a float64 dimension scale).
 * Points are written one at a time, each into its hyperslab, so that no
 * more than one summary is held. */
#define PB_SWEEP_MAX_DIMS 8
typedef struct {
    const char *name;   /* dotted path */
    int n;
    const double *v;    /* [n] */
} pb_sweep_dim;
typedef struct pb_sweep_out pb_sweep_out;
/* Creates the file (as .part) with its root attributes and every dataset,
 * shaped like `shape` (years, quantiles) behind the nd sweep dimensions.
 * *out is always set (NULL when out of memory); pass it to
 * pb_sweep_out_end whatever this returns. */
pb_status pb_sweep_out_begin(const char *path, const pb_run_info *info, const pb_sweep_dim *dim, int nd,
                             const pb_summary *shape, pb_sweep_out **out);
/* Writes the point at index[nd] (0-based along each dimension).
 * PB_EINTERNAL if s has another shape than the file; PB_EIO. */
pb_status pb_sweep_out_put(pb_sweep_out *o, const int *index, const pb_summary *s);
/* Closes the file, renamed to its name if st is PB_OK, else removed; frees
 * o (NULL accepted).  Returns the final status. */
pb_status pb_sweep_out_end(pb_sweep_out *o, pb_status st);

#endif
