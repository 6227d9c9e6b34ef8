/* test_draws.c: random streams and draws (model.md §2): Philox
 * known answers, the stream layout, common random numbers under --set, every
 * distribution's moments and CDF, Spearman correlations through the copula,
 * and the regime chain.  Every test has a fixed seed. */
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>

#include "payback/draws.h"
#include "payback/param.h"
#include "payback/path.h"
#include "payback/rng.h"
#include "payback/scenario.h"
#include "testutil.h"
#include "../sim/qtable.h" /* private to sim/: tested here against the exact quantile */

#ifndef SRCDIR
#define SRCDIR "."
#endif

/* Random123's published known-answer vectors (tests/kat_vectors of the
 * Random123 distribution): "philox4x32 10 CTR[4] KEY[2] -> OUT[4]". */
static void test_philox_kat(void **state)
{
    (void)state;
    const struct { uint32_t ctr[4], key[2], out[4]; } kat[] = {
        {{0, 0, 0, 0}, {0, 0}, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
        {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, {0xffffffff, 0xffffffff}, {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
        {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, {0xa4093822, 0x299f31d0}, {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
    };
    for (size_t i = 0; i < sizeof kat / sizeof kat[0]; i++) {
        uint32_t out[4];
        pb_philox4x32(kat[i].ctr, kat[i].key, out);
        for (int j = 0; j < 4; j++) assert_int_equal(out[j], kat[i].out[j]);
        /* The batched version (one lane) gives the same answers. */
        uint32_t c[4] = {kat[i].ctr[0], kat[i].ctr[1], kat[i].ctr[2], kat[i].ctr[3]};
        pb_philox4x32_many(1, &c[0], &c[1], &c[2], &c[3], kat[i].key);
        for (int j = 0; j < 4; j++) assert_int_equal(c[j], kat[i].out[j]);
    }
    /* And 37 lanes side by side, each as Random123 computes it alone. */
    enum { L = 37 };
    uint32_t c0[L], c1[L], c2[L], c3[L], key[2] = {0x01234567, 0x89abcdef};
    for (int i = 0; i < L; i++) { c0[i] = (uint32_t)i * 65537u; c1[i] = 0xdeadbeef ^ (uint32_t)i; c2[i] = (uint32_t)i; c3[i] = 7; }
    uint32_t in0[L], in1[L], in2[L], in3[L];
    memcpy(in0, c0, sizeof c0); memcpy(in1, c1, sizeof c1); memcpy(in2, c2, sizeof c2); memcpy(in3, c3, sizeof c3);
    pb_philox4x32_many(L, c0, c1, c2, c3, key);
    for (int i = 0; i < L; i++) {
        uint32_t ctr[4] = {in0[i], in1[i], in2[i], in3[i]}, out[4];
        pb_philox4x32(ctr, key, out);
        assert_true(out[0] == c0[i] && out[1] == c1[i] && out[2] == c2[i] && out[3] == c3[i]);
    }
}

/* The stream layout is part of the results.  FNV-1a 64 of "a" is
 * 0xaf63dc4c8601ec8c (the FNV reference test suite), folded to 32 bits:
 * 0xaf63dc4c ^ 0x8601ec8c = 0x296230c0.  A stream's first output is
 * Philox(ctr = {year << 16, stream, path lo, path hi}, key = seed). */
static void test_stream_layout(void **state)
{
    (void)state;
    assert_int_equal(pb_stream_id("a"), 0x296230c0u);
    assert_int_equal(pb_stream_id(""), (uint32_t)(0xcbf29ce484222325ULL ^ (0xcbf29ce484222325ULL >> 32)));
    gsl_rng *r = pb_rng_alloc();
    const uint64_t seed = 0x0123456789abcdefULL, path = 0x0000000500000007ULL;
    const uint32_t stream = pb_stream_id("capex.execution");
    pb_rng_start(r, seed, path, stream, 2031);
    uint32_t ctr[4] = {2031u << 16, stream, 7, 5}, key[2] = {0x89abcdef, 0x01234567}, out[4];
    pb_philox4x32(ctr, key, out);
    for (int j = 0; j < 4; j++) assert_int_equal(gsl_rng_get(r), out[j]);
    ctr[0]++; /* the next block of the same stream */
    pb_philox4x32(ctr, key, out);
    assert_int_equal(gsl_rng_get(r), out[0]);
    pb_rng_free(r);
}

static pb_scenario *load(const char *file, char *const *sets, int n)
{
    pb_status st;
    pb_scenario *sc = pb_scenario_load(file, sets, n, &st);
    if (!sc) fail_msg("cannot load %s", file);
    return sc;
}

/* What the tests of whole paths draw with: a scenario, its sampler, a
 * generator and a path's inputs (drawer_close frees them). */
typedef struct {
    pb_scenario *sc;
    pb_sampler *s;
    gsl_rng *r;
    pb_path_in *in;
} drawer;

static drawer drawer_open(const char *file)
{
    drawer d = {load(file, NULL, 0), NULL, pb_rng_alloc(), malloc(sizeof *d.in)};
    pb_status st;
    d.s = pb_sampler_alloc(d.sc, 2, &st);
    if (!d.s || !d.r || !d.in) fail_msg("cannot make a sampler for %s", file);
    return d;
}

static void drawer_close(drawer *d)
{
    free(d->in);
    pb_rng_free(d->r);
    pb_sampler_free(d->s);
    pb_scenario_free(d->sc);
}

/* Common random numbers: --set on one parameter leaves every other
 * parameter's draws, and the shocks, bit for bit as they were. */
static void test_set_keeps_other_draws(void **state)
{
    (void)state;
    char *sets[] = {"finance.infra_share={dist: uniform, min: 0.3, max: 0.9}",
                    "gpu.generations.Rubin.cost={dist: triangular, min: 0.05, mode: 0.1, max: 0.3}"};
    pb_scenario *a = load(SRCDIR "/scenarios/baseline.yaml", NULL, 0), *b = load(SRCDIR "/scenarios/baseline.yaml", sets, 2);
    pb_status st_;
    pb_sampler *sa = pb_sampler_alloc(a, 1, &st_), *sb = pb_sampler_alloc(b, 1, &st_);
    gsl_rng *r = pb_rng_alloc();
    pb_path_in *ia = malloc(sizeof *ia), *ib = malloc(sizeof *ib);
    int differ_si = 0, differ_cost = 0;
    for (uint64_t p = 0; p < 2000; p++) {
        pb_draw_path(sa, 42, p, r, ia);
        pb_draw_path(sb, 42, p, r, ib);
        differ_si += ia->s_i != ib->s_i;
        differ_cost += ia->gen_cost[2] != ib->gen_cost[2];
        assert_true(ia->base == ib->base && ia->g_init == ib->g_init && ia->g_bar == ib->g_bar && ia->r == ib->r);
        assert_true(ia->s_c == ib->s_c && ia->L_p == ib->L_p && ia->L_f == ib->L_f);
        assert_true(ia->gen_cost[1] == ib->gen_cost[1] && ia->gen_year[2] == ib->gen_year[2]);
        assert_memory_equal(ia->X, ib->X, sizeof(double) * (size_t)a->n_years);
        assert_memory_equal(ia->chi, ib->chi, sizeof(double) * (size_t)a->n_years);
        assert_memory_equal(ia->eps, ib->eps, sizeof(double) * (size_t)a->n_years);
        assert_memory_equal(ia->u_regime, ib->u_regime, sizeof(double) * (size_t)a->n_years);
    }
    assert_int_equal(differ_si, 2000);
    assert_int_equal(differ_cost, 2000);
    /* And the draws depend on the seed. */
    pb_draw_path(sa, 43, 0, r, ib);
    pb_draw_path(sa, 42, 0, r, ia);
    assert_true(ia->r != ib->r); /* the discount rate is drawn in the baseline */
    free(ia);
    free(ib);
    pb_rng_free(r);
    pb_sampler_free(sa);
    pb_sampler_free(sb);
    pb_scenario_free(a);
    pb_scenario_free(b);
}

static pb_param law(pb_dist d, double a, double b, double c, double e)
{
    pb_param p = pb_param_fixed(0);
    p.dist = d;
    p.v[0] = a; p.v[1] = b; p.v[2] = c; p.v[3] = e;
    return p;
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* Whether draws() samples as a path does for a law with a quantile table
 * (sim/qtable.h: the table at a ziggurat normal, draws.c's pb_slot_sample)
 * rather than with pb_param_sample. */
static bool tabled;

/* n draws of p, draw i from stream (seed 2025, path i, stream of `name`). */
static double *draws(const pb_param *p, const char *name, int n)
{
    gsl_rng *r = pb_rng_alloc();
    double *x = malloc((size_t)n * sizeof *x);
    uint32_t stream = pb_stream_id(name);
    pb_qtable t;
    assert_int_equal(pb_qtable_init(&t, p), PB_OK);
    pb_qtable_fill(&t, 1, 1);
    for (int i = 0; i < n; i++) {
        pb_rng_start(r, 2025, (uint64_t)i, stream, 0);
        x[i] = tabled ? pb_qtable_value(&t, gsl_ran_gaussian_ziggurat(r, 1.0)) : pb_param_sample(p, r);
    }
    pb_qtable_free(&t);
    pb_rng_free(r);
    return x;
}

/* Sample mean and variance against the closed forms within 4 standard
 * errors at 10^6 draws: se(mean) = sd/sqrt(n), se(var) = sqrt((m4 - s^4)/n)
 * with m4 the sample's fourth central moment.  A correct sampler fails one
 * such check in ~16,000. */
static void check_moments(const pb_param *p, const char *name)
{
    const int n = 1000000;
    double *x = draws(p, name, n), mean, var;
    pb_param_moments(p, &mean, &var);
    double s = 0;
    for (int i = 0; i < n; i++) s += x[i];
    double m = s / n, m2 = 0, m4 = 0;
    for (int i = 0; i < n; i++) {
        double d = x[i] - m;
        m2 += d * d;
        m4 += d * d * d * d;
    }
    m2 /= n - 1;
    m4 /= n;
    double se_mean = sqrt(var / n), se_var = sqrt((m4 - m2 * m2) / n);
    if (!(fabs(m - mean) <= 4 * se_mean)) fail_msg("%s: mean %.8g, closed form %.8g (4 se = %.3g)", name, m, mean, 4 * se_mean);
    if (!(fabs(m2 - var) <= 4 * se_var)) fail_msg("%s: variance %.8g, closed form %.8g (4 se = %.3g)", name, m2, var, 4 * se_var);
    free(x);
}

/* Kolmogorov-Smirnov against the CDF at 10^5 draws, alpha = 0.001: the
 * asymptotic critical value is 1.94947 / sqrt(n) (Kolmogorov's K at 0.999). */
static void check_ks(const pb_param *p, const char *name)
{
    const int n = 100000;
    double *x = draws(p, name, n), d = 0;
    qsort(x, (size_t)n, sizeof *x, cmp_double);
    for (int i = 0; i < n; i++) {
        double f = pb_param_cdf(p, x[i]);
        double d1 = f - (double)i / n, d2 = (double)(i + 1) / n - f;
        if (d1 > d) d = d1;
        if (d2 > d) d = d2;
    }
    if (!(d <= 1.94947 / sqrt((double)n))) fail_msg("%s: KS D = %.5f, critical %.5f", name, d, 1.94947 / sqrt((double)n));
    /* The inverse CDF inverts the CDF (used by the copula). */
    for (double u = 0.01; u < 1; u += 0.07) assert_close(pb_param_cdf(p, pb_param_quantile(p, u)), u, 1e-9);
    free(x);
}

static void test_distributions(void **state)
{
    (void)state;
    const struct { const char *name; pb_param p; bool continuous; } laws[] = {
        {"normal", law(PB_DIST_NORMAL, 0.9, 0.25, -INFINITY, INFINITY), true},
        {"normal.truncated", law(PB_DIST_NORMAL, 0.9, 0.25, 0.3, 1.5), true},
        {"normal.one_sided", law(PB_DIST_NORMAL, 0, 1, 1.5, INFINITY), true},
        {"lognormal", law(PB_DIST_LOGNORMAL, 50, 10, 0, 0), true},
        {"uniform", law(PB_DIST_UNIFORM, 0.04, 0.12, 0, 0), true},
        {"triangular", law(PB_DIST_TRIANGULAR, 5, 7, 9.5, 0), true},
        {"pert", law(PB_DIST_PERT, 0.25, 0.40, 0.75, 0), true},
        {"beta", law(PB_DIST_BETA, 2, 5, 0.1, 0.6), true},
        {"gamma", law(PB_DIST_GAMMA, 2.5, 0.04, 0, 0), true},
        {"discrete", law(PB_DIST_DISCRETE, 0, 0, 0, 0), false},
    };
    for (size_t i = 0; i < sizeof laws / sizeof laws[0]; i++) {
        pb_param p = laws[i].p;
        if (p.dist == PB_DIST_DISCRETE) {
            p.n = 3;
            p.values[0] = 2026; p.values[1] = 2027; p.values[2] = 2029;
            p.p[0] = 0.4; p.p[1] = 0.5; p.p[2] = 0.1;
        }
        char msg[200];
        assert_true(pb_param_check(&p, msg, sizeof msg));
        pb_param_prepare(&p);
        /* Both samplers: GSL's, and the table a path draws with. */
        for (int way = 0; way < 1 + pb_qtable_wanted(&p); way++) {
            tabled = way == 1;
            snprintf(msg, sizeof msg, "%s%s", laws[i].name, tabled ? " (table)" : "");
            check_moments(&p, msg);
            if (laws[i].continuous) check_ks(&p, msg);
        }
    }
    tabled = false;
}

/* Average ranks (ties share the mean rank). */
static void ranks(const double *x, int n, double *rk)
{
    /* Sort (value, index) pairs by value. */
    double *pairs = malloc((size_t)n * 2 * sizeof *pairs);
    for (int i = 0; i < n; i++) { pairs[2 * i] = x[i]; pairs[2 * i + 1] = i; }
    qsort(pairs, (size_t)n, 2 * sizeof *pairs, cmp_double);
    for (int i = 0; i < n;) {
        int j = i;
        while (j + 1 < n && pairs[2 * (j + 1)] == pairs[2 * i]) j++;
        for (int k = i; k <= j; k++) rk[(int)pairs[2 * k + 1]] = (i + j) / 2.0 + 1;
        i = j + 1;
    }
    free(pairs);
}

static double spearman(const double *x, const double *y, int n)
{
    double *rx = malloc((size_t)n * sizeof *rx), *ry = malloc((size_t)n * sizeof *ry);
    ranks(x, n, rx);
    ranks(y, n, ry);
    double mx = (n + 1) / 2.0, sxy = 0, sxx = 0, syy = 0;
    for (int i = 0; i < n; i++) {
        sxy += (rx[i] - mx) * (ry[i] - mx);
        sxx += (rx[i] - mx) * (rx[i] - mx);
        syy += (ry[i] - mx) * (ry[i] - mx);
    }
    free(rx);
    free(ry);
    return sxy / sqrt(sxx * syy);
}

/* The copula gives the target Spearman correlations within 0.01 at 10^5
 * paths (model.md §2), and leaves each marginal as it was. */
static void test_correlations(void **state)
{
    (void)state;
    drawer d = drawer_open(SRCDIR "/tests/data/corr.yaml");
    pb_scenario *sc = d.sc;
    pb_path_in *in = d.in;
    const int n = 100000;
    double *g = malloc(n * sizeof *g), *c = malloc(n * sizeof *c), *b = malloc(n * sizeof *b), *l = malloc(n * sizeof *l);
    double *rr = malloc(n * sizeof *rr);
    for (int i = 0; i < n; i++) {
        pb_draw_path(d.s, 7, (uint64_t)i, d.r, in);
        g[i] = in->g_init; c[i] = in->s_c; b[i] = in->base; l[i] = in->g_bar; rr[i] = in->r;
    }
    assert_close(spearman(g, c, n), -0.3, 0.01);
    assert_close(spearman(b, l, n), 0.5, 0.01);
    assert_close(spearman(g, b, n), 0.2, 0.01);
    assert_close(spearman(g, l, n), 0.0, 0.01);   /* a pair not listed is uncorrelated */
    assert_close(spearman(rr, g, n), 0.0, 0.01);  /* an uncorrelated parameter */
    /* Marginals: the mean of the truncated normal (0.9: the truncation is
     * symmetric) and of the lognormal (50), within 4 se, the sd of each
     * from its closed form (pb_param_moments). */
    double mg = 0, mb = 0, mean, var_g, var_b;
    for (int i = 0; i < n; i++) { mg += g[i]; mb += b[i]; }
    pb_param_moments(&sc->g_initial, &mean, &var_g);
    pb_param_moments(&sc->base, &mean, &var_b);
    assert_close(mg / n, 0.9, 4 * sqrt(var_g / n));
    assert_close(mb / n, 50, 4 * sqrt(var_b / n));
    free(g); free(c); free(b); free(l); free(rr);
    drawer_close(&d);
}

/* The copula's quantile table (sim/qtable.h) against the exact quantile
 * pb_param_quantile_z (GSL's inverse CDFs, upper tail through the upper
 * tail) at 200,000 normal scores, half from N(0, 1), half spread over
 * [-9, 9] (past the table's ends too): within 1e-10 of the law's sd
 * everywhere, and nondecreasing in y (to a few units in the last place).  Linear interpolation between the
 * same nodes misses by about 1e-6 sd, a cubic through wrong nodes by more. */
static void test_quantile_table(void **state)
{
    (void)state;
    const pb_param laws[] = {
        law(PB_DIST_PERT, 950, 1100, 1250, 0), law(PB_DIST_PERT, 0, 0.03, 0.08, 0), law(PB_DIST_PERT, 0.25, 0.40, 0.75, 0),
        law(PB_DIST_PERT, 5, 5, 9, 0), law(PB_DIST_BETA, 0.5, 0.5, 0, 1), law(PB_DIST_BETA, 0.3, 5, 0, 1),
        law(PB_DIST_BETA, 2, 5, 0.1, 0.6), law(PB_DIST_GAMMA, 2.5, 0.04, 0, 0), law(PB_DIST_GAMMA, 0.5, 1, 0, 0),
        law(PB_DIST_GAMMA, 30, 1, 0, 0), law(PB_DIST_NORMAL, 0.9, 0.25, 0.3, 1.5), law(PB_DIST_NORMAL, 0, 1, 1.5, INFINITY),
    };
    gsl_rng *r = pb_rng_alloc();
    for (size_t k = 0; k < sizeof laws / sizeof laws[0]; k++) {
        pb_param p = laws[k];
        pb_param_prepare(&p);
        pb_qtable t;
        assert_int_equal(pb_qtable_init(&t, &p), PB_OK);
        assert_non_null(t.g);
        pb_qtable_fill(&t, 1, 2);
        double mean, var, worst = 0;
        pb_param_moments(&p, &mean, &var);
        pb_rng_start(r, 11, k, 1, 0);
        for (int i = 0; i < 200000; i++) {
            double y = i % 2 ? pb_param_sample(&(pb_param){.dist = PB_DIST_NORMAL, .v = {0, 1, -INFINITY, INFINITY}}, r)
                             : -9 + 18 * pb_uniform53(r);
            double e = fabs(pb_qtable_value(&t, y) - pb_param_quantile_z(&p, y));
            worst = e > worst ? e : worst;
        }
        if (!(worst <= 1e-10 * sqrt(var))) fail_msg("law %zu: worst error %g, sd %g", k, worst, sqrt(var));
        double prev = -INFINITY;
        for (int i = 0; i <= 180000; i++) {
            double v = pb_qtable_value(&t, -9 + i * 1e-4);
            /* Rounding in the cubic: at most a few units in the last place. */
            if (v < prev - 4 * (nextafter(fabs(prev), INFINITY) - fabs(prev)))
                fail_msg("law %zu: decreasing at y = %.4f: %.17g after %.17g", k, -9 + i * 1e-4, v, prev);
            prev = v;
        }
        pb_qtable_free(&t);
    }
    pb_rng_free(r);
}

/* A path's draws go through the tables: the baseline's discount rate (a
 * PERT law, uncorrelated) in pb_draw_path is, to the bit, its table at the
 * first ziggurat normal of its stream, and so are the nine generation
 * ramps that share one law and one table, each from its own stream.  The
 * sampler's tables are computed on two threads, these on one. */
static void test_path_draws_use_tables(void **state)
{
    (void)state;
    drawer d = drawer_open(SRCDIR "/scenarios/baseline.yaml");
    const pb_scenario *sc = d.sc;
    const pb_path_in *in = d.in;
    gsl_rng *r2 = pb_rng_alloc();
    pb_qtable t_r, t_ramp;
    assert_int_equal(pb_qtable_init(&t_r, &sc->discount_rate), PB_OK);
    const int g = 2; /* Rubin .. Next2040 share pert(0.05, 0.15, 0.30) */
    assert_int_equal(pb_qtable_init(&t_ramp, &sc->gen[g].ramp), PB_OK);
    pb_qtable_fill(&t_r, 1, 1); /* one thread here, two for the drawer's sampler: the same bits */
    pb_qtable_fill(&t_ramp, 1, 1);
    for (uint64_t path = 0; path < 1000; path++) {
        pb_draw_path(d.s, sc->seed, path, d.r, d.in);
        pb_rng_start(r2, sc->seed, path, pb_stream_id("finance.discount_rate"), 0);
        assert_true(in->r == pb_qtable_value(&t_r, gsl_ran_gaussian_ziggurat(r2, 1.0)));
        for (int k = g; k < sc->n_generations; k++) {
            char name[128];
            snprintf(name, sizeof name, "gpu.generations.%s.ramp", sc->gen[k].name);
            pb_rng_start(r2, sc->seed, path, pb_stream_id(name), 0);
            assert_true(in->gen_ramp[k] == pb_qtable_value(&t_ramp, gsl_ran_gaussian_ziggurat(r2, 1.0)));
        }
    }
    pb_qtable_free(&t_r);
    pb_qtable_free(&t_ramp);
    pb_rng_free(r2);
    drawer_close(&d);
}

/* model.md §11 case 5: p_b 0.08, p_r 0.3: P(bust in t) = pi (1 - lambda^(t+1)),
 * pi = 0.210526, lambda = 0.62: 0.08, 0.1296, ..., 0.191239 at t = 4.  Each
 * year's share of bust paths at 10^5 paths within 4 standard errors: of the
 * published figures at t = 0 and t = 4 (rounded to 5e-7), of the formula in
 * the other years. */
static void test_regime_chain(void **state)
{
    (void)state;
    drawer d = drawer_open(SRCDIR "/tests/data/corr.yaml");
    const pb_path_in *in = d.in;
    const int n = 100000, H = d.sc->n_years;
    int bust_count[PB_MAX_YEARS] = {0};
    for (int i = 0; i < n; i++) {
        pb_draw_path(d.s, 11, (uint64_t)i, d.r, d.in);
        assert_true(in->regime);
        bool bust = false;
        for (int t = 0; t < H; t++) {
            bust = pb_regime_step(bust, in->u_regime[t], in->p_bust, in->p_recover);
            bust_count[t] += bust;
        }
    }
    const double pi = 0.08 / 0.38, lambda = 0.62;
    const double published[PB_MAX_YEARS] = {[0] = 0.08, [4] = 0.191239};
    for (int t = 0; t < H; t++) {
        double p = published[t] > 0 ? published[t] : pi * (1 - pow(lambda, t + 1)), share = (double)bust_count[t] / n;
        assert_close(share, p, 4 * sqrt(p * (1 - p) / n) + (published[t] > 0 ? 5e-7 : 0));
    }
    drawer_close(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_philox_kat),
        cmocka_unit_test(test_stream_layout),
        cmocka_unit_test(test_set_keeps_other_draws),
        cmocka_unit_test(test_distributions),
        cmocka_unit_test(test_correlations),
        cmocka_unit_test(test_quantile_table),
        cmocka_unit_test(test_path_draws_use_tables),
        cmocka_unit_test(test_regime_chain),
    };
    return cmocka_run_group_tests_name("draws", tests, NULL, NULL);
}
