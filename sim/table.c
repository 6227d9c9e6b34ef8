/* table.c: the summary table of interfaces.md §2 (pb_summary_print), as
 * `payback run` prints it after a run and `payback summary` from a file. */
#include "payback/output.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static int q_index(const pb_summary *s, double p)
{
    for (int k = 0; k < s->n_quantiles; k++)
        if (fabs(s->quantiles[k] - p) < 1e-12) return k;
    return -1;
}

/* Formats a money value, or a year, or "never". */
static void fmt(char *buf, size_t len, double x, bool year)
{
    if (isnan(x)) snprintf(buf, len, "-");
    else if (year && isinf(x) && x > 0) snprintf(buf, len, "never");
    else if (year) snprintf(buf, len, "%.0f", x);
    /* Wide values in exponent notation: a column holds 11 characters,
     * and a cut number would read smaller than it is. */
    else if (fabs(x) >= 1e9) snprintf(buf, len, "%.4g", x);
    else snprintf(buf, len, "%.1f", x);
}

static void row3(FILE *f, const char *label, const double *q, int i10, int i50, int i90, bool year, const char *tail)
{
    char a[32], b[32], c[32];
    fmt(a, sizeof a, i10 >= 0 ? q[i10] : NAN, year);
    fmt(b, sizeof b, i50 >= 0 ? q[i50] : NAN, year);
    fmt(c, sizeof c, i90 >= 0 ? q[i90] : NAN, year);
    fprintf(f, "  %-28s %11s %11s %11s%s\n", label, a, b, c, tail ? tail : "");
}

void pb_summary_print(FILE *f, const pb_run_info *info, const pb_summary *s)
{
    const int H = s->n_years, Q = s->n_quantiles;
    const int i10 = q_index(s, 0.10), i50 = q_index(s, 0.50), i90 = q_index(s, 0.90);
    fprintf(f, "payback %s: scenario %s (%s)\n", info->version, info->scenario_name, info->scenario_file);
    if (info->deterministic)
        fprintf(f, "deterministic: the central path (every parameter at its mean, no shocks, no bust)\n");
    else if (info->partial)
        fprintf(f, "paths %lld..%lld of %lld, seed %llu: a partial result (join the parts with payback merge)\n",
                (long long)info->paths_first, (long long)info->paths_end - 1, (long long)info->paths,
                (unsigned long long)info->seed);
    else
        fprintf(f, "%lld paths, seed %llu\n", (long long)info->paths, (unsigned long long)info->seed);
    /* The --set overrides of the run (a file's attribute holds them one a line). */
    for (int i = 0; i < info->n_overrides; i++)
        for (const char *o = info->overrides[i]; *o;) {
            size_t len = strcspn(o, "\n");
            fprintf(f, "%s--set %.*s", i == 0 && o == info->overrides[0] ? "with " : " ", (int)len, o);
            o += len + (o[len] == '\n');
        }
    if (info->n_overrides > 0) fputc('\n', f);
    fprintf(f, "money in billion USD (nominal); p10/p50/p90 are quantiles over paths\n");
    for (int y = 0; y < info->n_target_years; y++) {
        int t = info->target_years[y] - s->start;
        if (t < 0 || t >= H) continue;
        fprintf(f, "\n%-30s %11s %11s %11s   %s\n", "", "p10", "p50", "p90", "P(gap <= 0) [95% CI]");
        fprintf(f, "%d\n", info->target_years[y]);
        row3(f, "revenue (reported)", s->series[PB_S_REVENUE].q + (size_t)t * Q, i10, i50, i90, false, NULL);
        row3(f, "organic revenue", s->series[PB_S_ORGANIC_REVENUE].q + (size_t)t * Q, i10, i50, i90, false, NULL);
        for (int m = 0; m < PB_N_METHODS; m++) {
            char label[64], tail[96];
            snprintf(label, sizeof label, "required, %s", pb_method_names[m]);
            row3(f, label, s->series[PB_S_REQUIRED + m].q + (size_t)t * Q, i10, i50, i90, false, NULL);
            snprintf(label, sizeof label, "gap, %s", pb_method_names[m]);
            snprintf(tail, sizeof tail, "   %.3f [%.3f, %.3f]", s->p_closed[m][t], s->p_closed_lo[m][t], s->p_closed_hi[m][t]);
            row3(f, label, s->series[PB_S_GAP + m].q + (size_t)t * Q, i10, i50, i90, false, tail);
        }
    }
    fprintf(f, "\n%-30s %11s %11s %11s\n", "over the horizon", "p10", "p50", "p90");
    char tail[128], a[32], b[32];
    const pb_metric_stats *npv = &s->metric[PB_M_NPV];
    snprintf(tail, sizeof tail, fabs(npv->mean) >= 1e9 ? "   mean %.4g +/- %.4g (se)" : "   mean %.1f +/- %.1f (se)",
             npv->mean, npv->se);
    row3(f, "NPV", npv->q, i10, i50, i90, false, tail);
    const pb_metric_stats *irr = &s->metric[PB_M_IRR];
    fmt(a, sizeof a, i50 >= 0 ? 100 * irr->q[i50] : NAN, false);
    fprintf(f, "  %-28s %11s %11s %11s   none %lld, multiple %lld\n", "IRR (%)", "", a, "",
            (long long)s->irr_none, (long long)s->irr_multiple);
    const pb_metric_stats *pay = &s->metric[PB_M_PAYBACK_YEAR];
    double by_end = s->n ? (double)(s->n - pay->never) / (double)s->n : NAN, lo, hi;
    pb_wilson(s->n - pay->never, s->n, &lo, &hi);
    snprintf(tail, sizeof tail, "   P(by %d) %.3f [%.3f, %.3f]", s->start + H - 1, by_end, lo, hi);
    row3(f, "payback year", pay->q, i10, i50, i90, true, tail);
    const pb_metric_stats *dpay = &s->metric[PB_M_DISCOUNTED_PAYBACK];
    by_end = s->n ? (double)(s->n - dpay->never) / (double)s->n : NAN;
    pb_wilson(s->n - dpay->never, s->n, &lo, &hi);
    snprintf(tail, sizeof tail, "   P(by %d) %.3f [%.3f, %.3f]", s->start + H - 1, by_end, lo, hi);
    row3(f, "discounted payback year", dpay->q, i10, i50, i90, true, tail);
    for (int m = 0; m < PB_N_METHODS; m++) {
        char label[64];
        snprintf(label, sizeof label, "catch-up year, %s", pb_method_names[m]);
        row3(f, label, s->metric[PB_M_CATCHUP + m].q, i10, i50, i90, true, NULL);
    }
    row3(f, "peak burn", s->metric[PB_M_PEAK_BURN].q, i10, i50, i90, false, NULL);
    fmt(b, sizeof b, (double)(s->start + H - 1), true);
    snprintf(tail, sizeof tail, "   (U at the end of %s)", b);
    row3(f, "understated depreciation", s->metric[PB_M_UNDERSTATED].q, i10, i50, i90, false, tail);
    char label[64];
    if (info->window[0] > 0) snprintf(label, sizeof label, "understated over %d-%d", info->window[0], info->window[1]);
    else snprintf(label, sizeof label, "understated over the window");
    row3(f, label, s->metric[PB_M_UNDERSTATED_WINDOW].q, i10, i50, i90, false, NULL);
    row3(f, "peak understated dep.", s->metric[PB_M_PEAK_UNDERSTATED].q, i10, i50, i90, false, NULL);
    row3(f, "levelised full-cost bar", s->metric[PB_M_LEVELISED].q, i10, i50, i90, false, "   (B$/yr: the constant R^o for NPV 0)");
    if (s->nonfinite > 0)
        fprintf(f, "\nnon-finite paths: %lld (excluded from every statistic)\n", (long long)s->nonfinite);
    if (s->coarse_series + s->coarse_metrics > 0)
        fprintf(f, "\ncoarse quantiles: %lld values fell outside the sketch's fine buckets and are known only to "
                "their power of two (coarse_quantiles in the file)\n", (long long)(s->coarse_series + s->coarse_metrics));
}
