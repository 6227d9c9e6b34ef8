/* validate.c: every range and cross-field rule of a scenario, once it is
 * parsed (scenario_read.h): the horizon and the committed window, the
 * revenue process's blocks, parameters' domains over their whole support
 * (model.md §2), year-valued parameters, target years, correlations. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>

#include "scenario_read.h"

/* ------------------------------------------------------------------ */
/* Validation (step 3): every range and cross-field rule               */

static pb_loc whole_file(ctx *c) { pb_loc at = {c->file, 1, 1}; return at; }

/* Rounded bounds of a year-valued parameter's support. */
static bool year_bounds(const pb_param *p, double *lo, double *hi)
{
    bool lo_open, hi_open;
    pb_param_support(p, lo, hi, &lo_open, &hi_open);
    if (!isfinite(*lo) || !isfinite(*hi)) return false;
    *lo = pb_round_year(*lo);
    *hi = pb_round_year(*hi);
    return true;
}

static const char *p_dist_suffix(const pb_param *p) { return p->dist == PB_DIST_FIXED ? "" : " (in its support)"; }

/* The normal correlations rho = 2 sin(pi rho_s / 6) of the nm members of
 * the correlations (pair k joins members ia[k] and ib[k]), factored once by
 * GSL's Cholesky into sc->corr_L for the sampler (draws.c); an error if the
 * matrix is not positive definite. */
static void factor_correlations(pb_scenario *sc, int nm, const int *ia, const int *ib)
{
    gsl_matrix *m = gsl_matrix_alloc((size_t)nm, (size_t)nm);
    if (!m || !(sc->corr_L = calloc((size_t)nm * (size_t)nm, sizeof *sc->corr_L))) {
        gsl_matrix_free(m);
        pb_raise(PB_ENOMEM, NULL, "out of memory");
        return;
    }
    gsl_matrix_set_identity(m);
    for (int k = 0; k < sc->n_correlations; k++) {
        double rho = pb_spearman_to_pearson(sc->corr[k].rho_s);
        gsl_matrix_set(m, (size_t)ia[k], (size_t)ib[k], rho);
        gsl_matrix_set(m, (size_t)ib[k], (size_t)ia[k], rho);
    }
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    int rc = gsl_linalg_cholesky_decomp1(m);
    gsl_set_error_handler(old);
    if (rc != GSL_SUCCESS)
        pb_raise(PB_EINPUT, &sc->correlations_loc, "found a correlation matrix that is not positive definite; "
                 "expected correlations that can hold together (lower the largest ones)");
    else {
        sc->n_corr_members = nm;
        for (int i = 0; i < nm; i++)
            for (int j = 0; j <= i; j++) sc->corr_L[(size_t)i * (size_t)nm + (size_t)j] = gsl_matrix_get(m, (size_t)i, (size_t)j);
    }
    gsl_matrix_free(m);
}

/* The horizon: end after start, at most PB_MAX_YEARS years.  False when
 * it is not usable (every later rule needs it). */
static bool check_horizon(pb_scenario *sc, const pb_loc *years_loc)
{
    if (!(sc->start > 0 && sc->end > 0)) return false; /* missing: reported by the parser */
    if (sc->end < sc->start) {
        pb_raise(PB_EINPUT, years_loc, "found end %d before start %d; expected years.end >= years.start", sc->end, sc->start);
        return false;
    }
    if (sc->end - sc->start + 1 > PB_MAX_YEARS) {
        pb_raise(PB_EINPUT, years_loc, "found a horizon of %d years; expected 1 to %d years", sc->end - sc->start + 1,
                 PB_MAX_YEARS);
        return false;
    }
    sc->n_years = sc->end - sc->start + 1;
    return true;
}

/* capex.committed: consecutive years from start, none after end.  Sorts
 * them into year order (the file may list them in any order). */
static void check_committed(ctx *c)
{
    pb_scenario *sc = c->sc;
    const int n = sc->n_committed;
    pb_param sorted[PB_MAX_YEARS];
    bool seen[PB_MAX_YEARS] = {false}, window_ok = true;
    for (int i = 0; i < n; i++) {
        int y = c->committed_year[i];
        if (y < sc->start || y > sc->end) {
            pb_raise(PB_EINPUT, &c->committed_loc[i], "found committed year %d outside the horizon %d-%d; "
                     "expected years from %d on", y, sc->start, sc->end, sc->start);
            window_ok = false;
            continue;
        }
        int t = y - sc->start;
        if (t >= n) {
            pb_raise(PB_EINPUT, &c->committed_loc[i], "found committed year %d with %d committed years; "
                     "expected consecutive years %d-%d (the window starts at years.start)", y, n, sc->start, sc->start + n - 1);
            window_ok = false;
            continue;
        }
        /* Keys are compared as years, not as text: 2025, 2025.0, +2025
         * and 0x7E9 are one year (D4: they used to run as 2025 and 2026). */
        int first = -1;
        for (int j = 0; j < i && first < 0; j++)
            if (c->committed_year[j] == y) first = j;
        if (first >= 0) {
            pb_raise(PB_EINPUT, &c->committed_loc[i], "found committed year %d a second time (first at %d:%d); "
                     "expected each year once", y, c->committed_loc[first].line, c->committed_loc[first].col);
            window_ok = false;
            continue;
        }
        sorted[t] = sc->committed[i];
        seen[t] = true;
    }
    for (int t = 0; t < n && window_ok; t++)
        if (!seen[t]) window_ok = false;
    if (window_ok) memcpy(sc->committed, sorted, (size_t)n * sizeof sorted[0]);
}

/* Cross-block rules of the revenue process. */
static void check_process(ctx *c)
{
    pb_scenario *sc = c->sc;
    if (sc->process == PB_PROCESS_GROWTH) {
        if (!sc->base.set) {
            pb_loc at = c->revenue_loc.line ? c->revenue_loc : whole_file(c);
            pb_raise(PB_EINPUT, &at, "found no revenue.base; expected revenue.base (B$ in %d) for process growth", sc->start - 1);
        }
        if (c->has_logistic_block)
            pb_raise(PB_EINPUT, &c->logistic_loc, "found revenue.logistic with process growth; expected revenue.growth "
                     "(or process: logistic)");
    } else {
        if (sc->base.set)
            pb_raise(PB_EINPUT, &sc->base.key_loc, "found revenue.base with process logistic; expected no base "
                     "(the logistic curve sets the level)");
        if (c->has_growth_block)
            pb_raise(PB_EINPUT, &c->growth_loc, "found revenue.growth with process logistic; expected revenue.logistic "
                     "(or process: growth)");
    }
}

/* Domains of every parameter in use (model.md §2), over the whole support;
 * prepares each law for drawing. */
static void check_domains(ctx *c, pb_param_ref *refs, int np)
{
    for (int i = 0; i < np; i++) {
        const pb_param_ref *r = &refs[i];
        pb_param *p = r->param;
        pb_param_prepare(p);
        if (r->domain && !sr_is_invalid(p) && !pb_param_in_domain(p, r->domain)) {
            char law[160];
            pb_param_describe(p, law, sizeof law);
            pb_loc at = p->loc.line ? p->loc : whole_file(c);
            pb_raise(PB_EINPUT, &at, "found %s = %s%s; expected %s %s", r->path, law,
                     p->dist == PB_DIST_FIXED ? "" : " (its support)", r->path, r->domain->text);
        } else if (r->domain && !sr_is_invalid(p) && fabs(pb_param_mean(p)) > r->domain->plausible) {
            pb_loc at = p->loc.line ? p->loc : whole_file(c);
            pb_warn(&at, "%s = %g (its mean) is %.0f %% a year; rates and growths are fractions (0.10 for 10 %%): "
                    "was a percentage written?", r->path, pb_param_mean(p), 100 * pb_param_mean(p));
        }
    }
}

/* Every year-valued parameter (PB_PF_YEAR in param_table.h): a year or a
 * bounded law of years.  The rules of particular ones follow. */
static void check_years(ctx *c, const pb_param_ref *refs, int np)
{
    for (int i = 0; i < np; i++) {
        const pb_param *p = refs[i].param;
        double lo, hi;
        if (!refs[i].year_valued || sr_is_invalid(p) || year_bounds(p, &lo, &hi)) continue;
        pb_loc at = p->loc.line ? p->loc : whole_file(c);
        pb_raise(PB_EINPUT, &at, "found an unbounded law for %s; expected a year or a bounded distribution of years",
                 refs[i].path);
    }
}

/* Generation years: available by the horizon's end. */
static void check_generation_years(const pb_scenario *sc)
{
    for (int g = 0; g < sc->n_generations; g++) {
        double lo, hi;
        const pb_param *p = &sc->gen[g].year;
        if (sr_is_invalid(p) || !year_bounds(p, &lo, &hi)) continue; /* reported by the parser, or by check_years */
        if (hi > sc->end)
            pb_raise(PB_EINPUT, &p->loc, "found gpu.generations.%s.year %s%.0f after the horizon's end %d; expected "
                     "year <= %d", sc->gen[g].name, p->dist == PB_DIST_FIXED ? "" : "up to ", hi, sc->end, sc->end);
    }
}

/* One end of JPMorgan's window: a bounded law of years in the horizon.
 * *lo, *hi: its rounded support; false when it is not usable. */
static bool check_window_end(const pb_scenario *sc, const pb_param *p, const char *key, const pb_loc *at, double *lo,
                             double *hi)
{
    if (sr_is_invalid(p) || !year_bounds(p, lo, hi)) return false; /* reported by the parser, or by check_years */
    if (*lo < sc->start || *hi > sc->end) {
        pb_raise(PB_EINPUT, at, "found required.jpmorgan.%s %.0f%s; expected a year in %d-%d", key,
                 *lo < sc->start ? *lo : *hi, p_dist_suffix(p), sc->start, sc->end);
        return false;
    }
    return true;
}

/* JPMorgan's window: from and through default to the horizon; from <= through. */
static void check_jpm_window(ctx *c)
{
    pb_scenario *sc = c->sc;
    if (!sc->jpm_from.set) sc->jpm_from = pb_param_fixed(sc->start);
    if (!sc->jpm_through.set) sc->jpm_through = pb_param_fixed(sc->end);
    pb_loc jloc = c->jpm_loc.line ? c->jpm_loc : whole_file(c);
    const pb_loc *floc = sc->jpm_from.loc.line ? &sc->jpm_from.loc : &jloc;
    const pb_loc *tloc = sc->jpm_through.loc.line ? &sc->jpm_through.loc : &jloc;
    double flo, fhi, tlo, thi;
    bool fok = check_window_end(sc, &sc->jpm_from, "from", floc, &flo, &fhi);
    bool tok = check_window_end(sc, &sc->jpm_through, "through", tloc, &tlo, &thi);
    if (fok && tok && fhi > tlo)
        pb_raise(PB_EINPUT, tloc, "found required.jpmorgan.through %.0f before from %.0f; expected from <= through", tlo, fhi);
}

/* Output years: in the horizon; the last year when none is given. */
static void check_target_years(ctx *c)
{
    pb_scenario *sc = c->sc;
    for (int i = 0; i < sc->n_target_years; i++)
        if (sc->target_years[i] < sc->start || sc->target_years[i] > sc->end)
            pb_raise(PB_EINPUT, &c->target_years_loc[i], "found target year %d; expected a year in the horizon %d-%d",
                     sc->target_years[i], sc->start, sc->end);
    if (sc->n_target_years == 0) {
        sc->n_target_years = 1;
        sc->target_years[0] = sc->end;
    }
}

/* output.depreciation_window: years of the horizon, from <= through; by
 * default the first three years (all of a shorter horizon). */
static void check_window(pb_scenario *sc)
{
    if (sc->window_from == 0 && sc->window_through == 0) {
        sc->window_from = sc->start;
        sc->window_through = sc->start + 2 < sc->end ? sc->start + 2 : sc->end;
        return;
    }
    if (sc->window_from == 0 || sc->window_through == 0) return; /* a missing key: reported by the parser */
    if (sc->window_from < sc->start || sc->window_through > sc->end || sc->window_from > sc->window_through)
        pb_raise(PB_EINPUT, &sc->window_loc, "found output.depreciation_window %d-%d; expected years from <= through "
                 "in the horizon %d-%d", sc->window_from, sc->window_through, sc->start, sc->end);
}

/* The member index of one end of a correlation (a new member on its first
 * appearance), or -1 after an error: an unknown or per-year parameter. */
static int corr_member(const pb_correlation *cr, const char *name, const pb_param_ref *refs, int np,
                       const pb_param_ref **members, int *nm)
{
    const pb_param_ref *r = pb_scenario_find(refs, np, name);
    if (!r) {
        pb_raise(PB_EINPUT, &cr->loc, "found unknown parameter '%s' in correlations; expected the dotted "
                 "path of a parameter, such as revenue.growth.initial", name);
        return -1;
    }
    if (r->param->per_year) {
        pb_raise(PB_EINPUT, &cr->loc, "found per-year parameter '%s' in correlations; expected a per-path parameter", name);
        return -1;
    }
    int m = 0;
    while (m < *nm && members[m] != r) m++;
    if (m == *nm) members[(*nm)++] = r;
    return m;
}

/* Correlations: known per-path parameters, two different ones, each pair
 * once, and a positive definite matrix of normal correlations, factored. */
static void check_correlations(pb_scenario *sc, const pb_param_ref *refs, int np)
{
    if (sc->n_correlations == 0) return;
    const pb_param_ref *members[2 * PB_MAX_CORRELATIONS];
    int nm = 0, ia[PB_MAX_CORRELATIONS], ib[PB_MAX_CORRELATIONS];
    bool ok = true;
    for (int k = 0; k < sc->n_correlations; k++) {
        const pb_correlation *cr = &sc->corr[k];
        ia[k] = corr_member(cr, cr->a, refs, np, members, &nm);
        ib[k] = corr_member(cr, cr->b, refs, np, members, &nm);
        if (ia[k] < 0 || ib[k] < 0) {
            ok = false;
            continue;
        }
        if (!ok) continue;
        if (ia[k] == ib[k]) {
            pb_raise(PB_EINPUT, &cr->loc, "found '%s' correlated with itself; expected two different parameters", cr->a);
            ok = false;
        }
        /* A fixed value has nothing to correlate: a warning, not an error,
         * so that sweep and solve may fix a correlated parameter. */
        const bool fa = ok && members[ia[k]]->param->dist == PB_DIST_FIXED,
                   fb = ok && members[ib[k]]->param->dist == PB_DIST_FIXED;
        if (fa && fb) pb_warn(&cr->loc, "'%s' and '%s' are fixed values: their correlation has no effect", cr->a, cr->b);
        else if (fa || fb)
            pb_warn(&cr->loc, "'%s' is a fixed value: its correlation with '%s' has no effect", fa ? cr->a : cr->b,
                    fa ? cr->b : cr->a);
        for (int j = 0; j < k && ok; j++)
            if ((ia[j] == ia[k] && ib[j] == ib[k]) || (ia[j] == ib[k] && ib[j] == ia[k])) {
                pb_raise(PB_EINPUT, &cr->loc, "found the pair (%s, %s) twice; expected each pair once", cr->a, cr->b);
                ok = false;
            }
    }
    if (!ok) return;
    for (int m = 0; m < nm; m++) sc->corr_param[m] = members[m]->param;
    factor_correlations(sc, nm, ia, ib);
}

void sr_validate(ctx *c, pb_loc years_loc)
{
    pb_scenario *sc = c->sc;
    if (!check_horizon(sc, &years_loc)) return;
    check_committed(c);
    check_process(c);
    check_jpm_window(c);
    pb_param_ref refs[PB_MAX_PARAMS];
    int np = pb_scenario_params(sc, refs, PB_MAX_PARAMS);
    if (np < 0) return; /* raised: a bug, not the file's */
    check_domains(c, refs, np);
    check_years(c, refs, np);
    check_generation_years(sc);
    check_target_years(c);
    check_window(sc);
    sr_check_history(c);
    check_correlations(sc, refs, np);
}
