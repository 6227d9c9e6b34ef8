/* plot_run.c: the kinds of a run's file (plot.h): fan, gap, payback,
 * depreciation, and the dashboard of all four on one page.
 *
 * Each kind reads its datasets (shapes checked: plot_read.c), writes them
 * as data blocks and draws one panel (`inner`: inside the dashboard) or
 * its own page with the title naming scenario, paths and seed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot.h"

/* The style every panel shares: light grid, years on x, key outside the
 * data where possible. */
static void panel_style(pb_gp *g, const pb_plot_file *f)
{
    pb_gp_printf(g, "reset\nset grid lc rgb '#dddddd' lw 1\nset border 3\nset tics nomirror out\n"
                    "set xrange [%d:%d]\nset xtics %d format '%%.0f'\nset key noautotitle\n",
                 f->years[0], f->years[f->n_years - 1], f->n_years > 12 ? 2 : 1);
}

/* Opens the kind's own page: a multiplot of rows x cols panels under the
 * picture's title.  Not in the dashboard (whose page is open). */
static void page(pb_gp *g, const pb_plot_file *f, bool inner, int rows, int cols, const char *what)
{
    if (inner) return;
    pb_gp_printf(g, "set multiplot layout %d,%d title ", rows, cols);
    pb_plot_title(g, f, what);
    pb_gp_printf(g, " font ',18'\n");
}

static void page_end(pb_gp *g, bool inner)
{
    if (!inner) pb_gp_printf(g, "unset multiplot\n");
}

/* Marks the target years on the x axis of the next plot. */
static void mark_targets(pb_gp *g, const pb_plot_file *f)
{
    for (int i = 0; i < f->n_targets; i++)
        pb_gp_printf(g, "set arrow from %d, graph 0 to %d, graph 1 nohead dt 3 lc rgb '#888888' back\n",
                     f->target_years[i], f->target_years[i]);
}

/* ---- fan ------------------------------------------------------------ */

/* $fan: year, organic revenue at every level, each method's median
 * required revenue (the level nearest 0.5). */
static pb_status fan_data(pb_gp *g, const pb_plot_file *f)
{
    hsize_t dims[2] = {(hsize_t)f->n_years, (hsize_t)f->n_q};
    double *org = pb_plot_read(f, f->summary, "summary", "organic_revenue_q", 2, dims), *req[PB_PLOT_METHODS] = {0};
    pb_status st = org ? PB_OK : PB_EINPUT;
    for (int m = 0; st == PB_OK && m < PB_PLOT_METHODS; m++) {
        char name[64];
        snprintf(name, sizeof name, "required_%s_q", pb_plot_methods[m]);
        if (!(req[m] = pb_plot_read(f, f->summary, "summary", name, 2, dims))) st = PB_EINPUT;
    }
    int med = pb_plot_level(f, 0.5);
    if (med < 0) med = f->n_q / 2;
    if (st == PB_OK) {
        pb_gp_data(g, "fan");
        for (int t = 0; t < f->n_years; t++) {
            pb_gp_num(g, f->years[t]);
            for (int i = 0; i < f->n_q; i++) pb_gp_num(g, org[t * f->n_q + i]);
            for (int m = 0; m < PB_PLOT_METHODS; m++) pb_gp_num(g, req[m][t * f->n_q + med]);
            pb_gp_eol(g);
        }
        pb_gp_end_data(g);
    }
    free(org);
    for (int m = 0; m < PB_PLOT_METHODS; m++) free(req[m]);
    return st;
}

/* One fan panel: the bands (outermost lightest), the median, and the
 * required-revenue medians of methods [m0, m1). */
static void fan_panel(pb_gp *g, const pb_plot_file *f, int m0, int m1, const char *title, const char *units)
{
    panel_style(g, f);
    mark_targets(g, f);
    pb_gp_printf(g, "set title ");
    pb_gp_str(g, title);
    pb_gp_printf(g, "\nset ylabel 'revenue (%s, log scale)'\nset xlabel 'year'\nset key below horizontal Left reverse samplen 2 height 1 "
                    "font ',12'\nset logscale y\nset format y '%%.0f'\nplot ", units);
    int nb = f->n_q / 2, med = pb_plot_level(f, 0.5);
    for (int b = 0; b < nb; b++) {
        char col[16];
        pb_plot_shade(col, sizeof col, nb > 1 ? 0.15 + 0.6 * b / (nb - 1) : 0.5);
        pb_gp_printf(g, "$fan using 1:%d:%d with filledcurves fc rgb '%s' fs solid 1 noborder title 'organic "
                        "p%g–p%g', ", 2 + b, 2 + f->n_q - 1 - b, col, 100 * f->q[b], 100 * f->q[f->n_q - 1 - b]);
    }
    if (med >= 0)
        pb_gp_printf(g, "$fan using 1:%d with lines lw 2.5 lc rgb '#08306b' title 'organic median', ", 2 + med);
    for (int m = m0; m < m1; m++)
        pb_gp_printf(g, "$fan using 1:%d with lines lw 3.5 lc rgb '%s' title 'required, %s (median)'%s",
                     2 + f->n_q + m, pb_plot_method_colors[m], pb_plot_method_names[m],
                     m + 1 < m1 ? ", " : "\n");
}

pb_status pb_plot_fan(pb_gp *g, const pb_plot_file *f, bool inner)
{
    pb_status st = fan_data(g, f);
    if (st != PB_OK) return st;
    char units[32];
    pb_plot_units(f->summary, "required_bain_q", units, sizeof units);
    if (inner) {
        fan_panel(g, f, 0, PB_PLOT_METHODS, "organic revenue against required revenue", units);
        return PB_OK;
    }
    page(g, f, inner, 2, 2, "organic revenue (quantile bands) against required revenue");
    for (int m = 0; m < PB_PLOT_METHODS; m++) {
        char title[96];
        snprintf(title, sizeof title, "%s's required revenue", pb_plot_method_names[m]);
        fan_panel(g, f, m, m + 1, title, units);
    }
    page_end(g, inner);
    return PB_OK;
}

/* ---- gap -------------------------------------------------------------- */

pb_status pb_plot_gap(pb_gp *g, const pb_plot_file *f, bool inner)
{
    hsize_t dims[1] = {(hsize_t)f->n_years};
    double *p[PB_PLOT_METHODS][3] = {{0}};
    static const char *const suffix[3] = {"", "_lo", "_hi"};
    pb_status st = PB_OK;
    for (int m = 0; st == PB_OK && m < PB_PLOT_METHODS; m++)
        for (int k = 0; st == PB_OK && k < 3; k++) {
            char name[64];
            snprintf(name, sizeof name, "p_gap_closed_%s%s", pb_plot_methods[m], suffix[k]);
            if (!(p[m][k] = pb_plot_read(f, f->summary, "summary", name, 1, dims))) st = PB_EINPUT;
        }
    if (st == PB_OK) {
        pb_gp_data(g, "gap");
        for (int t = 0; t < f->n_years; t++) {
            pb_gp_num(g, f->years[t]);
            for (int m = 0; m < PB_PLOT_METHODS; m++)
                for (int k = 0; k < 3; k++) pb_gp_num(g, 100 * p[m][k][t]);
            pb_gp_eol(g);
        }
        pb_gp_end_data(g);
        page(g, f, inner, 1, 1, "probability that organic revenue covers the required revenue");
        panel_style(g, f);
        mark_targets(g, f);
        pb_gp_printf(g, "set title 'P(gap ≤ 0): organic revenue covers the required revenue'\nset xlabel 'year'\n"
                        "set ylabel 'P(gap ≤ 0) (%% of paths; 95%% Wilson band)'\nset yrange [0:105]\n"
                        "set ytics 0,20,100\nset key below horizontal Left reverse samplen 2 height 1 font ',12'\n"
                        "set style fill transparent solid 0.22 noborder\nplot ");
        for (int m = 0; m < PB_PLOT_METHODS; m++)
            pb_gp_printf(g, "$gap using 1:%d:%d with filledcurves fc rgb '%s', $gap using 1:%d with linespoints "
                            "pt 7 ps 0.6 lw 2.5 lc rgb '%s' title '%s'%s", 3 + 3 * m, 4 + 3 * m,
                         pb_plot_method_colors[m], 2 + 3 * m, pb_plot_method_colors[m], pb_plot_method_names[m],
                         m + 1 < PB_PLOT_METHODS ? ", " : "\n");
        page_end(g, inner);
    }
    for (int m = 0; m < PB_PLOT_METHODS; m++)
        for (int k = 0; k < 3; k++) free(p[m][k]);
    return st;
}

/* ---- payback ---------------------------------------------------------- */

#define N_YEARMETRICS (2 + PB_PLOT_METHODS)

/* The CDF of year metric `name` at the end of each year, cdf[H], and the
 * share of paths with no such year (never). */
static pb_status year_cdf(const pb_plot_file *f, const char *name, double *cdf, double *never)
{
    char ds[96];
    hsize_t dims[1] = {(hsize_t)f->n_years};
    snprintf(ds, sizeof ds, "%s_hist", name);
    double *hist = pb_plot_read(f, f->metrics, "metrics", ds, 1, dims), nev = 0;
    if (!hist) return PB_EINPUT;
    snprintf(ds, sizeof ds, "%s_never", name);
    pb_status st = pb_plot_scalar(f, f->metrics, "metrics", ds, &nev);
    double total = nev, cum = 0;
    for (int t = 0; t < f->n_years; t++) total += hist[t];
    for (int t = 0; t < f->n_years; t++) {
        cum += hist[t];
        cdf[t] = total > 0 ? cum / total : NAN;
    }
    *never = total > 0 ? nev / total : NAN;
    free(hist);
    return st;
}

pb_status pb_plot_payback(pb_gp *g, const pb_plot_file *f, bool inner)
{
    static const char *const names[N_YEARMETRICS] = {"payback_year", "discounted_payback_year",
                                                     "catchup_year_bain", "catchup_year_jpmorgan",
                                                     "catchup_year_sequoia", "catchup_year_full_cost"};
    static const char *const labels[N_YEARMETRICS] = {"payback", "discounted payback",
                                                      "catch-up, Bain", "catch-up, J.P. Morgan", "catch-up, Sequoia",
                                                      "catch-up, full cost"};
    int H = f->n_years, first = f->years[0], last = f->years[H - 1];
    double *cdf = malloc((size_t)N_YEARMETRICS * (size_t)H * sizeof *cdf), never[N_YEARMETRICS];
    if (!cdf) return pb_raise(PB_ENOMEM, NULL, "out of memory");
    pb_status st = PB_OK;
    for (int k = 0; st == PB_OK && k < N_YEARMETRICS; k++) st = year_cdf(f, names[k], cdf + k * H, &never[k]);
    if (st == PB_OK) {
        /* A step function: 0 before the first year, F(t) from year t on,
         * 1 at "never" (one year past the horizon): the last step is the
         * mass of paths without the event. */
        pb_gp_data(g, "cdf");
        for (int t = -1; t <= H + 1; t++) {
            pb_gp_num(g, t < H ? first + t : t == H ? last + 1.5 : last + 2.2);
            for (int k = 0; k < N_YEARMETRICS; k++) pb_gp_num(g, t < 0 ? 0 : t < H ? 100 * cdf[k * H + t] : 100);
            pb_gp_eol(g);
        }
        pb_gp_end_data(g);
        page(g, f, inner, 1, 1, "when the boom pays back");
        panel_style(g, f);
        pb_gp_printf(g, "set xrange [%d:%g]\nset xtics %d,%d,%d\nset xtics add ('never' %g)\nset arrow from %g, graph 0 to %g, graph 1 "
                        "nohead dt 2 lc rgb '#444444'\nset title 'payback and catch-up years: CDF over paths'\n"
                        "set xlabel 'year (never: no such year by %d)'\nset ylabel 'paths with the event by "
                        "then (%%)'\nset yrange [0:102]\nset ytics 0,20,100\nset key below horizontal Left reverse samplen 2 height 1 "
                        "font ',12'\nplot ", first - 1, last + 2.2, first, H > 12 ? 2 : 1, last, last + 1.5, last + 0.75, last + 0.75,
                     last);
        for (int k = 0; k < N_YEARMETRICS; k++) {
            const char *col = k < 2 ? "#000000" : pb_plot_method_colors[k - 2];
            pb_gp_printf(g, "$cdf using 1:%d with steps lw %s dt %d lc rgb '%s' title '%s (never %.0f%%)'%s", 2 + k,
                         k < 2 ? "3" : "2.2", k == 1 ? 2 : 1, col, labels[k], 100 * never[k],
                         k + 1 < N_YEARMETRICS ? ", " : "\n");
        }
        page_end(g, inner);
    }
    free(cdf);
    return st;
}

/* ---- depreciation ----------------------------------------------------- */

#define N_DEP 4
static const char *const dep_series[N_DEP] = {"depreciation_economic", "depreciation_accounting", "writeoffs",
                                              "obsolescence_gap"};
static const char *const dep_labels[N_DEP] = {"economic depreciation", "accounting depreciation", "write-offs",
                                              "obsolescence gap U = B − V"};
static const char *const dep_colors[N_DEP] = {"#0072B2", "#D55E00", "#999999", "#CC79A7"};

/* $dep: year, then p10, median, p90 of each series (the file's outermost
 * levels if it lacks 0.1 / 0.9). */
static pb_status dep_data(pb_gp *g, const pb_plot_file *f, double lv[3])
{
    hsize_t dims[2] = {(hsize_t)f->n_years, (hsize_t)f->n_q};
    int ix[3] = {pb_plot_level(f, 0.1), pb_plot_level(f, 0.5), pb_plot_level(f, 0.9)};
    if (ix[0] < 0) ix[0] = 0;
    if (ix[1] < 0) ix[1] = f->n_q / 2;
    if (ix[2] < 0) ix[2] = f->n_q - 1;
    for (int i = 0; i < 3; i++) lv[i] = f->q[ix[i]];
    double *v[N_DEP] = {0};
    pb_status st = PB_OK;
    for (int s = 0; st == PB_OK && s < N_DEP; s++) {
        char name[64];
        snprintf(name, sizeof name, "%s_q", dep_series[s]);
        if (!(v[s] = pb_plot_read(f, f->summary, "summary", name, 2, dims))) st = PB_EINPUT;
    }
    if (st == PB_OK) {
        pb_gp_data(g, "dep");
        for (int t = 0; t < f->n_years; t++) {
            pb_gp_num(g, f->years[t]);
            for (int s = 0; s < N_DEP; s++)
                for (int i = 0; i < 3; i++) pb_gp_num(g, v[s][t * f->n_q + ix[i]]);
            pb_gp_eol(g);
        }
        pb_gp_end_data(g);
    }
    for (int s = 0; s < N_DEP; s++) free(v[s]);
    return st;
}

/* Series [s0, s1) of $dep: bands and medians. */
static void dep_panel(pb_gp *g, const pb_plot_file *f, int s0, int s1, const char *title, const char *ylabel,
                      const double lv[3])
{
    panel_style(g, f);
    pb_gp_printf(g, "set title ");
    pb_gp_str(g, title);
    pb_gp_printf(g, "\nset xlabel 'year'\nset ylabel ");
    pb_gp_str(g, ylabel);
    pb_gp_printf(g, "\nset key below horizontal Left reverse samplen 2 height 1 font ',12'\nset style fill transparent solid 0.2 "
                    "noborder\nplot ");
    for (int s = s0; s < s1; s++)
        pb_gp_printf(g, "$dep using 1:%d:%d with filledcurves fc rgb '%s', $dep using 1:%d with lines lw 2.5 "
                        "lc rgb '%s' title '%s (median; p%g–p%g band)'%s", 2 + 3 * s, 4 + 3 * s, dep_colors[s],
                     3 + 3 * s, dep_colors[s], dep_labels[s], 100 * lv[0], 100 * lv[2], s + 1 < s1 ? ", " : "\n");
}

pb_status pb_plot_depreciation(pb_gp *g, const pb_plot_file *f, bool inner)
{
    double lv[3];
    pb_status st = dep_data(g, f, lv);
    if (st != PB_OK) return st;
    char flow[32], stock[32], yl[96];
    pb_plot_units(f->summary, "depreciation_economic_q", flow, sizeof flow);
    pb_plot_units(f->summary, "obsolescence_gap_q", stock, sizeof stock);
    if (inner) {
        snprintf(yl, sizeof yl, "%s (flows: in the year; U: at its end)", flow);
        dep_panel(g, f, 0, N_DEP, "depreciation: economic against accounting", yl, lv);
        return PB_OK;
    }
    page(g, f, inner, 1, 2, "economic against accounting depreciation");
    snprintf(yl, sizeof yl, "depreciation in the year (%s)", flow);
    dep_panel(g, f, 0, 3, "depreciation and write-offs", yl, lv);
    snprintf(yl, sizeof yl, "cumulative understated depreciation (%s)", stock);
    dep_panel(g, f, 3, 4, "the obsolescence gap U = B − V (book less economic value)", yl, lv);
    page_end(g, inner);
    return PB_OK;
}

/* ---- dashboard -------------------------------------------------------- */

pb_status pb_plot_dashboard(pb_gp *g, const pb_plot_file *f, bool inner)
{
    (void)inner;
    pb_gp_printf(g, "set multiplot layout 2,2 title ");
    pb_plot_title(g, f, "payback dashboard");
    pb_gp_printf(g, " font ',18'\n");
    static const pb_plot_fn kinds[] = {pb_plot_fan, pb_plot_gap, pb_plot_payback, pb_plot_depreciation};
    pb_status st = PB_OK;
    for (size_t i = 0; st == PB_OK && i < sizeof kinds / sizeof kinds[0]; i++) st = kinds[i](g, f, true);
    pb_gp_printf(g, "unset multiplot\n");
    return st;
}
