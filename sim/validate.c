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

void sr_validate(ctx *c, pb_loc years_loc)
{
    pb_scenario *sc = c->sc;
    bool years_ok = sc->start > 0 && sc->end > 0;
    if (years_ok && sc->end < sc->start) {
        pb_raise(PB_EINPUT, &years_loc, "found end %d before start %d; expected years.end >= years.start", sc->end, sc->start);
        years_ok = false;
    } else if (years_ok && sc->end - sc->start + 1 > PB_MAX_YEARS) {
        pb_raise(PB_EINPUT, &years_loc, "found a horizon of %d years; expected 1 to %d years", sc->end - sc->start + 1, PB_MAX_YEARS);
        years_ok = false;
    }
    if (!years_ok) return; /* every later rule needs the horizon */
    sc->n_years = sc->end - sc->start + 1;

    /* capex.committed: consecutive years from start, none after end.  Sort
     * them into year order (the file may list them in any order). */
    int n = sc->n_committed;
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
        sorted[t] = sc->committed[i];
        seen[t] = true;
    }
    if (window_ok) {
        for (int t = 0; t < n; t++)
            if (!seen[t]) window_ok = false;
        if (window_ok) memcpy(sc->committed, sorted, (size_t)n * sizeof sorted[0]);
    }

    /* Cross-block rules of the revenue process. */
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

    /* JPMorgan window: from and through default to the horizon. */
    if (!sc->jpm_from.set) sc->jpm_from = pb_param_fixed(sc->start);
    if (!sc->jpm_through.set) sc->jpm_through = pb_param_fixed(sc->end);

    /* Domains of every parameter (model.md §2), over the whole support. */
    pb_param_ref refs[PB_MAX_PARAMS];
    int np = pb_scenario_params(sc, refs, PB_MAX_PARAMS);
    if (np < 0) return;
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
        }
    }

    /* Year-valued parameters: finite support, within the horizon's rules. */
    for (int g = 0; g < sc->n_generations; g++) {
        double lo, hi;
        const pb_param *p = &sc->gen[g].year;
        if (sr_is_invalid(p)) continue; /* missing or unreadable: reported by the parser */
        if (!year_bounds(p, &lo, &hi))
            pb_raise(PB_EINPUT, &p->loc, "found an unbounded law for gpu.generations.%s.year; expected a year "
                     "or a bounded distribution of years", sc->gen[g].name);
        else if (hi > sc->end)
            pb_raise(PB_EINPUT, &p->loc, "found gpu.generations.%s.year %s%.0f after the horizon's end %d; expected "
                     "year <= %d", sc->gen[g].name, p->dist == PB_DIST_FIXED ? "" : "up to ", hi, sc->end, sc->end);
    }
    double flo, fhi, tlo, thi;
    bool fok = year_bounds(&sc->jpm_from, &flo, &fhi), tok = year_bounds(&sc->jpm_through, &tlo, &thi);
    bool fbad = sr_is_invalid(&sc->jpm_from), tbad = sr_is_invalid(&sc->jpm_through); /* already reported */
    pb_loc jloc = c->jpm_loc.line ? c->jpm_loc : whole_file(c);
    const pb_loc *floc = sc->jpm_from.loc.line ? &sc->jpm_from.loc : &jloc;
    const pb_loc *tloc = sc->jpm_through.loc.line ? &sc->jpm_through.loc : &jloc;
    if (fbad) fok = false;
    else if (!fok) pb_raise(PB_EINPUT, floc, "found an unbounded law for required.jpmorgan.from; expected a year in %d-%d", sc->start, sc->end);
    else if (flo < sc->start || fhi > sc->end) {
        pb_raise(PB_EINPUT, floc, "found required.jpmorgan.from %.0f%s; expected a year in %d-%d",
                 flo < sc->start ? flo : fhi, p_dist_suffix(&sc->jpm_from), sc->start, sc->end);
        fok = false;
    }
    if (tbad) tok = false;
    else if (!tok) pb_raise(PB_EINPUT, tloc, "found an unbounded law for required.jpmorgan.through; expected a year in %d-%d", sc->start, sc->end);
    else if (tlo < sc->start || thi > sc->end)
        pb_raise(PB_EINPUT, tloc, "found required.jpmorgan.through %.0f%s; expected a year in %d-%d",
                 tlo < sc->start ? tlo : thi, p_dist_suffix(&sc->jpm_through), sc->start, sc->end);
    else if (fok && fhi > tlo)
        pb_raise(PB_EINPUT, tloc, "found required.jpmorgan.through %.0f before from %.0f; expected from <= through", tlo, fhi);

    /* Output years. */
    for (int i = 0; i < sc->n_target_years; i++)
        if (sc->target_years[i] < sc->start || sc->target_years[i] > sc->end)
            pb_raise(PB_EINPUT, &c->target_years_loc[i], "found target year %d; expected a year in the horizon %d-%d",
                     sc->target_years[i], sc->start, sc->end);
    if (sc->n_target_years == 0) { sc->n_target_years = 1; sc->target_years[0] = sc->end; }

    /* Correlations: known per-path parameters, each pair once, and a
     * positive definite matrix of normal correlations rho = 2 sin(pi rho_s / 6). */
    if (sc->n_correlations > 0) {
        const pb_param_ref *members[2 * PB_MAX_CORRELATIONS];
        int nm = 0;
        bool ok = true;
        int ia[PB_MAX_CORRELATIONS], ib[PB_MAX_CORRELATIONS];
        for (int k = 0; k < sc->n_correlations; k++) {
            const pb_correlation *cr = &sc->corr[k];
            const char *names[2] = {cr->a, cr->b};
            int *idx[2] = {&ia[k], &ib[k]};
            for (int s = 0; s < 2; s++) {
                const pb_param_ref *r = pb_scenario_find(refs, np, names[s]);
                if (!r) {
                    pb_raise(PB_EINPUT, &cr->loc, "found unknown parameter '%s' in correlations; expected the dotted "
                             "path of a parameter, such as revenue.growth.initial", names[s]);
                    ok = false;
                    continue;
                }
                if (r->param->per_year) {
                    pb_raise(PB_EINPUT, &cr->loc, "found per-year parameter '%s' in correlations; expected a "
                             "per-path parameter", names[s]);
                    ok = false;
                    continue;
                }
                int m = 0;
                while (m < nm && members[m] != r) m++;
                if (m == nm) members[nm++] = r;
                *idx[s] = m;
            }
            if (!ok) continue;
            if (ia[k] == ib[k]) {
                pb_raise(PB_EINPUT, &cr->loc, "found '%s' correlated with itself; expected two different parameters", cr->a);
                ok = false;
            }
            for (int j = 0; j < k && ok; j++)
                if ((ia[j] == ia[k] && ib[j] == ib[k]) || (ia[j] == ib[k] && ib[j] == ia[k])) {
                    pb_raise(PB_EINPUT, &cr->loc, "found the pair (%s, %s) twice; expected each pair once", cr->a, cr->b);
                    ok = false;
                }
        }
        if (ok) {
            for (int m = 0; m < nm; m++) sc->corr_param[m] = members[m]->param;
            factor_correlations(sc, nm, ia, ib);
        }
    }
}

