/* compare_out.c: the file and the table of `payback compare`
 * (compare_out.h; docs/cli.md and docs/output.md, "compare").
 *
 * /a and /b are the layout of a run's /summary and /metrics (outfile.h).
 * /diff starts as the same layout written from Δ's summary and is then
 * adjusted where Δ's statistics differ from a run's (model.md §10.1):
 * year metrics are differences in years over the paths where both have
 * the event (no `never`, no calendar-year histogram: their joint counts
 * instead), the IRR's none/multiple counts give way to its joint counts,
 * and P(gap <= 0), which means nothing for a difference of gaps, gives way
 * to P(Δ > 0) and P(Δ < 0) for every series and metric. */
#include "compare_out.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>
#include <hdf5_hl.h>

#include "outfile.h"

/* An attribute written anew (replacing one of the same name). */
static bool set_str(hid_t obj, const char *name, const char *value)
{
    if (H5Aexists(obj, name) > 0 && H5Adelete(obj, name) < 0) return false;
    return pb_h5_attr_str(obj, name, value) >= 0;
}

/* A dataset of n values (n = 0: a scalar) with units and long_name,
 * attached to scale (a [year] dataset) when n > 0. */
static bool put(hid_t grp, const char *name, hid_t ftype, hid_t mtype, hsize_t n, const void *v, const char *units,
                const char *long_name, hid_t scale)
{
    hid_t sp = n ? H5Screate_simple(1, &n, NULL) : H5Screate(H5S_SCALAR), d = H5I_INVALID_HID;
    bool ok = sp >= 0 && (d = H5Dcreate2(grp, name, ftype, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)) >= 0 &&
              H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0 && pb_h5_attr_str(d, "units", units) >= 0 &&
              pb_h5_attr_str(d, "long_name", long_name) >= 0 && (!n || H5DSattach_scale(d, scale, 0) >= 0);
    if (d >= 0) H5Dclose(d);
    if (sp >= 0) H5Sclose(sp);
    return ok;
}

/* Removes dataset name, detaching it from scale first (if >= 0), so that
 * the scale lists no dangling reference. */
static bool drop(hid_t grp, const char *name, hid_t scale)
{
    hid_t d = H5Dopen2(grp, name, H5P_DEFAULT);
    if (d < 0) return false;
    bool ok = scale < 0 || H5DSdetach_scale(d, scale, 0) >= 0;
    H5Dclose(d);
    return ok && H5Ldelete(grp, name, H5P_DEFAULT) >= 0;
}

/* Prefixes the long_name of every dataset of grp but its scales. */
static bool relabel(hid_t grp)
{
    H5G_info_t gi;
    if (H5Gget_info(grp, &gi) < 0) return false;
    bool ok = true;
    for (hsize_t i = 0; ok && i < gi.nlinks; i++) {
        char name[128];
        if (H5Lget_name_by_idx(grp, ".", H5_INDEX_CRT_ORDER, H5_ITER_INC, i, name, sizeof name, H5P_DEFAULT) < 0)
            return false;
        hid_t d = H5Dopen2(grp, name, H5P_DEFAULT);
        if (d < 0) return false;
        if (H5DSis_scale(d) <= 0) {
            char *old = NULL, ln[512], why[64];
            ok = pb_h5_read_attr_str(d, "long_name", &old, why, sizeof why) == PB_OK;
            snprintf(ln, sizeof ln, "difference B - A, per path: %s", old ? old : name);
            ok = ok && set_str(d, "long_name", ln);
            free(old);
        }
        H5Dclose(d);
    }
    return ok;
}

/* P(Δ > 0) and P(Δ < 0) of n values (k_pos, k_neg of n) with their Wilson
 * intervals, as datasets <stem>_p_positive, _lo, _hi and _p_negative, ... */
static bool put_probs(hid_t grp, const char *stem, const char *what, const int64_t *k_pos, const int64_t *k_neg,
                      const int64_t *n, int len, bool per_year, hid_t scale)
{
    double p[PB_MAX_YEARS], lo[PB_MAX_YEARS], hi[PB_MAX_YEARS];
    bool ok = true;
    for (int sign = 0; ok && sign < 2; sign++) {
        const int64_t *k = sign ? k_neg : k_pos;
        for (int t = 0; t < len; t++) {
            p[t] = n[per_year ? 0 : t] > 0 ? (double)k[t] / (double)n[per_year ? 0 : t] : NAN;
            pb_wilson(k[t], n[per_year ? 0 : t], &lo[t], &hi[t]);
        }
        const char *sn = sign ? "negative" : "positive", *rel = sign ? "< 0" : "> 0";
        char name[128], ln[384];
        const double *v[3] = {p, lo, hi};
        static const char *const post[3] = {"", "_lo", "_hi"};
        static const char *const pre[3] = {"", "lower bound of the 95 % Wilson interval of ",
                                           "upper bound of the 95 % Wilson interval of "};
        for (int j = 0; ok && j < 3; j++) {
            snprintf(name, sizeof name, "%s_p_%s%s", stem, sn, post[j]);
            snprintf(ln, sizeof ln, "%sthe probability that B - A %s, per path, for %s", pre[j], rel, what);
            ok = put(grp, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, per_year ? (hsize_t)len : 0, v[j], "1", ln, scale);
        }
    }
    return ok;
}

/* /diff/summary: no P(gap <= 0); P(Δ > 0), P(Δ < 0) per series and year. */
static bool diff_summary(hid_t g, const pb_compare_result *r)
{
    const int H = r->d->n_years;
    hid_t year = H5Dopen2(g, "year", H5P_DEFAULT);
    bool ok = year >= 0 && relabel(g);
    for (int m = 0; ok && m < PB_N_METHODS; m++) {
        char name[96];
        static const char *const post[3] = {"", "_lo", "_hi"};
        for (int j = 0; ok && j < 3; j++) {
            snprintf(name, sizeof name, "p_gap_closed_%s%s", pb_method_names[m], post[j]);
            ok = drop(g, name, year);
        }
    }
    for (int s = 0; ok && s < PB_N_SERIES; s++)
        ok = put_probs(g, pb_series_info[s].name, pb_series_info[s].long_name, r->pos + (size_t)s * H,
                       r->neg + (size_t)s * H, &r->d->n, H, true, year);
    if (year >= 0) H5Dclose(year);
    return ok;
}

/* A year metric's statistics in /diff/metrics: years, not calendar years. */
static bool year_metric_labels(hid_t g, int m)
{
    static const char *const stat[6] = {"_mean", "_sd", "_se", "_q", "_q_lo", "_q_hi"};
    static const char *const what[6] = {"mean", "standard deviation", "standard error of the mean", "quantile (type 1)",
                                        "lower bound of the 95 % interval of the quantile (type 1)",
                                        "upper bound of the 95 % interval of the quantile (type 1)"};
    bool ok = true;
    for (int j = 0; ok && j < 6; j++) {
        char name[128], ln[512];
        snprintf(name, sizeof name, "%s%s", pb_metric_info[m].name, stat[j]);
        snprintf(ln, sizeof ln, "%s of the difference B - A in years, per path, of the %s, over the paths where "
                 "both A and B have such a year", what[j], pb_metric_info[m].long_name);
        hid_t d = H5Dopen2(g, name, H5P_DEFAULT);
        ok = d >= 0 && set_str(d, "units", "years") && set_str(d, "long_name", ln) &&
             (H5Aexists(d, "never") <= 0 || H5Adelete(d, "never") >= 0);
        if (d >= 0) H5Dclose(d);
    }
    return ok;
}

/* /diff/metrics: year metrics and the IRR with their joint counts,
 * P(Δ > 0), P(Δ < 0) for every metric. */
static bool diff_metrics(hid_t g, const pb_compare_result *r)
{
    const size_t SH = (size_t)PB_N_SERIES * (size_t)r->d->n_years;
    hid_t year = H5Dopen2(g, "year", H5P_DEFAULT);
    bool ok = year >= 0 && relabel(g) && drop(g, "irr_none", -1) && drop(g, "irr_multiple", -1);
    for (int m = 0; ok && m < PB_N_METRICS; m++) {
        const char *nm = pb_metric_info[m].name;
        char name[128], ln[512];
        if (pb_metric_is_year(m)) {
            snprintf(name, sizeof name, "%s_never", nm);
            ok = drop(g, name, -1) && (snprintf(name, sizeof name, "%s_hist", nm), drop(g, name, year)) &&
                 year_metric_labels(g, m);
        }
        if (ok && (pb_metric_is_year(m) || m == PB_M_IRR)) {
            static const char *const jl[PB_N_JOINT] = {"both A and B", "A but not B", "B but not A", "neither"};
            for (int j = 0; ok && j < PB_N_JOINT; j++) {
                snprintf(name, sizeof name, "%s_%s", nm, pb_joint_names[j]);
                snprintf(ln, sizeof ln, "paths (finite in A and B) where %s %s: %s", jl[j],
                         m == PB_M_IRR ? "have exactly one IRR" : "have such a year within the horizon",
                         pb_metric_info[m].long_name);
                ok = put(g, name, H5T_STD_I64LE, H5T_NATIVE_INT64, 0, &r->joint[m][j], "paths", ln, -1);
            }
        }
        if (ok) ok = put_probs(g, nm, pb_metric_info[m].long_name, r->pos + SH + m, r->neg + SH + m, &r->n_metric[m], 1,
                               false, -1);
    }
    if (year >= 0) H5Dclose(year);
    return ok;
}

/* Group name under file, with a long_name, holding the statistics s. */
static pb_status stats_group(hid_t file, const char *tmp, const char *name, const char *long_name, const pb_summary *s,
                             const int *window, hid_t *out)
{
    hid_t gcpl = pb_h5_tracked_gcpl();
    hid_t g = gcpl >= 0 ? H5Gcreate2(file, name, H5P_DEFAULT, gcpl, H5P_DEFAULT) : H5I_INVALID_HID;
    if (gcpl >= 0) H5Pclose(gcpl);
    pb_status st = g >= 0 && pb_h5_attr_str(g, "long_name", long_name) >= 0
                       ? pb_write_stats(g, tmp, s, window)
                       : pb_raise(PB_EIO, NULL, "cannot create /%s in '%s'", name, tmp);
    if (out && st == PB_OK) *out = g;
    else if (g >= 0) H5Gclose(g);
    return st;
}

/* One line each (an empty string when there are none). */
static char *join_lines(char *const *v, int n)
{
    size_t len = 1;
    for (int i = 0; i < n; i++) len += strlen(v[i]) + 1;
    char *s = calloc(len, 1);
    for (int i = 0; s && i < n; i++) {
        strcat(s, v[i]);
        if (i + 1 < n) strcat(s, "\n");
    }
    return s;
}

static pb_status write_b_root(hid_t file, const char *tmp, const pb_compare_b *b)
{
    char *ov = join_lines(b->overrides_b, b->n_overrides_b);
    if (!ov) return pb_raise(PB_ENOMEM, NULL, "out of memory");
    bool ok = pb_h5_attr_str(file, "scenario_b_name", b->sc->name) >= 0 &&
              pb_h5_attr_str(file, "scenario_b_file", b->sc->file) >= 0 &&
              pb_h5_attr_str(file, "scenario_b_yaml", b->sc->text) >= 0 &&
              pb_h5_attr_str(file, "overrides_b", ov) >= 0;
    free(ov);
    return ok ? PB_OK : pb_raise(PB_EIO, NULL, "cannot write the attributes of '%s'", tmp);
}

pb_status pb_compare_write(const char *path, const pb_run_info *info, const pb_compare_b *b,
                           const pb_compare_result *r)
{
    pb_h5_out out;
    hid_t diff = H5I_INVALID_HID;
    char ln[384];
    pb_status st = pb_h5_out_begin(path, &out);
    if (st == PB_OK) st = pb_write_root(out.file, out.tmp, info);
    if (st == PB_OK) st = write_b_root(out.file, out.tmp, b);
    snprintf(ln, sizeof ln, "scenario A (%s), on the paths of the comparison", info->scenario_name);
    if (st == PB_OK) st = stats_group(out.file, out.tmp, "a", ln, r->a, info->window, NULL);
    snprintf(ln, sizeof ln, "scenario B (%s), on the same paths as A (common random numbers)", b->sc->name);
    if (st == PB_OK) st = stats_group(out.file, out.tmp, "b", ln, r->b, info->window, NULL);
    if (st == PB_OK)
        st = stats_group(out.file, out.tmp, "diff", "per-path differences B - A on common random numbers", r->d,
                         info->window, &diff);
    if (st == PB_OK) {
        hid_t gs = H5Gopen2(diff, "summary", H5P_DEFAULT), gm = H5Gopen2(diff, "metrics", H5P_DEFAULT);
        if (gs < 0 || gm < 0 || !diff_summary(gs, r) || !diff_metrics(gm, r))
            st = pb_raise(PB_EIO, NULL, "cannot write /diff to '%s'", out.tmp);
        if (gs >= 0) H5Gclose(gs);
        if (gm >= 0) H5Gclose(gm);
    }
    if (diff >= 0) H5Gclose(diff);
    return pb_h5_out_end(&out, st);
}

/* ------------------------------------------------------------------ */
/* The table                                                            */

static int q50(const pb_summary *s)
{
    for (int k = 0; k < s->n_quantiles; k++)
        if (fabs(s->quantiles[k] - 0.5) < 1e-12) return k;
    return -1; /* never: pb_report_quantiles adds 0.5 */
}

static void num(char *buf, size_t len, double x, const char *f)
{
    if (isnan(x)) snprintf(buf, len, "-");
    else snprintf(buf, len, f, x);
}

/* One row: A's and B's medians, mean Δ +/- paired se, the unpaired se
 * sqrt(se_A^2 + se_B^2) (independent runs) and its ratio to the paired. */
static void row(FILE *f, const char *label, double a50, double b50, double mean, double se, double se_a, double se_b,
                const char *fmt)
{
    char c[5][32];
    double unpaired = sqrt(se_a * se_a + se_b * se_b);
    num(c[0], sizeof c[0], a50, fmt);
    num(c[1], sizeof c[1], b50, fmt);
    num(c[2], sizeof c[2], mean, "%+.3f");
    num(c[3], sizeof c[3], se, "%.3f");
    num(c[4], sizeof c[4], unpaired, "%.3f");
    char ratio[32];
    if (se > 0) snprintf(ratio, sizeof ratio, "%.1f", unpaired / se);
    else snprintf(ratio, sizeof ratio, "-");
    fprintf(f, "  %-26s %10s %10s %11s +/- %-8s %11s %7s\n", label, c[0], c[1], c[2], c[3], c[4], ratio);
}

static void metric_row(FILE *f, const pb_compare_result *r, int m, const char *label, int i50)
{
    const pb_metric_stats *a = &r->a->metric[m], *b = &r->b->metric[m], *d = &r->d->metric[m];
    row(f, label, a->q[i50], b->q[i50], d->mean, d->se, a->se, b->se, "%.1f");
}

static void header(FILE *f, const char *title)
{
    fprintf(f, "\n%-28s %10s %10s %11s     %-8s %11s %7s\n", title, "A p50", "B p50", "mean B-A", "se", "unpaired",
            "ratio");
}

void pb_compare_print(FILE *f, const pb_run_info *info, const pb_compare_b *b, const pb_compare_result *r)
{
    const pb_summary *A = r->a, *B = r->b, *D = r->d;
    const int H = A->n_years, Q = A->n_quantiles, i50 = q50(A);
    fprintf(f, "payback %s: compare A = %s (%s) with B = %s (%s", info->version, info->scenario_name,
            info->scenario_file, b->sc->name, b->sc->file);
    for (int i = 0; i < b->n_overrides_b; i++) fprintf(f, " --set-b %s", b->overrides_b[i]);
    fprintf(f, ")\n%lld paths, seed %llu, common random numbers; money in billion USD (nominal)\n",
            (long long)info->paths, (unsigned long long)info->seed);
    fprintf(f, "mean B-A +/- se: over paired paths; unpaired: sqrt(se_A^2 + se_B^2), as for independent runs; "
               "ratio: unpaired / paired\n");
    for (int y = 0; y < info->n_target_years; y++) {
        const int t = info->target_years[y] - A->start;
        if (t < 0 || t >= H) continue;
        char title[32];
        snprintf(title, sizeof title, "%d", info->target_years[y]);
        header(f, title);
        for (int m = 0; m < PB_N_METHODS; m++) {
            const int s = PB_S_GAP + m;
            char label[64];
            snprintf(label, sizeof label, "gap, %s", pb_method_names[m]);
            row(f, label, A->series[s].q[(size_t)t * Q + i50], B->series[s].q[(size_t)t * Q + i50], D->series[s].mean[t],
                D->series[s].se[t], A->series[s].se[t], B->series[s].se[t], "%.1f");
        }
    }
    header(f, "over the horizon");
    metric_row(f, r, PB_M_NPV, "NPV", i50);
    metric_row(f, r, PB_M_LEVELISED, "levelised full-cost bar", i50);
    metric_row(f, r, PB_M_PEAK_BURN, "peak burn", i50);
    metric_row(f, r, PB_M_UNDERSTATED, "understated depreciation", i50);
    fprintf(f, "\n%-28s %8s %8s %8s %8s   %s\n", "year within the horizon", "both", "only A", "only B", "neither",
            "mean B-A (years, both) +/- se");
    static const int ym[] = {PB_M_PAYBACK_YEAR, PB_M_DISCOUNTED_PAYBACK};
    static const char *const yl[] = {"payback year", "discounted payback year"};
    for (int i = 0; i < 2; i++) {
        const int64_t *j = r->joint[ym[i]];
        char mean[32], se[32];
        num(mean, sizeof mean, D->metric[ym[i]].mean, "%+.3f");
        num(se, sizeof se, D->metric[ym[i]].se, "%.3f");
        fprintf(f, "  %-26s %8lld %8lld %8lld %8lld   %s +/- %s\n", yl[i], (long long)j[PB_JOINT_BOTH],
                (long long)j[PB_JOINT_ONLY_A], (long long)j[PB_JOINT_ONLY_B], (long long)j[PB_JOINT_NEITHER], mean, se);
    }
    if (D->nonfinite > 0)
        fprintf(f, "\nnon-finite paths (in A or B): %lld, excluded from the differences\n", (long long)D->nonfinite);
}
