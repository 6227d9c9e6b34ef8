/* write_sweep.c: the file of `payback sweep` (outfile.h; interfaces.md §4,
 * §5): the root attributes, then §3's /summary and /metrics with one
 * dimension per varied parameter in front of the usual ones, e.g.
 * /summary/revenue_q(gpu.accounting_life, year, quantile) and
 * /metrics/npv_mean(gpu.accounting_life).  The variables are the rows of
 * schema.c's tables, walked as write.c walks them, so that a sweep's
 * file has exactly a run file's variables.  Every dataset is created
 * first (contiguous, its full shape); each point is then written into its
 * hyperslab, so that a 10,000-point sweep holds one summary at a time.
 * The sweep runs on rank 0 alone (main.c), so there is no collective I/O. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>
#include <hdf5_hl.h>

#include "outfile.h"
#include "schema.h"

#define MAX_RANK (PB_SWEEP_MAX_DIMS + 2)

typedef struct {
    hid_t grp;
    int n_vars;
    hid_t *dset;              /* [n_vars], in the walk's order */
} sweep_group;

struct pb_sweep_out {
    pb_h5_out h5;
    int nd, H, Q, start;
    hsize_t lead[PB_SWEEP_MAX_DIMS];
    sweep_group g[2];         /* summary, metrics */
};

static const pb_group *const groups[2] = {&pb_schema_summary, &pb_schema_metrics};

/* A 1-d dimension scale `name` of n values in grp. */
static bool scale(hid_t grp, const char *name, const char *units, const char *long_name, hid_t ftype, hid_t mtype,
                  hsize_t n, const void *data, hid_t *out)
{
    hid_t sp = H5Screate_simple(1, &n, NULL), d = H5I_INVALID_HID;
    bool ok = sp >= 0 && (d = H5Dcreate2(grp, name, ftype, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)) >= 0 &&
              H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0 && H5DSset_scale(d, name) >= 0 &&
              pb_h5_attr_str(d, "units", units) >= 0 && pb_h5_attr_str(d, "long_name", long_name) >= 0;
    if (sp >= 0) H5Sclose(sp);
    *out = d;
    return ok;
}

/* The scales of a group: the sweep's, then year and quantile. */
static bool make_scales(hid_t grp, const pb_group *g, const pb_sweep_dim *dim, int nd, const pb_summary *s,
                        hid_t *sc)
{
    bool ok = true;
    for (int i = 0; i < nd && ok; i++) {
        char ln[256];
        snprintf(ln, sizeof ln, "value of the swept parameter %s (a fixed value at each point)", dim[i].name);
        ok = scale(grp, dim[i].name, "as the parameter", ln, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, (hsize_t)dim[i].n,
                   dim[i].v, &sc[i]);
    }
    int years[PB_MAX_YEARS];
    for (int t = 0; t < s->n_years; t++) years[t] = s->start + t;
    return ok &&
           scale(grp, g->year.name, g->year.units, g->year.long_name, H5T_STD_I32LE, H5T_NATIVE_INT,
                 (hsize_t)s->n_years, years, &sc[nd + PB_DIM_YEAR]) &&
           scale(grp, g->quantile.name, g->quantile.units, g->quantile.long_name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
                 (hsize_t)s->n_quantiles, s->quantiles, &sc[nd + PB_DIM_QUANTILE]);
}

/* One variable: the sweep dimensions, then its own; attributes; scales. */
static hid_t make_var(pb_sweep_out *o, hid_t grp, const pb_var *v, int k, const hid_t *sc, const int *window)
{
    pb_dim dim[2];
    hsize_t n[MAX_RANK];
    char name[96];
    pb_var_name(v, k, name, sizeof name);
    memcpy(n, o->lead, sizeof(hsize_t) * (size_t)o->nd);
    int own = pb_var_dims(v, o->H, o->Q, 0, dim, n + o->nd), rank = o->nd + own;
    hid_t sp = H5Screate_simple(rank, n, NULL), d = H5I_INVALID_HID;
    bool ok = sp >= 0 && (d = H5Dcreate2(grp, name, pb_type_file(v->type), sp, H5P_DEFAULT, H5P_DEFAULT,
                                         H5P_DEFAULT)) >= 0 &&
              pb_write_var_attrs(d, v, k, window);
    for (int i = 0; i < rank && ok; i++)
        ok = H5DSattach_scale(d, sc[i < o->nd ? i : o->nd + (int)dim[i - o->nd]], (unsigned)i) >= 0;
    if (sp >= 0) H5Sclose(sp);
    if (!ok && d >= 0) {
        H5Dclose(d);
        d = H5I_INVALID_HID;
    }
    if (d < 0) pb_raise(PB_EIO, NULL, "cannot create dataset '%s' in '%s'", name, o->h5.tmp);
    return d;
}

static pb_status make_group(pb_sweep_out *o, int gi, const pb_sweep_dim *dim, const pb_summary *s, const int *window)
{
    const pb_group *g = groups[gi];
    sweep_group *sg = &o->g[gi];
    pb_walk w;
    for (pb_walk_start(&w, g); pb_walk_next(&w);) sg->n_vars++;
    if (!(sg->dset = malloc(sizeof *sg->dset * (size_t)sg->n_vars))) return pb_raise(PB_ENOMEM, NULL, "out of memory");
    for (int j = 0; j < sg->n_vars; j++) sg->dset[j] = H5I_INVALID_HID;
    hid_t sc[MAX_RANK + 1];
    for (int i = 0; i < MAX_RANK + 1; i++) sc[i] = H5I_INVALID_HID;
    hid_t gcpl = pb_h5_tracked_gcpl();
    sg->grp = gcpl >= 0 ? H5Gcreate2(o->h5.file, g->name, H5P_DEFAULT, gcpl, H5P_DEFAULT) : H5I_INVALID_HID;
    if (gcpl >= 0) H5Pclose(gcpl);
    pb_status st = sg->grp >= 0 && make_scales(sg->grp, g, dim, o->nd, s, sc)
                       ? PB_OK
                       : pb_raise(PB_EIO, NULL, "cannot create /%s in '%s'", g->name, o->h5.tmp);
    int j = 0;
    for (pb_walk_start(&w, g); st == PB_OK && pb_walk_next(&w); j++)
        if ((sg->dset[j] = make_var(o, sg->grp, w.var, w.k, sc, window)) < 0) st = PB_EIO;
    for (int i = 0; i < MAX_RANK + 1; i++)
        if (sc[i] >= 0) H5Dclose(sc[i]);
    return st;
}

pb_status pb_sweep_out_begin(const char *path, const pb_run_info *info, const pb_sweep_dim *dim, int nd,
                             const pb_summary *shape, pb_sweep_out **out)
{
    pb_sweep_out *o = *out = calloc(1, sizeof *o);
    if (!o) return pb_raise(PB_ENOMEM, NULL, "out of memory");
    o->g[0].grp = o->g[1].grp = H5I_INVALID_HID;
    o->nd = nd;
    o->H = shape->n_years;
    o->Q = shape->n_quantiles;
    o->start = shape->start;
    for (int i = 0; i < nd; i++) o->lead[i] = (hsize_t)dim[i].n;
    pb_status st = pb_h5_out_begin(path, &o->h5);
    if (st == PB_OK) st = pb_write_root(o->h5.file, o->h5.tmp, info);
    for (int gi = 0; gi < 2 && st == PB_OK; gi++) st = make_group(o, gi, dim, shape, info->window);
    return st;
}

/* Writes v's values for item k of s at the point `index` of dataset d. */
static bool put_var(const pb_sweep_out *o, hid_t d, const pb_var *v, int k, const int *index, const pb_summary *s)
{
    pb_dim dim[2];
    hsize_t start[MAX_RANK] = {0}, count[MAX_RANK], own_n[2], one = 1;
    for (int i = 0; i < o->nd; i++) {
        start[i] = (hsize_t)index[i];
        count[i] = 1;
    }
    int own = pb_var_dims(v, o->H, o->Q, 0, dim, own_n);
    memcpy(count + o->nd, own_n, sizeof(hsize_t) * (size_t)own);
    hid_t fs = H5Dget_space(d), ms = own ? H5Screate_simple(own, own_n, NULL) : H5Screate_simple(1, &one, NULL);
    bool ok = fs >= 0 && ms >= 0 && H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) >= 0 &&
              H5Dwrite(d, pb_type_mem(v->type), ms, fs, H5P_DEFAULT, pb_var_cdata(v, s, k)) >= 0;
    if (ms >= 0) H5Sclose(ms);
    if (fs >= 0) H5Sclose(fs);
    return ok;
}

pb_status pb_sweep_out_put(pb_sweep_out *o, const int *index, const pb_summary *s)
{
    if (s->n_years != o->H || s->n_quantiles != o->Q || s->start != o->start)
        return pb_raise(PB_EINTERNAL, NULL, "a sweep point has other years or quantile levels than the first");
    for (int gi = 0; gi < 2; gi++) {
        pb_walk w;
        int j = 0;
        for (pb_walk_start(&w, groups[gi]); pb_walk_next(&w); j++)
            if (!put_var(o, o->g[gi].dset[j], w.var, w.k, index, s)) {
                char name[96];
                pb_var_name(w.var, w.k, name, sizeof name);
                return pb_raise(PB_EIO, NULL, "cannot write /%s/%s to '%s'", groups[gi]->name, name, o->h5.tmp);
            }
    }
    return PB_OK;
}

pb_status pb_sweep_out_end(pb_sweep_out *o, pb_status st)
{
    if (!o) return st;
    for (int gi = 0; gi < 2; gi++) {
        for (int j = 0; o->g[gi].dset && j < o->g[gi].n_vars; j++)
            if (o->g[gi].dset[j] >= 0) H5Dclose(o->g[gi].dset[j]);
        free(o->g[gi].dset);
        if (o->g[gi].grp >= 0) H5Gclose(o->g[gi].grp);
    }
    st = pb_h5_out_end(&o->h5, st);
    free(o);
    return st;
}
