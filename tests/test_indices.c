/* test_indices.c: the estimators of `payback sensitivity` (indices.h,
 * model.md §10) against closed forms: Spearman by hand and by scipy, Sobol
 * on an additive function and on Ishigami's, Shapley on linear functions of
 * Gaussian inputs (correlated and independent).  Every input sample comes
 * from a fixed seed; every tolerance is a multiple of the estimator's
 * standard error, derived in the test's comment. */
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "payback/indices.h"
#include "payback/rng.h"
#include "testutil.h"

#define PI 3.14159265358979323846

/* ---------------------------------------------------------------- Spearman */

/* A strictly monotone transform keeps every rank: rho = 1 exactly (and -1
 * for a decreasing one); the interval collapses on it (atanh(1) = inf). */
static void test_spearman_monotone(void **state)
{
    (void)state;
    enum { N = 50 };
    double x[N], y[N], yd[N], rho, lo, hi;
    for (int k = 0; k < N; k++) {
        x[k] = sin(k * 1.7) * 10;           /* no ties, scrambled order */
        y[k] = exp(x[k]) + x[k] * x[k] * x[k];
        yd[k] = -2 * x[k];
    }
    assert_int_equal(pb_spearman(x, y, N, &rho, &lo, &hi), PB_OK);
    assert_true(rho == 1.0 && lo == 1.0 && hi == 1.0);
    assert_int_equal(pb_spearman(x, yd, N, &rho, &lo, &hi), PB_OK);
    assert_true(rho == -1.0 && lo == -1.0 && hi == -1.0);
}

/* By hand: x = {1, 2, 2, 3, 4} has ranks {1, 2.5, 2.5, 4, 5}; y = {2, 1, 4,
 * 3, +inf} has ranks {2, 1, 4, 3, 5} (inf last).  Mean rank 3: dx = {-2,
 * -.5, -.5, 1, 2}, dy = {-1, -2, 1, 0, 2}; sxy = 2 + 1 - .5 + 0 + 4 = 6.5,
 * sxx = 9.5, syy = 10, rho = 6.5 / sqrt(95) = 0.66688592885535.  Interval:
 * tanh(atanh(rho) -+ 1.959964 sqrt(1.06 / 2)) = (-0.55235336405045,
 * 0.97722932128350) (scipy 1.10.1 spearmanr gives the same rho). */
static void test_spearman_ties(void **state)
{
    (void)state;
    const double x[] = {1, 2, 2, 3, 4}, y[] = {2, 1, 4, 3, INFINITY};
    double rho, lo, hi;
    assert_int_equal(pb_spearman(x, y, 5, &rho, &lo, &hi), PB_OK);
    assert_close(rho, 6.5 / sqrt(95.0), 1e-15);
    assert_close(lo, -0.5523533640504523, 1e-13);
    assert_close(hi, 0.9772293212834973, 1e-13);
    /* Forty values, eleven distinct x, fifteen distinct y, four +inf.
     * Reference: scipy 1.10.1, k = arange(40); x = (37 k) % 11;
     * y = x + (7 k) % 5; y[k % 9 == 4] = inf; spearmanr(x, y), and the
     * interval as above with n - 3 = 37. */
    enum { N = 40 };
    double xs[N], ys[N];
    for (int k = 0; k < N; k++) {
        xs[k] = (37 * k) % 11;
        ys[k] = k % 9 == 4 ? INFINITY : xs[k] + (7 * k) % 5;
    }
    assert_int_equal(pb_spearman(xs, ys, N, &rho, &lo, &hi), PB_OK);
    assert_close(rho, 0.7003263749291563, 1e-13);
    assert_close(lo, 0.49010535529473653, 1e-13);
    assert_close(hi, 0.8335577500982064, 1e-13);
}

/* A constant (a fixed parameter) has no rank correlation: NaN, not a crash;
 * n = 3 has no interval; NaN in the data is the caller's error. */
static void test_spearman_degenerate(void **state)
{
    (void)state;
    const double c[] = {2, 2, 2, 2, 2}, y[] = {1, 5, 2, 4, 3}, bad[] = {1, NAN, 2, 3, 4};
    double rho, lo, hi;
    assert_int_equal(pb_spearman(c, y, 5, &rho, &lo, &hi), PB_OK);
    assert_true(isnan(rho) && isnan(lo) && isnan(hi));
    assert_int_equal(pb_spearman(y, c, 5, &rho, &lo, &hi), PB_OK);
    assert_true(isnan(rho));
    assert_int_equal(pb_spearman(y, y, 3, &rho, &lo, &hi), PB_OK);
    assert_true(rho == 1.0 && isnan(lo) && isnan(hi));
    assert_int_equal(pb_spearman(y, bad, 5, &rho, &lo, &hi), PB_EINPUT);
}

/* ------------------------------------------------------------------- Sobol */

typedef struct {
    double s[8], s_lo[8], s_hi[8], st[8], st_lo[8], st_hi[8];
    pb_sobol_result r;
} sobol_out;

static void sobol_out_init(sobol_out *o)
{
    o->r = (pb_sobol_result){o->s, o->s_lo, o->s_hi, o->st, o->st_lo, o->st_hi, 0};
}

typedef double (*model_fn)(const double *x);

/* Fills A and B (n rows of d) by draw(r, i) and evaluates ya, yb and yab. */
static void sobol_design(int d, int64_t n, double (*draw)(gsl_rng *, int), model_fn f, unsigned long seed,
                         double *ya, double *yb, double *yab)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    double a[8], b[8], ab[8];
    for (int64_t k = 0; k < n; k++) {
        for (int i = 0; i < d; i++) a[i] = draw(r, i);
        for (int i = 0; i < d; i++) b[i] = draw(r, i);
        ya[k] = f(a), yb[k] = f(b);
        for (int i = 0; i < d; i++) {
            memcpy(ab, a, sizeof ab);
            ab[i] = b[i];
            yab[i * n + k] = f(ab);
        }
    }
    gsl_rng_free(r);
}

/* Additive: Y = 2 X1 + X2 + X3, X ~ N(0, diag(1, 1, 0.25)), so V_i = beta_i^2
 * Var X_i = (4, 1, 0.25), V = 5.25 and S_i = S_Ti = V_i / V. */
static const double add_beta[3] = {2, 1, 1}, add_sd[3] = {1, 1, 0.5};
static double add_draw(gsl_rng *r, int i) { return gsl_ran_gaussian(r, add_sd[i]); }
static double add_f(const double *x) { return add_beta[0] * x[0] + add_beta[1] * x[1] + add_beta[2] * x[2]; }

/* Standard errors for the additive case, with U = yB, W = yAB_i - yA =
 * beta_i (B_i - A_i) jointly Gaussian, E[UW] = V_i: Var(UW) = E U^2 E W^2 +
 * 2 (E UW)^2 - V_i^2 = 2 V V_i + V_i^2, so the numerator alone has se(S_i) =
 * sqrt((2 V V_i + V_i^2) / N) / V; W^2 / 2 with W ~ N(0, 2 V_i) has variance
 * 2 V_i^2, so se(S_Ti) = V_i sqrt(2 / N) / V.  V's own relative se,
 * sqrt(2 / (2N)), adds S sqrt(1 / N) to the conservative se (added, not in
 * quadrature: numerator and V are correlated, which narrows the ratio). */
static void add_truth(int64_t n, double *S, double se_num[2][3], double se[2][3])
{
    double V = 0, Vi[3];
    for (int i = 0; i < 3; i++) V += Vi[i] = add_beta[i] * add_beta[i] * add_sd[i] * add_sd[i];
    for (int i = 0; i < 3; i++) {
        S[i] = Vi[i] / V;
        se_num[0][i] = sqrt((2 * V * Vi[i] + Vi[i] * Vi[i]) / (double)n) / V;
        se_num[1][i] = Vi[i] * sqrt(2.0 / (double)n) / V;
        for (int j = 0; j < 2; j++) se[j][i] = se_num[j][i] + S[i] / sqrt((double)n);
    }
}

/* N = 2^16: within 4.5 conservative se of the truth (a fixed seed; 4.5 se
 * is exceeded with probability 7e-6 per index); the intervals cover the
 * truth (at this seed; test_sobol_coverage checks the rate), and their
 * half-widths lie between 1.96 se_num / 2 and 1.96 se: a bootstrap that
 * does not resample, or resamples the wrong thing, falls outside. */
static void test_sobol_additive(void **state)
{
    (void)state;
    enum { D = 3, N = 1 << 16 };
    double *ya = malloc(N * sizeof *ya), *yb = malloc(N * sizeof *yb), *yab = malloc(D * N * sizeof *yab);
    assert_non_null(ya && yb && yab);
    sobol_design(D, N, add_draw, add_f, 20240611, ya, yb, yab);
    sobol_out o;
    sobol_out_init(&o);
    assert_int_equal(pb_sobol(ya, yb, yab, D, N, &o.r), PB_OK);
    double S[D], se_num[2][D], se[2][D];
    add_truth(N, S, se_num, se);
    assert_close(o.r.var_y, 5.25, 4.5 * 5.25 * sqrt(1.0 / N));
    for (int i = 0; i < D; i++) {
        print_message("additive S%d = %.5f [%.5f, %.5f], ST%d = %.5f [%.5f, %.5f], truth %.5f, se %.5f %.5f\n",
                      i + 1, o.s[i], o.s_lo[i], o.s_hi[i], i + 1, o.st[i], o.st_lo[i], o.st_hi[i], S[i],
                      se[0][i], se[1][i]);
        assert_close(o.s[i], S[i], 4.5 * se[0][i]);
        assert_close(o.st[i], S[i], 4.5 * se[1][i]);
        assert_true(o.s_lo[i] <= S[i] && S[i] <= o.s_hi[i]);
        assert_true(o.st_lo[i] <= S[i] && S[i] <= o.st_hi[i]);
        const double hs = 0.5 * (o.s_hi[i] - o.s_lo[i]), ht = 0.5 * (o.st_hi[i] - o.st_lo[i]);
        assert_true(hs > 1.96 * se_num[0][i] / 2 && hs < 1.96 * se[0][i]);
        assert_true(ht > 1.96 * se_num[1][i] / 2 && ht < 1.96 * se[1][i]);
    }
    /* Shifting Y by a constant changes no index (yB is centred: indices.c);
     * without the centring, S_1 would move by about 1000 sqrt(2 V_1 / N) / V. */
    for (int64_t k = 0; k < N; k++) ya[k] += 1000, yb[k] += 1000;
    for (int64_t k = 0; k < D * N; k++) yab[k] += 1000;
    sobol_out o2;
    sobol_out_init(&o2);
    assert_int_equal(pb_sobol(ya, yb, yab, D, N, &o2.r), PB_OK);
    for (int i = 0; i < D; i++) {
        assert_close(o2.s[i], o.s[i], 1e-9);
        assert_close(o2.st[i], o.st[i], 1e-9);
    }
    free(ya), free(yb), free(yab);
}

/* The intervals' coverage: 200 independent replications at N = 512, six
 * intervals each, 1,200 in all.  If the true coverage is 95 %, the count
 * covered has sd sqrt(1200 .05 .95) = 7.5 (more, as a replication's six are
 * dependent); 1,080 .. 1,176 (90 % .. 98 %) is -8 .. +4.6 sd of it. */
static void test_sobol_coverage(void **state)
{
    (void)state;
    enum { D = 3, N = 512, R = 200 };
    static double ya[N], yb[N], yab[D * N];
    double S[D], se_num[2][D], se[2][D];
    add_truth(N, S, se_num, se);
    int covered = 0;
    for (int rep = 0; rep < R; rep++) {
        sobol_design(D, N, add_draw, add_f, 1000 + (unsigned long)rep, ya, yb, yab);
        sobol_out o;
        sobol_out_init(&o);
        assert_int_equal(pb_sobol(ya, yb, yab, D, N, &o.r), PB_OK);
        for (int i = 0; i < D; i++)
            covered += (o.s_lo[i] <= S[i] && S[i] <= o.s_hi[i]) + (o.st_lo[i] <= S[i] && S[i] <= o.st_hi[i]);
    }
    print_message("Sobol 95 %% intervals: %d of %d cover the truth\n", covered, R * 2 * D);
    assert_in_range(covered, 1080, 1176);
}

/* Ishigami (a = 7, b = 0.1), X_i ~ U(-pi, pi) (Saltelli et al. 2008, §4.1):
 * V = a^2/8 + b pi^4/5 + b^2 pi^8/18 + 1/2 = 13.8445879407;
 * V_1 = (1 + b pi^4/5)^2 / 2, V_2 = a^2/8, V_3 = 0,
 * V_13 = b^2 pi^8 (1/18 - 1/50) = 8 b^2 pi^8 / 225;
 * S = (0.313905, 0.442411, 0), ST = ((V_1 + V_13)/V, V_2/V, V_13/V) =
 * (0.557589, 0.442411, 0.243684) (computed in Python from these formulas). */
static double ish_draw(gsl_rng *r, int i) { (void)i; return gsl_ran_flat(r, -PI, PI); }
static double ish_f(const double *x)
{
    const double s2 = sin(x[1]);
    return sin(x[0]) + 7 * s2 * s2 + 0.1 * pow(x[2], 4) * sin(x[0]);
}

/* The summands are far from Gaussian, so their se is measured here, from
 * the sample itself: sd(summand) / sqrt(N) / V, plus S sd((y - mean)^2) /
 * sqrt(2N) / V for V's error; the check is 4.5 of those. */
static void test_sobol_ishigami(void **state)
{
    (void)state;
    enum { D = 3, N = 1 << 16 };
    const double pi8 = pow(PI, 8), V = 49.0 / 8 + 0.1 * pow(PI, 4) / 5 + 0.01 * pi8 / 18 + 0.5;
    const double V1 = 0.5 * pow(1 + 0.1 * pow(PI, 4) / 5, 2), V2 = 49.0 / 8, V13 = 0.01 * pi8 * 8 / 225;
    const double S[D] = {V1 / V, V2 / V, 0}, ST[D] = {(V1 + V13) / V, V2 / V, V13 / V};
    assert_close(S[0], 0.3139, 5e-5); assert_close(S[1], 0.4424, 5e-5); assert_close(ST[2], 0.2437, 5e-5);
    double *ya = malloc(N * sizeof *ya), *yb = malloc(N * sizeof *yb), *yab = malloc(D * N * sizeof *yab);
    assert_non_null(ya && yb && yab);
    sobol_design(D, N, ish_draw, ish_f, 7, ya, yb, yab);
    sobol_out o;
    sobol_out_init(&o);
    assert_int_equal(pb_sobol(ya, yb, yab, D, N, &o.r), PB_OK);
    double mean = 0, m2 = 0, m4 = 0;
    for (int k = 0; k < N; k++) mean += (ya[k] + yb[k]) / (2.0 * N);
    for (int k = 0; k < N; k++) {
        const double ea = (ya[k] - mean) * (ya[k] - mean), eb = (yb[k] - mean) * (yb[k] - mean);
        m2 += (ea + eb) / (2.0 * N), m4 += (ea * ea + eb * eb) / (2.0 * N);
    }
    const double rel_v = sqrt((m4 - m2 * m2) / (2.0 * N)) / m2;
    for (int i = 0; i < D; i++) {
        double s1 = 0, s2 = 0, t1 = 0, t2 = 0;
        for (int k = 0; k < N; k++) {
            const double w = yab[i * N + k] - ya[k], u = (yb[k] - mean) * w, t = w * w / 2;
            s1 += u, s2 += u * u, t1 += t, t2 += t * t;
        }
        const double se_s = sqrt((s2 - s1 * s1 / N) / (N - 1.0) / N) / m2 + fabs(S[i]) * rel_v;
        const double se_t = sqrt((t2 - t1 * t1 / N) / (N - 1.0) / N) / m2 + ST[i] * rel_v;
        print_message("Ishigami S%d = %.5f [%.5f, %.5f] (truth %.5f, se %.5f), ST%d = %.5f [%.5f, %.5f] "
                      "(truth %.5f, se %.5f)\n", i + 1, o.s[i], o.s_lo[i], o.s_hi[i], S[i], se_s, i + 1,
                      o.st[i], o.st_lo[i], o.st_hi[i], ST[i], se_t);
        assert_close(o.s[i], S[i], 4.5 * se_s);
        assert_close(o.st[i], ST[i], 4.5 * se_t);
    }
    assert_close(o.r.var_y, V, 4.5 * rel_v * V);
    free(ya), free(yb), free(yab);
}

/* ----------------------------------------------------------------- Shapley */

enum { GD = 3, GMASKS = 1 << GD, GMAXT = 4 };

/* Y = beta^T X + gamma X_1 X_3 with X ~ N(0, Sigma), d <= 3 factors.  For
 * every subset J (bit mask s): A_J = Sigma_{J,-J} Sigma_{-J,-J}^{-1}, the
 * Cholesky factor Lc_J of the conditional covariance C_J = Sigma_JJ - A_J
 * Sigma_{-J,J}, and for gamma = 0 the closed form c(J) = E Var(Y | X_-J) =
 * beta_J^T C_J beta_J (Owen & Prieur 2017, §3; Iooss & Prieur 2019). */
typedef struct {
    int d;
    double beta[GD], gamma, L[GD][GD];
    double A[GMASKS][GD][GD], Lc[GMASKS][GD][GD], c[GMASKS];
    uint64_t seed;
    uint32_t x_stream, cond_stream;
    gsl_rng *r[GMAXT];
} gauss;

/* m (n x n, row-major in a[GD][GD]) into a GSL matrix of the rows and
 * columns rows[0 .. nr-1] x cols[0 .. nc-1]. */
static gsl_matrix *sub(const double *sigma, int d, const int *rows, int nr, const int *cols, int nc)
{
    gsl_matrix *m = gsl_matrix_alloc((size_t)nr, (size_t)nc);
    for (int a = 0; a < nr; a++)
        for (int b = 0; b < nc; b++) gsl_matrix_set(m, (size_t)a, (size_t)b, sigma[rows[a] * d + cols[b]]);
    return m;
}

static int split(int d, int s, int *J, int *K, int *nk)
{
    int nj = 0;
    *nk = 0;
    for (int f = 0; f < d; f++) {
        if (s >> f & 1) J[nj++] = f;
        else K[(*nk)++] = f;
    }
    return nj;
}

static void gauss_init(gauss *g, int d, const double *beta, double gamma, const double *sigma, uint64_t seed)
{
    memset(g, 0, sizeof *g);
    g->d = d, g->gamma = gamma, g->seed = seed;
    g->x_stream = pb_stream_id("test.x"), g->cond_stream = pb_stream_id("test.cond");
    memcpy(g->beta, beta, (size_t)d * sizeof *beta);
    for (int s = 1; s < 1 << d; s++) {
        int J[GD], K[GD], nk, nj = split(d, s, J, K, &nk);
        gsl_matrix *C = sub(sigma, d, J, nj, J, nj);
        if (nk > 0) {
            gsl_matrix *Skk = sub(sigma, d, K, nk, K, nk), *Sjk = sub(sigma, d, J, nj, K, nk);
            gsl_matrix *A = gsl_matrix_alloc((size_t)nj, (size_t)nk);
            gsl_linalg_cholesky_decomp1(Skk);
            gsl_linalg_cholesky_invert(Skk);
            gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, Sjk, Skk, 0.0, A);
            gsl_blas_dgemm(CblasNoTrans, CblasTrans, -1.0, A, Sjk, 1.0, C); /* Sigma_KJ = Sigma_JK^T */
            for (int a = 0; a < nj; a++)
                for (int b = 0; b < nk; b++) g->A[s][a][b] = gsl_matrix_get(A, (size_t)a, (size_t)b);
            gsl_matrix_free(Skk), gsl_matrix_free(Sjk), gsl_matrix_free(A);
        }
        for (int a = 0; a < nj; a++)
            for (int b = 0; b < nj; b++) g->c[s] += beta[J[a]] * gsl_matrix_get(C, (size_t)a, (size_t)b) * beta[J[b]];
        gsl_linalg_cholesky_decomp1(C);
        for (int a = 0; a < nj; a++)
            for (int b = 0; b <= a; b++) g->Lc[s][a][b] = gsl_matrix_get(C, (size_t)a, (size_t)b);
        gsl_matrix_free(C);
    }
    memcpy(g->L, g->Lc[(1 << d) - 1], sizeof g->L); /* J = all: C = Sigma */
    for (int t = 0; t < GMAXT; t++) g->r[t] = pb_rng_alloc();
}

static void gauss_free(gauss *g)
{
    for (int t = 0; t < GMAXT; t++) pb_rng_free(g->r[t]);
}

/* n standard normals keyed by (seed, number, stream): deterministic and
 * thread-safe (each thread its own generator, restarted on the key). */
static void normals(const gauss *g, gsl_rng *r, int64_t number, uint32_t stream, double *z, int n)
{
    pb_rng_start(r, g->seed, (uint64_t)number, stream, 0);
    for (int a = 0; a < n; a++) z[a] = gsl_ran_ugaussian(r);
}

/* The pb_cond_eval of the test: an unconditional X numbered `inner` (mask
 * all-one) or `outer`, then X_J redrawn from its conditional normal law. */
static double gauss_eval(void *ctx, int tid, const unsigned char *mask, int64_t outer, int64_t inner)
{
    const gauss *g = ctx;
    const int d = g->d, full = (1 << d) - 1;
    int s = 0;
    for (int f = 0; f < d; f++) s |= mask[f] << f;
    double z[GD], x[GD] = {0};
    normals(g, g->r[tid], s == full ? inner : outer, g->x_stream, z, d);
    for (int a = 0; a < d; a++)
        for (int b = 0; b <= a; b++) x[a] += g->L[a][b] * z[b];
    if (s != 0 && s != full) {
        int J[GD], K[GD], nk, nj = split(d, s, J, K, &nk);
        double xj[GD];
        normals(g, g->r[tid], inner, g->cond_stream, z, nj);
        for (int a = 0; a < nj; a++) {
            xj[a] = 0;
            for (int b = 0; b < nk; b++) xj[a] += g->A[s][a][b] * x[K[b]];
            for (int b = 0; b <= a; b++) xj[a] += g->Lc[s][a][b] * z[b];
        }
        for (int a = 0; a < nj; a++) x[J[a]] = xj[a];
    }
    double y = g->gamma * x[0] * x[d - 1];
    for (int f = 0; f < d; f++) y += g->beta[f] * x[f];
    return y;
}

static int popcount(int s) { int c = 0; for (; s; s &= s - 1) c++; return c; }
static double fact(int n) { return n <= 1 ? 1 : n * fact(n - 1); }
/* The share of the d! orders in which the factors before i are the set s. */
static double weight(int d, int s) { return fact(popcount(s)) * fact(d - popcount(s) - 1) / fact(d); }

/* Truth by exact enumeration of the closed-form c(J) (exact arithmetic up
 * to rounding), and the se of both estimators of Sh_i.  With Gaussian X and
 * a linear Y, Var(Y | X_-J) = c(J) whatever X_-J, and Y given X_-J is normal,
 * so a c-hat from N_o outer samples of N_i draws each is c(J) chi^2 / dof,
 * dof = N_o (N_i - 1): v(J) = Var c-hat(J) = 2 c(J)^2 / dof; likewise
 * Var V-hat = 2 V^2 / (N_v - 1).  Distinct c-hats are independent (their
 * inner draws are, and a sample variance does not see the mean).
 *   Exact: Sh_i = sum over s without i of w(s) (c(s + i) - c(s)), each c-hat
 *     in it once: se^2 = sum w(s)^2 (v(s + i) + v(s)).
 *   Random: the mean of m independent per-order Delta's, Delta = c-hat(s + i)
 *     - c-hat(s) with s the set before i (probability w(s)), all but V-hat
 *     drawn afresh: se^2 = Var(Delta) / m + Var V-hat / d^2, Var(Delta) =
 *     sum w(s) ((c(s + i) - c(s))^2 + v(s) + v(s + i)) - Sh_i^2, with v(all)
 *     counted in the second term only (V-hat is shared by the orders). */
static void shapley_truth(const gauss *g, const pb_shapley_opts *o, double *sh, double *se, double *V)
{
    const int d = g->d, full = (1 << d) - 1;
    double c[GMASKS], v[GMASKS];
    for (int s = 0; s <= full; s++) {
        c[s] = s ? g->c[s] : 0.0;
        v[s] = s == 0 ? 0 : s == full ? 2 * c[s] * c[s] / (double)(o->n_var - 1)
                                      : 2 * c[s] * c[s] / (double)(o->n_outer * (o->n_inner - 1));
    }
    *V = c[full];
    for (int i = 0; i < d; i++) {
        double m1 = 0, m2 = 0, ex = 0;
        for (int s = 0; s <= full; s++) {
            if (s >> i & 1) continue;
            const int u = s | 1 << i;
            const double w = weight(d, s), delta = c[u] - c[s], vu = u == full ? 0 : v[u];
            m1 += w * delta;
            m2 += w * (delta * delta + v[s] + vu);
            ex += w * w * (v[u] + v[s]);
        }
        sh[i] = m1;
        se[i] = o->exact ? sqrt(ex) : sqrt((m2 - m1 * m1) / (double)o->orders + v[full] / (d * d));
    }
}

typedef struct {
    double share[GD], lo[GD], hi[GD];
    pb_shapley_result r;
} shap_out;

static void run_shapley(gauss *g, const pb_shapley_opts *o, shap_out *out)
{
    memset(out, 0, sizeof *out);
    out->r = (pb_shapley_result){out->share, out->lo, out->hi, 0};
    assert_int_equal(pb_shapley(g->d, gauss_eval, g, o, &out->r), PB_OK);
}

/* Checks Sh_i = share_i var_y and var_y within 4.5 se of the truth, the
 * shares' sum, and that each interval holds its estimate and the true share
 * (at these fixed seeds: each interval misses with probability 5 % at
 * another seed).  A bootstrap that does not resample would miss. */
static void check_shapley(const char *what, gauss *g, const pb_shapley_opts *o, const shap_out *out)
{
    double sh[GD], se[GD], V;
    shapley_truth(g, o, sh, se, &V);
    double sum = 0;
    for (int i = 0; i < g->d; i++) {
        print_message("%s: Sh%d/V = %.5f [%.5f, %.5f], truth %.5f; Sh%d = %.5f, truth %.5f, se %.5f\n", what,
                      i + 1, out->share[i], out->lo[i], out->hi[i], sh[i] / V, i + 1, out->share[i] * out->r.var_y,
                      sh[i], se[i]);
        assert_close(out->share[i] * out->r.var_y, sh[i], 4.5 * se[i]);
        assert_true(out->lo[i] <= out->share[i] && out->share[i] <= out->hi[i]);
        assert_true(out->lo[i] <= sh[i] / V && sh[i] / V <= out->hi[i]);
        sum += out->share[i];
    }
    print_message("%s: var_y = %.5f, truth %.5f\n", what, out->r.var_y, V);
    assert_close(out->r.var_y, V, 4.5 * V * sqrt(2.0 / (double)(o->n_var - 1)));
    assert_close(sum, 1.0, 1e-12);
}

/* d = 2 by hand, Var X_i = 1, correlation rho: c({1}) = c({2}) = 1 - rho^2,
 * c({1, 2}) = Var Y.  For Y = X1 + X2, Var Y = 2 + 2 rho and Sh_1 = (c({1}) +
 * c({1, 2}) - c({2})) / 2 = 1 + rho = Sh_2.  For Y = X1 + 2 X2: c({1}) =
 * 1 - rho^2, c({2}) = 4 (1 - rho^2), Var Y = 5 + 4 rho, so Sh_1 = (2 + 4 rho
 * + 3 rho^2) / 2 = 2.74 at rho = 0.6 and Sh_2 = 7.4 - 2.74 = 4.66.  Checks
 * the truth code of the other tests, then the exact estimator on it. */
static void test_shapley_truth_d2(void **state)
{
    (void)state;
    const double rho = 0.6, sigma[4] = {1, rho, rho, 1}, b1[2] = {1, 1}, b2[2] = {1, 2};
    pb_shapley_opts o;
    pb_shapley_defaults(&o);
    o.exact = 1, o.n_outer = 4096;
    double sh[2], se[2], V;
    gauss g;
    gauss_init(&g, 2, b2, 0, sigma, 11);
    shapley_truth(&g, &o, sh, se, &V);
    assert_close(g.c[1], 1 - rho * rho, 1e-14);
    assert_close(sh[0], 2.74, 1e-12); assert_close(sh[1], 4.66, 1e-12); assert_close(V, 7.4, 1e-12);
    gauss_free(&g);
    gauss_init(&g, 2, b1, 0, sigma, 11);
    shapley_truth(&g, &o, sh, se, &V);
    assert_close(sh[0], 1 + rho, 1e-12); assert_close(sh[1], 1 + rho, 1e-12);
    shap_out out;
    run_shapley(&g, &o, &out);
    check_shapley("d = 2, exact", &g, &o, &out);
    gauss_free(&g);
}

/* d = 3, correlated: Y = X1 + 2 X2 - X3, unit variances, correlations
 * 0.6 (1, 2), 0.2 (1, 3), -0.3 (2, 3) (det 0.438 > 0). */
static const double g3_beta[3] = {1, 2, -1};
static const double g3_sigma[9] = {1, 0.6, 0.2, 0.6, 1, -0.3, 0.2, -0.3, 1};

static void test_shapley_random(void **state)
{
    (void)state;
    gauss g;
    gauss_init(&g, 3, g3_beta, 0, g3_sigma, 2016);
    pb_shapley_opts o;
    pb_shapley_defaults(&o);
    o.orders = 20000, o.n_var = 1 << 15, o.threads = 2;
    shap_out out;
    run_shapley(&g, &o, &out);
    check_shapley("correlated, random orders", &g, &o, &out);
    gauss_free(&g);
}

static void test_shapley_exact(void **state)
{
    (void)state;
    gauss g;
    gauss_init(&g, 3, g3_beta, 0, g3_sigma, 2017);
    pb_shapley_opts o;
    pb_shapley_defaults(&o);
    o.exact = 1, o.n_outer = 8192, o.n_var = 1 << 15, o.threads = 2;
    shap_out out;
    run_shapley(&g, &o, &out);
    check_shapley("correlated, exact", &g, &o, &out);
    gauss_free(&g);
}

/* Independent and additive, the Sobol test's Y = 2 X1 + X2 + X3 with Var X
 * = (1, 1, 0.25): S_i = Sh_i / V = S_Ti = (4, 1, 0.25) / 5.25.  Then
 * Y = X1 + X2 + X1 X3, independent standard normals: V = 3, S = (1, 1, 0)/3,
 * ST = (2, 1, 1)/3; the interaction's variance 1 is split evenly, so
 * Sh / V = (1.5, 1, 0.5) / 3, between S and ST.  Var(Y | X_-J) now depends
 * on X_-J, so the Gaussian se above does not hold.  The shares' sd over 20
 * seeds (1000 .. 1019, this test's code, measured once) was 0.0078, 0.0049
 * and 0.0076: the check is 4.5 x 0.008 = 0.036. */
static void test_shapley_independent(void **state)
{
    (void)state;
    const double diag[9] = {1, 0, 0, 0, 1, 0, 0, 0, 0.25}, eye[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
    const double b[3] = {2, 1, 1}, b1[3] = {1, 1, 0};
    pb_shapley_opts o;
    pb_shapley_defaults(&o);
    o.exact = 1, o.n_outer = 8192, o.n_var = 1 << 15;
    gauss g;
    gauss_init(&g, 3, b, 0, diag, 99);
    shap_out out;
    run_shapley(&g, &o, &out);
    check_shapley("independent additive, exact", &g, &o, &out);
    for (int i = 0; i < 3; i++) assert_close(g.c[1 << i], b[i] * b[i] * diag[4 * i], 1e-15);
    gauss_free(&g);
    gauss_init(&g, 3, b1, 1.0, eye, 100);
    run_shapley(&g, &o, &out);
    const double want[3] = {0.5, 1.0 / 3, 1.0 / 6}, S[3] = {1.0 / 3, 1.0 / 3, 0}, ST[3] = {2.0 / 3, 1.0 / 3, 1.0 / 3};
    for (int i = 0; i < 3; i++) {
        print_message("X1 + X2 + X1 X3: Sh%d/V = %.5f [%.5f, %.5f], truth %.5f\n", i + 1, out.share[i],
                      out.lo[i], out.hi[i], want[i]);
        assert_close(out.share[i], want[i], 0.036);
        assert_true(out.share[i] >= S[i] - 0.036 && out.share[i] <= ST[i] + 0.036);
    }
    assert_close(out.r.var_y, 3.0, 4.5 * sqrt(15.0 / (double)o.n_var)); /* Var((Y - EY)^2) = E Y^4 - 9 = 15 */
    gauss_free(&g);
}

/* 1, 2 and 3 threads give the same bits, in both modes. */
static void test_shapley_threads(void **state)
{
    (void)state;
    gauss g;
    gauss_init(&g, 3, g3_beta, 0, g3_sigma, 5);
    for (int exact = 0; exact <= 1; exact++) {
        pb_shapley_opts o;
        pb_shapley_defaults(&o);
        o.exact = exact, o.orders = 700, o.n_outer = exact ? 300 : 1, o.n_var = 999;
        shap_out ref, out;
        o.threads = 1;
        run_shapley(&g, &o, &ref);
        for (int t = 2; t <= 3; t++) {
            o.threads = t;
            run_shapley(&g, &o, &out);
            assert_memory_equal(ref.share, out.share, sizeof ref.share);
            assert_memory_equal(ref.lo, out.lo, sizeof ref.lo);
            assert_memory_equal(ref.hi, out.hi, sizeof ref.hi);
            assert_memory_equal(&ref.r.var_y, &out.r.var_y, sizeof ref.r.var_y);
        }
    }
    gauss_free(&g);
}

/* Bad input is PB_EINPUT, after one pb_raise line on stderr. */
static double nan_eval(void *ctx, int tid, const unsigned char *mask, int64_t outer, int64_t inner)
{
    (void)ctx, (void)tid, (void)mask, (void)outer;
    return inner == 5 ? NAN : (double)inner;
}
static void test_bad_input(void **state)
{
    (void)state;
    const double y[4] = {1, 2, INFINITY, 4};
    double v[6];
    pb_sobol_result r = {v, v, v, v, v, v, 0};
    assert_int_equal(pb_sobol(y, y, y, 1, 1, &r), PB_EINPUT);   /* one pair */
    assert_int_equal(pb_sobol(y, y, y, 1, 4, &r), PB_EINPUT);   /* +inf */
    pb_shapley_opts o;
    pb_shapley_result sr = {v, v, v, 0};
    pb_shapley_defaults(&o);
    o.exact = 1;
    assert_int_equal(pb_shapley(7, nan_eval, NULL, &o, &sr), PB_EINPUT); /* 2^7 subsets */
    o.exact = 0, o.n_inner = 1;
    assert_int_equal(pb_shapley(2, nan_eval, NULL, &o, &sr), PB_EINPUT); /* no inner variance */
    o.n_inner = 3, o.orders = 10, o.n_var = 10;
    assert_int_equal(pb_shapley(2, nan_eval, NULL, &o, &sr), PB_EINPUT); /* Y NaN at inner 5 */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spearman_monotone),
        cmocka_unit_test(test_spearman_ties),
        cmocka_unit_test(test_spearman_degenerate),
        cmocka_unit_test(test_sobol_additive),
        cmocka_unit_test(test_sobol_coverage),
        cmocka_unit_test(test_sobol_ishigami),
        cmocka_unit_test(test_shapley_truth_d2),
        cmocka_unit_test(test_shapley_random),
        cmocka_unit_test(test_shapley_exact),
        cmocka_unit_test(test_shapley_independent),
        cmocka_unit_test(test_shapley_threads),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
