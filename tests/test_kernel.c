/* test_kernel.c: the Monte Carlo kernel and its streaming statistics
 * (model.md §9): the quantile sketch against a full sort at 10^5 paths,
 * exact sums, counts and year metrics, the statistics of model.md §11 case 8
 * through the accumulator, and bit-identical results for 1, 2, 3, 4 and 8
 * threads. */
#include <stdlib.h>
#include <string.h>

#include "payback/run.h"
#include "payback/scenario.h"
#include "payback/stats.h"
#include "testutil.h"

#ifndef SRCDIR
#define SRCDIR "."
#endif

static pb_scenario *load(const char *file)
{
    pb_status st;
    pb_scenario *sc = pb_scenario_load(file, NULL, 0, &st);
    if (!sc) fail_msg("cannot load %s", file);
    return sc;
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* The sketch's quantile q of level p over sorted exact values x[0..n-1]
 * passes if it is within 0.1 % (relative) of the exact type 7 quantile, or
 * between the exact type 7 quantiles at levels p - 0.001 and p + 0.001.
 * The sketch's resolution: |x| < 2^-30 B$ (about a dollar) counts as 0. */
static bool quantile_ok(double q, const double *x, int64_t n, double p)
{
    double exact = pb_quantile_type7(x, n, p);
    if (fabs(q - exact) <= 1e-3 * fabs(exact)) return true;
    if (q == 0 && fabs(exact) < 0x1p-30) return true;
    double lo = pb_quantile_type7(x, n, p - 0.001 < 0 ? 0 : p - 0.001);
    double hi = pb_quantile_type7(x, n, p + 0.001 > 1 ? 1 : p + 0.001);
    return q >= lo && q <= hi;
}

/* The baseline at 10^5 paths: streaming statistics against the exact ones
 * from all 10^5 stored paths (pb_summary_exact sorts). */
static void test_sketch_against_full_sort(void **state)
{
    (void)state;
    pb_scenario *sc = load(SRCDIR "/scenarios/baseline.yaml");
    const int64_t n = 100000;
    pb_run_opts o = {.paths = n, .seed = 99, .threads = 2, .store_paths = n};
    pb_run_result res;
    assert_int_equal(pb_run_mc(sc, &o, &res), PB_OK);
    const pb_summary *s = res.summary;
    pb_summary *ex = pb_summary_alloc(s->start, s->n_years, s->n_quantiles, s->quantiles);
    assert_int_equal(pb_summary_exact(ex, n, res.stored.series, res.stored.metric, res.stored.irr_kind, res.stored.nonfinite), PB_OK);
    const int H = s->n_years, Q = s->n_quantiles;
    assert_int_equal(s->n, ex->n);
    assert_int_equal(s->nonfinite, ex->nonfinite);
    assert_int_equal(s->coarse_series, 0);   /* every quantile from a fine bucket */
    assert_int_equal(s->coarse_metrics, 0);
    /* Per series and year: the exact values, sorted, to judge quantiles. */
    double *x = malloc((size_t)n * sizeof *x);
    const size_t stride = (size_t)PB_N_SERIES * (size_t)H;
    for (int k = 0; k < PB_N_SERIES; k++)
        for (int t = 0; t < H; t++) {
            int64_t m = 0;
            for (int64_t i = 0; i < n; i++)
                if (!res.stored.nonfinite[i]) x[m++] = res.stored.series[(size_t)i * stride + (size_t)k * H + t];
            qsort(x, (size_t)m, sizeof *x, cmp_double);
            const pb_series_stats *a = &s->series[k], *b = &ex->series[k];
            /* Exact sums: the mean differs from a naive double sum by rounding only. */
            assert_close(a->mean[t], b->mean[t], 1e-12 * fmax(1, fabs(b->mean[t])));
            /* The variance from exact sums of per-block double sums of x^2:
             * each block's sum carries relative rounding up to ~2.3e-13
             * (8,192 values in four chains of 2,047 additions), so var
             * carries up to ~2.3e-13 (mean^2 + sd^2): a series with a small
             * spread about a large mean (capex of an actual year) loses
             * digits to cancellation, and a constant one has an sd of the
             * rounding's size.  A bound with a factor 10 to spare. */
            const double va = a->sd[t] * a->sd[t], vb = b->sd[t] * b->sd[t];
            if (!(fabs(va - vb) <= 2e-12 * (b->mean[t] * b->mean[t] + vb) + 1e-300))
                fail_msg("%s[%d] sd %.15g, exact %.15g (mean %.6g)", pb_series_info[k].name, s->start + t, a->sd[t], b->sd[t], b->mean[t]);
            for (int j = 0; j < Q; j++) {
                double p = s->quantiles[j], q = a->q[(size_t)t * Q + j];
                if (!quantile_ok(q, x, m, p))
                    fail_msg("%s[%d] q%g = %.10g; exact %.10g", pb_series_info[k].name, s->start + t, p, q,
                             pb_quantile_type7(x, m, p));
                /* Interval ends: order statistics, within the sketch's 0.1 %. */
                assert_close(a->q_lo[(size_t)t * Q + j], b->q_lo[(size_t)t * Q + j], 1e-3 * fabs(b->q_lo[(size_t)t * Q + j]) + 1e-9);
                assert_close(a->q_hi[(size_t)t * Q + j], b->q_hi[(size_t)t * Q + j], 1e-3 * fabs(b->q_hi[(size_t)t * Q + j]) + 1e-9);
            }
        }
    /* Probabilities and year metrics are exact counts. */
    for (int mth = 0; mth < PB_N_METHODS; mth++)
        assert_memory_equal(s->p_closed[mth], ex->p_closed[mth], (size_t)H * sizeof(double));
    for (int m = 0; m < PB_N_METRICS; m++) {
        const pb_metric_stats *a = &s->metric[m], *b = &ex->metric[m];
        if (pb_metric_is_year(m)) {
            assert_int_equal(a->never, b->never);
            assert_memory_equal(a->hist, b->hist, (size_t)H * sizeof(int64_t));
            for (int j = 0; j < Q; j++) {
                assert_true(a->q[j] == b->q[j] && a->q_lo[j] == b->q_lo[j] && a->q_hi[j] == b->q_hi[j]);
            }
        } else {
            int64_t mm = 0;
            for (int64_t i = 0; i < n; i++)
                if (!res.stored.nonfinite[i] && (m != PB_M_IRR || res.stored.irr_kind[i] == PB_IRR_ONE))
                    x[mm++] = res.stored.metric[(size_t)i * PB_N_METRICS + (size_t)m];
            qsort(x, (size_t)mm, sizeof *x, cmp_double);
            for (int j = 0; j < Q; j++)
                if (!quantile_ok(a->q[j], x, mm, s->quantiles[j]))
                    fail_msg("%s q%g = %.10g; exact %.10g", pb_metric_info[m].name, s->quantiles[j], a->q[j], pb_quantile_type7(x, mm, s->quantiles[j]));
        }
        if (isnan(b->mean)) assert_true(isnan(a->mean));
        else assert_close(a->mean, b->mean, 1e-12 * fmax(1, fabs(b->mean)));
    }
    assert_int_equal(s->irr_none, ex->irr_none);
    assert_int_equal(s->irr_multiple, ex->irr_multiple);
    free(x);
    pb_summary_free(ex);
    pb_run_result_clear(&res);
    pb_scenario_free(sc);
}

/* model.md §11 case 8 through the accumulator: type 7 on {1, 2, 3, 4}
 * gives q0.1 = 1.3 and q0.5 = 2.5 (within the sketch's 0.1 %); payback
 * years {2027, 2029, never, never} give q0.25 = 2027, q0.5 = 2029,
 * q0.75 = never and a mean of 2028 over the 2 paths with an event. */
static void test_case8_streaming(void **state)
{
    (void)state;
    const int H = 5;
    const double levels[4] = {0.1, 0.25, 0.5, 0.75};
    pb_acc *a = pb_acc_alloc(2025, H, 4, NULL);
    double series[PB_N_SERIES * 5];
    const double pay[4] = {2027, INFINITY, 2029, INFINITY};
    for (int i = 0; i < 4; i++) {
        pb_path_out out = {.series = series, .irr_kind = PB_IRR_ONE, .nonfinite = false};
        for (int k = 0; k < PB_N_SERIES * H; k++) series[k] = i + 1;   /* every series: 1, 2, 3, 4 */
        for (int m = 0; m < PB_N_METRICS; m++) out.metric[m] = pb_metric_is_year(m) ? INFINITY : i + 1;
        out.metric[PB_M_PAYBACK_YEAR] = pay[i];
        pb_acc_add(a, &out);
    }
    pb_acc_flush(a);
    pb_summary *s = pb_summary_alloc(2025, H, 4, levels);
    assert_int_equal(pb_acc_finish(a, s), PB_OK);
    assert_close(s->series[PB_S_CAPEX].q[0], 1.3, 1.3e-3);
    assert_close(s->series[PB_S_CAPEX].q[2], 2.5, 2.5e-3);
    assert_close(s->series[PB_S_CAPEX].mean[0], 2.5, 0);                 /* exact sums */
    assert_close(s->series[PB_S_CAPEX].sd[0], sqrt(5.0 / 3.0), 1e-15);   /* var {1,2,3,4} = 5/3 */
    const pb_metric_stats *p = &s->metric[PB_M_PAYBACK_YEAR];
    assert_close(p->q[1], 2027, 0);
    assert_close(p->q[2], 2029, 0);
    assert_true(isinf(p->q[3]));
    assert_close(p->mean, 2028, 0);
    assert_int_equal(p->never, 2);
    /* Gaps are all positive here: P(G <= 0) = 0 with Wilson [0, 0.490]
     * (z^2/(n+z^2) = 3.8415/7.8415 = 0.4899 for 0 of 4). */
    assert_close(s->p_closed[PB_BAIN][0], 0, 0);
    assert_close(s->p_closed_hi[PB_BAIN][0], 0.48990, 5e-5);
    pb_summary_free(s);
    pb_acc_free(a);
}

/* A plan whose windows miss the data: the values outside them are counted
 * per power of two, quantiles landing there are flagged as coarse, and the
 * counts and moments stay exact.  Values 1..100 with a pilot that saw only
 * 1..3: octaves [0, 4) plus 2 are fine, 16..100 are coarse. */
static void test_plan_coarse(void **state)
{
    (void)state;
    const int H = 1;
    const double levels[2] = {0.1, 0.9};
    double series[PB_N_SERIES];
    pb_path_out out = {.series = series, .irr_kind = PB_IRR_ONE};
    for (int m = 0; m < PB_N_METRICS; m++) out.metric[m] = pb_metric_is_year(m) ? INFINITY : 1;
    pb_sketch_plan *plan = pb_sketch_plan_alloc(H);
    for (int v = 1; v <= 3; v++) {
        for (int k = 0; k < PB_N_SERIES; k++) series[k] = v;
        pb_sketch_plan_observe(plan, &out);
    }
    pb_acc *a = pb_acc_alloc(2025, H, 100, plan);
    for (int v = 1; v <= 100; v++) {
        for (int k = 0; k < PB_N_SERIES; k++) series[k] = v;
        pb_acc_add(a, &out);
    }
    pb_acc_flush(a);
    pb_summary *s = pb_summary_alloc(2025, H, 2, levels);
    assert_int_equal(pb_acc_finish(a, s), PB_OK);
    /* q0.1 of 1..100, type 7: 10.9, in the fine window [1, 16): within 0.1 %. */
    assert_close(s->series[PB_S_CAPEX].q[0], 10.9, 10.9e-3);
    /* q0.9: 90.1, in the octave [64, 128): its middle, 96, flagged. */
    assert_close(s->series[PB_S_CAPEX].q[1], 96, 0);
    assert_true(s->coarse_series > 0);
    assert_close(s->series[PB_S_CAPEX].mean[0], 50.5, 0);
    pb_summary_free(s);
    pb_acc_free(a);
    pb_sketch_plan_free(plan);
}

/* Focusing (pb_sketch_plan_focus): a pilot of 4001 values log-uniform over
 * 40 octaves, v_i = 2^(-20 + i/100), i = 0..4000, in every cell.  For the
 * level 0.5 the pilot's ranks 2000 -+ (5 sqrt(4001/4) + 2 = 160.1) are
 * 1839 .. 2161, values 2^-1.61 .. 2^1.61, octaves 2^-2 .. 2^1; with one
 * octave of margin the window is 2^-3 .. 2^2 (6 of the 45 octaves,
 * 2^-22 .. 2^22, the unfocused plan covers).  The same values through the
 * accumulator: the median (2^0 = 1) is fine, within 0.1 %; the 5 %
 * quantile (2^-18) lies outside and is flagged coarse, unless 0.05 is
 * among the focus levels; focused or not, the same bits where neither is
 * coarse.  A plan merged from two halves of the pilot focuses to the same
 * windows. */
static double log_uniform(int i) { return ldexp(1.0, -20 + i / 100) * exp2((i % 100) / 100.0); }

/* One value in every cell that takes a sketch. */
static void every_cell(pb_path_out *out, double v)
{
    for (int k = 0; k < PB_N_SERIES; k++) out->series[k] = v;
    for (int m = 0; m < PB_N_METRICS; m++) out->metric[m] = pb_metric_is_year(m) ? INFINITY : v;
}

/* A one-year accumulator whose plan saw pilot(0 .. 4000), focused on
 * focus[n_focus] (n_focus 0: unfocused), after data(0 .. 4000), and its
 * summary at levels[n_levels]. */
static pb_summary *focused_summary(double (*pilot)(int), double (*data)(int), const double *focus, int n_focus,
                                   const double *levels, int n_levels, pb_acc **keep)
{
    double series[PB_N_SERIES];
    pb_path_out out = {.series = series, .irr_kind = PB_IRR_ONE};
    pb_sketch_plan *plan = pb_sketch_plan_alloc(1);
    for (int i = 0; i <= 4000; i++) {
        every_cell(&out, pilot(i));
        pb_sketch_plan_observe(plan, &out);
    }
    if (n_focus) assert_true(pb_sketch_plan_focus(plan, n_focus, focus));
    pb_acc *a = pb_acc_alloc(2025, 1, 8192, plan);
    pb_sketch_plan_free(plan);
    for (int i = 0; i <= 4000; i++) {
        every_cell(&out, data(i));
        pb_acc_add(a, &out);
    }
    pb_acc_flush(a);
    pb_summary *s = pb_summary_alloc(2025, 1, n_levels, levels);
    assert_int_equal(pb_acc_finish(a, s), PB_OK);
    *keep = a;
    return s;
}

/* The quantiles and their intervals of every series, bit for bit. */
static void assert_same_quantiles(const pb_summary *s, const pb_summary *t)
{
    const size_t Q = (size_t)s->n_quantiles * sizeof(double);
    for (int k = 0; k < PB_N_SERIES; k++) {
        assert_memory_equal(s->series[k].q, t->series[k].q, Q);
        assert_memory_equal(s->series[k].q_lo, t->series[k].q_lo, Q);
        assert_memory_equal(s->series[k].q_hi, t->series[k].q_hi, Q);
    }
    for (int m = 0; m < PB_N_METRICS; m++)
        if (!pb_metric_is_year(m)) assert_memory_equal(s->metric[m].q, t->metric[m].q, Q);
}

static void test_plan_focus(void **state)
{
    (void)state;
    const double median[1] = {0.5}, both[2] = {0.05, 0.5};
    pb_acc *a, *b, *c;
    pb_summary *s = focused_summary(log_uniform, log_uniform, median, 1, both, 2, &a);
    assert_close(s->series[PB_S_CAPEX].q[1], 1, 1e-3);          /* fine */
    assert_true(s->coarse_series > 0 && s->coarse_metrics > 0);   /* q0.05 = 2^-18: coarse */
    assert_true(s->series[PB_S_CAPEX].q[0] >= 0x1p-18 && s->series[PB_S_CAPEX].q[0] < 0x1p-17);
    pb_summary *t = focused_summary(log_uniform, log_uniform, both, 2, both, 2, &b);
    assert_int_equal(t->coarse_series + t->coarse_metrics, 0);
    assert_close(t->series[PB_S_CAPEX].q[0], 0x1p-18, 0x1p-18 * 1e-3);
    assert_memory_equal(&s->series[PB_S_CAPEX].q[1], &t->series[PB_S_CAPEX].q[1], sizeof(double));
    pb_summary *u = focused_summary(log_uniform, log_uniform, NULL, 0, both, 2, &c); /* unfocused */
    assert_int_equal(u->coarse_series + u->coarse_metrics, 0);
    assert_same_quantiles(t, u);
    assert_true(pb_acc_plan_differs(a, b) >= 0 && pb_acc_plan_differs(b, c) >= 0);
    pb_summary_free(s);
    pb_summary_free(t);
    pb_summary_free(u);
    pb_acc_free(b);
    pb_acc_free(c);

    /* Two halves merged give the plan of the whole pilot. */
    double series[PB_N_SERIES];
    pb_path_out out = {.series = series, .irr_kind = PB_IRR_ONE};
    pb_sketch_plan *half[2] = {pb_sketch_plan_alloc(1), pb_sketch_plan_alloc(1)};
    for (int i = 0; i <= 4000; i++) {
        every_cell(&out, log_uniform(i));
        pb_sketch_plan_observe(half[i % 2], &out);
    }
    pb_sketch_plan_merge(half[1], half[0]);
    assert_true(pb_sketch_plan_focus(half[1], 1, median));
    pb_acc *m = pb_acc_alloc(2025, 1, 8192, half[1]);
    assert_int_equal(pb_acc_plan_differs(a, m), -1);
    /* Focusing freed the pilot's paths: a second focus is refused, and so
     * is the focus of a plan a focused one was merged into. */
    pb_errors_mute(true);
    assert_false(pb_sketch_plan_focus(half[1], 1, median));
    pb_sketch_plan *other = pb_sketch_plan_alloc(1);
    pb_sketch_plan_observe(other, &out);
    pb_sketch_plan_merge(other, half[1]);
    assert_false(pb_sketch_plan_focus(other, 1, median));
    pb_errors_mute(false);
    pb_sketch_plan_free(other);
    pb_acc_free(m);
    pb_acc_free(a);
    pb_sketch_plan_free(half[0]);
    pb_sketch_plan_free(half[1]);
}

/* Across zero: v_i = sign(i - 2000) 2^(-20 + |i - 2000| / 50), v_2000 = 0,
 * increasing in i.  The median's ranks 1839 .. 2161 reach across zero, so
 * both signs' windows reach ten octaves below the pilot's smallest
 * magnitude (2^-19.98): 2^-30 .. 2^-16.  The data shrink the 99 values
 * on either side of 0 by 2^-5, below anything the pilot saw: the median
 * (0) and its interval (ranks 2000 -+ 62, magnitudes near 2^-23.8) stay
 * fine, and the same bits as unfocused.  The 5 % quantile, rank 200 of
 * the negatives' mirror: v_200 = -2^16, fine within 0.1 % when focused on
 * it (the negative side's window 2^14 .. 2^18), coarse when not. */
static double signed_pilot(int i) { return i == 2000 ? 0 : copysign(exp2(-20 + abs(i - 2000) / 50.0), i - 2000); }
static double signed_data(int i) { return abs(i - 2000) < 100 ? ldexp(signed_pilot(i), -5) : signed_pilot(i); }

static void test_plan_focus_across_zero(void **state)
{
    (void)state;
    const double median[1] = {0.5}, both[2] = {0.05, 0.5};
    pb_acc *a, *b, *c;
    pb_summary *s = focused_summary(signed_pilot, signed_data, median, 1, median, 1, &a);
    assert_int_equal(s->coarse_series + s->coarse_metrics, 0);
    assert_close(s->series[PB_S_CAPEX].q[0], 0, 0);
    assert_true(s->series[PB_S_CAPEX].q_lo[0] < -0x1p-25 && s->series[PB_S_CAPEX].q_hi[0] > 0x1p-25);
    pb_summary *t = focused_summary(signed_pilot, signed_data, both, 2, both, 2, &b);
    assert_int_equal(t->coarse_series + t->coarse_metrics, 0);
    assert_close(t->series[PB_S_CAPEX].q[0], -0x1p16, 0x1p16 * 1e-3);
    pb_summary *u = focused_summary(signed_pilot, signed_data, NULL, 0, both, 2, &c);
    assert_same_quantiles(t, u);
    pb_summary_free(s);
    pb_summary_free(u);
    pb_acc_free(a);
    pb_acc_free(b);
    pb_acc_free(c);
    s = focused_summary(signed_pilot, signed_data, median, 1, both, 2, &a);
    assert_true(s->coarse_series > 0);
    assert_memory_equal(&s->series[PB_S_CAPEX].q[1], &t->series[PB_S_CAPEX].q[1], sizeof(double));
    pb_summary_free(s);
    pb_summary_free(t);
    pb_acc_free(a);
}

/* The same scenario, seed and paths give bit-identical statistics and
 * stored paths for 1, 2, 3, 4 and 8 threads. */
static void test_threads_bit_identical(void **state)
{
    (void)state;
    pb_scenario *sc = load(SRCDIR "/scenarios/baseline.yaml");
    const int threads[] = {1, 2, 3, 4, 8};
    pb_run_result ref;
    /* 20,000 paths: 3 blocks of 8,192, the last one short. */
    pb_run_opts o = {.paths = 20000, .seed = 5, .threads = 1, .store_paths = 300};
    assert_int_equal(pb_run_mc(sc, &o, &ref), PB_OK);
    const int H = sc->n_years, Q = ref.summary->n_quantiles;
    for (size_t i = 1; i < sizeof threads / sizeof threads[0]; i++) {
        pb_run_result r;
        o.threads = threads[i];
        assert_int_equal(pb_run_mc(sc, &o, &r), PB_OK);
        for (int k = 0; k < PB_N_SERIES; k++) {
            const pb_series_stats *a = &ref.summary->series[k], *b = &r.summary->series[k];
            assert_memory_equal(a->mean, b->mean, (size_t)H * sizeof(double));
            assert_memory_equal(a->sd, b->sd, (size_t)H * sizeof(double));
            assert_memory_equal(a->q, b->q, (size_t)H * Q * sizeof(double));
            assert_memory_equal(a->q_lo, b->q_lo, (size_t)H * Q * sizeof(double));
            assert_memory_equal(a->q_hi, b->q_hi, (size_t)H * Q * sizeof(double));
        }
        for (int m = 0; m < PB_N_METRICS; m++) {
            const pb_metric_stats *a = &ref.summary->metric[m], *b = &r.summary->metric[m];
            assert_memory_equal(&a->mean, &b->mean, sizeof a->mean);
            assert_memory_equal(&a->sd, &b->sd, sizeof a->sd);
            assert_memory_equal(a->q, b->q, (size_t)Q * sizeof(double));
        }
        assert_memory_equal(ref.stored.series, r.stored.series, 300 * (size_t)PB_N_SERIES * H * sizeof(double));
        assert_memory_equal(ref.stored.metric, r.stored.metric, 300 * (size_t)PB_N_METRICS * sizeof(double));
        pb_run_result_clear(&r);
    }
    pb_run_result_clear(&ref);
    pb_scenario_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sketch_against_full_sort),
        cmocka_unit_test(test_case8_streaming),
        cmocka_unit_test(test_plan_coarse),
        cmocka_unit_test(test_plan_focus),
        cmocka_unit_test(test_plan_focus_across_zero),
        cmocka_unit_test(test_threads_bit_identical),
    };
    return cmocka_run_group_tests_name("kernel", tests, NULL, NULL);
}
