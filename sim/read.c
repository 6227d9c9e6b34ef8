/* read.c: reading a result file back (pb_output_read for `payback
 * summary`, pb_part_read for `payback merge`).
 *
 * The variables read are the rows of schema.c's tables, as the writer
 * wrote them.  A file that is not a payback result, or lacks part of one,
 * is an input error (PB_EINPUT) naming the file and what it lacks. */
#include "payback/output.h"

#include <stdlib.h>
#include <string.h>

#include <hdf5.h>

#include "h5util.h"
#include "schema.h"

void pb_run_info_clear(pb_run_info *info)
{
    free(info->scenario_name);
    free(info->scenario_file);
    free(info->scenario_yaml);
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

/* The root attributes into *info. */
static pb_status read_root(hid_t file, const char *path, pb_run_info *info)
{
    char *prog = pb_h5_read_attr_str(file, "program");
    bool ok = prog && strcmp(prog, "payback") == 0;
    free(prog);
    if (!ok)
        return pb_raise(PB_EINPUT, NULL, "'%s' is not a payback result (no attribute program = \"payback\")", path);
    info->scenario_name = pb_h5_read_attr_str(file, "scenario_name");
    info->scenario_file = pb_h5_read_attr_str(file, "scenario_file");
    char *ver = pb_h5_read_attr_str(file, "version"), *created = pb_h5_read_attr_str(file, "created");
    snprintf(info->version, sizeof info->version, "%s", ver ? ver : "?");
    snprintf(info->created, sizeof info->created, "%s", created ? created : "?");
    free(ver);
    free(created);
    int64_t paths = 0, threads = 0, ranks = 0, det = 0;
    ok = info->scenario_name && info->scenario_file &&
         pb_h5_read_attr_num(file, "seed", H5T_NATIVE_UINT64, &info->seed) &&
         pb_h5_read_attr_num(file, "paths", H5T_NATIVE_INT64, &paths) &&
         pb_h5_read_attr_num(file, "threads", H5T_NATIVE_INT64, &threads) &&
         pb_h5_read_attr_num(file, "ranks", H5T_NATIVE_INT64, &ranks) &&
         pb_h5_read_attr_num(file, "deterministic", H5T_NATIVE_INT64, &det);
    info->paths = paths;
    info->partial = pb_h5_read_attr_num(file, "paths_first", H5T_NATIVE_INT64, &info->paths_first) &&
                    pb_h5_read_attr_num(file, "paths_end", H5T_NATIVE_INT64, &info->paths_end);
    info->threads = (int)threads;
    info->ranks = (int)ranks;
    info->deterministic = det != 0;
    hid_t ta = ok ? H5Aopen(file, "target_years", H5P_DEFAULT) : H5I_INVALID_HID;
    if (ta >= 0) {
        hid_t sp = H5Aget_space(ta);
        hssize_t n = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
        if (n >= 1 && n <= PB_MAX_YEARS && H5Aread(ta, H5T_NATIVE_INT, info->target_years) >= 0)
            info->n_target_years = (int)n;
        if (sp >= 0) H5Sclose(sp);
        H5Aclose(ta);
    }
    /* The window of understated_depreciation_window: two years, in order
     * (absent in files written before it: then 0, 0). */
    int w[2];
    hid_t wa = ok && H5Aexists(file, "depreciation_window") > 0 ? H5Aopen(file, "depreciation_window", H5P_DEFAULT)
                                                              : H5I_INVALID_HID;
    if (wa >= 0) {
        hid_t sp = H5Aget_space(wa);
        if (sp >= 0 && H5Sget_simple_extent_npoints(sp) == 2 && H5Aread(wa, H5T_NATIVE_INT, w) >= 0 && w[0] <= w[1]) {
            info->window[0] = w[0];
            info->window[1] = w[1];
        }
        if (sp >= 0) H5Sclose(sp);
        H5Aclose(wa);
    }
    if (!ok || info->n_target_years == 0)
        return pb_raise(PB_EINPUT, NULL, "'%s' lacks the root attributes of a payback result", path);
    return PB_OK;
}

/* A 1-d scale of 1 .. max values into v; its length, or 0. */
static int read_scale(hid_t grp, const pb_label *sc, hid_t mem_type, void *v, hssize_t max)
{
    hssize_t n = pb_h5_points(grp, sc->name);
    return n >= 1 && n <= max && pb_h5_read_ds(grp, sc->name, mem_type, v, n) ? (int)n : 0;
}

/* The variables of a statistics group into s. */
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
        if (!pb_h5_read_ds(grp, name, pb_type_mem(it.var->type), data, want))
            return pb_raise(PB_EINPUT, NULL, "'%s' lacks datasets of a payback result (or they have the wrong shape)",
                            path);
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
    pb_status st = read_root(file, path, info);
    if (st != PB_OK) goto done;
    st = PB_EINPUT;
    if ((sg = H5Gopen2(file, pb_schema_summary.name, H5P_DEFAULT)) < 0 ||
        (mg = H5Gopen2(file, pb_schema_metrics.name, H5P_DEFAULT)) < 0) {
        pb_raise(PB_EINPUT, NULL, "'%s' lacks the /summary or /metrics group", path);
        goto done;
    }
    /* Dimensions from the scales of /summary. */
    int years[PB_MAX_YEARS];
    double q[PB_MAX_QUANTILES + 3];
    int H = read_scale(sg, &pb_schema_summary.year, H5T_NATIVE_INT, years, PB_MAX_YEARS);
    int Q = read_scale(sg, &pb_schema_summary.quantile, H5T_NATIVE_DOUBLE, q, PB_MAX_QUANTILES + 3);
    if (!H || !Q) { pb_raise(PB_EINPUT, NULL, "'%s' lacks the year or quantile scale of /summary", path); goto done; }
    if (!(s = pb_summary_alloc(years[0], H, Q, q))) { st = PB_ENOMEM; goto done; }
    st = read_stats(sg, &pb_schema_summary, s, path);
    if (st == PB_OK) st = read_stats(mg, &pb_schema_metrics, s, path);
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
    st = PB_EINPUT;
    bool ok = file >= 0 && (part->info.scenario_yaml = pb_h5_read_attr_str(file, "scenario_yaml")) &&
              (part->overrides = pb_h5_read_attr_str(file, "overrides"));
    if (!ok) { pb_raise(PB_EINPUT, NULL, "'%s' lacks the scenario of its run", path); goto done; }
    if (!pb_h5_read_attr_num(file, "paths_first", H5T_NATIVE_INT64, &part->first) ||
        !pb_h5_read_attr_num(file, "paths_end", H5T_NATIVE_INT64, &part->end) ||
        (sg = H5Gopen2(file, pb_schema_state.name, H5P_DEFAULT)) < 0) {
        pb_raise(PB_EINPUT, NULL,
                 "'%s' is not a partial result (no paths_first, paths_end and /state: run with --paths A:B)", path);
        goto done;
    }
    if ((st = read_state(sg, H, part)) != PB_OK) {
        if (st == PB_EINPUT) pb_raise(PB_EINPUT, NULL, "'%s' has a damaged /state", path);
        goto done;
    }
    /* /paths, if the part kept paths: back into the interleaved layout. */
    const pb_group *g = &pb_schema_paths;
    if (H5Lexists(file, g->name, H5P_DEFAULT) > 0 && (pg = H5Gopen2(file, g->name, H5P_DEFAULT)) >= 0 &&
        (st = read_path_set(pg, g, pb_h5_rows(pg, g->path.name), H, &part->stored)) != PB_OK) {
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
