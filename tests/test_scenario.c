/* test_scenario.c: scenario files through the loader and the central path:
 * a small scenario worked out by hand, the four headline figures, defaults
 * and --set. */
#include <stdlib.h>
#include <string.h>

#include "payback/draws.h"
#include "payback/path.h"
#include "payback/scenario.h"
#include "testutil.h"

#ifndef SRCDIR
#define SRCDIR "."
#endif

typedef struct {
    pb_scenario *sc;
    pb_path_in in;
    pb_path_ws *ws;
    pb_path_out out;
} run;

static run *central(const char *file, char *const *sets, int n_sets)
{
    run *r = calloc(1, sizeof *r);
    pb_status st;
    r->sc = pb_scenario_load(file, sets, n_sets, &st);
    if (!r->sc) fail_msg("cannot load %s (status %d)", file, st);
    pb_path_in_central(r->sc, &r->in);
    r->ws = pb_path_ws_alloc(r->sc->n_years);
    pb_path_simulate(&r->in, r->ws, &r->out);
    return r;
}

static void run_free(run *r)
{
    pb_path_ws_free(r->ws);
    pb_scenario_free(r->sc);
    free(r);
}

static double ser(const run *r, int s, int year)
{
    return r->out.series[(size_t)s * (size_t)r->sc->n_years + (size_t)(year - r->sc->start)];
}

/* tests/data/small.yaml, by hand (model.md §3-§7).  psi = 0.1 + 1/4 = 0.35;
 * u_A = 0.35 + 0.1 = 0.45, u_B = 0.175 + 0.05 = 0.225, so the frontier is A
 * in 2025 and B from 2026.  R = 40 x 1.5^(t+1) = 60, 90, 135; R^o = 0.9 R.
 *  2025: C 100, Cc 80 -> Q 80 cu of A; Cf 20, D^f 2, F 18.  O = 0.1 x 20 +
 *        80 x 0.1 = 10.  D^a = 80/3 + 2 = 28.6667, B = 53.3333 + 18.
 *        V = 80 (1 - 1/4) 1 + 18 = 78; D^e = 100 - 78 = 22.
 *        Bars: 100/0.25 = 400; 0.1 x 100 = 10; 80/0.25 = 320;
 *        (22 + 10 + 0.1 x 100)/0.5 = 84.  CF = 0.5 x 54 - 10 - 100 = -83.
 *  2026: C 50, Cc 40 -> Q 80 cu of B; Cf 10.  F = 16 + 9 = 25 (D^f 3).
 *        O = 0.1 (18 + 10) + 80 x 0.1 + 80 x 0.05 = 14.8.
 *        D^a = 80/3 + 40/3 + 3 = 43; B = 26.6667 + 26.6667 + 25 = 78.3333.
 *        V = 80 (1/2)(0.5 - 0.05/0.35) + 80 (3/4)(0.5) + 25 = 14.2857 + 30 + 25
 *        = 69.2857; D^e = 78 + 50 - 69.2857 = 58.7143.
 *        Bars: 200; 0.1 x 150 = 15; 160; (58.7143 + 14.8 + 12.8)/0.5 = 172.6286.
 *        CF = 40.5 - 14.8 - 50 = -24.3.
 *  2027: C 0.  F = 14 + 8 = 22.  O = 0.1 x 25 + 8 + 4 = 14.5.  D^a = 43
 *        (the A vintage's last 26.6667), B = 0 + 13.3333 + 22 = 35.3333.
 *        V = 80 (1/4)(0.357143) + 80 (1/2)(0.5) + 22 = 49.1429;
 *        D^e = 69.2857 - 49.1429 = 20.1429.  Bars: 0; 15 (2027 is after
 *        `through`); 0; (20.1429 + 14.5 + 6.92857)/0.5 = 83.1429.
 *        CF = 60.75 - 14.5 = 46.25. */
static void test_small_by_hand(void **state)
{
    (void)state;
    run *r = central(SRCDIR "/tests/data/small.yaml", NULL, 0);
    const double tol = 1e-4;
    const struct { int s; double v[3]; } want[] = {
        {PB_S_CAPEX, {100, 50, 0}},
        {PB_S_COMPUTE_CAPEX, {80, 40, 0}},
        {PB_S_REVENUE, {60, 90, 135}},
        {PB_S_ORGANIC_REVENUE, {54, 81, 121.5}},
        {PB_S_REQUIRED + PB_BAIN, {400, 200, 0}},
        {PB_S_REQUIRED + PB_JPMORGAN, {10, 15, 15}},
        {PB_S_REQUIRED + PB_SEQUOIA, {320, 160, 0}},
        {PB_S_REQUIRED + PB_FULL_COST, {84, 172.628571, 83.142857}},
        {PB_S_GAP + PB_BAIN, {346, 119, -121.5}},
        {PB_S_GAP + PB_JPMORGAN, {-44, -66, -106.5}},
        {PB_S_GAP + PB_SEQUOIA, {266, 79, -121.5}},
        {PB_S_GAP + PB_FULL_COST, {30, 91.628571, -38.357143}},
        {PB_S_DEP_ACCOUNTING, {28.666667, 43, 43}},
        {PB_S_DEP_ECONOMIC, {22, 58.714286, 20.142857}},
        {PB_S_WRITEOFFS, {0, 0, 0}},
        {PB_S_BOOK_VALUE, {71.333333, 78.333333, 35.333333}},
        {PB_S_ECONOMIC_VALUE, {78, 69.285714, 49.142857}},
        {PB_S_OPEX, {10, 14.8, 14.5}},
        {PB_S_CASH_FLOW, {-83, -24.3, 46.25}},
        {PB_S_CUM_CASH_FLOW, {-83, -107.3, -61.05}},
        {PB_S_CAPACITY, {80, 160, 160}},
        {PB_S_OBSOLESCENCE_GAP, {-6.666667, 9.047619, -13.809524}},
    };
    assert_int_equal(sizeof want / sizeof want[0], PB_N_SERIES);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        for (int t = 0; t < 3; t++) {
            double got = ser(r, want[i].s, 2025 + t);
            if (!(fabs(got - want[i].v[t]) <= tol))
                fail_msg("%s[%d] = %.9g, by hand %.9g", pb_series_info[want[i].s].name, 2025 + t, got, want[i].v[t]);
        }
    /* NPV = 17/1.1 + 25.7/1.21 + 46.25/1.331 - 100 - 50/1.1 + 49.142857/1.331. */
    assert_close(r->out.metric[PB_M_NPV], -37.090265, 1e-5);
    /* IRR: root of -100 - 33 v + 25.7 v^2 + 95.392857 v^3, v = 1/(1+rho),
     * by bisection in Python: -0.0362629118. */
    assert_int_equal(r->out.irr_kind, PB_IRR_ONE);
    assert_close(r->out.metric[PB_M_IRR], -0.0362629118, 1e-8);
    assert_true(isinf(r->out.metric[PB_M_PAYBACK_YEAR]));
    assert_close(r->out.metric[PB_M_PEAK_BURN], 107.3, 1e-9);
    assert_close(r->out.metric[PB_M_UNDERSTATED], -13.809524, 1e-5);
    assert_close(r->out.metric[PB_M_CATCHUP + PB_BAIN], 2027, 0);
    /* The JPMorgan gap is closed every year, but its catch-up is judged from
     * the window's end, through = 2026 (model.md §7). */
    assert_close(r->out.metric[PB_M_CATCHUP + PB_JPMORGAN], 2026, 0);
    assert_close(r->out.metric[PB_M_CATCHUP + PB_SEQUOIA], 2027, 0);
    assert_close(r->out.metric[PB_M_CATCHUP + PB_FULL_COST], 2027, 0);
    assert_false(r->out.nonfinite);
    run_free(r);
}

/* The four headline figures (model.md §8), within 1 % of the published
 * ones; the inputs reproduce them to 1e-6 (calibration §1.4). */
static void test_headline_bain(void **state)
{
    (void)state;
    run *r = central(SRCDIR "/scenarios/bain.yaml", NULL, 0);
    /* Bain 2025: $2,000 B needed in 2030; $800 B short of 1,200 available. */
    assert_rel(ser(r, PB_S_REQUIRED + PB_BAIN, 2030), 2000, 0.01);
    assert_rel(ser(r, PB_S_REQUIRED + PB_BAIN, 2030), 2000, 1e-9);
    assert_rel(ser(r, PB_S_GAP + PB_BAIN, 2030), 800, 1e-9);
    run_free(r);
}

static void test_headline_jpmorgan(void **state)
{
    (void)state;
    run *r = central(SRCDIR "/scenarios/jpmorgan.yaml", NULL, 0);
    /* JPMorgan Nov 2025: ~$650 B a year in perpetuity from 2030;
     * 0.10 x 5,000 / 0.769231 = 649.9998 (calibration H6, H12). */
    for (int y = 2030; y <= 2035; y++) {
        assert_rel(ser(r, PB_S_REQUIRED + PB_JPMORGAN, y), 650, 0.01);
        assert_close(ser(r, PB_S_REQUIRED + PB_JPMORGAN, y), 0.10 * 5000 / 0.769231, 1e-9);
    }
    /* Before `through` the bar is smaller: 0.1 x 700 / 0.769231 = 91.0 in 2026. */
    assert_close(ser(r, PB_S_REQUIRED + PB_JPMORGAN, 2026), 0.1 * 700 / 0.769231, 1e-9);
    run_free(r);
}

static void test_headline_sequoia(void **state)
{
    (void)state;
    /* Sequoia Sep 2023: $200 B; the $125 B hole implies 75 of revenue. */
    run *r = central(SRCDIR "/scenarios/sequoia_2023.yaml", NULL, 0);
    assert_rel(ser(r, PB_S_REQUIRED + PB_SEQUOIA, 2023), 200, 0.01);
    assert_rel(ser(r, PB_S_REQUIRED + PB_SEQUOIA, 2023), 200, 1e-9);
    assert_rel(ser(r, PB_S_GAP + PB_SEQUOIA, 2023), 125, 1e-9);
    run_free(r);
    /* Sequoia Jun 2024: $600 B; the $500 B hole implies 100 of revenue. */
    r = central(SRCDIR "/scenarios/sequoia_2024.yaml", NULL, 0);
    assert_rel(ser(r, PB_S_REQUIRED + PB_SEQUOIA, 2024), 600, 0.01);
    assert_rel(ser(r, PB_S_REQUIRED + PB_SEQUOIA, 2024), 600, 1e-9);
    assert_rel(ser(r, PB_S_GAP + PB_SEQUOIA, 2024), 500, 1e-9);
    run_free(r);
}

/* Defaults of interfaces.md §1 for keys the small scenario omits, and the
 * committed years put in year order. */
static void test_defaults(void **state)
{
    (void)state;
    run *r = central(SRCDIR "/tests/data/small.yaml", NULL, 0);
    const pb_scenario *sc = r->sc;
    assert_close(sc->committed[0].v[0], 100, 0);   /* 2025, written second */
    assert_close(sc->committed[1].v[0], 50, 0);
    assert_close(pb_param_mean(&sc->execution), 1, 0);
    assert_int_equal(sc->process, PB_PROCESS_GROWTH);
    assert_false(sc->has_regime);
    assert_false(sc->has_discipline);
    assert_int_equal(sc->full_cost_depreciation, PB_DEP_ECONOMIC);
    assert_int_equal(sc->paths, 100);
    assert_int_equal(sc->seed, 7);
    run_free(r);
    /* jpmorgan from/through default to years.start/end: sequoia_2024 is one
     * year, 2024-2024. */
    r = central(SRCDIR "/scenarios/sequoia_2024.yaml", NULL, 0);
    assert_close(r->in.jpm_from, 2024, 0);
    assert_close(r->in.jpm_through, 2024, 0);
    assert_close(r->in.s_i, 0.5, 0);               /* finance.infra_share default */
    assert_close(r->in.L_p, 7, 0);                 /* gpu.physical_life default */
    assert_int_equal(r->sc->n_target_years, 1);    /* output.target_years default [end] */
    assert_int_equal(r->sc->target_years[0], 2024);
    assert_int_equal(r->sc->n_quantiles, 9);
    run_free(r);
}

/* A beta law's bounds default to min 0 and max 1, each on its own
 * (model.md §2, "optional min (0), max (1)").  The central path takes the
 * mean min + (max - min) a/(a + b): beta(1, 9) -> 0.1; beta(2, 23) with max
 * 0.5 -> 0.5 x 0.08 = 0.04; with min -1 -> -1 + 2 x 0.08 = -0.84. */
static void test_beta_default_bounds(void **state)
{
    (void)state;
    char *sets[] = {"finance.discount_rate={dist: beta, a: 1, b: 9}",
                    "revenue.growth.long_run={dist: beta, a: 2, b: 23, max: 0.5}",
                    "revenue.growth.initial={dist: beta, a: 2, b: 23, min: -1}"};
    run *r = central(SRCDIR "/tests/data/small.yaml", sets, 3);
    const pb_scenario *sc = r->sc;
    assert_int_equal(sc->discount_rate.dist, PB_DIST_BETA);
    assert_true(sc->discount_rate.v[2] == 0 && sc->discount_rate.v[3] == 1);
    assert_true(sc->g_long_run.v[2] == 0 && sc->g_long_run.v[3] == 0.5);
    assert_true(sc->g_initial.v[2] == -1 && sc->g_initial.v[3] == 1);
    assert_close(r->in.r, 0.1, 1e-15);
    assert_close(r->in.g_bar, 0.04, 1e-15);
    assert_close(r->in.g_init, -0.84, 1e-15);
    run_free(r);
}

/* --set replaces the node at a dotted path (interfaces.md §2). */
static void test_set(void **state)
{
    (void)state;
    char *sets[] = {"required.bain.capex_ratio=0.5", "gpu.generations.Blackwell.cost={dist: pert, min: 0.2, mode: 0.4, max: 0.6}",
                    "capex.committed.2030=600"};
    run *r = central(SRCDIR "/scenarios/bain.yaml", sets, 3);
    /* 600 / 0.5 = 1,200 instead of 500 / 0.25 = 2,000. */
    assert_close(ser(r, PB_S_REQUIRED + PB_BAIN, 2030), 1200, 1e-9);
    assert_int_equal(r->sc->gen[1].cost.dist, PB_DIST_PERT);
    assert_close(r->in.gen_cost[1], 0.4, 1e-15);   /* (0.2 + 1.6 + 0.6)/6 */
    assert_non_null(strstr(r->sc->text, "capex_ratio: 0.5"));
    assert_int_equal(r->sc->n_overrides, 3);
    run_free(r);
    /* A new key where the file has none, and a per-year law. */
    char *sets2[] = {"capex.discipline={coverage: 0.5, cut: 0.3}", "capex.execution={dist: lognormal, mean: 1, sd: 0.1, per_year: true}"};
    r = central(SRCDIR "/scenarios/bain.yaml", sets2, 2);
    assert_true(r->sc->has_discipline);
    assert_true(r->sc->execution.per_year);
    run_free(r);
    /* A bad override fails the load with PB_EINPUT. */
    pb_status st;
    char *bad[] = {"finance.discount_rate=-0.1"};
    assert_null(pb_scenario_load(SRCDIR "/scenarios/bain.yaml", bad, 1, &st));
    assert_int_equal(st, PB_EINPUT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_by_hand),
        cmocka_unit_test(test_headline_bain),
        cmocka_unit_test(test_headline_jpmorgan),
        cmocka_unit_test(test_headline_sequoia),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_set),
        cmocka_unit_test(test_beta_default_bounds),
    };
    return cmocka_run_group_tests_name("scenario", tests, NULL, NULL);
}
