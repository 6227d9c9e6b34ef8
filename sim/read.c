/* read.c: reading a result file back (pb_output_read for `payback
 * summary`, pb_part_read for `payback merge`).
 *
 * The variables read are the rows of schema.c's tables, as the writer
 * wrote them.  A file that is not a payback result, lacks part of one or
 * holds anything else than its layout allows (validate_result.c: each
 * attribute's and dataset's type and size before it is read, each value
 * after) is an input error (PB_EINPUT) naming the file and the item. */
#include "payback/output.h"

#include <stdlib.h>
#include <string.h>

#include <hdf5.h>

#include "h5util.h"
#include "schema.h"
#include "validate_result.h"

void pb_run_info_clear(pb_run_info *info)
{
    free(info->scenario_name);
    free(info->scenario_file);
    free(info->scenario_yaml);
    for (int i = 0; i < info->n_overrides; i++) free(info->overrides[i]);
    free(info->overrides);
    memset(info, 0, sizeof *info);
}

void pb_part_clear(pb_part *part)
{
    pb_run_info_clear(&part->info);
    free(part->overrides);
    free(part->acc_blob);
    pb_path_set_clear(&part->edges);
    pb_path_set_clear(&part->stored);
    memset(part, 0, sizeof *part);
}

/* ------------------------------------------------------------------ */
/* The statistics                                                       */

/* Group name of file, if it is one (H5Gopen2 would also open a dataset's
 * path as an error only). */
static hid_t open_group(hid_t file, const char *name)
{
    return H5Lexists(file, name, H5P_DEFAULT) > 0 ? H5Gopen2(file, name, H5P_DEFAULT) : H5I_INVALID_HID;
}

/* The variables of a statistics group into s, each checked first. */
static pb_status read_stats(hid_t grp, const pb_group *g, pb_summary *s, const char *path)
{
    pb_walk it;
    char name[96];
    for (pb_walk_start(&it, g); pb_walk_next(&it);) {
        pb_dim dim[2];
        hsize_t len[2];
        int rank = pb_var_dims(it.var, s->n_years, s->n_quantiles, 0, dim, len);
        hssize_t want = 1;
        for (int i = 0; i < rank; i++) want *= (hssize_t)len[i];
        void *data = pb_var_data(it.var, s, it.k);
        pb_var_name(it.var, it.k, name, sizeof name);
        if (!data) return pb_raise(PB_EINTERNAL, NULL, "no memory in the summary for /%s/%s", g->name, name);
        pb_status st = pb_result_check_ds(grp, path, g->name, name, it.var->type, rank, len);
        if (st != PB_OK) return st;
        if (!pb_h5_read_ds(grp, name, pb_type_mem(it.var->type), data, want))
            return pb_raise(PB_EINPUT, NULL, "'%s': cannot read /%s/%s", path, g->name, name);
    }
    return PB_OK;
}

pb_status pb_output_read(const char *path, pb_run_info *info, pb_summary **out)
{
    memset(info, 0, sizeof *info);
    *out = NULL;
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT), sg = H5I_INVALID_HID, mg = H5I_INVALID_HID;
    if (file < 0) return pb_raise(PB_EINPUT, NULL, "cannot open '%s' as an HDF5 result file", path);
    pb_summary *s = NULL;
    pb_status st = pb_result_check_kind(file, path);
    if (st == PB_OK) st = pb_result_read_root(file, path, info);
    if (st != PB_OK) goto done;
    st = PB_EINPUT;
    if ((sg = open_group(file, pb_schema_summary.name)) < 0 || (mg = open_group(file, pb_schema_metrics.name)) < 0) {
        pb_raise(PB_EINPUT, NULL, "'%s' lacks the /summary or /metrics group", path);
        goto done;
    }
    /* Dimensions from the scales of /summary, checked against /metrics'. */
    int years[PB_MAX_YEARS], H = 0, Q = 0;
    double q[PB_MAX_QUANTILES + 3];
    if ((st = pb_result_read_dims(sg, mg, path, info, years, &H, q, &Q)) != PB_OK) goto done;
    if (!(s = pb_summary_alloc(years[0], H, Q, q))) { st = PB_ENOMEM; goto done; }
    st = read_stats(sg, &pb_schema_summary, s, path);
    if (st == PB_OK) st = read_stats(mg, &pb_schema_metrics, s, path);
    if (st == PB_OK) st = pb_result_check_values(s, info, path);
    hssize_t rows;
    if (st == PB_OK) st = pb_result_check_paths(file, path, info, H, &rows);
done:
    if (mg >= 0) H5Gclose(mg);
    if (sg >= 0) H5Gclose(sg);
    H5Fclose(file);
    if (st != PB_OK) {
        pb_summary_free(s);
        pb_run_info_clear(info);
    } else {
        *out = s;
    }
    return st;
}

/* ------------------------------------------------------------------ */
/* Partial results                                                      */

/* The arrays of a path set of n paths of H years from a group whose
 * variables are its columns (/paths) or its arrays (/state).  PB_EINPUT
 * (not raised) when they cannot be read; PB_ENOMEM (raised) when they
 * cannot be held. */
static pb_status read_path_set(hid_t grp, const pb_group *g, hssize_t n, int H, pb_path_set *ps)
{
    if (n < 0) return PB_EINPUT;
    if (pb_path_set_alloc(ps, n, H) != PB_OK) return PB_ENOMEM;
    pb_walk it;
    bool ok = true;
    for (pb_walk_start(&it, g); ok && n > 0 && pb_walk_next(&it);) {
        pb_dim dim[2];
        hsize_t len[2];
        char name[96];
        pb_var_name(it.var, it.k, name, sizeof name);
        int rank = pb_var_dims(it.var, H, 0, (hsize_t)n, dim, len);
        /* Memory: the array [n][cols]; the variable's columns of it. */
        hsize_t mdims[2] = {(hsize_t)n, pb_var_cols(it.var, H)};
        hsize_t start[2] = {0, pb_var_col0(it.var, it.k, H)}, count[2] = {(hsize_t)n, rank == 2 ? len[1] : 1};
        hid_t ms = H5Screate_simple(2, mdims, NULL);
        ok = ms >= 0 && H5Sselect_hyperslab(ms, H5S_SELECT_SET, start, NULL, count, NULL) >= 0 &&
             pb_h5_read_ds_into(grp, name, pb_type_mem(it.var->type), ms, pb_var_data(it.var, ps, it.k),
                                (hssize_t)(count[0] * count[1]));
        if (ms >= 0) H5Sclose(ms);
    }
    return ok ? PB_OK : PB_EINPUT;
}

/* /state: the packed accumulator and the edge paths (statuses as
 * read_path_set's). */
static pb_status read_state(hid_t sg, int H, pb_part *part)
{
    const pb_group *g = &pb_schema_state;
    char first[96]; /* its first variable: the number of edge paths */
    pb_var_name(&g->vars[0], 0, first, sizeof first);
    hssize_t blob = pb_h5_points(sg, pb_state_acc.name), E = pb_h5_rows(sg, first);
    if (blob < 0 || E < 0) return PB_EINPUT;
    /* Checked before anything is allocated: a part's edge paths are those
     * of the at most two blocks its range cuts (partition.h), and its
     * statistics state is bounded like the accumulator it unpacks into. */
    const int64_t span = part->info.paths_end - part->info.paths_first;
    if (E > 2 * (hssize_t)PB_BLOCK || E > span || blob > ((hssize_t)1 << 31)) return PB_EINPUT;
    if (!(part->acc_blob = malloc(blob ? (size_t)blob : 1))) return pb_raise(PB_ENOMEM, NULL, "out of memory");
    part->acc_len = (size_t)blob;
    if (!pb_h5_read_ds(sg, pb_state_acc.name, H5T_NATIVE_UCHAR, part->acc_blob, blob)) return PB_EINPUT;
    return read_path_set(sg, g, E, H, &part->edges);
}

pb_status pb_part_read(const char *path, pb_part *part)
{
    memset(part, 0, sizeof *part);
    pb_summary *s = NULL;
    pb_status st = pb_output_read(path, &part->info, &s);
    if (st != PB_OK) return st;
    const int H = s->n_years;
    pb_summary_free(s);
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT), sg = H5I_INVALID_HID, pg = H5I_INVALID_HID;
    char why[128] = "missing";
    st = file < 0 ? PB_EINPUT : pb_h5_read_attr_str(file, "overrides", &part->overrides, why, sizeof why);
    if (st != PB_OK || !part->info.scenario_yaml) {
        if (st != PB_ENOMEM)
            pb_raise(PB_EINPUT, NULL, "'%s' lacks the scenario of its run (root attribute scenario_yaml%s%s)", path,
                     st == PB_OK ? "" : ", or overrides: ", st == PB_OK ? "" : why);
        st = st == PB_ENOMEM ? st : PB_EINPUT;
        goto done;
    }
    st = PB_EINPUT;
    part->first = part->info.paths_first;
    part->end = part->info.paths_end;
    if (!part->info.partial || (sg = open_group(file, pb_schema_state.name)) < 0) {
        pb_raise(PB_EINPUT, NULL,
                 "'%s' is not a partial result (no paths_first, paths_end and /state: run with --paths A:B)", path);
        goto done;
    }
    if ((st = read_state(sg, H, part)) != PB_OK) {
        if (st == PB_EINPUT) pb_raise(PB_EINPUT, NULL, "'%s' has a damaged /state", path);
        goto done;
    }
    /* /paths, if the part kept paths: back into the interleaved layout,
     * its row count checked against the part's paths first. */
    const pb_group *g = &pb_schema_paths;
    hssize_t rows;
    if ((st = pb_result_check_paths(file, path, &part->info, H, &rows)) != PB_OK) goto done;
    if (rows >= 0 && (pg = open_group(file, g->name)) >= 0 &&
        (st = read_path_set(pg, g, rows, H, &part->stored)) != PB_OK) {
        if (st == PB_EINPUT) pb_raise(PB_EINPUT, NULL, "'%s' has a damaged /paths", path);
        goto done;
    }
    st = PB_OK;
done:
    if (pg >= 0) H5Gclose(pg);
    if (sg >= 0) H5Gclose(sg);
    if (file >= 0) H5Fclose(file);
    if (st != PB_OK) pb_part_clear(part);
    return st;
}
