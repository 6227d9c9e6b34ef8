/* write.c: the result file (pb_output_write; interfaces.md §3).
 *
 * Root attributes describe the run; /summary and /metrics hold the
 * statistics, /paths the stored paths, /state what `payback merge` needs
 * of a partial result.  The variables of each group are the rows of its
 * table in schema.c; this file only knows how to write a kind of shape.
 * Rank 0 writes the statistics; every rank creates every object (HDF5
 * under MPI-IO creates objects collectively) and writes its own rows of
 * /paths. */
#include "payback/output.h"

#include <stdlib.h>
#include <string.h>

#include <hdf5.h>
#include <hdf5_hl.h>

#include "buildinfo.h"
#include "h5util.h"
#include "outfile.h"
#include "payback/par.h"
#include "schema.h"

const char *pb_build_string(void) { return PB_BUILD; }

/* The units, long_name and notes of variable d (v for item k), then its
 * dimension scales, scale[dim] for each of its dimensions (year, quantile
 * or path: a described variable has no PB_DIM_COLS). */
static bool describe(hid_t d, const pb_var *v, int k, int rank, const pb_dim *dim, const hid_t *scale, const int *window)
{
    /* The window of understated_depreciation_window's datasets (interfaces.md §3). */
    if (v->each == PB_EACH_METRIC && k == PB_M_UNDERSTATED_WINDOW && window &&
        pb_h5_attr_num(d, "window", H5T_STD_I32LE, H5T_NATIVE_INT, 2, window) < 0)
        return false;
    char ln[320];
    pb_var_long_name(v, k, ln, sizeof ln);
    if (pb_h5_attr_str(d, "units", pb_var_units(v, k)) < 0 || pb_h5_attr_str(d, "long_name", ln) < 0) return false;
    for (int j = 0; j < 2; j++) {
        const char *note = pb_var_note(v, j, k);
        if (note && pb_h5_attr_str(d, v->note[j].name, note) < 0) return false;
    }
    for (int i = 0; i < rank; i++)
        if (H5DSattach_scale(d, scale[dim[i]], (unsigned)i) < 0) return false;
    return true;
}

bool pb_write_var_attrs(hid_t d, const pb_var *v, int k, const int *window)
{
    return describe(d, v, k, 0, NULL, NULL, window);
}

/* A dataset of the given type and space in grp (dcpl H5P_DEFAULT: contiguous). */
static hid_t create(hid_t grp, const char *name, hid_t file_type, hid_t space, hid_t dcpl)
{
    return H5Dcreate2(grp, name, file_type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
}

/* Makes d the dimension scale sc. */
static bool set_scale(hid_t d, const pb_label *sc)
{
    return H5DSset_scale(d, sc->name) >= 0 && pb_h5_attr_str(d, "units", sc->units) >= 0 &&
           pb_h5_attr_str(d, "long_name", sc->long_name) >= 0;
}

/* A 1-d scale of n values in grp, contiguous; `writer` writes data (as mem_type). */
static hid_t make_scale(hid_t grp, const pb_label *sc, hid_t file_type, hid_t mem_type, hsize_t n, const void *data,
                        bool writer)
{
    hid_t sp = H5Screate_simple(1, &n, NULL);
    if (sp < 0) return H5I_INVALID_HID;
    hid_t d = create(grp, sc->name, file_type, sp, H5P_DEFAULT);
    H5Sclose(sp);
    if (d >= 0 && ((writer && H5Dwrite(d, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) || !set_scale(d, sc))) {
        H5Dclose(d);
        return H5I_INVALID_HID;
    }
    return d;
}

/* ------------------------------------------------------------------ */
/* /summary and /metrics                                                */

typedef struct {
    hid_t grp;
    hid_t scale[PB_DIM_COLS];  /* by pb_dim: this group's year and quantile scales */
    int H, Q;
    bool writer;
    const int *window;         /* the depreciation window [from, through] */
} stats_group;

/* Writes one variable of a statistics group. */
static bool write_stat(const stats_group *w, const pb_var *v, int k, const pb_summary *s, char *name, size_t len)
{
    pb_dim dim[2];
    hsize_t n[2];
    pb_var_name(v, k, name, len);
    int rank = pb_var_dims(v, w->H, w->Q, 0, dim, n);
    hid_t space = rank ? H5Screate_simple(rank, n, NULL) : H5Screate(H5S_SCALAR), d = H5I_INVALID_HID;
    bool ok = space >= 0 &&
              (d = create(w->grp, name, pb_type_file(v->type), space, H5P_DEFAULT)) >= 0 &&
              (!w->writer ||
               H5Dwrite(d, pb_type_mem(v->type), H5S_ALL, H5S_ALL, H5P_DEFAULT, pb_var_cdata(v, s, k)) >= 0) &&
              describe(d, v, k, rank, dim, w->scale, w->window);
    if (d >= 0) H5Dclose(d);
    if (space >= 0) H5Sclose(space);
    return ok;
}

/* A group of statistics: its scales year and quantile, then its variables. */
static pb_status write_stats(hid_t file, const char *tmp, const pb_group *g, const pb_summary *s, const int *window)
{
    stats_group w = {.H = s->n_years, .Q = s->n_quantiles, .writer = pb_par_rank() == 0, .window = window};
    w.scale[PB_DIM_YEAR] = w.scale[PB_DIM_QUANTILE] = w.scale[PB_DIM_PATH] = H5I_INVALID_HID;
    int years[PB_MAX_YEARS];
    for (int t = 0; t < s->n_years; t++) years[t] = s->start + t;
    hid_t gcpl = pb_h5_tracked_gcpl();
    w.grp = gcpl >= 0 ? H5Gcreate2(file, g->name, H5P_DEFAULT, gcpl, H5P_DEFAULT) : H5I_INVALID_HID;
    if (gcpl >= 0) H5Pclose(gcpl);
    bool ok = w.grp >= 0 &&
              (w.scale[PB_DIM_YEAR] = make_scale(w.grp, &g->year, H5T_STD_I32LE, H5T_NATIVE_INT, (hsize_t)w.H, years,
                                                 w.writer)) >= 0 &&
              (w.scale[PB_DIM_QUANTILE] = make_scale(w.grp, &g->quantile, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
                                                     (hsize_t)w.Q, s->quantiles, w.writer)) >= 0;
    pb_status st = ok ? PB_OK : pb_raise(PB_EIO, NULL, "cannot create /%s in '%s'", g->name, tmp);
    pb_walk it;
    char name[96];
    for (pb_walk_start(&it, g); st == PB_OK && pb_walk_next(&it);)
        if (!write_stat(&w, it.var, it.k, s, name, sizeof name))
            st = pb_raise(PB_EIO, NULL, "cannot write dataset '%s' to '%s'", name, tmp);
    if (w.scale[PB_DIM_QUANTILE] >= 0) H5Dclose(w.scale[PB_DIM_QUANTILE]);
    if (w.scale[PB_DIM_YEAR] >= 0) H5Dclose(w.scale[PB_DIM_YEAR]);
    if (w.grp >= 0) H5Gclose(w.grp);
    return st;
}

/* ------------------------------------------------------------------ */
/* /paths                                                               */

/* /paths: series [path, year] and metrics [path], chunked and compressed,
 * with its own scales `path` and `year`.  Every rank takes part in every
 * call (collective transfers, which parallel HDF5 needs for filtered
 * datasets); a rank with no paths selects none.  Index 0 of fs and dcpl:
 * [path] variables, 1: [path, year]. */
typedef struct {
    hid_t grp, fs[2], dcpl[2], scale[PB_DIM_COLS], dxpl;
    const pb_path_set *ps;      /* this rank's paths, or NULL */
    hsize_t mine, N;            /* this rank's paths, all paths */
    int H;
    const int *window;          /* the depreciation window [from, through] */
} paths_group;

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

/* Dataset creation: chunks of `chunk`, shuffled, deflated (level 4). */
static hid_t chunked(int rank, const hsize_t *chunk)
{
    hid_t p = H5Pcreate(H5P_DATASET_CREATE);
    if (p >= 0 && (H5Pset_chunk(p, rank, chunk) < 0 || H5Pset_shuffle(p) < 0 || H5Pset_deflate(p, 4) < 0)) {
        H5Pclose(p);
        return H5I_INVALID_HID;
    }
    return p;
}

/* The group, its file spaces (this rank's rows selected) and its scales. */
static bool paths_open(paths_group *p, hid_t file, const pb_paths_part *pp, const int *years)
{
    const hsize_t N = p->N, H = (hsize_t)p->H;
    hsize_t dims2[2] = {N, H}, chunk2[2] = {N < 1024 ? N : 1024, H}, chunk1 = N < 65536 ? N : 65536;
    const pb_group *g = &pb_schema_paths;
    hid_t gcpl = pb_h5_tracked_gcpl();
    p->grp = gcpl >= 0 ? H5Gcreate2(file, g->name, H5P_DEFAULT, gcpl, H5P_DEFAULT) : H5I_INVALID_HID;
    if (gcpl >= 0) H5Pclose(gcpl);
    if (p->grp < 0 || (p->fs[1] = H5Screate_simple(2, dims2, NULL)) < 0 ||
        (p->fs[0] = H5Screate_simple(1, &N, NULL)) < 0 || (p->dcpl[1] = chunked(2, chunk2)) < 0 ||
        (p->dcpl[0] = chunked(1, &chunk1)) < 0)
        return false;
    if (!select_rows(p->fs[1], p->ps, pp->first, H) || !select_rows(p->fs[0], p->ps, pp->first, 1)) return false;
    /* The path scale: this rank's indices, as the variables' rows. */
    hsize_t one = p->mine ? p->mine : 1;
    hid_t m1 = H5Screate_simple(1, &one, NULL);
    hid_t *ps = &p->scale[PB_DIM_PATH];
    bool ok = m1 >= 0 && (p->mine || H5Sselect_none(m1) >= 0) &&
              (*ps = create(p->grp, g->path.name, H5T_STD_I64LE, p->fs[0], p->dcpl[0])) >= 0 &&
              H5Dwrite(*ps, H5T_NATIVE_INT64, m1, p->fs[0], p->dxpl, p->mine ? p->ps->index : NULL) >= 0 &&
              set_scale(*ps, &g->path);
    if (m1 >= 0) H5Sclose(m1);
    return ok && (p->scale[PB_DIM_YEAR] = make_scale(p->grp, &g->year, H5T_STD_I32LE, H5T_NATIVE_INT, H, years,
                                                     pb_par_rank() == 0)) >= 0;
}

/* One variable of /paths: this rank's rows, from the item's columns of its
 * pb_path_set array ([mine][cols] in memory). */
static bool paths_var(const paths_group *p, const pb_var *v, int k, char *name, size_t len)
{
    pb_dim dim[2];
    hsize_t n[2];
    pb_var_name(v, k, name, len);
    int rank = pb_var_dims(v, p->H, 0, p->N, dim, n);
    hsize_t mdims[2] = {p->mine ? p->mine : 1, pb_var_cols(v, p->H)};
    hsize_t start[2] = {0, pb_var_col0(v, k, p->H)}, count[2] = {p->mine, rank == 2 ? n[1] : 1};
    hid_t ms = H5Screate_simple(2, mdims, NULL), d = H5I_INVALID_HID;
    bool ok = ms >= 0 &&
              (p->mine ? H5Sselect_hyperslab(ms, H5S_SELECT_SET, start, NULL, count, NULL) : H5Sselect_none(ms)) >= 0 &&
              (d = create(p->grp, name, pb_type_file(v->type), p->fs[rank - 1], p->dcpl[rank - 1])) >= 0 &&
              H5Dwrite(d, pb_type_mem(v->type), ms, p->fs[rank - 1], p->dxpl,
                       p->mine ? pb_var_cdata(v, p->ps, k) : NULL) >= 0 &&
              describe(d, v, k, rank, dim, p->scale, p->window);
    if (d >= 0) H5Dclose(d);
    if (ms >= 0) H5Sclose(ms);
    return ok;
}

static pb_status write_paths(hid_t file, const char *tmp, const pb_paths_part *pp, const pb_summary *s, const int *window)
{
    paths_group p = {.ps = pp->mine, .mine = pp->mine ? (hsize_t)pp->mine->n : 0, .N = (hsize_t)pp->total,
                     .H = s->n_years, .dxpl = pb_par_dxpl(), .window = window};
    p.grp = p.fs[0] = p.fs[1] = p.dcpl[0] = p.dcpl[1] = H5I_INVALID_HID;
    p.scale[PB_DIM_YEAR] = p.scale[PB_DIM_QUANTILE] = p.scale[PB_DIM_PATH] = H5I_INVALID_HID;
    if (p.dxpl < 0) return pb_raise(PB_ENOMEM, NULL, "out of memory");
    int years[PB_MAX_YEARS];
    for (int t = 0; t < p.H; t++) years[t] = s->start + t;
    char what[160] = "/paths", name[96];
    bool ok = paths_open(&p, file, pp, years);
    pb_walk it;
    for (pb_walk_start(&it, &pb_schema_paths); ok && pb_walk_next(&it);)
        if (!(ok = paths_var(&p, it.var, it.k, name, sizeof name))) snprintf(what, sizeof what, "/paths/%s", name);
    pb_status st = ok ? pb_write_path_params(p.grp, tmp, pp, p.scale[PB_DIM_PATH], p.scale[PB_DIM_YEAR], p.dxpl) : PB_OK;
    for (int i = 0; i < PB_DIM_COLS; i++)
        if (p.scale[i] >= 0) H5Dclose(p.scale[i]);
    for (int i = 0; i < 2; i++) {
        if (p.dcpl[i] >= 0) H5Pclose(p.dcpl[i]);
        if (p.fs[i] >= 0) H5Sclose(p.fs[i]);
    }
    if (p.grp >= 0) H5Gclose(p.grp);
    pb_par_dxpl_close(p.dxpl);
    if (st != PB_OK) return st;
    return ok ? PB_OK : pb_raise(PB_EIO, NULL, "cannot write %s to '%s'", what, tmp);
}

/* ------------------------------------------------------------------ */
/* /state                                                               */

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
    const pb_group *g = &pb_schema_state;
    const pb_path_set *e = writer ? sp->edges : NULL;
    hid_t grp = H5Gcreate2(file, g->name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), d = H5I_INVALID_HID;
    hid_t space = H5I_INVALID_HID;
    hsize_t len = sizes[0], E = sizes[1];
    bool ok = grp >= 0 && (space = H5Screate_simple(1, &len, NULL)) >= 0 &&
              (d = create(grp, pb_state_acc.name, H5T_STD_U8LE, space, H5P_DEFAULT)) >= 0 &&
              (!writer || H5Dwrite(d, H5T_NATIVE_UCHAR, H5S_ALL, H5S_ALL, H5P_DEFAULT, blob) >= 0) &&
              pb_h5_attr_str(d, "long_name", pb_state_acc.long_name) >= 0;
    pb_walk it;
    for (pb_walk_start(&it, g); ok && pb_walk_next(&it);) {
        H5Dclose(d);
        H5Sclose(space);
        d = space = H5I_INVALID_HID;
        const pb_var *v = it.var;
        pb_dim dim[2];
        hsize_t n[2];
        char name[96];
        pb_var_name(v, it.k, name, sizeof name);
        int rank = pb_var_dims(v, H, 0, E, dim, n);
        ok = (space = H5Screate_simple(rank, n, NULL)) >= 0 &&
             (d = create(grp, name, pb_type_file(v->type), space, H5P_DEFAULT)) >= 0 &&
             (!e || E == 0 ||
              H5Dwrite(d, pb_type_mem(v->type), H5S_ALL, H5S_ALL, H5P_DEFAULT, pb_var_cdata(v, e, it.k)) >= 0);
    }
    if (d >= 0) H5Dclose(d);
    if (space >= 0) H5Sclose(space);
    ok = ok && pb_h5_attr_str(grp, "long_name", g->long_name) >= 0;
    if (grp >= 0) H5Gclose(grp);
    free(blob);
    return ok ? PB_OK : pb_raise(PB_EIO, NULL, "cannot write /state to '%s'", tmp);
}

/* ------------------------------------------------------------------ */
/* The file                                                             */

/* run --precision's root attributes: the targets (one a line), whether
 * every one was met, and each one's estimate, half-width, tolerance, met. */
static bool write_precision(hid_t file, const pb_precision *p, bool reached)
{
    char text[PB_MAX_TARGETS * 164] = "";
    int met[PB_MAX_TARGETS];
    for (int i = 0; i < p->n; i++) {
        if (i) strcat(text, "\n");
        strcat(text, p->t[i].text);
        met[i] = p->met[i];
    }
    const size_t n = (size_t)p->n;
    return pb_h5_attr_str(file, "precision_targets", text) >= 0 &&
           pb_h5_attr_int(file, "precision_reached", reached) >= 0 &&
           pb_h5_attr_num(file, "precision_estimate", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, n, p->estimate) >= 0 &&
           pb_h5_attr_num(file, "precision_half_width", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, n, p->half) >= 0 &&
           pb_h5_attr_num(file, "precision_tolerance", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, n, p->tol) >= 0 &&
           pb_h5_attr_num(file, "precision_met", H5T_STD_I32LE, H5T_NATIVE_INT, n, met) >= 0;
}

/* The root attributes: what the run was. */
static pb_status write_root(hid_t file, const char *tmp, const pb_run_info *info, const pb_state_part *state)
{
    char seed[24]; /* decimal: every client reads text, not all read 64-bit integers (h5util.h) */
    snprintf(seed, sizeof seed, "%" PRIu64, info->seed);
    bool ok = pb_h5_attr_str(file, "program", "payback") >= 0 && pb_h5_attr_str(file, "version", info->version) >= 0 &&
              pb_h5_attr_str(file, "build", info->build) >= 0 &&
              pb_h5_attr_str(file, "scenario_name", info->scenario_name) >= 0 &&
              pb_h5_attr_str(file, "scenario_file", info->scenario_file) >= 0 &&
              pb_h5_attr_str(file, "scenario_yaml", info->scenario_yaml) >= 0 &&
              pb_h5_attr_str(file, "seed", seed) >= 0 && pb_h5_attr_count(file, "paths", info->paths) >= 0 &&
              pb_h5_attr_int(file, "threads", info->threads) >= 0 && pb_h5_attr_int(file, "ranks", info->ranks) >= 0 &&
              pb_h5_attr_int(file, "deterministic", info->deterministic) >= 0 &&
              pb_h5_attr_str(file, "created", info->created) >= 0 &&
              pb_h5_attr_str(file, "units_money", "billion USD, nominal") >= 0 &&
              pb_h5_attr_num(file, "target_years", H5T_STD_I32LE, H5T_NATIVE_INT, (size_t)info->n_target_years,
                             info->target_years) >= 0 &&
              pb_h5_attr_num(file, "depreciation_window", H5T_STD_I32LE, H5T_NATIVE_INT, 2, info->window) >= 0;
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
    if (ok && info->command) {
        size_t alen = 1;
        for (int i = 0; i < info->argc; i++) alen += strlen(info->argv[i]) + 1;
        char *av = calloc(alen, 1);
        if (!av) return pb_raise(PB_ENOMEM, NULL, "out of memory");
        for (int i = 0; i < info->argc; i++) {
            if (i) strcat(av, " ");
            strcat(av, info->argv[i]);
        }
        ok = pb_h5_attr_str(file, "command", info->command) >= 0 && pb_h5_attr_str(file, "argv", av) >= 0;
        free(av);
    }
    if (ok && info->precision) ok = write_precision(file, info->precision, info->precision_reached);
    if (state) {
        ok = ok && pb_h5_attr_count(file, "paths_first", state->first) >= 0 &&
             pb_h5_attr_count(file, "paths_end", state->end) >= 0;
    }
    return ok ? PB_OK : pb_raise(PB_EIO, NULL, "cannot write the attributes of '%s'", tmp);
}

pb_status pb_write_root(hid_t file, const char *tmp, const pb_run_info *info)
{
    return write_root(file, tmp, info, NULL);
}

pb_status pb_write_stats(hid_t loc, const char *tmp, const pb_summary *s, const int *window)
{
    pb_status st = write_stats(loc, tmp, &pb_schema_summary, s, window);
    return st == PB_OK ? write_stats(loc, tmp, &pb_schema_metrics, s, window) : st;
}

pb_status pb_output_write(const char *path, const pb_run_info *info, const pb_summary *s,
                          const pb_paths_part *paths, const pb_state_part *state)
{
    pb_h5_out out;
    pb_status st = pb_h5_out_begin(path, &out);
    if (st == PB_OK) st = write_root(out.file, out.tmp, info, state);
    if (st == PB_OK) st = write_stats(out.file, out.tmp, &pb_schema_summary, s, info->window);
    if (st == PB_OK) st = write_stats(out.file, out.tmp, &pb_schema_metrics, s, info->window);
    if (st == PB_OK && paths && paths->total > 0) st = write_paths(out.file, out.tmp, paths, s, info->window);
    if (st == PB_OK && state) st = write_state(out.file, out.tmp, state, s->n_years);
    return pb_h5_out_end(&out, st);
}
