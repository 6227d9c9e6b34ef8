/* output.c: HDF5 result file, and reading a result back (the summary
 * table is in table.c).
 *
 * Layout (interfaces.md §3): root attributes; /summary with its own
 * dimension scales year[H] and quantile[Q]; /metrics with its own.  Each
 * group has its own scales because a scale shared across groups breaks
 * ncdump and xarray.  Every dataset has `units` and `long_name`. */
#include "payback/output.h"

#include <stdlib.h>
#include <string.h>

#include <hdf5.h>
#include <hdf5_hl.h>

#include "buildinfo.h"
#include "h5util.h"
#include "payback/par.h"

const char *pb_build_string(void) { return PB_BUILD; }

/* ------------------------------------------------------------------ */
/* Writing                                                              */

typedef struct {
    hid_t grp;
    hid_t year, quantile;   /* this group's dimension scales */
    int H, Q;
    pb_status st;
    const char *path;
    bool writer;            /* rank 0 writes the statistics; every rank makes the objects */
} h5w;

/* Dimensions of a dataset: none (scalar), year, quantile, or year x quantile. */
enum { D_SCALAR, D_YEAR, D_Q, D_YEAR_Q };

/* Writes one dataset with its units and long_name and attaches scales. */
static void write_ds(h5w *w, const char *name, int dims, bool is_int, const void *data,
                     const char *units, const char *long_name, bool year_valued)
{
    if (w->st != PB_OK) return;
    hsize_t shape[2];
    int rank = 0;
    hid_t scales[2];
    if (dims == D_YEAR || dims == D_YEAR_Q) { shape[rank] = (hsize_t)w->H; scales[rank++] = w->year; }
    if (dims == D_Q || dims == D_YEAR_Q) { shape[rank] = (hsize_t)w->Q; scales[rank++] = w->quantile; }
    hid_t space = rank ? H5Screate_simple(rank, shape, NULL) : H5Screate(H5S_SCALAR), dset = H5I_INVALID_HID;
    hid_t ftype = is_int ? H5T_STD_I64LE : H5T_IEEE_F64LE, mtype = is_int ? H5T_NATIVE_INT64 : H5T_NATIVE_DOUBLE;
    bool ok = false;
    if (space < 0) goto done;
    if ((dset = H5Dcreate2(w->grp, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)) < 0) goto done;
    if (w->writer && H5Dwrite(dset, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) goto done;
    if (pb_h5_attr_str(dset, "units", units) < 0 || pb_h5_attr_str(dset, "long_name", long_name) < 0) goto done;
    if (year_valued && pb_h5_attr_str(dset, "never", "+inf means no such year within the horizon (ranks after every year)") < 0) goto done;
    for (int k = 0; k < rank; k++)
        if (H5DSattach_scale(dset, scales[k], (unsigned)k) < 0) goto done;
    ok = true;
done:
    if (dset >= 0) H5Dclose(dset);
    if (space >= 0) H5Sclose(space);
    if (!ok) w->st = pb_raise(PB_EIO, NULL, "cannot write dataset '%s' to '%s'", name, w->path);
}

/* Creates a group with its own year and quantile scales. */
static bool open_group(h5w *w, hid_t file, const char *name, const pb_summary *s)
{
    hid_t gcpl = pb_h5_tracked_gcpl();
    w->grp = w->year = w->quantile = H5I_INVALID_HID;
    w->H = s->n_years;
    w->Q = s->n_quantiles;
    if (gcpl < 0) return false;
    w->grp = H5Gcreate2(file, name, H5P_DEFAULT, gcpl, H5P_DEFAULT);
    H5Pclose(gcpl);
    if (w->grp < 0) return false;
    int years[PB_MAX_YEARS];
    for (int t = 0; t < s->n_years; t++) years[t] = s->start + t;
    hsize_t hn = (hsize_t)s->n_years, qn = (hsize_t)s->n_quantiles;
    hid_t sp = H5Screate_simple(1, &hn, NULL);
    if (sp < 0) return false;
    w->year = H5Dcreate2(w->grp, "year", H5T_STD_I32LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Sclose(sp);
    if (w->year < 0 || (w->writer && H5Dwrite(w->year, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, years) < 0) ||
        H5DSset_scale(w->year, "year") < 0 || pb_h5_attr_str(w->year, "units", "calendar year") < 0 ||
        pb_h5_attr_str(w->year, "long_name", "calendar year (flows over the year, stocks at its end)") < 0)
        return false;
    sp = H5Screate_simple(1, &qn, NULL);
    if (sp < 0) return false;
    w->quantile = H5Dcreate2(w->grp, "quantile", H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Sclose(sp);
    if (w->quantile < 0 || (w->writer && H5Dwrite(w->quantile, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, s->quantiles) < 0) ||
        H5DSset_scale(w->quantile, "quantile") < 0 || pb_h5_attr_str(w->quantile, "units", "1") < 0 ||
        pb_h5_attr_str(w->quantile, "long_name", "quantile level (probability)") < 0)
        return false;
    return true;
}

static void close_group(h5w *w)
{
    if (w->quantile >= 0) H5Dclose(w->quantile);
    if (w->year >= 0) H5Dclose(w->year);
    if (w->grp >= 0) H5Gclose(w->grp);
    w->grp = w->year = w->quantile = H5I_INVALID_HID;
}

static void write_summary_group(h5w *w, const pb_summary *s)
{
    char name[96], ln[256];
    for (int k = 0; k < PB_N_SERIES; k++) {
        const pb_field_info *fi = &pb_series_info[k];
        const pb_series_stats *ss = &s->series[k];
        static const char *const what[6] = {"mean of", "standard deviation of", "standard error of the mean of",
                                             "quantile of", "lower bound of the 95 % interval of the quantile of",
                                             "upper bound of the 95 % interval of the quantile of"};
        static const char *const suffix[6] = {"mean", "sd", "se", "q", "q_lo", "q_hi"};
        const double *data[6] = {ss->mean, ss->sd, ss->se, ss->q, ss->q_lo, ss->q_hi};
        for (int j = 0; j < 6; j++) {
            snprintf(name, sizeof name, "%s_%s", fi->name, suffix[j]);
            snprintf(ln, sizeof ln, "%s %s", what[j], fi->long_name);
            write_ds(w, name, j < 3 ? D_YEAR : D_YEAR_Q, false, data[j], fi->units, ln, false);
        }
    }
    for (int m = 0; m < PB_N_METHODS; m++) {
        static const char *const what[3] = {"probability that the gap is closed (G <= 0)",
                                             "lower bound of the 95 % Wilson interval of the probability that the gap is closed",
                                             "upper bound of the 95 % Wilson interval of the probability that the gap is closed"};
        static const char *const suffix[3] = {"", "_lo", "_hi"};
        const double *data[3] = {s->p_closed[m], s->p_closed_lo[m], s->p_closed_hi[m]};
        for (int j = 0; j < 3; j++) {
            snprintf(name, sizeof name, "p_gap_closed_%s%s", pb_method_names[m], suffix[j]);
            snprintf(ln, sizeof ln, "%s, %s", what[j], pb_method_names[m]);
            write_ds(w, name, D_YEAR, false, data[j], "1", ln, false);
        }
    }
    write_ds(w, "nonfinite_paths", D_SCALAR, true, &s->nonfinite, "paths",
             "paths excluded from every statistic for a NaN or infinite value", false);
    write_ds(w, "paths_used", D_SCALAR, true, &s->n, "paths", "paths that every statistic covers", false);
    write_ds(w, "coarse_quantiles", D_SCALAR, true, &s->coarse_series, "values",
             "quantile values (interval ends included) known only to their power of two, "
             "outside the sketch's fine buckets; 0: every quantile within 0.098 % of an order statistic", false);
}

static void write_metrics_group(h5w *w, const pb_summary *s)
{
    char name[96], ln[320];
    for (int k = 0; k < PB_N_METRICS; k++) {
        const pb_field_info *fi = &pb_metric_info[k];
        const pb_metric_stats *ms = &s->metric[k];
        bool yv = pb_metric_is_year(k);
        const char *over = yv ? " (over paths with such a year)" : k == PB_M_IRR ? " (over paths with exactly one root)" : "";
        snprintf(name, sizeof name, "%s_mean", fi->name);
        snprintf(ln, sizeof ln, "mean of %s%s", fi->long_name, over);
        write_ds(w, name, D_SCALAR, false, &ms->mean, fi->units, ln, false);
        snprintf(name, sizeof name, "%s_sd", fi->name);
        snprintf(ln, sizeof ln, "standard deviation of %s%s", fi->long_name, over);
        write_ds(w, name, D_SCALAR, false, &ms->sd, fi->units, ln, false);
        snprintf(name, sizeof name, "%s_se", fi->name);
        snprintf(ln, sizeof ln, "standard error of the mean of %s%s", fi->long_name, over);
        write_ds(w, name, D_SCALAR, false, &ms->se, fi->units, ln, false);
        static const char *const what[3] = {"quantile of", "lower bound of the 95 % interval of the quantile of",
                                             "upper bound of the 95 % interval of the quantile of"};
        static const char *const suffix[3] = {"q", "q_lo", "q_hi"};
        const double *data[3] = {ms->q, ms->q_lo, ms->q_hi};
        for (int j = 0; j < 3; j++) {
            snprintf(name, sizeof name, "%s_%s", fi->name, suffix[j]);
            snprintf(ln, sizeof ln, "%s %s%s", what[j], fi->long_name, yv ? " (type 1)" : "");
            write_ds(w, name, D_Q, false, data[j], fi->units, ln, yv);
        }
        if (yv) {
            snprintf(name, sizeof name, "%s_never", fi->name);
            snprintf(ln, sizeof ln, "paths with no such year within the horizon: %s", fi->long_name);
            write_ds(w, name, D_SCALAR, true, &ms->never, "paths", ln, false);
            snprintf(name, sizeof name, "%s_hist", fi->name);
            snprintf(ln, sizeof ln, "paths whose year fell in each year: %s", fi->long_name);
            write_ds(w, name, D_YEAR, true, ms->hist, "paths", ln, false);
        }
    }
    write_ds(w, "irr_none", D_SCALAR, true, &s->irr_none, "paths", "paths whose net flows have no IRR in (-0.99, 10]", false);
    write_ds(w, "irr_multiple", D_SCALAR, true, &s->irr_multiple, "paths", "paths whose net flows have several IRRs in (-0.99, 10]", false);
    write_ds(w, "coarse_quantiles", D_SCALAR, true, &s->coarse_metrics, "values",
             "quantile values (interval ends included) known only to their power of two, "
             "outside the sketch's fine buckets; 0: every quantile within 0.098 % of an order statistic", false);
}

/* Selects in a file space of `total` rows the rows index - first of the
 * paths of ps (runs of consecutive indices, joined), or none. */
static bool select_rows(hid_t fspace, const pb_path_set *ps, int64_t first, hsize_t cols)
{
    if (!ps || ps->n == 0) return H5Sselect_none(fspace) >= 0;
    bool ok = H5Sselect_none(fspace) >= 0;
    for (int64_t i = 0; ok && i < ps->n;) {
        int64_t j = i + 1;
        while (j < ps->n && ps->index[j] == ps->index[j - 1] + 1) j++;
        hsize_t start[2] = {(hsize_t)(ps->index[i] - first), 0}, count[2] = {(hsize_t)(j - i), cols};
        ok = H5Sselect_hyperslab(fspace, H5S_SELECT_OR, start, NULL, count, NULL) >= 0;
        i = j;
    }
    return ok;
}

/* /paths: series (path, year) and metrics (path), chunked and compressed,
 * with its own scales `path` and `year`.  Every rank takes part in every
 * call (collective transfers, which parallel HDF5 needs for filtered
 * datasets); a rank with no paths selects none. */
static pb_status write_paths(hid_t file, const char *tmp, const pb_paths_part *pp, const pb_summary *s)
{
    const pb_path_set *ps = pp->mine;
    const hsize_t N = (hsize_t)pp->total, H = (hsize_t)s->n_years, mine = ps ? (hsize_t)ps->n : 0;
    hid_t grp = H5I_INVALID_HID, pscale = H5I_INVALID_HID, yscale = H5I_INVALID_HID, gcpl = pb_h5_tracked_gcpl();
    hid_t fs2 = H5I_INVALID_HID, fs1 = H5I_INVALID_HID, dcpl2 = H5I_INVALID_HID, dcpl1 = H5I_INVALID_HID;
    hid_t d = H5I_INVALID_HID, dxpl = pb_par_dxpl();
    int *years = malloc((size_t)H * sizeof *years);
    bool ok = false;
    char what[160] = "/paths";
    if (!years || dxpl < 0) { free(years); if (gcpl >= 0) H5Pclose(gcpl); pb_par_dxpl_close(dxpl); return pb_raise(PB_ENOMEM, NULL, "out of memory"); }
    for (hsize_t t = 0; t < H; t++) years[t] = s->start + (int)t;
    hsize_t dims2[2] = {N, H}, chunk2[2] = {N < 1024 ? N : 1024, H}, chunk1 = N < 65536 ? N : 65536;
    if (gcpl < 0 || (grp = H5Gcreate2(file, "paths", H5P_DEFAULT, gcpl, H5P_DEFAULT)) < 0) goto done;
    if ((fs2 = H5Screate_simple(2, dims2, NULL)) < 0 || (fs1 = H5Screate_simple(1, &N, NULL)) < 0) goto done;
    if ((dcpl2 = H5Pcreate(H5P_DATASET_CREATE)) < 0 || H5Pset_chunk(dcpl2, 2, chunk2) < 0 ||
        H5Pset_shuffle(dcpl2) < 0 || H5Pset_deflate(dcpl2, 4) < 0)
        goto done;
    if ((dcpl1 = H5Pcreate(H5P_DATASET_CREATE)) < 0 || H5Pset_chunk(dcpl1, 1, &chunk1) < 0 ||
        H5Pset_shuffle(dcpl1) < 0 || H5Pset_deflate(dcpl1, 4) < 0)
        goto done;
    /* Memory: this rank's paths as they are held, [mine][cols]. */
    const hsize_t stride = PB_N_SERIES * H;
    hsize_t m_series[2] = {mine ? mine : 1, stride}, m_metric[2] = {mine ? mine : 1, PB_N_METRICS}, m_one = mine ? mine : 1;
    hid_t ms = H5Screate_simple(2, m_series, NULL), mm = H5Screate_simple(2, m_metric, NULL), m1 = H5Screate_simple(1, &m_one, NULL);
    if (ms < 0 || mm < 0 || m1 < 0) { if (ms >= 0) H5Sclose(ms); if (mm >= 0) H5Sclose(mm); if (m1 >= 0) H5Sclose(m1); goto done; }
    if (!mine) { H5Sselect_none(ms); H5Sselect_none(mm); H5Sselect_none(m1); }
    bool w = select_rows(fs2, ps, pp->first, H) && select_rows(fs1, ps, pp->first, 1);
    /* Scales. */
    w = w && (pscale = H5Dcreate2(grp, "path", H5T_STD_I64LE, fs1, H5P_DEFAULT, dcpl1, H5P_DEFAULT)) >= 0 &&
        H5Dwrite(pscale, H5T_NATIVE_INT64, m1, fs1, dxpl, mine ? ps->index : NULL) >= 0 && H5DSset_scale(pscale, "path") >= 0 &&
        pb_h5_attr_str(pscale, "units", "1") >= 0 && pb_h5_attr_str(pscale, "long_name", "path index (0-based) in the run") >= 0;
    hid_t ys = w ? H5Screate_simple(1, &H, NULL) : H5I_INVALID_HID;
    if (ys >= 0) {
        yscale = H5Dcreate2(grp, "year", H5T_STD_I32LE, ys, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        H5Sclose(ys);
    }
    w = w && yscale >= 0 && (pb_par_rank() != 0 || H5Dwrite(yscale, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, years) >= 0) &&
        H5DSset_scale(yscale, "year") >= 0 && pb_h5_attr_str(yscale, "units", "calendar year") >= 0 &&
        pb_h5_attr_str(yscale, "long_name", "calendar year") >= 0;
    for (int k = 0; w && k < PB_N_SERIES; k++) {
        snprintf(what, sizeof what, "/paths/%s", pb_series_info[k].name);
        hsize_t start[2] = {0, (hsize_t)k * H}, count[2] = {mine, H};
        w = (!mine || H5Sselect_hyperslab(ms, H5S_SELECT_SET, start, NULL, count, NULL) >= 0) &&
            (d = H5Dcreate2(grp, pb_series_info[k].name, H5T_IEEE_F64LE, fs2, H5P_DEFAULT, dcpl2, H5P_DEFAULT)) >= 0 &&
            H5Dwrite(d, H5T_NATIVE_DOUBLE, ms, fs2, dxpl, mine ? ps->series : NULL) >= 0 &&
            pb_h5_attr_str(d, "units", pb_series_info[k].units) >= 0 && pb_h5_attr_str(d, "long_name", pb_series_info[k].long_name) >= 0 &&
            H5DSattach_scale(d, pscale, 0) >= 0 && H5DSattach_scale(d, yscale, 1) >= 0;
        if (d >= 0) H5Dclose(d);
        d = H5I_INVALID_HID;
    }
    for (int m = 0; w && m < PB_N_METRICS; m++) {
        snprintf(what, sizeof what, "/paths/%s", pb_metric_info[m].name);
        hsize_t start[2] = {0, (hsize_t)m}, count[2] = {mine, 1};
        w = (!mine || H5Sselect_hyperslab(mm, H5S_SELECT_SET, start, NULL, count, NULL) >= 0) &&
            (d = H5Dcreate2(grp, pb_metric_info[m].name, H5T_IEEE_F64LE, fs1, H5P_DEFAULT, dcpl1, H5P_DEFAULT)) >= 0 &&
            H5Dwrite(d, H5T_NATIVE_DOUBLE, mm, fs1, dxpl, mine ? ps->metric : NULL) >= 0 &&
            pb_h5_attr_str(d, "units", pb_metric_info[m].units) >= 0 && pb_h5_attr_str(d, "long_name", pb_metric_info[m].long_name) >= 0 &&
            (!pb_metric_is_year(m) || pb_h5_attr_str(d, "never", "+inf means no such year within the horizon") >= 0) &&
            (m != PB_M_IRR || pb_h5_attr_str(d, "missing", "NaN where the path has no IRR or several (see irr_kind)") >= 0) &&
            H5DSattach_scale(d, pscale, 0) >= 0;
        if (d >= 0) H5Dclose(d);
        d = H5I_INVALID_HID;
    }
    struct { const char *name, *units, *long_name; const void *data; hid_t ft, mt; } one[] = {
        {"path_index", "1", "path index (0-based) in the run", mine ? ps->index : NULL, H5T_STD_I64LE, H5T_NATIVE_INT64},
        {"irr_kind", "1", "0: one IRR, 1: none, 2: several", mine ? ps->irr_kind : NULL, H5T_STD_U8LE, H5T_NATIVE_UCHAR},
        {"nonfinite", "1", "1: the path has a NaN or infinite value and is left out of the statistics", mine ? ps->nonfinite : NULL, H5T_STD_U8LE, H5T_NATIVE_UCHAR},
    };
    for (size_t i = 0; w && i < sizeof one / sizeof one[0]; i++) {
        snprintf(what, sizeof what, "/paths/%s", one[i].name);
        w = (d = H5Dcreate2(grp, one[i].name, one[i].ft, fs1, H5P_DEFAULT, dcpl1, H5P_DEFAULT)) >= 0 &&
            H5Dwrite(d, one[i].mt, m1, fs1, dxpl, one[i].data) >= 0 &&
            pb_h5_attr_str(d, "units", one[i].units) >= 0 && pb_h5_attr_str(d, "long_name", one[i].long_name) >= 0 &&
            H5DSattach_scale(d, pscale, 0) >= 0;
        if (d >= 0) H5Dclose(d);
        d = H5I_INVALID_HID;
    }
    H5Sclose(ms);
    H5Sclose(mm);
    H5Sclose(m1);
    ok = w;
done:
    if (d >= 0) H5Dclose(d);
    if (pscale >= 0) H5Dclose(pscale);
    if (yscale >= 0) H5Dclose(yscale);
    if (dcpl1 >= 0) H5Pclose(dcpl1);
    if (dcpl2 >= 0) H5Pclose(dcpl2);
    if (fs1 >= 0) H5Sclose(fs1);
    if (fs2 >= 0) H5Sclose(fs2);
    if (grp >= 0) H5Gclose(grp);
    if (gcpl >= 0) H5Pclose(gcpl);
    pb_par_dxpl_close(dxpl);
    free(years);
    return ok ? PB_OK : pb_raise(PB_EIO, NULL, "cannot write %s to '%s'", what, tmp);
}

/* /state of a partial result: rank 0's packed accumulator and edge paths;
 * every rank creates the datasets (sizes broadcast), rank 0 writes. */
static pb_status write_state(hid_t file, const char *tmp, const pb_state_part *sp, int H)
{
    void *blob = NULL;
    size_t blob_len = 0;
    pb_status st = PB_OK;
    if (pb_par_rank() == 0) st = pb_acc_pack(sp->acc, &blob, &blob_len);
    uint64_t sizes[2] = {blob_len, pb_par_rank() == 0 && sp->edges ? (uint64_t)sp->edges->n : 0};
    st = pb_par_agree(st);
    if (st == PB_OK) st = pb_par_bcast(sizes, sizeof sizes);
    if (st != PB_OK) { free(blob); return st; }
    const bool writer = pb_par_rank() == 0;
    hid_t grp = H5Gcreate2(file, "state", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), d = H5I_INVALID_HID, sp1 = H5I_INVALID_HID;
    bool ok = grp >= 0;
    hsize_t len = sizes[0], E = sizes[1], stride = PB_N_SERIES * (hsize_t)H;
    ok = ok && (sp1 = H5Screate_simple(1, &len, NULL)) >= 0 &&
         (d = H5Dcreate2(grp, "acc", H5T_STD_U8LE, sp1, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)) >= 0 &&
         (!writer || H5Dwrite(d, H5T_NATIVE_UCHAR, H5S_ALL, H5S_ALL, H5P_DEFAULT, blob) >= 0) &&
         pb_h5_attr_str(d, "long_name", "the merge state of the complete blocks (payback's packed accumulator; native byte order)") >= 0;
    if (d >= 0) H5Dclose(d);
    if (sp1 >= 0) H5Sclose(sp1);
    d = sp1 = H5I_INVALID_HID;
    const pb_path_set *e = sp->edges;
    struct { const char *name; hsize_t cols; hid_t ft, mt; const void *data; } arr[] = {
        {"edge_index", 0, H5T_STD_I64LE, H5T_NATIVE_INT64, e && writer ? e->index : NULL},
        {"edge_series", stride, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, e && writer ? e->series : NULL},
        {"edge_metric", PB_N_METRICS, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, e && writer ? e->metric : NULL},
        {"edge_irr_kind", 0, H5T_STD_U8LE, H5T_NATIVE_UCHAR, e && writer ? e->irr_kind : NULL},
        {"edge_nonfinite", 0, H5T_STD_U8LE, H5T_NATIVE_UCHAR, e && writer ? e->nonfinite : NULL},
    };
    for (size_t i = 0; ok && i < sizeof arr / sizeof arr[0]; i++) {
        hsize_t dims[2] = {E, arr[i].cols};
        ok = (sp1 = H5Screate_simple(arr[i].cols ? 2 : 1, dims, NULL)) >= 0 &&
             (d = H5Dcreate2(grp, arr[i].name, arr[i].ft, sp1, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)) >= 0 &&
             (!writer || E == 0 || H5Dwrite(d, arr[i].mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, arr[i].data) >= 0);
        if (d >= 0) H5Dclose(d);
        if (sp1 >= 0) H5Sclose(sp1);
        d = sp1 = H5I_INVALID_HID;
    }
    ok = ok && pb_h5_attr_str(grp, "long_name", "what `payback merge` needs: the complete blocks' statistics and the paths "
                                          "of blocks this part covers only in part") >= 0;
    if (grp >= 0) H5Gclose(grp);
    free(blob);
    return ok ? PB_OK : pb_raise(PB_EIO, NULL, "cannot write /state to '%s'", tmp);
}

/* The root attributes: what the run was. */
static pb_status write_root(hid_t file, const char *tmp, const pb_run_info *info, const pb_state_part *state)
{
    int64_t ranks = info->ranks, threads = info->threads, n_paths = info->paths, det = info->deterministic;
    uint64_t seed = info->seed;
    bool ok = pb_h5_attr_str(file, "program", "payback") >= 0 && pb_h5_attr_str(file, "version", info->version) >= 0 &&
              pb_h5_attr_str(file, "build", info->build) >= 0 &&
              pb_h5_attr_str(file, "scenario_name", info->scenario_name) >= 0 &&
              pb_h5_attr_str(file, "scenario_file", info->scenario_file) >= 0 &&
              pb_h5_attr_str(file, "scenario_yaml", info->scenario_yaml) >= 0 &&
              pb_h5_attr_num(file, "seed", H5T_STD_U64LE, H5T_NATIVE_UINT64, 1, &seed) >= 0 &&
              pb_h5_attr_num(file, "paths", H5T_STD_I64LE, H5T_NATIVE_INT64, 1, &n_paths) >= 0 &&
              pb_h5_attr_num(file, "threads", H5T_STD_I64LE, H5T_NATIVE_INT64, 1, &threads) >= 0 &&
              pb_h5_attr_num(file, "ranks", H5T_STD_I64LE, H5T_NATIVE_INT64, 1, &ranks) >= 0 &&
              pb_h5_attr_num(file, "deterministic", H5T_STD_I64LE, H5T_NATIVE_INT64, 1, &det) >= 0 &&
              pb_h5_attr_str(file, "created", info->created) >= 0 &&
              pb_h5_attr_str(file, "units_money", "billion USD, nominal") >= 0 &&
              pb_h5_attr_num(file, "target_years", H5T_STD_I32LE, H5T_NATIVE_INT, (size_t)info->n_target_years,
                             info->target_years) >= 0;
    /* The --set arguments, one line each (an empty string when there are none). */
    size_t olen = 1;
    for (int i = 0; i < info->n_overrides; i++) olen += strlen(info->overrides[i]) + 1;
    char *ov = calloc(olen, 1);
    if (!ov) return pb_raise(PB_ENOMEM, NULL, "out of memory");
    for (int i = 0; i < info->n_overrides; i++) {
        strcat(ov, info->overrides[i]);
        if (i + 1 < info->n_overrides) strcat(ov, "\n");
    }
    ok = ok && pb_h5_attr_str(file, "overrides", ov) >= 0;
    free(ov);
    if (state) {
        int64_t pf = state->first, pe = state->end;
        ok = ok && pb_h5_attr_num(file, "paths_first", H5T_STD_I64LE, H5T_NATIVE_INT64, 1, &pf) >= 0 &&
             pb_h5_attr_num(file, "paths_end", H5T_STD_I64LE, H5T_NATIVE_INT64, 1, &pe) >= 0;
    }
    return ok ? PB_OK : pb_raise(PB_EIO, NULL, "cannot write the attributes of '%s'", tmp);
}

pb_status pb_output_write(const char *path, const pb_run_info *info, const pb_summary *s,
                          const pb_paths_part *paths, const pb_state_part *state)
{
    pb_h5_out out;
    pb_status st = pb_h5_out_begin(path, &out);
    if (st == PB_OK) st = write_root(out.file, out.tmp, info, state);
    if (st != PB_OK) return pb_h5_out_end(&out, st);
    const char *tmp = out.tmp;
    h5w w = {.st = PB_OK, .path = tmp, .writer = pb_par_rank() == 0};
    if (!open_group(&w, out.file, "summary", s)) { close_group(&w); st = pb_raise(PB_EIO, NULL, "cannot create /summary in '%s'", tmp); goto done; }
    write_summary_group(&w, s);
    close_group(&w);
    if (w.st != PB_OK) { st = w.st; goto done; }
    if (!open_group(&w, out.file, "metrics", s)) { close_group(&w); st = pb_raise(PB_EIO, NULL, "cannot create /metrics in '%s'", tmp); goto done; }
    write_metrics_group(&w, s);
    close_group(&w);
    if (w.st != PB_OK) { st = w.st; goto done; }
    if (paths && paths->total > 0 && (st = write_paths(out.file, tmp, paths, s)) != PB_OK) goto done;
    if (state && (st = write_state(out.file, tmp, state, s->n_years)) != PB_OK) goto done;
    st = PB_OK;
done:
    return pb_h5_out_end(&out, st);
}

/* ------------------------------------------------------------------ */
/* Reading back                                                         */

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
