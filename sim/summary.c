/* summary.c: the pb_summary container, and exact statistics of stored
 * paths by sorting (model.md §9): type 1 and type 7 quantiles, their
 * order-statistic intervals, Wilson intervals.  The streaming statistics
 * of the Monte Carlo kernel are in acc.c. */
#include "payback/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    pb_summary s;
    double *block; /* every double array of s, in one allocation */
    int64_t *iblock;
    size_t nd, ni; /* their lengths */
} summary_mem;

pb_summary *pb_summary_alloc(int start, int n_years, int n_quantiles, const double *quantiles)
{
    summary_mem *m = calloc(1, sizeof *m);
    size_t H = (size_t)n_years, Q = (size_t)n_quantiles;
    size_t nd = Q + PB_N_SERIES * (3 * H + 3 * H * Q) + PB_N_METHODS * 3 * H + PB_N_METRICS * 3 * Q;
    size_t ni = PB_N_METRICS * H;
    if (!m || !(m->block = calloc(nd, sizeof(double))) || !(m->iblock = calloc(ni, sizeof(int64_t)))) {
        if (m) { free(m->block); free(m); }
        pb_raise(PB_ENOMEM, NULL, "cannot allocate statistics for %d years", n_years);
        return NULL;
    }
    m->nd = nd;
    m->ni = ni;
    pb_summary *s = &m->s;
    s->start = start;
    s->n_years = n_years;
    s->n_quantiles = n_quantiles;
    double *p = m->block;
    s->quantiles = p; p += Q;
    memcpy(s->quantiles, quantiles, Q * sizeof(double));
    for (int k = 0; k < PB_N_SERIES; k++) {
        pb_series_stats *ss = &s->series[k];
        ss->mean = p; p += H;
        ss->sd = p; p += H;
        ss->se = p; p += H;
        ss->q = p; p += H * Q;
        ss->q_lo = p; p += H * Q;
        ss->q_hi = p; p += H * Q;
    }
    for (int mth = 0; mth < PB_N_METHODS; mth++) {
        s->p_closed[mth] = p; p += H;
        s->p_closed_lo[mth] = p; p += H;
        s->p_closed_hi[mth] = p; p += H;
    }
    int64_t *ip = m->iblock;
    for (int k = 0; k < PB_N_METRICS; k++) {
        pb_metric_stats *ms = &s->metric[k];
        ms->q = p; p += Q;
        ms->q_lo = p; p += Q;
        ms->q_hi = p; p += Q;
        if (pb_metric_is_year(k)) ms->hist = ip;
        ip += H;
    }
    return s;
}

void pb_summary_free(pb_summary *s)
{
    if (!s) return;
    summary_mem *m = (summary_mem *)s; /* s is the first member */
    free(m->block);
    free(m->iblock);
    free(m);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int pb_report_quantiles(const pb_scenario *sc, double *out)
{
    static const double always[3] = {0.10, 0.50, 0.90};
    int n = 0;
    for (int i = 0; i < sc->n_quantiles; i++) out[n++] = sc->quantiles[i];
    for (int i = 0; i < 3; i++) out[n++] = always[i];
    qsort(out, (size_t)n, sizeof *out, cmp_double);
    int k = 0;
    for (int i = 0; i < n; i++)
        if (k == 0 || fabs(out[i] - out[k - 1]) > 1e-12) out[k++] = out[i];
    return k;
}

double pb_quantile_type7(const double *x, int64_t n, double p)
{
    if (n <= 0) return NAN;
    double h = (double)(n - 1) * p;
    int64_t lo = (int64_t)floor(h);
    if (lo >= n - 1) return x[n - 1];
    double w = h - (double)lo;
    return w == 0 ? x[lo] : x[lo] + w * (x[lo + 1] - x[lo]);
}

double pb_quantile_type1(const double *x, int64_t n, double p)
{
    if (n <= 0) return NAN;
    int64_t k = (int64_t)ceil((double)n * p); /* 1-based */
    if (k < 1) k = 1;
    if (k > n) k = n;
    return x[k - 1];
}

void pb_quantile_ci_ranks(int64_t n, double p, int64_t *lo, int64_t *hi)
{
    double np = (double)n * p, half = PB_Z95 * sqrt(np * (1 - p));
    double l = floor(np - half), h = ceil(np + half);
    *lo = l < 1 ? 1 : l > (double)n ? n : (int64_t)l;
    *hi = h < 1 ? 1 : h > (double)n ? n : (int64_t)h;
}

void pb_wilson(int64_t k, int64_t n, double *lo, double *hi)
{
    if (n <= 0) { *lo = *hi = NAN; return; }
    double ph = (double)k / (double)n;
    if (n == 1) { *lo = *hi = ph; return; }
    double z = PB_Z95, nn = (double)n, d = 1 + z * z / nn;
    double centre = (ph + z * z / (2 * nn)) / d;
    double half = z / d * sqrt(ph * (1 - ph) / nn + z * z / (4 * nn * nn));
    *lo = fmax(0, centre - half);
    *hi = fmin(1, centre + half);
}

/* Mean, sd (n-1) and se of x[0..n-1], summed in index order. */
static void moments(const double *x, int64_t n, double *mean, double *sd, double *se)
{
    if (n == 0) { *mean = *sd = *se = NAN; return; }
    double s = 0;
    for (int64_t i = 0; i < n; i++) s += x[i];
    double m = s / (double)n, ss = 0;
    for (int64_t i = 0; i < n; i++) ss += (x[i] - m) * (x[i] - m);
    *mean = m;
    *sd = n > 1 ? sqrt(ss / (double)(n - 1)) : 0;
    *se = n > 1 ? *sd / sqrt((double)n) : 0;
}

/* Quantiles and their intervals of sorted x, type 7 or type 1. */
static void quantiles(const pb_summary *s, const double *x, int64_t n, bool type1, double *q, double *lo, double *hi)
{
    for (int k = 0; k < s->n_quantiles; k++) {
        double p = s->quantiles[k];
        if (n == 0) { q[k] = lo[k] = hi[k] = NAN; continue; }
        q[k] = type1 ? pb_quantile_type1(x, n, p) : pb_quantile_type7(x, n, p);
        int64_t rl, rh;
        pb_quantile_ci_ranks(n, p, &rl, &rh);
        lo[k] = n == 1 ? q[k] : x[rl - 1];
        hi[k] = n == 1 ? q[k] : x[rh - 1];
    }
}

/* The series statistics of pb_summary_exact: per series and year, over
 * the finite paths; x is scratch room for n values. */
static void exact_series(pb_summary *s, int64_t n, const double *series, const unsigned char *nonfinite, double *x)
{
    const int H = s->n_years, Q = s->n_quantiles;
    const size_t stride = (size_t)PB_N_SERIES * (size_t)H;
    for (int k = 0; k < PB_N_SERIES; k++) {
        pb_series_stats *ss = &s->series[k];
        for (int t = 0; t < H; t++) {
            int64_t m = 0, closed = 0;
            for (int64_t i = 0; i < n; i++)
                if (!nonfinite[i]) x[m++] = series[(size_t)i * stride + (size_t)k * (size_t)H + (size_t)t];
            moments(x, m, &ss->mean[t], &ss->sd[t], &ss->se[t]);
            if (k >= PB_S_GAP && k < PB_S_GAP + PB_N_METHODS) {
                for (int64_t i = 0; i < m; i++) closed += x[i] <= 0;
                int mth = k - PB_S_GAP;
                s->p_closed[mth][t] = m ? (double)closed / (double)m : NAN;
                pb_wilson(closed, m, &s->p_closed_lo[mth][t], &s->p_closed_hi[mth][t]);
            }
            qsort(x, (size_t)m, sizeof *x, cmp_double);
            quantiles(s, x, m, false, ss->q + (size_t)t * Q, ss->q_lo + (size_t)t * Q, ss->q_hi + (size_t)t * Q);
        }
    }
}

/* The metric statistics of pb_summary_exact, over the finite paths (the
 * IRR over those with a single root); x is scratch room for n values. */
static void exact_metrics(pb_summary *s, int64_t n, const double *metric, const unsigned char *irr_kind,
                          const unsigned char *nonfinite, double *x)
{
    const int H = s->n_years;
    s->irr_none = s->irr_multiple = 0;
    for (int k = 0; k < PB_N_METRICS; k++) {
        pb_metric_stats *ms = &s->metric[k];
        int64_t m = 0;
        for (int64_t i = 0; i < n; i++) {
            if (nonfinite[i]) continue;
            if (k == PB_M_IRR && irr_kind[i] != PB_IRR_ONE) {
                if (irr_kind[i] == PB_IRR_NONE) s->irr_none++; else s->irr_multiple++;
                continue;
            }
            x[m++] = metric[(size_t)i * PB_N_METRICS + (size_t)k];
        }
        qsort(x, (size_t)m, sizeof *x, cmp_double);
        if (pb_metric_is_year(k)) {
            /* "Never" (+inf) ranks after every year; mean and sd cover the
             * paths with an event (model.md §9). */
            int64_t events = 0;
            while (events < m && isfinite(x[events])) events++;
            ms->never = m - events;
            memset(ms->hist, 0, (size_t)H * sizeof *ms->hist);
            for (int64_t i = 0; i < events; i++) {
                double t = x[i] - s->start; /* always inside the horizon for a path's year */
                if (t >= 0 && t < H) ms->hist[(int)t]++;
            }
            moments(x, events, &ms->mean, &ms->sd, &ms->se);
            quantiles(s, x, m, true, ms->q, ms->q_lo, ms->q_hi);
        } else {
            moments(x, m, &ms->mean, &ms->sd, &ms->se);
            quantiles(s, x, m, false, ms->q, ms->q_lo, ms->q_hi);
        }
    }
}

pb_status pb_summary_exact(pb_summary *s, int64_t n, const double *series, const double *metric,
                           const unsigned char *irr_kind, const unsigned char *nonfinite)
{
    double *x = malloc((size_t)(n > 0 ? n : 1) * sizeof *x);
    if (!x) return pb_raise(PB_ENOMEM, NULL, "cannot allocate %lld values for statistics", (long long)n);
    int64_t good = 0;
    for (int64_t i = 0; i < n; i++) good += !nonfinite[i];
    s->n = good;
    s->nonfinite = n - good;
    exact_series(s, n, series, nonfinite, x);
    exact_metrics(s, n, metric, irr_kind, nonfinite, x);
    free(x);
    return PB_OK;
}
