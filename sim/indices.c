/* indices.c: Spearman rank correlation and Sobol indices of independent
 * factors (model.md §10), and the bootstrap helpers of boot.h. */
#include "payback/indices.h"

#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "payback/rng.h"
#include "boot.h"

/* Two-sided 95 % normal quantile, as model.md §9 (PB_Z95 in stats.h, which
 * this module does not include: it knows nothing of the simulator). */
#define Z95 1.959964

void pb_boot_start(gsl_rng *r, const char *stream, int64_t b)
{
    pb_rng_start(r, PB_BOOT_SEED, (uint64_t)b, pb_stream_id(stream), 0);
}

void pb_boot_percentiles(double *v, int n, double *lo, double *hi)
{
    for (int b = 0; b < n; b++)
        if (isnan(v[b])) {
            *lo = *hi = NAN;
            return;
        }
    gsl_sort(v, 1, (size_t)n);
    *lo = gsl_stats_quantile_from_sorted_data(v, 1, (size_t)n, 0.025);
    *hi = gsl_stats_quantile_from_sorted_data(v, 1, (size_t)n, 0.975);
}

/* Average ranks (1-based) of v[n] into rank, with p[n] as scratch.  +-inf
 * sort like any number; ties share the mean of the ranks they span, so a
 * rank's sum is n (n + 1) / 2 whatever the ties. */
static void average_ranks(const double *v, size_t n, size_t *p, double *rank)
{
    gsl_sort_index(p, v, 1, n);
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && v[p[j]] == v[p[i]]) j++;
        const double r = 0.5 * (double)(i + 1 + j); /* mean of i+1 .. j */
        for (size_t k = i; k < j; k++) rank[p[k]] = r;
        i = j;
    }
}

pb_status pb_spearman(const double *x, const double *y, int64_t n, double *rho, double *lo, double *hi)
{
    *rho = *lo = *hi = NAN;
    if (n < 0) return pb_raise(PB_EINPUT, NULL, "spearman: %lld values", (long long)n);
    for (int64_t k = 0; k < n; k++)
        if (isnan(x[k]) || isnan(y[k]))
            return pb_raise(PB_EINPUT, NULL, "spearman: value %lld is NaN (drop undefined outputs first)",
                            (long long)k);
    if (n < 2) return PB_OK;
    const size_t m = (size_t)n;
    double *rx = malloc(m * sizeof *rx), *ry = malloc(m * sizeof *ry);
    size_t *p = malloc(m * sizeof *p);
    if (!rx || !ry || !p) {
        free(rx), free(ry), free(p);
        return pb_raise(PB_ENOMEM, NULL, "spearman: cannot allocate ranks of %lld values", (long long)n);
    }
    average_ranks(x, m, p, rx);
    average_ranks(y, m, p, ry);
    /* The mean rank is (n + 1) / 2 exactly, and rank - mean is a multiple of
     * 1/2: the deviations are exact, and equal ranks give sxy = sxx = syy
     * bit for bit.  sqrt(sxx * syy) is then sxx (sqrt of a correctly
     * rounded square is exact in binary), so a monotone y gives rho = 1. */
    const double mean = 0.5 * (double)(n + 1);
    double sxx = 0, syy = 0, sxy = 0;
    for (size_t k = 0; k < m; k++) {
        const double dx = rx[k] - mean, dy = ry[k] - mean;
        sxx += dx * dx, syy += dy * dy, sxy += dx * dy;
    }
    free(rx), free(ry), free(p);
    if (sxx == 0 || syy == 0) return PB_OK; /* a constant: no correlation defined */
    *rho = fmax(-1.0, fmin(1.0, sxy / sqrt(sxx * syy)));
    if (n > 3) {
        /* Fisher z with Fieller, Hartley & Pearson's (1957) variance for rank
         * correlation, 1.06 / (n - 3); atanh(+-1) = +-inf maps back to +-1. */
        const double z = atanh(*rho), se = sqrt(1.06 / (double)(n - 3));
        *lo = tanh(z - Z95 * se);
        *hi = tanh(z + Z95 * se);
    }
    return PB_OK;
}

/* S_i and S_Ti of all d factors from the rows idx[0 .. n-1] (idx NULL: rows
 * 0 .. n-1), and V.  yB is centred on the mean of the 2n values: E[yAB_i -
 * yA] = 0, so the expectation is Saltelli's, but without the centring a Y
 * whose mean is large beside its spread (an NPV of hundreds of B$) adds
 * mean^2 Var(yAB_i - yA) / n of noise to the numerator. */
static void sobol_estimate(const double *ya, const double *yb, const double *yab, int d, int64_t n,
                           const int64_t *idx, double *s, double *st, double *var)
{
    double sum = 0;
    for (int64_t k = 0; k < n; k++) {
        const int64_t r = idx ? idx[k] : k;
        sum += ya[r] + yb[r];
    }
    const double mean = sum / (double)(2 * n);
    double ss = 0;
    for (int64_t k = 0; k < n; k++) {
        const int64_t r = idx ? idx[k] : k;
        ss += (ya[r] - mean) * (ya[r] - mean) + (yb[r] - mean) * (yb[r] - mean);
    }
    const double V = ss / (double)(2 * n - 1);
    *var = V;
    for (int i = 0; i < d; i++) {
        const double *yi = yab + (int64_t)i * n;
        double first = 0, total = 0;
        for (int64_t k = 0; k < n; k++) {
            const int64_t r = idx ? idx[k] : k;
            const double diff = yi[r] - ya[r];
            first += (yb[r] - mean) * diff;
            total += diff * diff;
        }
        s[i] = V > 0 ? first / (double)n / V : NAN;
        st[i] = V > 0 ? total / (double)(2 * n) / V : NAN;
    }
}

pb_status pb_sobol(const double *ya, const double *yb, const double *yab, int d, int64_t n,
                   pb_sobol_result *out)
{
    /* Resampling draws an index below 2^32 (gsl_rng_uniform_int on Philox). */
    if (d < 1 || n < 2 || n > INT64_C(1) << 32) return pb_raise(PB_EINPUT, NULL, "sobol: %d factors and %lld pairs", d, (long long)n);
    for (int64_t k = 0; k < n * (d + 2); k++) {
        const double v = k < n ? ya[k] : k < 2 * n ? yb[k - n] : yab[k - 2 * n];
        if (!isfinite(v)) return pb_raise(PB_EINPUT, NULL, "sobol: Y number %lld is not finite", (long long)k);
    }
    sobol_estimate(ya, yb, yab, d, n, NULL, out->s, out->st, &out->var_y);

    enum { B = PB_BOOT_RESAMPLES };
    int64_t *idx = malloc((size_t)n * sizeof *idx);
    double *bs = malloc((size_t)d * B * sizeof *bs), *bst = malloc((size_t)d * B * sizeof *bst);
    double *s = malloc((size_t)d * sizeof *s), *st = malloc((size_t)d * sizeof *st);
    gsl_rng *r = pb_rng_alloc();
    pb_status status = PB_OK;
    if (!idx || !bs || !bst || !s || !st || !r) {
        status = pb_raise(PB_ENOMEM, NULL, "sobol: cannot allocate the bootstrap of %d factors", d);
        goto done;
    }
    for (int b = 0; b < B; b++) {
        pb_boot_start(r, "sobol.bootstrap", b);
        for (int64_t k = 0; k < n; k++) idx[k] = (int64_t)gsl_rng_uniform_int(r, (unsigned long)n);
        double v;
        sobol_estimate(ya, yb, yab, d, n, idx, s, st, &v);
        for (int i = 0; i < d; i++) bs[i * B + b] = s[i], bst[i * B + b] = st[i];
    }
    for (int i = 0; i < d; i++) {
        pb_boot_percentiles(bs + i * B, B, &out->s_lo[i], &out->s_hi[i]);
        pb_boot_percentiles(bst + i * B, B, &out->st_lo[i], &out->st_hi[i]);
    }
done:
    pb_rng_free(r);
    free(idx), free(bs), free(bst), free(s), free(st);
    return status;
}
