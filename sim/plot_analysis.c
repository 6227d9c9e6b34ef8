/* plot_analysis.c: the kinds of the analysis commands' files (plot.h):
 * tornado and indices (sensitivity), sweep, diff (compare).
 *
 * Factors are drawn sorted by importance, the first MAX_FACTORS of them
 * (the table that `sensitivity` prints has them all). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5_hl.h>

#include "h5util.h"
#include "payback/sensitivity.h"
#include "plot.h"

#define MAX_FACTORS 15
#define MAX_OUTPUTS 4

static void style(pb_gp *g)
{
    pb_gp_printf(g, "reset\nset grid lc rgb '#dddddd' lw 1\nset border 3\nset tics nomirror out\n"
                    "set key noautotitle\n");
}

static void page(pb_gp *g, const pb_plot_file *f, int rows, int cols, const char *what)
{
    pb_gp_printf(g, "set multiplot layout %d,%d title ", rows, cols);
    pb_plot_title(g, f, what);
    pb_gp_printf(g, " font ',18'\n");
}

/* The unit of output `out` in a group's combined units attribute
 * ("billion USD (npv); billion USD per year (gap_full_cost@2030)"). */
static void output_units(hid_t grp, const char *ds, const char *out, char *buf, size_t len)
{
    char all[512], key[160];
    pb_plot_units(grp, ds, all, sizeof all);
    snprintf(key, sizeof key, " (%s)", out);
    buf[0] = 0;
    for (char *p = all, *end; p && *p; p = end ? end + 2 : NULL) {
        end = strstr(p, "; ");
        if (end) *end = 0;
        char *k = strstr(p, key);
        if (k && k[strlen(key)] == 0) {
            *k = 0;
            const char *u = !strcmp(p, "billion USD per year") ? "B$/yr" : !strcmp(p, "billion USD") ? "B$"
                          : !strcmp(p, "calendar year") ? "year" : p;
            size_t n = strlen(u) < len ? strlen(u) : len - 1;
            memcpy(buf, u, n);
            buf[n] = 0;
            return;
        }
    }
}

/* Factor order by key[i * n_out + o], largest first (NaN last). */
static const double *sort_key;
static int sort_stride, sort_col;
static int by_key(const void *a, const void *b)
{
    double x = sort_key[*(const int *)a * sort_stride + sort_col], y = sort_key[*(const int *)b * sort_stride + sort_col];
    /* By size: a large negative share (Shapley estimates can be, on
     * heavy tails) is shown, not dropped as "small". */
    x = isnan(x) ? -INFINITY : fabs(x);
    y = isnan(y) ? -INFINITY : fabs(y);
    return (x < y) - (x > y);
}
static int top_factors(const double *key, int n_f, int n_out, int o, int *order)
{
    for (int i = 0; i < n_f; i++) order[i] = i;
    sort_key = key;
    sort_stride = n_out;
    sort_col = o;
    qsort(order, (size_t)n_f, sizeof *order, by_key);
    return n_f < MAX_FACTORS ? n_f : MAX_FACTORS;
}

/* A sensitivity group's factors and outputs (strings), with counts. */
typedef struct {
    hid_t grp;
    const char *name;
    char **factor, **output;
    int n_f, n_out;
} sens_group;

static pb_status sens_open(const pb_plot_file *f, const char *name, sens_group *s)
{
    memset(s, 0, sizeof *s);
    s->name = name;
    s->grp = pb_plot_has(f->file, name) ? H5Gopen2(f->file, name, H5P_DEFAULT) : H5I_INVALID_HID;
    if (s->grp < 0) return pb_raise(PB_EUSAGE, NULL, "'%s' has no /%s group (the sensitivity was run without "
                                    "--method %s)", f->path, name, name);
    hssize_t nf = pb_h5_rows(s->grp, "factor"), no = pb_h5_rows(s->grp, "output");
    if (nf < 1 || nf > 100000 || no < 1 || no > 64)
        return pb_raise(PB_EINPUT, NULL, "'%s': /%s/factor and /%s/output are missing or empty", f->path, name, name);
    s->n_f = (int)nf;
    s->n_out = (int)no;
    if (!(s->factor = pb_plot_strings(f, s->grp, name, "factor", s->n_f)) ||
        !(s->output = pb_plot_strings(f, s->grp, name, "output", s->n_out)))
        return PB_EINPUT;
    return PB_OK;
}

static void sens_close(sens_group *s)
{
    pb_plot_free_strings(s->factor, s->n_f);
    pb_plot_free_strings(s->output, s->n_out);
    if (s->grp >= 0) H5Gclose(s->grp);
    memset(s, 0, sizeof *s);
}

/* Reads (factor, output) arrays names[k] of s into v[k]; PB_OK or raised. */
static pb_status sens_read(const pb_plot_file *f, const sens_group *s, const char *const *names, int n, double **v)
{
    hsize_t dims[2] = {(hsize_t)s->n_f, (hsize_t)s->n_out};
    for (int k = 0; k < n; k++)
        if (!(v[k] = pb_plot_read(f, s->grp, s->name, names[k], 2, dims))) return PB_EINPUT;
    return PB_OK;
}

/* One full-width panel per output, one above the other: the factor
 * names take the left of each. */
static void layout_for(int n_out, int *rows, int *cols)
{
    *cols = 1;
    *rows = n_out;
}

/* The range of v[order[r] * stride + o] over the first n ranks, for the
 * tics. */
static void range_of(const double *v, const int *order, int n, int stride, int o, double *lo, double *hi)
{
    for (int r = 0; r < n; r++) {
        double x = v[order[r] * stride + o];
        if (isfinite(x) && x < *lo) *lo = x;
        if (isfinite(x) && x > *hi) *hi = x;
    }
}

/* ---- tornado ---------------------------------------------------------- */

pb_status pb_plot_tornado(pb_gp *g, const pb_plot_file *f, bool inner)
{
    (void)inner;
    sens_group s;
    double *v[3] = {0};
    static const char *const names[3] = {"y_low", "y_high", "swing"};
    pb_status st = sens_open(f, "tornado", &s);
    if (st == PB_OK) st = sens_read(f, &s, names, 3, v);
    int *order = st == PB_OK ? malloc((size_t)s.n_f * sizeof *order) : NULL;
    if (st == PB_OK && !order) st = pb_raise(PB_ENOMEM, NULL, "out of memory");
    int n_out = s.n_out < MAX_OUTPUTS ? s.n_out : MAX_OUTPUTS, rows, cols;
    layout_for(n_out, &rows, &cols);
    if (st == PB_OK) page(g, f, rows, cols, "tornado: each factor from its p10 to its p90, the others central");
    for (int o = 0; st == PB_OK && o < n_out; o++) {
        int n = top_factors(v[2], s.n_f, s.n_out, o, order);
        char block[16], units[64];
        snprintf(block, sizeof block, "t%d", o);
        pb_gp_data(g, block);
        for (int r = 0; r < n; r++) {
            int i = order[r];
            double lo = v[0][i * s.n_out + o], hi = v[1][i * s.n_out + o];
            pb_gp_num(g, n - r);
            pb_gp_num(g, lo);
            pb_gp_num(g, hi);
            pb_gp_num(g, (lo + hi) / 2);
            pb_gp_num(g, fabs(hi - lo) / 2);
            pb_gp_text(g, s.factor[i]);
            pb_gp_eol(g);
        }
        pb_gp_end_data(g);
        output_units(s.grp, "y_low", s.output[o], units, sizeof units);
        style(g);
        double lo = INFINITY, hi = -INFINITY;
        range_of(v[0], order, n, s.n_out, o, &lo, &hi);
        range_of(v[1], order, n, s.n_out, o, &lo, &hi);
        if (!(lo <= hi)) {
            pb_gp_printf(g, "set title ");
            pb_gp_str(g, s.output[o]);
            pb_gp_printf(g, "\n");
            pb_plot_empty(g, "no finite value (never within the horizon)");
            continue;
        }
        pb_plot_tics(g, "x", lo, hi, 8);
        pb_gp_printf(g, "set title ");
        pb_gp_str(g, s.output[o]);
        pb_gp_printf(g, "\nset xlabel ");
        char xl[160];
        snprintf(xl, sizeof xl, "%s on the central path (%s)", s.output[o], units[0] ? units : "1");
        pb_gp_str(g, xl);
        pb_gp_printf(g, "\nset yrange [0.3:%d.7]\nset ytics font ',11'\nset grid noytics\nset key outside right top "
                        "vertical font ',12'\nset style fill solid 1 noborder\nplot $%s using 4:1:5:(0.35) with "
                        "boxxyerror fc rgb '#9ecae1', '' using 2:1:ytic(6) with points pt 7 ps 1.4 lc rgb '#0072B2' "
                        "title 'factor at its p10', '' using 3:1 with points pt 5 ps 1.4 lc rgb '#D55E00' title "
                        "'factor at its p90'\n", n, block);
    }
    if (st == PB_OK) pb_gp_printf(g, "unset multiplot\n");
    for (int k = 0; k < 3; k++) free(v[k]);
    free(order);
    sens_close(&s);
    return st;
}

/* ---- indices ---------------------------------------------------------- */

/* One output's panel of Sobol (S, ST) or Shapley (share) indices. */
static void indices_panel(pb_gp *g, const sens_group *s, double *const *v, bool sobol, int o, int *order,
                          const double *top)
{
    int n = top_factors(sobol ? v[3] : v[0], s->n_f, s->n_out, o, order);
    char block[16];
    snprintf(block, sizeof block, "i%d", o);
    pb_gp_data(g, block);
    for (int r = 0; r < n; r++) {
        int i = order[r], at = i * s->n_out + o;
        pb_gp_num(g, n - r);
        for (int k = 0; k < (sobol ? 6 : 3); k++) pb_gp_num(g, v[k][at]);
        pb_gp_text(g, s->factor[i]);
        pb_gp_eol(g);
    }
    pb_gp_end_data(g);
    style(g);
    double lo = 0, hi = 0;
    range_of(v[sobol ? 4 : 1], order, n, s->n_out, o, &lo, &hi);
    range_of(v[sobol ? 5 : 2], order, n, s->n_out, o, &lo, &hi);
    pb_plot_tics(g, "x", lo, hi, 8);
    /* Shares that rest on a few extreme paths are flagged as the table
     * flags them (sensitivity.h, PB_SENS_TOP_WARN): a share of 20 is not a
     * finding. */
    char title[512];
    if (top && top[o] > PB_SENS_TOP_WARN)
        snprintf(title, sizeof title, "%s: unreliable, %.0f%% of Var Y's sum of squares is in the %d most extreme "
                 "paths (heavy tails; more paths or another output)", s->output[o], 100 * top[o], PB_SENS_TOP);
    else snprintf(title, sizeof title, "%s", s->output[o]);
    pb_gp_printf(g, "set title ");
    pb_gp_str(g, title);
    pb_gp_printf(g, "\nset xlabel '%s (share of Var Y; 95%% interval)'\nset yrange [0.3:%d.7]\nset xrange [*:*]\n"
                    "set ytics font ',11'\nset grid noytics\nset key outside right top vertical font ',12'\n"
                    "set style fill solid 0.7 noborder\nplot ", sobol ? "Sobol index" : "Shapley effect", n);
    if (sobol)
        pb_gp_printf(g, "$%s using ($5/2):1:($5/2):(0.38):ytic(8) with boxxyerror fc rgb '#c6dbef' title 'total S_T', "
                        "'' using ($2/2):1:($2/2):(0.2) with boxxyerror fc rgb '#2171b5' title 'first-order S', "
                        "'' using 5:1:6:7 with xerrorbars pt 0 lc rgb '#6baed6' lw 1.5, '' using 2:1:3:4 with "
                        "xerrorbars pt 0 lc rgb '#08306b' lw 1.5\n", block);
    else
        pb_gp_printf(g, "$%s using ($2/2):1:($2/2):(0.3):ytic(5) with boxxyerror fc rgb '#2171b5' title 'Shapley "
                        "share', '' using 2:1:3:4 with xerrorbars pt 0 lc rgb '#08306b' lw 1.5\n", block);
}

pb_status pb_plot_indices(pb_gp *g, const pb_plot_file *f, bool inner)
{
    (void)inner;
    bool sobol = pb_plot_has(f->file, "sobol");
    if (!sobol && !pb_plot_has(f->file, "shapley"))
        return pb_raise(PB_EUSAGE, NULL, "'%s' has neither /sobol nor /shapley (the sensitivity ran without them); "
                        "expected --kind tornado", f->path);
    static const char *const sn[6] = {"S", "S_lo", "S_hi", "ST", "ST_lo", "ST_hi"};
    static const char *const hn[3] = {"share", "share_lo", "share_hi"};
    sens_group s;
    double *v[6] = {0};
    pb_status st = sens_open(f, sobol ? "sobol" : "shapley", &s);
    if (st == PB_OK) st = sens_read(f, &s, sobol ? sn : hn, sobol ? 6 : 3, v);
    double *top = NULL; /* Shapley's var_top_share, when the file has it */
    hsize_t no = (hsize_t)s.n_out;
    if (st == PB_OK && !sobol && H5Lexists(s.grp, "var_top_share", H5P_DEFAULT) > 0 &&
        !(top = pb_plot_read(f, s.grp, s.name, "var_top_share", 1, &no)))
        st = PB_EINPUT;
    int *order = st == PB_OK ? malloc((size_t)s.n_f * sizeof *order) : NULL;
    if (st == PB_OK && !order) st = pb_raise(PB_ENOMEM, NULL, "out of memory");
    int n_out = s.n_out < MAX_OUTPUTS ? s.n_out : MAX_OUTPUTS, rows, cols;
    layout_for(n_out, &rows, &cols);
    if (st == PB_OK) {
        page(g, f, rows, cols, sobol ? "Sobol indices (first-order and total)" : "Shapley effects");
        for (int o = 0; o < n_out; o++) indices_panel(g, &s, v, sobol, o, order, top);
        pb_gp_printf(g, "unset multiplot\n");
    }
    for (int k = 0; k < 6; k++) free(v[k]);
    free(top);
    free(order);
    sens_close(&s);
    return st;
}

/* ---- sweep ------------------------------------------------------------ */

/* The varied parameters of a sweep: the dimensions in front of a
 * metric's quantile dimension, each named by its scale. */
typedef struct {
    int n_dims;
    hsize_t dims[H5S_MAX_RANK];
    char name[H5S_MAX_RANK][128];
    double *x;                 /* the first parameter's values */
    int n_q, n_years, year0;
    double q[PB_MAX_QUANTILES + 3];
} sweep_axes;

static herr_t scale_name(hid_t did, unsigned dim, hid_t dsid, void *data)
{
    (void)did;
    (void)dim;
    char *buf = data;
    if (H5DSget_scale_name(dsid, buf, 128) <= 0) H5Iget_name(dsid, buf, 128);
    return 1;
}

static pb_status sweep_axes_read(const pb_plot_file *f, sweep_axes *a)
{
    memset(a, 0, sizeof *a);
    pb_h5_shape sh, qs, ys;
    if (!pb_h5_ds_shape(f->metrics, "npv_q", &sh) || sh.rank < 2 || !pb_h5_ds_shape(f->metrics, "quantile", &qs) ||
        qs.rank != 1 || qs.n < 1 || qs.n > PB_MAX_QUANTILES + 3 || (hssize_t)sh.dims[sh.rank - 1] != qs.n ||
        !pb_h5_ds_shape(f->summary, "year", &ys) || ys.rank != 1 || ys.n < 1 || ys.n > PB_MAX_YEARS)
        return pb_raise(PB_EINPUT, NULL, "'%s': /metrics/npv_q, /metrics/quantile or /summary/year is missing or "
                        "has another shape than a sweep's", f->path);
    a->n_dims = sh.rank - 1;
    a->n_q = (int)qs.n;
    a->n_years = (int)ys.n;
    memcpy(a->dims, sh.dims, sizeof a->dims);
    hid_t d = H5Dopen2(f->metrics, "npv_q", H5P_DEFAULT);
    for (int k = 0; k < a->n_dims; k++) {
        snprintf(a->name[k], sizeof a->name[k], "parameter %d", k + 1);
        if (d >= 0) H5DSiterate_scales(d, (unsigned)k, NULL, scale_name, a->name[k]);
        char *slash = strrchr(a->name[k], '/');
        if (slash) memmove(a->name[k], slash + 1, strlen(slash));
    }
    if (d >= 0) H5Dclose(d);
    int y0[PB_MAX_YEARS];
    if (!pb_h5_read_ds(f->metrics, "quantile", H5T_NATIVE_DOUBLE, a->q, a->n_q) ||
        !pb_h5_read_ds(f->summary, "year", H5T_NATIVE_INT, y0, a->n_years))
        return pb_raise(PB_EINPUT, NULL, "'%s': cannot read the sweep's scales", f->path);
    a->year0 = y0[0];
    hsize_t n0[1] = {a->dims[0]};
    a->x = pb_plot_read(f, f->metrics, "metrics", a->name[0], 1, n0);
    return a->x ? PB_OK : PB_EINPUT;
}

/* Reads dataset name of grp shaped (sweep dims..., tail[nt]). */
static double *sweep_read(const pb_plot_file *f, const sweep_axes *a, hid_t grp, const char *gname, const char *name,
                          int nt, const hsize_t *tail)
{
    hsize_t dims[H5S_MAX_RANK];
    memcpy(dims, a->dims, (size_t)a->n_dims * sizeof *dims);
    for (int i = 0; i < nt; i++) dims[a->n_dims + i] = tail[i];
    return pb_plot_read(f, grp, gname, name, a->n_dims + nt, dims);
}

/* The stride of the first sweep dimension in an array with `inner`
 * values per point (the other parameters held at their first value). */
static size_t sweep_stride(const sweep_axes *a, size_t inner)
{
    size_t s = inner;
    for (int k = 1; k < a->n_dims; k++) s *= a->dims[k];
    return s;
}

static pb_status sweep_data(pb_gp *g, const pb_plot_file *f, const sweep_axes *a, int ty)
{
    hsize_t q1[1] = {(hsize_t)a->n_q}, y1[1] = {(hsize_t)a->n_years};
    double *npv = sweep_read(f, a, f->metrics, "metrics", "npv_q", 1, q1), *p[PB_PLOT_METHODS][3] = {{0}};
    double *hist = sweep_read(f, a, f->metrics, "metrics", "payback_year_hist", 1, y1);
    double *never = sweep_read(f, a, f->metrics, "metrics", "payback_year_never", 0, NULL);
    pb_status st = npv && hist && never ? PB_OK : PB_EINPUT;
    static const char *const suf[3] = {"", "_lo", "_hi"};
    for (int m = 0; st == PB_OK && m < PB_PLOT_METHODS; m++)
        for (int k = 0; st == PB_OK && k < 3; k++) {
            char name[64];
            snprintf(name, sizeof name, "p_gap_closed_%s%s", pb_plot_methods[m], suf[k]);
            if (!(p[m][k] = sweep_read(f, a, f->summary, "summary", name, 1, y1))) st = PB_EINPUT;
        }
    if (st == PB_OK) {
        size_t sq = sweep_stride(a, (size_t)a->n_q), sy = sweep_stride(a, (size_t)a->n_years), s1 = sweep_stride(a, 1);
        pb_gp_data(g, "sw");
        for (hsize_t i = 0; i < a->dims[0]; i++) {
            pb_gp_num(g, a->x[i]);
            for (int j = 0; j < a->n_q; j++) pb_gp_num(g, npv[i * sq + (size_t)j]);
            for (int m = 0; m < PB_PLOT_METHODS; m++)
                for (int k = 0; k < 3; k++) pb_gp_num(g, 100 * p[m][k][i * sy + (size_t)ty]);
            double by = 0;
            for (int t = 0; t < a->n_years; t++) by += hist[i * sy + (size_t)t];
            pb_gp_num(g, by + never[i * s1] > 0 ? 100 * by / (by + never[i * s1]) : NAN);
            pb_gp_eol(g);
        }
        pb_gp_end_data(g);
    }
    free(npv);
    free(hist);
    free(never);
    for (int m = 0; m < PB_PLOT_METHODS; m++)
        for (int k = 0; k < 3; k++) free(p[m][k]);
    return st;
}

static void sweep_panels(pb_gp *g, const sweep_axes *a, const char *npv_units, int ty_year, int last_year)
{
    int Q = a->n_q, nb = Q / 2, med = -1;
    for (int j = 0; j < Q; j++)
        if (fabs(a->q[j] - 0.5) < 1e-9) med = j;
    style(g);
    pb_gp_printf(g, "set title 'NPV'\nset xlabel ");
    pb_gp_str(g, a->name[0]);
    pb_gp_printf(g, "\nset ylabel 'NPV (%s)'\nset key below horizontal Left reverse samplen 2 height 1 font ',12'\nplot ", npv_units);
    for (int b = 0; b < nb; b++) {
        char col[16];
        pb_plot_shade(col, sizeof col, nb > 1 ? 0.15 + 0.6 * b / (nb - 1) : 0.5);
        pb_gp_printf(g, "$sw using 1:%d:%d with filledcurves fc rgb '%s' fs solid 1 noborder title 'p%g–p%g', ",
                     2 + b, 1 + Q - b, col, 100 * a->q[b], 100 * a->q[Q - 1 - b]);
    }
    pb_gp_printf(g, "0 with lines dt 2 lc rgb '#444444'");
    if (med >= 0) pb_gp_printf(g, ", $sw using 1:%d with linespoints pt 7 lw 2.5 lc rgb '#08306b' title 'median'", 2 + med);
    pb_gp_printf(g, "\n");
    style(g);
    pb_gp_printf(g, "set title 'P(gap ≤ 0) in %d'\nset xlabel ", ty_year);
    pb_gp_str(g, a->name[0]);
    pb_gp_printf(g, "\nset ylabel 'P(gap ≤ 0) (%% of paths; 95%% Wilson band)'\nset yrange [0:105]\nset key below "
                    "horizontal Left reverse samplen 2 height 1 font ',12'\nset style fill transparent solid 0.22 noborder\nplot ");
    for (int m = 0; m < PB_PLOT_METHODS; m++)
        pb_gp_printf(g, "$sw using 1:%d:%d with filledcurves fc rgb '%s', $sw using 1:%d with linespoints pt 7 lw 2.5 "
                        "lc rgb '%s' title '%s'%s", 3 + Q + 3 * m, 4 + Q + 3 * m, pb_plot_method_colors[m],
                     2 + Q + 3 * m, pb_plot_method_colors[m], pb_plot_method_names[m], m < 3 ? ", " : "\n");
    style(g);
    pb_gp_printf(g, "set title 'P(payback by %d)'\nset xlabel ", last_year);
    pb_gp_str(g, a->name[0]);
    pb_gp_printf(g, "\nset ylabel 'paths with cumulative cash flow ≥ 0 (%%)'\nset yrange [0:105]\nplot $sw using 1:%d "
                    "with linespoints pt 7 lw 2.5 lc rgb '#000000'\n", 2 + Q + 3 * PB_PLOT_METHODS);
}

pb_status pb_plot_sweep(pb_gp *g, const pb_plot_file *f, bool inner)
{
    (void)inner;
    sweep_axes a;
    pb_status st = sweep_axes_read(f, &a);
    int ty = 0;
    if (st == PB_OK && f->n_targets > 0) ty = f->target_years[0] - a.year0;
    if (ty < 0 || ty >= a.n_years) ty = a.n_years - 1;
    if (st == PB_OK) st = sweep_data(g, f, &a, ty);
    if (st == PB_OK) {
        char what[512], units[32];
        if (a.n_dims > 1) {
            snprintf(what, sizeof what, "sweep over %s (", a.name[0]);
            for (int k = 1; k < a.n_dims; k++)
                snprintf(what + strlen(what), sizeof what - strlen(what), "%s%s at its first value", k > 1 ? ", " : "",
                         a.name[k]);
            strncat(what, ")", sizeof what - strlen(what) - 1);
        } else {
            snprintf(what, sizeof what, "sweep over %s", a.name[0]);
        }
        pb_plot_units(f->metrics, "npv_q", units, sizeof units);
        page(g, f, 1, 3, what);
        sweep_panels(g, &a, units, a.year0 + ty, a.year0 + a.n_years - 1);
        pb_gp_printf(g, "unset multiplot\n");
    }
    free(a.x);
    return st;
}

/* ---- diff ------------------------------------------------------------- */

/* The outputs of the diff page: metrics of /diff/metrics, and the
 * full-cost gap in the first target year from /diff/summary. */
#define N_DIFF 6
static const char *const diff_names[N_DIFF] = {"npv", "peak_burn", "levelised_required_full_cost",
                                               "understated_depreciation", "payback_year", "gap_full_cost"};

/* One panel: Δ's quantile function as a CDF (x: Δ at level q, y: q), with
 * each quantile's 95 % interval as a horizontal bar. */
static pb_status diff_panel(pb_gp *g, const pb_plot_file *f, int k, int ty)
{
    bool series = k == N_DIFF - 1;
    hid_t grp = series ? f->summary : f->metrics;
    const char *gname = series ? "diff/summary" : "diff/metrics";
    const char *suf[3] = {"_q", "_q_lo", "_q_hi"};
    double *v[3] = {0}, pp[2] = {NAN, NAN};
    hsize_t d1[1] = {(hsize_t)f->n_q}, d2[2] = {(hsize_t)f->n_years, (hsize_t)f->n_q}, dy[1] = {(hsize_t)f->n_years};
    pb_status st = PB_OK;
    char name[96];
    for (int i = 0; st == PB_OK && i < 3; i++) {
        snprintf(name, sizeof name, "%s%s", diff_names[k], suf[i]);
        if (!(v[i] = pb_plot_read(f, grp, gname, name, series ? 2 : 1, series ? d2 : d1))) st = PB_EINPUT;
    }
    for (int i = 0; st == PB_OK && i < 2; i++) {
        snprintf(name, sizeof name, "%s_p_%s", diff_names[k], i ? "negative" : "positive");
        double *p = series ? pb_plot_read(f, grp, gname, name, 1, dy) : NULL;
        if (series) pp[i] = p ? p[ty] : NAN;
        else st = pb_plot_scalar(f, grp, gname, name, &pp[i]);
        if (series && !p) st = PB_EINPUT;
        free(p);
    }
    if (st == PB_OK) {
        size_t off = series ? (size_t)ty * (size_t)f->n_q : 0;
        char block[16], units[32], title[160], xl[160];
        snprintf(block, sizeof block, "d%d", k);
        pb_gp_data(g, block);
        for (int j = 0; j < f->n_q; j++) {
            for (int i = 0; i < 3; i++) pb_gp_num(g, v[i][off + (size_t)j]);
            pb_gp_num(g, 100 * f->q[j]);
            pb_gp_eol(g);
        }
        pb_gp_end_data(g);
        snprintf(name, sizeof name, "%s_q", diff_names[k]);
        pb_plot_units(grp, name, units, sizeof units);
        if (series) snprintf(title, sizeof title, "Δ %s in %d", diff_names[k], f->years[ty]);
        else snprintf(title, sizeof title, "Δ %s", diff_names[k]);
        int len = snprintf(xl, sizeof xl, "Δ = B − A (%s)", units[0] ? units : "1");
        if (isfinite(pp[0]) && isfinite(pp[1]))
            snprintf(xl + len, sizeof xl - (size_t)len, "; P(Δ>0) %.0f%%, P(Δ<0) %.0f%%", 100 * pp[0], 100 * pp[1]);
        style(g);
        pb_gp_printf(g, "set title ");
        pb_gp_str(g, title);
        pb_gp_printf(g, "\nset xlabel ");
        pb_gp_str(g, xl);
        pb_gp_printf(g, "\n");
        double lo = INFINITY, hi = -INFINITY;
        for (int j = 0; j < f->n_q; j++)
            for (int i = 0; i < 3; i++) {
                double x = v[i][off + (size_t)j];
                if (isfinite(x) && x < lo) lo = x;
                if (isfinite(x) && x > hi) hi = x;
            }
        if (!(lo <= hi)) {
            pb_plot_empty(g, "no path has this output in both A and B");
            goto done;
        }
        pb_plot_tics(g, "x", lo, hi, 5);
        if (lo <= 0 && hi >= 0) pb_gp_printf(g, "set arrow from 0, graph 0 to 0, graph 1 nohead dt 2 lc rgb '#444444'\n");
        pb_gp_printf(g, "\nset ylabel 'quantile level (%%)'\nset yrange [0:100]\nplot $%s using 1:4:2:3 with xerrorbars pt 7 ps 0.8 "
                        "lc rgb '#2171b5', '' using 1:4 with lines lw 2 lc rgb '#2171b5'\n", block);
    }
done:
    for (int i = 0; i < 3; i++) free(v[i]);
    return st;
}

pb_status pb_plot_diff(pb_gp *g, const pb_plot_file *f, bool inner)
{
    (void)inner;
    int ty = f->n_targets > 0 ? f->target_years[0] - f->years[0] : f->n_years - 1;
    if (ty < 0 || ty >= f->n_years) ty = f->n_years - 1;
    page(g, f, 2, 3, "Δ = B − A per path");
    pb_status st = PB_OK;
    for (int k = 0; st == PB_OK && k < N_DIFF; k++) st = diff_panel(g, f, k, ty);
    pb_gp_printf(g, "unset multiplot\n");
    return st;
}
