/* read.c: reading a result file back (pb_output_read for `payback
 * summary`, pb_part_read for `payback merge`). */
#include "payback/output.h"

#include <stdlib.h>
#include <string.h>

#include <hdf5.h>

#include "h5util.h"

void pb_run_info_clear(pb_run_info *info)
{
    free(info->scenario_name);
    free(info->scenario_file);
    free(info->scenario_yaml);
    memset(info, 0, sizeof *info);
}

pb_status pb_output_read(const char *path, pb_run_info *info, pb_summary **out)
{
    memset(info, 0, sizeof *info);
    *out = NULL;
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT), sg = H5I_INVALID_HID, mg = H5I_INVALID_HID;
    if (file < 0) return pb_raise(PB_EINPUT, NULL, "cannot open '%s' as an HDF5 result file", path);
    pb_status st = PB_EINPUT;
    pb_summary *s = NULL;
    char *prog = pb_h5_read_attr_str(file, "program");
    bool ok = prog && strcmp(prog, "payback") == 0;
    free(prog);
    if (!ok) { pb_raise(PB_EINPUT, NULL, "'%s' is not a payback result (no attribute program = \"payback\")", path); goto done; }
    info->scenario_name = pb_h5_read_attr_str(file, "scenario_name");
    info->scenario_file = pb_h5_read_attr_str(file, "scenario_file");
    char *ver = pb_h5_read_attr_str(file, "version"), *created = pb_h5_read_attr_str(file, "created");
    snprintf(info->version, sizeof info->version, "%s", ver ? ver : "?");
    snprintf(info->created, sizeof info->created, "%s", created ? created : "?");
    free(ver);
    free(created);
    int64_t paths = 0, threads = 0, ranks = 0, det = 0;
    ok = info->scenario_name && info->scenario_file && pb_h5_read_attr_num(file, "seed", H5T_NATIVE_UINT64, &info->seed) &&
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
        if (n >= 1 && n <= PB_MAX_YEARS && H5Aread(ta, H5T_NATIVE_INT, info->target_years) >= 0) info->n_target_years = (int)n;
        if (sp >= 0) H5Sclose(sp);
        H5Aclose(ta);
    }
    if (!ok || info->n_target_years == 0) { pb_raise(PB_EINPUT, NULL, "'%s' lacks the root attributes of a payback result", path); goto done; }

    if ((sg = H5Gopen2(file, "summary", H5P_DEFAULT)) < 0 || (mg = H5Gopen2(file, "metrics", H5P_DEFAULT)) < 0) {
        pb_raise(PB_EINPUT, NULL, "'%s' lacks the /summary or /metrics group", path);
        goto done;
    }
    /* Dimensions from the scales. */
    int H = 0, Q = 0, years[PB_MAX_YEARS];
    double q[PB_MAX_QUANTILES + 3];
    hid_t d = H5Dopen2(sg, "year", H5P_DEFAULT);
    if (d >= 0) {
        hid_t sp = H5Dget_space(d);
        hssize_t n = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
        if (n >= 1 && n <= PB_MAX_YEARS && H5Dread(d, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, years) >= 0) H = (int)n;
        if (sp >= 0) H5Sclose(sp);
        H5Dclose(d);
    }
    d = H5Dopen2(sg, "quantile", H5P_DEFAULT);
    if (d >= 0) {
        hid_t sp = H5Dget_space(d);
        hssize_t n = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
        if (n >= 1 && n <= PB_MAX_QUANTILES + 3 && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, q) >= 0) Q = (int)n;
        if (sp >= 0) H5Sclose(sp);
        H5Dclose(d);
    }
    if (!H || !Q) { pb_raise(PB_EINPUT, NULL, "'%s' lacks the year or quantile scale of /summary", path); goto done; }
    if (!(s = pb_summary_alloc(years[0], H, Q, q))) { st = PB_ENOMEM; goto done; }
    char name[96];
    ok = true;
    for (int k = 0; ok && k < PB_N_SERIES; k++) {
        pb_series_stats *ss = &s->series[k];
        static const char *const suffix[6] = {"mean", "sd", "se", "q", "q_lo", "q_hi"};
        double *data[6] = {ss->mean, ss->sd, ss->se, ss->q, ss->q_lo, ss->q_hi};
        for (int j = 0; ok && j < 6; j++) {
            snprintf(name, sizeof name, "%s_%s", pb_series_info[k].name, suffix[j]);
            ok = pb_h5_read_ds(sg, name, H5T_NATIVE_DOUBLE, data[j], j < 3 ? H : (hssize_t)H * Q);
        }
    }
    for (int m = 0; ok && m < PB_N_METHODS; m++) {
        static const char *const suffix[3] = {"", "_lo", "_hi"};
        double *data[3] = {s->p_closed[m], s->p_closed_lo[m], s->p_closed_hi[m]};
        for (int j = 0; ok && j < 3; j++) {
            snprintf(name, sizeof name, "p_gap_closed_%s%s", pb_method_names[m], suffix[j]);
            ok = pb_h5_read_ds(sg, name, H5T_NATIVE_DOUBLE, data[j], H);
        }
    }
    ok = ok && pb_h5_read_ds(sg, "nonfinite_paths", H5T_NATIVE_INT64, &s->nonfinite, 1) &&
         pb_h5_read_ds(sg, "paths_used", H5T_NATIVE_INT64, &s->n, 1) &&
         pb_h5_read_ds(sg, "coarse_quantiles", H5T_NATIVE_INT64, &s->coarse_series, 1);
    for (int k = 0; ok && k < PB_N_METRICS; k++) {
        pb_metric_stats *ms = &s->metric[k];
        const char *nm = pb_metric_info[k].name;
        static const char *const sfx[6] = {"mean", "sd", "se", "q", "q_lo", "q_hi"};
        double *data[6] = {&ms->mean, &ms->sd, &ms->se, ms->q, ms->q_lo, ms->q_hi};
        for (int j = 0; ok && j < 6; j++) {
            snprintf(name, sizeof name, "%s_%s", nm, sfx[j]);
            ok = pb_h5_read_ds(mg, name, H5T_NATIVE_DOUBLE, data[j], j < 3 ? 1 : Q);
        }
        if (ok && pb_metric_is_year(k)) {
            snprintf(name, sizeof name, "%s_never", nm);
            ok = pb_h5_read_ds(mg, name, H5T_NATIVE_INT64, &ms->never, 1);
            snprintf(name, sizeof name, "%s_hist", nm);
            ok = ok && pb_h5_read_ds(mg, name, H5T_NATIVE_INT64, ms->hist, H);
        }
    }
    ok = ok && pb_h5_read_ds(mg, "irr_none", H5T_NATIVE_INT64, &s->irr_none, 1) &&
         pb_h5_read_ds(mg, "irr_multiple", H5T_NATIVE_INT64, &s->irr_multiple, 1) &&
         pb_h5_read_ds(mg, "coarse_quantiles", H5T_NATIVE_INT64, &s->coarse_metrics, 1);
    if (!ok) { pb_raise(PB_EINPUT, NULL, "'%s' lacks datasets of a payback result (or they have the wrong shape)", path); goto done; }
    st = PB_OK;
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

void pb_part_clear(pb_part *part)
{
    pb_run_info_clear(&part->info);
    free(part->overrides);
    free(part->acc_blob);
    pb_path_set_clear(&part->edges);
    pb_path_set_clear(&part->stored);
    memset(part, 0, sizeof *part);
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
        !pb_h5_read_attr_num(file, "paths_end", H5T_NATIVE_INT64, &part->end) || (sg = H5Gopen2(file, "state", H5P_DEFAULT)) < 0) {
        pb_raise(PB_EINPUT, NULL, "'%s' is not a partial result (no paths_first, paths_end and /state: run with --paths A:B)", path);
        goto done;
    }
    hssize_t blob = pb_h5_points(sg, "acc"), E = pb_h5_points(sg, "edge_index");
    size_t stride = (size_t)PB_N_SERIES * (size_t)H;
    if (blob < 0 || E < 0 || !(part->acc_blob = malloc(blob ? (size_t)blob : 1)) || pb_path_set_alloc(&part->edges, E, H) != PB_OK) {
        pb_raise(PB_EINPUT, NULL, "'%s' has a damaged /state", path);
        goto done;
    }
    part->acc_len = (size_t)blob;
    ok = pb_h5_read_ds(sg, "acc", H5T_NATIVE_UCHAR, part->acc_blob, blob) &&
         (E == 0 || (pb_h5_read_ds(sg, "edge_index", H5T_NATIVE_INT64, part->edges.index, E) &&
                     pb_h5_read_ds(sg, "edge_series", H5T_NATIVE_DOUBLE, part->edges.series, E * (hssize_t)stride) &&
                     pb_h5_read_ds(sg, "edge_metric", H5T_NATIVE_DOUBLE, part->edges.metric, E * PB_N_METRICS) &&
                     pb_h5_read_ds(sg, "edge_irr_kind", H5T_NATIVE_UCHAR, part->edges.irr_kind, E) &&
                     pb_h5_read_ds(sg, "edge_nonfinite", H5T_NATIVE_UCHAR, part->edges.nonfinite, E)));
    if (!ok) { pb_raise(PB_EINPUT, NULL, "'%s' has a damaged /state", path); goto done; }
    /* /paths, if the part kept paths: back into the interleaved layout. */
    if (H5Lexists(file, "paths", H5P_DEFAULT) > 0 && (pg = H5Gopen2(file, "paths", H5P_DEFAULT)) >= 0) {
        hssize_t n = pb_h5_points(pg, "path_index");
        double *col = n > 0 ? malloc((size_t)n * (size_t)H * sizeof *col) : NULL;
        ok = n >= 0 && pb_path_set_alloc(&part->stored, n, H) == PB_OK && (n == 0 || col) &&
             (n == 0 || (pb_h5_read_ds(pg, "path_index", H5T_NATIVE_INT64, part->stored.index, n) &&
                         pb_h5_read_ds(pg, "irr_kind", H5T_NATIVE_UCHAR, part->stored.irr_kind, n) &&
                         pb_h5_read_ds(pg, "nonfinite", H5T_NATIVE_UCHAR, part->stored.nonfinite, n)));
        for (int k = 0; ok && n > 0 && k < PB_N_SERIES; k++) {
            ok = pb_h5_read_ds(pg, pb_series_info[k].name, H5T_NATIVE_DOUBLE, col, n * H);
            for (hssize_t i = 0; ok && i < n; i++)
                memcpy(part->stored.series + (size_t)i * stride + (size_t)k * (size_t)H, col + (size_t)i * (size_t)H, (size_t)H * sizeof *col);
        }
        for (int m = 0; ok && n > 0 && m < PB_N_METRICS; m++) {
            ok = pb_h5_read_ds(pg, pb_metric_info[m].name, H5T_NATIVE_DOUBLE, col, n);
            for (hssize_t i = 0; ok && i < n; i++) part->stored.metric[(size_t)i * PB_N_METRICS + (size_t)m] = col[i];
        }
        free(col);
        if (!ok) { pb_raise(PB_EINPUT, NULL, "'%s' has a damaged /paths", path); goto done; }
    }
    st = PB_OK;
done:
    if (pg >= 0) H5Gclose(pg);
    if (sg >= 0) H5Gclose(sg);
    if (file >= 0) H5Fclose(file);
    if (st != PB_OK) pb_part_clear(part);
    return st;
}
