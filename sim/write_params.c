/* write_params.c: the drawn inputs of the stored paths, /paths/parameters
 * and /paths/yearly_parameters (interfaces.md §3), so that a user's own
 * regression or sensitivity analysis on the file works (model.md §10).
 *
 * A path's inputs depend on (scenario, seed, path index) alone (draws.h),
 * so they are drawn again here for the rows this rank writes, rather than
 * carried through the kernel, the statistics and the merge of parts.
 * Deterministic runs store the central path: every parameter at its mean. */
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>
#include <hdf5_hl.h>

#include "h5util.h"
#include "outfile.h"
#include "payback/draws.h"
#include "payback/par.h"
#include "payback/rng.h"
#include "sampler.h"

/* The factors that are parameters: per path (kind PARAM) or per year. */
typedef struct {
    int n, idx[PB_MAX_PARAMS];
} factor_list;

static void list_factors(const pb_sampler *s, pb_factor_kind kind, factor_list *l)
{
    l->n = 0;
    for (int f = 0; f < pb_sampler_n_factors(s); f++)
        if (pb_sampler_factor(s, f)->kind == kind) l->idx[l->n++] = f;
}

static double value_of(const pb_factor *f, const double *vals, int t, bool central)
{
    double x = central ? pb_param_mean(f->param) : vals[f->slot + t];
    return f->year_valued ? pb_round_year(x) : x;
}

/* The values of this rank's rows: P[i][k] and Y[i][t][k] (either may be
 * NULL when its list is empty). */
static pb_status draw_values(const pb_sampler *s, const pb_paths_part *pp, const factor_list *lp,
                             const factor_list *ly, double *P, double *Y)
{
    const pb_path_set *ps = pp->mine;
    const int H = pb_sampler_years(s);
    gsl_rng *r = pb_rng_alloc();
    pb_path_in *in = malloc(sizeof *in);
    double *vals = malloc(((size_t)pb_sampler_n_values(s) + 1) * sizeof *vals);
    pb_status st = r && in && vals ? PB_OK : pb_raise(PB_ENOMEM, NULL, "out of memory");
    for (int64_t i = 0; st == PB_OK && i < ps->n; i++) {
        if (!pp->central) st = pb_draw_path_cond(s, pp->seed, (uint64_t)ps->index[i], NULL, 0, r, in, vals);
        for (int k = 0; k < lp->n; k++)
            P[(size_t)i * (size_t)lp->n + (size_t)k] = value_of(pb_sampler_factor(s, lp->idx[k]), vals, 0, pp->central);
        for (int t = 0; t < H; t++)
            for (int k = 0; k < ly->n; k++)
                Y[((size_t)i * (size_t)H + (size_t)t) * (size_t)ly->n + (size_t)k] =
                    value_of(pb_sampler_factor(s, ly->idx[k]), vals, t, pp->central);
    }
    free(vals);
    free(in);
    pb_rng_free(r);
    return st;
}

/* A string scale `name` of the factors' dotted paths. */
static hid_t name_scale(hid_t grp, const char *name, const char *long_name, const pb_sampler *s, const factor_list *l)
{
    const char *names[PB_MAX_PARAMS];
    for (int k = 0; k < l->n; k++) names[k] = pb_sampler_factor(s, l->idx[k])->name;
    hid_t d = pb_h5_strings(grp, name, names, l->n);
    if (d >= 0 && (H5DSset_scale(d, name) < 0 || pb_h5_attr_str(d, "long_name", long_name) < 0)) {
        H5Dclose(d);
        return H5I_INVALID_HID;
    }
    return d;
}

/* One dataset [path, (year,) k] of this rank's rows, with its scales. */
static bool write_rows(hid_t grp, const char *name, const char *long_name, int rank, const hsize_t *dims,
                       const pb_paths_part *pp, const double *data, const hid_t *scales, hid_t dxpl)
{
    const pb_path_set *ps = pp->mine;
    hsize_t mdims[3] = {ps && ps->n ? (hsize_t)ps->n : 1, dims[1], rank == 3 ? dims[2] : 1};
    hid_t fs = H5Screate_simple(rank, dims, NULL), ms = H5Screate_simple(rank, mdims, NULL), d = H5I_INVALID_HID;
    bool ok = fs >= 0 && ms >= 0 && H5Sselect_none(fs) >= 0;
    /* Runs of consecutive indices, each a block of rows. */
    for (int64_t i = 0; ok && ps && i < ps->n;) {
        int64_t j = i + 1;
        while (j < ps->n && ps->index[j] == ps->index[j - 1] + 1) j++;
        hsize_t start[3] = {(hsize_t)(ps->index[i] - pp->first), 0, 0}, count[3] = {(hsize_t)(j - i), dims[1], dims[2]};
        ok = H5Sselect_hyperslab(fs, H5S_SELECT_OR, start, NULL, count, NULL) >= 0;
        i = j;
    }
    if (ok && !(ps && ps->n)) ok = H5Sselect_none(ms) >= 0;
    ok = ok && (d = H5Dcreate2(grp, name, H5T_IEEE_F64LE, fs, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)) >= 0 &&
         H5Dwrite(d, H5T_NATIVE_DOUBLE, ms, fs, dxpl, ps && ps->n ? data : NULL) >= 0 &&
         pb_h5_attr_str(d, "units", "the parameter's own (B$, years, fractions, cu per $)") >= 0 &&
         pb_h5_attr_str(d, "long_name", long_name) >= 0;
    for (int k = 0; ok && k < rank; k++) ok = H5DSattach_scale(d, scales[k], (unsigned)k) >= 0;
    if (d >= 0) H5Dclose(d);
    if (fs >= 0) H5Sclose(fs);
    if (ms >= 0) H5Sclose(ms);
    return ok;
}

pb_status pb_write_path_params(hid_t grp, const char *tmp, const pb_paths_part *pp, hid_t path_scale, hid_t year_scale,
                               hid_t dxpl)
{
    if (!pp->sc) return PB_OK;
    pb_status st;
    pb_sampler *s = pb_sampler_alloc(pp->sc, 1, &st);
    if (!s) return st;
    factor_list *lp = malloc(sizeof *lp), *ly = malloc(sizeof *ly);
    double *P = NULL, *Y = NULL;
    const int64_t n = pp->mine ? pp->mine->n : 0;
    const size_t H = (size_t)pb_sampler_years(s);
    st = lp && ly ? PB_OK : pb_raise(PB_ENOMEM, NULL, "out of memory");
    if (st == PB_OK) {
        list_factors(s, PB_FACTOR_PARAM, lp);
        list_factors(s, PB_FACTOR_YEARLY, ly);
        P = malloc(((size_t)n * (size_t)lp->n + 1) * sizeof *P);
        Y = malloc(((size_t)n * H * (size_t)ly->n + 1) * sizeof *Y);
        st = P && Y ? PB_OK : pb_raise(PB_ENOMEM, NULL, "out of memory");
    }
    if (st == PB_OK && n) st = draw_values(s, pp, lp, ly, P, Y);
    st = pb_par_agree(st);
    bool ok = true;
    if (st == PB_OK && lp->n) {
        hid_t sc = name_scale(grp, "parameter", "a per-path parameter, by its dotted path", s, lp);
        hsize_t dims[3] = {(hsize_t)pp->total, (hsize_t)lp->n, 1};
        hid_t scales[2] = {path_scale, sc};
        ok = sc >= 0 && write_rows(grp, "parameters", "drawn value of each per-path parameter", 2, dims, pp, P, scales, dxpl);
        if (sc >= 0) H5Dclose(sc);
    }
    if (st == PB_OK && ok && ly->n) {
        hid_t sc = name_scale(grp, "yearly_parameter", "a per-year parameter, by its dotted path", s, ly);
        hsize_t dims[3] = {(hsize_t)pp->total, H, (hsize_t)ly->n};
        hid_t scales[3] = {path_scale, year_scale, sc};
        ok = sc >= 0 &&
             write_rows(grp, "yearly_parameters", "drawn value of each per-year parameter in each year", 3, dims, pp, Y,
                        scales, dxpl);
        if (sc >= 0) H5Dclose(sc);
    }
    if (st == PB_OK && !ok) st = pb_raise(PB_EIO, NULL, "cannot write /paths/parameters to '%s'", tmp);
    free(P);
    free(Y);
    free(lp);
    free(ly);
    pb_sampler_free(s);
    return st;
}
