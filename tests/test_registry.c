/* test_registry.c: the parameter table (param_table.h) is the one list of
 * parameters.  What it must rule out: a parameter a path draws that has no
 * dotted path of its own (it would share a random stream with another and
 * draw the same numbers), a parameter listed twice, and two parameters in
 * use together that fill one input of the path model. */
#include <stdlib.h>
#include <string.h>

#include "payback/draws.h"
#include "payback/path.h"
#include "payback/scenario.h"
#include "testutil.h"

/* A scenario in every setting a row's `when` can name, by --set on one
 * text: the after policies, discipline, the logistic process and the regime. */
static const char *const base_text =
    "name: t\n"
    "years: {start: 2025, end: 2030}\n"
    "capex: {committed: {2025: 100, 2026: 120}}\n"
    "gpu: {generations: [{name: A, year: 2024, cost: 1, opex: 0.1}, {name: B, year: 2027, cost: 0.5, opex: 0.05}]}\n"
    "revenue: {base: 40}\n";

static const char *const variants[][4] = {
    {NULL},
    {"capex.after={policy: growth, rate: 0.05}", "capex.discipline={coverage: 0.5, cut: 0.3}", NULL},
    {"capex.after={policy: intensity, ratio: 0.25}", "revenue.regime={p_bust: 0.1, p_recover: 0.3, bust_shift: -0.2}", NULL},
    /* The logistic process: the whole revenue block replaced (no base). */
    {"capex.after={policy: hold_capacity}", "revenue={process: logistic, logistic: {market: 900}}", NULL},
};

static pb_scenario *load_variant(int v)
{
    char *args[4] = {0};
    int n = 0;
    for (; variants[v][n]; n++) args[n] = (char *)variants[v][n];
    pb_status st;
    pb_scenario *sc = pb_scenario_load_text("variant", base_text, strlen(base_text), args, n, &st);
    assert_non_null(sc);
    assert_int_equal(st, PB_OK);
    return sc;
}

/* Records every pb_param pb_path_in_fill asks for. */
typedef struct { const pb_param *asked[PB_MAX_PARAMS + 2 * PB_MAX_YEARS]; int n; } asked_set;

static double record(void *ctx, const pb_param *p, int t)
{
    (void)t;
    asked_set *a = ctx;
    int i = 0;
    while (i < a->n && a->asked[i] != p) i++;
    if (i == a->n) a->asked[a->n++] = p;
    return 1.0;
}

/* In every setting, the parameters a path asks for are exactly the ones
 * registered (each with its own path, hence its own stream), and every row
 * of the table is in use in at least one setting. */
static void test_fill_asks_for_exactly_the_registry(void **state)
{
    (void)state;
    bool row_used[PB_N_PARAM_ROWS] = {false};
    for (int v = 0; v < (int)(sizeof variants / sizeof variants[0]); v++) {
        pb_scenario *sc = load_variant(v);
        static pb_param_ref refs[PB_MAX_PARAMS];
        int n = pb_scenario_params(sc, refs, PB_MAX_PARAMS);
        assert_true(n > 0);
        static asked_set a;
        a.n = 0;
        static pb_path_in in;
        pb_path_in_fill(sc, &in, record, &a);
        for (int i = 0; i < a.n; i++) {
            int k = 0;
            while (k < n && refs[k].param != a.asked[i]) k++;
            if (k == n) fail_msg("variant %d: a path asks for a parameter that is not registered", v);
        }
        for (int k = 0; k < n; k++) {
            int i = 0;
            while (i < a.n && a.asked[i] != refs[k].param) i++;
            if (i == a.n) fail_msg("variant %d: '%s' is registered but no path uses it", v, refs[k].path);
            for (int r = 0; r < PB_N_PARAM_ROWS; r++)
                if (pb_row_param(sc, &pb_param_rows[r]) == refs[k].param) row_used[r] = true;
        }
        /* The sampler accepts it (it refuses a parameter without a path). */
        pb_status sst;
        pb_sampler *smp = pb_sampler_alloc(sc, 1, &sst);
        assert_non_null(smp);
        pb_sampler_free(smp);
        pb_scenario_free(sc);
    }
    for (int r = 0; r < PB_N_PARAM_ROWS; r++)
        if (!row_used[r]) fail_msg("row '%s' is used in none of the settings tested", pb_param_rows[r].path);
}

/* A member of pb_path_in whose parameter is not in use is 0, even where a
 * row that is in use in another setting shares it (logistic: the growth
 * rows' base, g_init, g_bar; no regime: p_bust ...; policy hold: after_value). */
static void test_unused_members_are_zero(void **state)
{
    (void)state;
    pb_scenario *sc = load_variant(3);
    static asked_set a;
    a.n = 0;
    static pb_path_in in;
    memset(&in, 0x7f, sizeof in); /* not zero before the fill */
    pb_path_in_fill(sc, &in, record, &a);
    assert_true(in.base == 0 && in.g_init == 0 && in.g_bar == 0);
    assert_true(in.after_value == 0 && in.coverage == 0 && in.cut == 0);
    assert_true(in.p_bust == 0 && in.p_recover == 0 && in.bust_shift == 0);
    assert_true(in.market == 1 && in.phi == 1 && in.sigma == 1); /* the logistic rows: the value function's 1 */
    pb_scenario_free(sc);
}

static pb_param_row rows[PB_N_PARAM_ROWS];

static const pb_param_row *row_of(const char *path)
{
    for (int i = 0; i < PB_N_PARAM_ROWS; i++)
        if (strcmp(pb_param_rows[i].path, path) == 0) return &pb_param_rows[i];
    fail_msg("no row %s", path);
    return NULL;
}

/* The table's own check: passes on the real table, fails on each kind of
 * mistake a new row could make. */
static void test_table_check(void **state)
{
    (void)state;
    assert_int_equal(pb_param_table_check(pb_param_rows, PB_N_PARAM_ROWS), PB_OK);
    int last = PB_N_PARAM_ROWS - 1;

    /* A path listed twice. */
    memcpy(rows, pb_param_rows, sizeof rows);
    rows[last].path = rows[0].path;
    assert_int_equal(pb_param_table_check(rows, PB_N_PARAM_ROWS), PB_EINTERNAL);

    /* Two rows on one pb_scenario field. */
    memcpy(rows, pb_param_rows, sizeof rows);
    rows[last].offset = rows[0].offset;
    assert_int_equal(pb_param_table_check(rows, PB_N_PARAM_ROWS), PB_EINTERNAL);

    /* Two rows in use together filling one input: the second would
     * overwrite the first on every path. */
    memcpy(rows, pb_param_rows, sizeof rows);
    rows[last].in_offset = row_of("finance.discount_rate")->in_offset;
    assert_int_equal(pb_param_table_check(rows, PB_N_PARAM_ROWS), PB_EINTERNAL);

    /* Sharing is fine where the settings exclude each other (the real
     * table does it for the persistence of growth and logistic), and not
     * where they do not (growth persistence with the regime). */
    const pb_param_row *gp = row_of("revenue.growth.persistence"), *lp = row_of("revenue.logistic.persistence");
    assert_int_equal(gp->in_offset, lp->in_offset);
    memcpy(rows, pb_param_rows, sizeof rows);
    for (int i = 0; i < PB_N_PARAM_ROWS; i++)
        if (rows[i].in_offset == lp->in_offset && rows[i].when == PB_WHEN_LOGISTIC) rows[i].when = PB_WHEN_REGIME;
    assert_int_equal(pb_param_table_check(rows, PB_N_PARAM_ROWS), PB_EINTERNAL);
}

/* Keys come from the table: every row's key is read in its block, with its
 * default when absent, and a value given reaches the path's input. */
static void test_every_row_is_a_key(void **state)
{
    (void)state;
    pb_scenario *sc = load_variant(0);
    assert_true(isnan(pb_param_rows[0].def) || pb_row_param(sc, &pb_param_rows[0])->v[0] == pb_param_rows[0].def);
    for (int r = 0; r < PB_N_PARAM_ROWS; r++) {
        const pb_param_row *row = &pb_param_rows[r];
        if (isnan(row->def) || row->when != PB_WHEN_ALWAYS) continue;
        const pb_param *p = pb_row_param(sc, row);
        if (!(p->dist == PB_DIST_FIXED && p->v[0] == row->def && !p->set))
            fail_msg("%s: default %g, expected %g", row->path, p->v[0], row->def);
    }
    pb_scenario_free(sc);
    /* --set of a row's path changes that parameter alone. */
    char *set = "required.sequoia.gross_margin=0.375";
    pb_status st;
    sc = pb_scenario_load_text("set", base_text, strlen(base_text), &set, 1, &st);
    assert_non_null(sc);
    static pb_path_in in;
    pb_path_in_central(sc, &in);
    assert_true(in.gm == 0.375 && in.s_gpu == 0.5);
    pb_scenario_free(sc);
}

/* A row flagged PB_PF_NEEDED is an error when its settings use it and the
 * file does not give it (exit 2, with the file's position).  The rows so
 * flagged are exactly the ones tested here: flagging another makes this
 * test name it. */
static void test_needed_rows(void **state)
{
    (void)state;
    static const struct { const char *path, *text; } cases[] = {
        {"revenue.base", "name: t\nyears: {start: 2025, end: 2030}\ncapex: {committed: {2025: 100}}\n"
                         "gpu: {generations: [{name: A, year: 2024, cost: 1, opex: 0.1}]}\n"},
        {"capex.after.rate", "name: t\nyears: {start: 2025, end: 2030}\ncapex: {committed: {2025: 100}, after: {policy: growth}}\n"
                             "gpu: {generations: [{name: A, year: 2024, cost: 1, opex: 0.1}]}\nrevenue: {base: 40}\n"},
        {"capex.after.ratio", "name: t\nyears: {start: 2025, end: 2030}\ncapex: {committed: {2025: 100}, after: {policy: intensity}}\n"
                              "gpu: {generations: [{name: A, year: 2024, cost: 1, opex: 0.1}]}\nrevenue: {base: 40}\n"},
    };
    const int n_cases = (int)(sizeof cases / sizeof cases[0]);
    int flagged = 0;
    for (int r = 0; r < PB_N_PARAM_ROWS; r++) {
        if (!(pb_param_rows[r].flags & PB_PF_NEEDED)) continue;
        flagged++;
        int k = 0;
        while (k < n_cases && strcmp(cases[k].path, pb_param_rows[r].path) != 0) k++;
        if (k == n_cases) fail_msg("row %s is flagged PB_PF_NEEDED; add a case that leaves it out", pb_param_rows[r].path);
        pb_status st;
        pb_scenario *sc = pb_scenario_load_text("needed", cases[k].text, strlen(cases[k].text), NULL, 0, &st);
        if (sc || st != PB_EINPUT) fail_msg("%s left out: status %d, expected an input error", cases[k].path, (int)st);
    }
    assert_int_equal(flagged, n_cases);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fill_asks_for_exactly_the_registry),
        cmocka_unit_test(test_unused_members_are_zero),
        cmocka_unit_test(test_table_check),
        cmocka_unit_test(test_every_row_is_a_key),
        cmocka_unit_test(test_needed_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
