/* test_factors.c: the factors of a scenario and paths with some factors
 * resampled (draws.h, model.md §10): the list of factors, that resampling
 * nothing is the run's own path, that resampling one factor leaves every
 * other draw as it was, and that a correlated parameter is resampled from
 * its conditional law in the Gaussian copula (mean rho * y, variance
 * 1 - rho^2 for a pair).  Fixed seeds throughout. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "payback/draws.h"
#include "payback/param.h"
#include "payback/rng.h"
#include "payback/scenario.h"
#include "testutil.h"

#ifndef SRCDIR
#define SRCDIR "."
#endif

static pb_scenario *load(const char *file, char *const *sets, int n)
{
    pb_status st;
    pb_scenario *sc = pb_scenario_load(file, sets, n, &st);
    if (!sc) fail_msg("cannot load %s", file);
    return sc;
}

/* corr.yaml with one correlated pair: revenue.base (lognormal 50, 10) and
 * revenue.growth.long_run (uniform 0.04 .. 0.12), Spearman 0.5, so normal
 * rho = 2 sin(pi 0.5 / 6) = 0.517638 (model.md §11 case 1). */
static char *pair_sets[] = {"correlations=[[revenue.base, revenue.growth.long_run, 0.5]]"};
static const double RHO = 0.517638090205041;

/* The normal scores of the pair's values: the inverse of the copula's
 * map through each marginal (lognormal: (ln x - mu_ln) / sigma_ln;
 * uniform: Phi^-1 of the fraction). */
static double score_base(double x)
{
    const double s2 = log(1 + (10.0 / 50) * (10.0 / 50)), mu = log(50) - s2 / 2;
    return (log(x) - mu) / sqrt(s2);
}
static double score_lr(double x) { return gsl_cdf_ugaussian_Pinv((x - 0.04) / 0.08); }

static void test_factor_list(void **state)
{
    (void)state;
    pb_scenario *sc = load(SRCDIR "/tests/data/corr.yaml", NULL, 0);
    pb_status st;
    pb_sampler *s = pb_sampler_alloc(sc, 1, &st);
    assert_non_null(s);
    /* corr.yaml draws compute_share, base, growth.initial, long_run and the
     * discount rate per path, has shocks and the regime chain. */
    const char *want[] = {"revenue.base", "revenue.growth.initial", "revenue.growth.long_run", "capex.compute_share",
                          "finance.discount_rate", "revenue.shocks", "revenue.regime"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (pb_sampler_find_factor(s, want[i]) < 0) fail_msg("factor %s missing", want[i]);
    assert_int_equal(pb_sampler_n_factors(s), 7);
    const pb_factor *f = pb_sampler_factor(s, pb_sampler_find_factor(s, "revenue.base"));
    assert_int_equal(f->kind, PB_FACTOR_PARAM);
    assert_true(f->corr >= 0);
    assert_int_equal(pb_sampler_factor(s, pb_sampler_find_factor(s, "finance.discount_rate"))->corr, -1);
    assert_int_equal(pb_sampler_find_factor(s, "capex.execution"), -1); /* fixed: not a factor */
    pb_sampler_free(s);
    pb_scenario_free(sc);
}

/* Nothing resampled is pb_draw_path's path; one factor resampled changes
 * that factor's values only. */
static void test_resample_one(void **state)
{
    (void)state;
    pb_scenario *sc = load(SRCDIR "/tests/data/corr.yaml", NULL, 0);
    pb_status st;
    pb_sampler *s = pb_sampler_alloc(sc, 1, &st);
    const int nf = pb_sampler_n_factors(s), gi = pb_sampler_find_factor(s, "revenue.growth.initial"),
              sh = pb_sampler_find_factor(s, "revenue.shocks");
    unsigned char *none = calloc((size_t)nf, 1), *one = calloc((size_t)nf, 1), *shocks = calloc((size_t)nf, 1);
    one[gi] = 1;
    shocks[sh] = 1;
    gsl_rng *r = pb_rng_alloc();
    pb_path_in *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b), *c = calloc(1, sizeof *c);
    const size_t H = (size_t)sc->n_years;
    for (uint64_t p = 0; p < 500; p++) {
        pb_draw_path(s, 42, p, r, a);
        assert_int_equal(pb_draw_path_cond(s, 42, p, none, 7 * p + 1, r, b, NULL), PB_OK);
        assert_memory_equal(a, b, sizeof *a);
        assert_int_equal(pb_draw_path_cond(s, 42, p, NULL, 0, r, b, NULL), PB_OK);
        assert_memory_equal(a, b, sizeof *a);
        /* growth.initial is correlated with base and compute_share: those
         * are kept (it is drawn given them), it changes. */
        assert_int_equal(pb_draw_path_cond(s, 42, p, one, p, r, c, NULL), PB_OK);
        assert_true(c->g_init != a->g_init);
        assert_true(c->base == a->base && c->s_c == a->s_c && c->g_bar == a->g_bar && c->r == a->r);
        assert_memory_equal(c->eps, a->eps, H * sizeof a->eps[0]);
        assert_memory_equal(c->u_regime, a->u_regime, H * sizeof a->u_regime[0]);
        /* The shocks alone: every parameter kept, every shock new. */
        assert_int_equal(pb_draw_path_cond(s, 42, p, shocks, p, r, c, NULL), PB_OK);
        assert_true(c->g_init == a->g_init && c->base == a->base && c->r == a->r);
        for (size_t t = 0; t < H; t++) assert_true(c->eps[t] != a->eps[t]);
        assert_memory_equal(c->u_regime, a->u_regime, H * sizeof a->u_regime[0]);
    }
    free(a), free(b), free(c), free(none), free(one), free(shocks);
    pb_rng_free(r);
    pb_sampler_free(s);
    pb_scenario_free(sc);
}

/* A correlated pair, base resampled given long_run: the new score of base
 * regressed on long_run's has slope rho and residual variance 1 - rho^2;
 * both resampled, the pair keeps correlation rho and forgets the outer
 * path.  n = 40000: each estimate's standard error is below 0.008. */
static void test_conditional_copula(void **state)
{
    (void)state;
    pb_scenario *sc = load(SRCDIR "/tests/data/corr.yaml", pair_sets, 1);
    pb_status st;
    pb_sampler *s = pb_sampler_alloc(sc, 1, &st);
    assert_non_null(s);
    const int nf = pb_sampler_n_factors(s), fb = pb_sampler_find_factor(s, "revenue.base"),
              fl = pb_sampler_find_factor(s, "revenue.growth.long_run");
    unsigned char *mb = calloc((size_t)nf, 1), *both = calloc((size_t)nf, 1);
    mb[fb] = 1;
    both[fb] = both[fl] = 1;
    gsl_rng *r = pb_rng_alloc();
    pb_path_in *a = malloc(sizeof *a), *c = malloc(sizeof *c);
    enum { N = 40000 };
    double sxy = 0, sxx = 0, syy = 0, s_res = 0, b_xy = 0, b_xx = 0, b_yy = 0, o_xy = 0;
    for (uint64_t p = 0; p < N; p++) {
        pb_draw_path(s, 5, p, r, a);
        assert_int_equal(pb_draw_path_cond(s, 5, p, mb, p, r, c, NULL), PB_OK);
        assert_true(c->g_bar == a->g_bar); /* long_run kept */
        const double x = score_lr(a->g_bar), y = score_base(c->base);
        sxy += x * y, sxx += x * x, syy += y * y;
        s_res += (y - RHO * x) * (y - RHO * x);
        assert_int_equal(pb_draw_path_cond(s, 5, p, both, p, r, c, NULL), PB_OK);
        const double u = score_lr(c->g_bar), v = score_base(c->base);
        b_xy += u * v, b_xx += u * u, b_yy += v * v;
        o_xy += v * score_base(a->base);
    }
    assert_close(sxy / sxx, RHO, 0.02);          /* the conditional mean's slope */
    assert_close(s_res / N, 1 - RHO * RHO, 0.03); /* the conditional variance */
    assert_close(syy / N, 1, 0.03);               /* the marginal is kept */
    assert_close(b_xy / sqrt(b_xx * b_yy), RHO, 0.02);
    assert_close(o_xy / N, 0, 0.02);              /* independent of the outer path */
    free(a), free(c), free(mb), free(both);
    pb_rng_free(r);
    pb_sampler_free(s);
    pb_scenario_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_factor_list),
        cmocka_unit_test(test_resample_one),
        cmocka_unit_test(test_conditional_copula),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
