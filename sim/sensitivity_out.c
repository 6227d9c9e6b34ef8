/* sensitivity_out.c: the file of `payback sensitivity` (interfaces.md §5;
 * docs/output.md): root attributes, then one group per method that ran,
 * each with its own string coordinates `factor` (the method's factors) and
 * `output`, so that xarray opens a group and selects
 * .sel(factor="revenue.growth.long_run", output="npv").  Arrays are
 * (factor, output), row-major (sensitivity.h).  A method with no factor
 * (a tornado of a scenario whose only factors are shocks) has no group. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>
#include <hdf5_hl.h>

#include "h5util.h"
#include "outfile.h"
#include "payback/sensitivity.h"

typedef struct {
    hid_t grp, factor, output;   /* the group and its two scales */
    int nf, nk;
    const char *y_units;         /* the outputs' units, one string */
} group;

/* A string dimension scale of n names, with its long_name. */
static hid_t string_scale(hid_t grp, const char *name, const char *const *v, int n, const char *long_name)
{
    hid_t d = pb_h5_strings(grp, name, v, n);
    if (d >= 0 && (H5DSset_scale(d, name) < 0 || pb_h5_attr_str(d, "long_name", long_name) < 0)) {
        H5Dclose(d);
        return H5I_INVALID_HID;
    }
    return d;
}

/* A dataset of (factor, output) values (rank 2) or of output values (rank
 * 1), native type mtype stored as ftype, with units and long_name. */
static bool var(const group *g, int rank, const char *name, hid_t ftype, hid_t mtype, const void *v, const char *units,
                const char *long_name)
{
    hsize_t dims[2] = {(hsize_t)(rank == 2 ? g->nf : g->nk), (hsize_t)g->nk};
    hid_t space = H5Screate_simple(rank, dims, NULL), d = H5I_INVALID_HID;
    bool ok = space >= 0 &&
              (d = H5Dcreate2(g->grp, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)) >= 0 &&
              H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0 && pb_h5_attr_str(d, "units", units) >= 0 &&
              pb_h5_attr_str(d, "long_name", long_name) >= 0;
    if (ok && rank == 2) ok = H5DSattach_scale(d, g->factor, 0) >= 0 && H5DSattach_scale(d, g->output, 1) >= 0;
    if (ok && rank == 1) ok = H5DSattach_scale(d, g->output, 0) >= 0;
    if (d >= 0) H5Dclose(d);
    if (space >= 0) H5Sclose(space);
    return ok;
}

static bool var2(const group *g, const char *name, const double *v, const char *units, const char *long_name)
{
    return var(g, 2, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, v, units, long_name);
}

static bool var1(const group *g, const char *name, const double *v, const char *units, const char *long_name)
{
    return var(g, 1, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, v, units, long_name);
}

static bool count1(const group *g, const char *name, const int64_t *v, const char *long_name)
{
    return var(g, 1, name, H5T_STD_I64LE, H5T_NATIVE_INT64, v, "1", long_name);
}

static void group_close(group *g)
{
    if (g->factor >= 0) H5Dclose(g->factor);
    if (g->output >= 0) H5Dclose(g->output);
    if (g->grp >= 0) H5Gclose(g->grp);
}

/* Creates group `name` with the scales of factors idx[nf] (NULL: all). */
static bool group_open(group *g, hid_t file, const char *name, const char *long_name, const pb_sens_result *r,
                       const pb_sens_opts *o, const int *idx, int nf, const char *y_units)
{
    *g = (group){H5I_INVALID_HID, H5I_INVALID_HID, H5I_INVALID_HID, nf, o->n_out, y_units};
    const char **fn = malloc((size_t)(nf + 1) * sizeof *fn), **on = malloc((size_t)(o->n_out + 1) * sizeof *on);
    bool ok = fn && on;
    for (int i = 0; ok && i < nf; i++) fn[i] = r->names[idx ? idx[i] : i];
    for (int k = 0; ok && k < o->n_out; k++) on[k] = o->out[k].text;
    hid_t gcpl = ok ? pb_h5_tracked_gcpl() : H5I_INVALID_HID;
    ok = ok && gcpl >= 0 && (g->grp = H5Gcreate2(file, name, H5P_DEFAULT, gcpl, H5P_DEFAULT)) >= 0 &&
         pb_h5_attr_str(g->grp, "long_name", long_name) >= 0 &&
         (g->factor = string_scale(g->grp, "factor", fn, nf, "factor: a parameter's dotted path, revenue.shocks or "
                                   "revenue.regime (model.md §10)")) >= 0 &&
         (g->output = string_scale(g->grp, "output", on, o->n_out, "output Y: a metric, or a series at a year")) >= 0;
    if (gcpl >= 0) H5Pclose(gcpl);
    free(fn), free(on);
    return ok;
}

static bool write_tornado(hid_t file, const pb_sens_result *r, const pb_sens_opts *o, const char *yu)
{
    group g;
    bool ok = group_open(&g, file, "tornado", "tornado: Y on the central path with one parameter at its 10 % and 90 % "
                         "quantiles, the others at their means (model.md §10.4)", r, o, r->tf, r->nt, yu);
    hsize_t n = (hsize_t)r->nt;
    hid_t sp = ok ? H5Screate_simple(1, &n, NULL) : H5I_INVALID_HID;
    const struct { const char *name; const double *v; const char *ln; } q[2] = {
        {"low", r->t_low, "the factor's 10 % quantile (years rounded)"},
        {"high", r->t_high, "the factor's 90 % quantile (years rounded)"}};
    for (int i = 0; ok && i < 2; i++) {
        hid_t d = H5Dcreate2(g.grp, q[i].name, H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        ok = d >= 0 && H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, q[i].v) >= 0 &&
             pb_h5_attr_str(d, "units", "as the factor's parameter") >= 0 &&
             pb_h5_attr_str(d, "long_name", q[i].ln) >= 0 && H5DSattach_scale(d, g.factor, 0) >= 0;
        if (d >= 0) H5Dclose(d);
    }
    if (sp >= 0) H5Sclose(sp);
    ok = ok && var2(&g, "y_low", r->y_low, yu, "Y with the factor at its 10 % quantile (+inf: never)") &&
         var2(&g, "y_high", r->y_high, yu, "Y with the factor at its 90 % quantile (+inf: never)") &&
         var2(&g, "swing", r->swing, yu, "swing |y_high - y_low|");
    group_close(&g);
    return ok;
}

static bool write_rank(hid_t file, const pb_sens_result *r, const pb_sens_opts *o, const char *yu)
{
    group g;
    bool ok = group_open(&g, file, "rank", "Spearman rank correlation of each per-path parameter's draws with Y over "
                         "the run's paths (model.md §10.4)", r, o, r->rf, r->nr, yu) &&
              var2(&g, "rho", r->rho, "1", "Spearman rho (average ranks on ties)") &&
              var2(&g, "rho_lo", r->rho_lo, "1", "lower end of rho's 95 % interval (Fisher z)") &&
              var2(&g, "rho_hi", r->rho_hi, "1", "upper end of rho's 95 % interval (Fisher z)") &&
              count1(&g, "n_used", r->r_used, "paths used (Y finite, or never for a year metric)") &&
              count1(&g, "nonfinite", r->r_nonfinite, "paths left out: Y not finite");
    group_close(&g);
    return ok;
}

static bool write_sobol(hid_t file, const pb_sens_result *r, const pb_sens_opts *o, const char *yu, const char *vu)
{
    group g;
    bool ok = group_open(&g, file, "sobol", "Sobol indices of independent factors: Saltelli (2010) S_i, Jansen S_Ti, "
                         "bootstrap intervals (model.md §10.4)", r, o, NULL, r->n_factors, yu) &&
              var2(&g, "S", r->s, "1", "first-order index S_i") &&
              var2(&g, "S_lo", r->s_lo, "1", "lower end of S_i's 95 % bootstrap interval") &&
              var2(&g, "S_hi", r->s_hi, "1", "upper end of S_i's 95 % bootstrap interval") &&
              var2(&g, "ST", r->st, "1", "total index S_Ti") &&
              var2(&g, "ST_lo", r->st_lo, "1", "lower end of S_Ti's 95 % bootstrap interval") &&
              var2(&g, "ST_hi", r->st_hi, "1", "upper end of S_Ti's 95 % bootstrap interval") &&
              var1(&g, "var_y", r->s_var, vu, "Var Y over the base pairs A and B") &&
              var1(&g, "var_top_share", r->var_top, "1", "share of Var Y's sum of squares held by the 10 samples "
                   "farthest from the mean (near 1: the indices rest on a few paths)") &&
              count1(&g, "n_used", r->s_used, "base pairs used (all d + 2 values of Y finite)") &&
              count1(&g, "nonfinite", r->s_nonfinite, "base pairs left out: some Y not finite");
    group_close(&g);
    return ok;
}

static bool write_shapley(hid_t file, const pb_sens_result *r, const pb_sens_opts *o, const char *yu, const char *vu)
{
    group g;
    int exact = r->sh_exact;
    bool ok = group_open(&g, file, "shapley", "Shapley effects as shares of Var Y, conditional draws from the "
                         "Gaussian copula (Song, Nelson & Staum 2016; model.md §10.4)", r, o, NULL, r->n_factors, yu) &&
              var2(&g, "share", r->sh, "1", "Shapley effect Sh_i / Var Y") &&
              var2(&g, "share_lo", r->sh_lo, "1", "lower end of the share's 95 % bootstrap interval") &&
              var2(&g, "share_hi", r->sh_hi, "1", "upper end of the share's 95 % bootstrap interval") &&
              var1(&g, "var_y", r->sh_var, vu, "Var Y over N_v independent paths") &&
              var1(&g, "var_top_share", r->var_top, "1", "share of Var Y's sum of squares held by the 10 samples "
                   "farthest from the mean (near 1: the shares rest on a few paths)") &&
              pb_h5_attr_num(g.grp, "exact", H5T_STD_I32LE, H5T_NATIVE_INT, 1, &exact) >= 0 &&
              pb_h5_attr_count(g.grp, "n_outer", r->sh_outer) >= 0 &&
              pb_h5_attr_count(g.grp, "paths", r->sh_evals) >= 0;
    group_close(&g);
    return ok;
}

/* "billion USD (npv); billion USD per year (gap_full_cost@2030)", and the
 * same squared. */
static void units_text(const pb_sens_opts *o, char *yu, char *vu, size_t len)
{
    yu[0] = vu[0] = 0;
    for (int k = 0; k < o->n_out; k++) {
        const char *u = pb_output_units(&o->out[k]);
        snprintf(yu + strlen(yu), len - strlen(yu), "%s%s (%s)", k ? "; " : "", u, o->out[k].text);
        snprintf(vu + strlen(vu), len - strlen(vu), "%s(%s)^2 (%s)", k ? "; " : "", u, o->out[k].text);
    }
}

static const char *methods_text(unsigned m, char *buf, size_t len)
{
    static const char *const names[] = {"tornado", "rank", "sobol", "shapley"};
    buf[0] = 0;
    for (int i = 0; i < 4; i++)
        if (m & (1u << i)) snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", buf[0] ? "," : "", names[i]);
    return buf;
}

pb_status pb_sens_write(const char *path, const pb_run_info *info, const pb_sens_opts *o, const pb_sens_result *r)
{
    pb_h5_out out;
    char yu[1024], vu[1024], mt[64];
    units_text(o, yu, vu, sizeof yu);
    pb_status st = pb_h5_out_begin(path, &out);
    if (st == PB_OK) st = pb_write_root(out.file, out.tmp, info);
    if (st == PB_OK) {
        const hid_t f = out.file;
        bool ok = pb_h5_attr_str(f, "methods", methods_text(o->methods, mt, sizeof mt)) >= 0 &&
                  pb_h5_attr_count(f, "n_base", o->n) >= 0 && pb_h5_attr_count(f, "orders", o->orders) >= 0;
        if (ok && (o->methods & PB_SENS_TORNADO) && r->nt > 0) ok = write_tornado(f, r, o, yu);
        if (ok && (o->methods & PB_SENS_RANK) && r->nr > 0) ok = write_rank(f, r, o, yu);
        if (ok && (o->methods & PB_SENS_SOBOL)) ok = write_sobol(f, r, o, yu, vu);
        if (ok && (o->methods & PB_SENS_SHAPLEY)) ok = write_shapley(f, r, o, yu, vu);
        if (!ok) st = pb_raise(PB_EIO, NULL, "cannot write the sensitivity groups to '%s'", out.tmp);
    }
    return pb_h5_out_end(&out, st);
}
