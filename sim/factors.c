/* factors.c: the factors of a scenario and paths with some of them
 * resampled (model.md §10; draws.h).  The estimators of the analysis
 * commands get every pair of paths they need from pb_draw_path_cond: no
 * random-number bookkeeping of their own. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>

#include "payback/rng.h"
#include "sampler.h"

static void add_factor(pb_sampler *s, const char *name, pb_factor_kind kind, const pb_param *p, bool year_valued,
                       int slot_index, int corr)
{
    pb_factor *f = &s->factor[s->n_factors++];
    snprintf(f->name, sizeof f->name, "%s", name);
    f->kind = kind;
    f->param = p;
    f->year_valued = year_valued;
    f->slot = slot_index;
    f->corr = corr;
}

/* Slots in order: a per-path parameter with a law is one factor; a per-year
 * one is one factor for its H consecutive slots (pb_path_in_fill asks for
 * its years in a row). */
static void slot_factors(pb_sampler *s, const pb_param_ref *refs)
{
    for (int k = 0; k < s->n_slots; k++) {
        slot *sl = &s->slots[k];
        sl->factor = -1;
        if (sl->p->dist == PB_DIST_FIXED) continue;
        if (sl->year != 0 && k > 0 && s->slots[k - 1].p == sl->p) {
            sl->factor = s->slots[k - 1].factor;
            continue;
        }
        sl->factor = s->n_factors;
        add_factor(s, refs[sl->ref].path, sl->year ? PB_FACTOR_YEARLY : PB_FACTOR_PARAM, sl->p, refs[sl->ref].year_valued,
                   k, sl->corr);
    }
}

pb_status pb_sampler_factors_build(pb_sampler *s, const pb_param_ref *refs)
{
    const int nc = s->n_corr;
    s->factor = calloc((size_t)s->n_slots + 2, sizeof *s->factor);
    s->step_factor = calloc((size_t)s->n_steps + 1, sizeof *s->step_factor);
    s->corr_sigma = nc ? malloc((size_t)nc * (size_t)nc * sizeof *s->corr_sigma) : NULL;
    if (!s->factor || !s->step_factor || (nc && !s->corr_sigma))
        return pb_raise(PB_ENOMEM, NULL, "cannot allocate the sampler's factors");
    slot_factors(s, refs);
    int shocks = -1, regime = -1;
    if (s->draw_shocks) add_factor(s, "revenue.shocks", PB_FACTOR_SHOCKS, NULL, false, -1, -1), shocks = s->n_factors - 1;
    if (s->sc->has_regime) add_factor(s, "revenue.regime", PB_FACTOR_REGIME, NULL, false, -1, -1), regime = s->n_factors - 1;
    for (int i = 0; i < s->n_steps; i++) {
        const draw_step *d = &s->step[i];
        switch (d->kind) {
        case STEP_PARAM: s->step_factor[i] = s->slots[d->index].factor; break;
        case STEP_COPULA: s->step_factor[i] = s->slots[s->corr_slot[d->index]].factor; break;
        case STEP_SHOCK: s->step_factor[i] = shocks; break;
        case STEP_REGIME: s->step_factor[i] = regime; break;
        }
    }
    /* The copula's correlation of normal scores, Sigma = L L^T. */
    for (int i = 0; i < nc; i++)
        for (int j = 0; j < nc; j++) {
            double v = 0;
            for (int k = 0; k <= (i < j ? i : j); k++) v += s->L[(size_t)i * (size_t)nc + (size_t)k] * s->L[(size_t)j * (size_t)nc + (size_t)k];
            s->corr_sigma[(size_t)i * (size_t)nc + (size_t)j] = v;
        }
    return PB_OK;
}

int pb_sampler_n_factors(const pb_sampler *s) { return s->n_factors; }
const pb_factor *pb_sampler_factor(const pb_sampler *s, int f) { return &s->factor[f]; }
int pb_sampler_n_values(const pb_sampler *s) { return s->n_slots; }

int pb_sampler_find_factor(const pb_sampler *s, const char *name)
{
    for (int f = 0; f < s->n_factors; f++)
        if (strcmp(s->factor[f].name, name) == 0) return f;
    return -1;
}

/* ------------------------------------------------------------------ */
/* The copula's scores with some members resampled.
 *
 * y_out = L z_out are the scores of the outer path.  The members J to
 * resample (those whose factor is resampled, and the members without a law
 * of their own, which only carry correlation) are drawn from their law
 * given the others' scores y_K:
 *   y_J = Sigma_JK Sigma_KK^-1 y_K + chol(Sigma_JJ - Sigma_JK Sigma_KK^-1 Sigma_KJ) w,
 * w the standard normals of the J members' resampled streams.  With K
 * empty this is y = L w, an independent draw. */

static double sig(const pb_sampler *s, int i, int j) { return s->corr_sigma[(size_t)i * (size_t)s->n_corr + (size_t)j]; }

static pb_status conditional_scores(const pb_sampler *s, const unsigned char *inJ, const double *y_out, const double *w,
                                    double *y)
{
    const int nc = s->n_corr;
    int J[2 * PB_MAX_CORRELATIONS], K[2 * PB_MAX_CORRELATIONS], a = 0, b = 0;
    for (int i = 0; i < nc; i++) {
        if (inJ[i]) J[a++] = i;
        else K[b++] = i;
        y[i] = y_out[i];
    }
    if (a == 0) return PB_OK;
    gsl_matrix *skk = gsl_matrix_alloc((size_t)(b ? b : 1), (size_t)(b ? b : 1));
    gsl_matrix *m = gsl_matrix_alloc((size_t)(b ? b : 1), (size_t)a); /* Sigma_KK^-1 Sigma_KJ */
    gsl_matrix *cov = gsl_matrix_alloc((size_t)a, (size_t)a);
    pb_status st = PB_OK;
    if (!skk || !m || !cov) {
        st = pb_raise(PB_ENOMEM, NULL, "cannot allocate a conditional law of the correlated parameters");
        goto done;
    }
    for (int p = 0; p < b; p++)
        for (int q = 0; q < b; q++) gsl_matrix_set(skk, (size_t)p, (size_t)q, sig(s, K[p], K[q]));
    if (b && gsl_linalg_cholesky_decomp1(skk) != 0) {
        st = pb_raise(PB_EINTERNAL, NULL, "the correlations of the parameters kept are not positive definite");
        goto done;
    }
    for (int c = 0; c < a && b; c++) {
        gsl_vector_view col = gsl_matrix_column(m, (size_t)c);
        for (int p = 0; p < b; p++) gsl_vector_set(&col.vector, (size_t)p, sig(s, K[p], J[c]));
        gsl_linalg_cholesky_svx(skk, &col.vector);
    }
    for (int c = 0; c < a; c++)
        for (int e = 0; e < a; e++) {
            double x = sig(s, J[c], J[e]);
            for (int p = 0; p < b; p++) x -= sig(s, J[c], K[p]) * gsl_matrix_get(m, (size_t)p, (size_t)e);
            gsl_matrix_set(cov, (size_t)c, (size_t)e, x);
        }
    if (gsl_linalg_cholesky_decomp1(cov) != 0) {
        st = pb_raise(PB_EINTERNAL, NULL, "a conditional law of the correlated parameters is not positive definite");
        goto done;
    }
    /* mean: Sigma_JK Sigma_KK^-1 y_K = M^T y_K (Sigma symmetric). */
    for (int c = 0; c < a; c++) {
        double mu = 0, x = 0;
        for (int p = 0; p < b; p++) mu += gsl_matrix_get(m, (size_t)p, (size_t)c) * y_out[K[p]];
        for (int e = 0; e <= c; e++) x += gsl_matrix_get(cov, (size_t)c, (size_t)e) * w[J[e]];
        y[J[c]] = mu + x;
    }
done:
    gsl_matrix_free(skk);
    gsl_matrix_free(m);
    gsl_matrix_free(cov);
    return st;
}

pb_status pb_draw_path_cond(const pb_sampler *s, uint64_t seed, uint64_t outer, const unsigned char *resample,
                            uint64_t inner, gsl_rng *r, pb_path_in *in, double *vals_out)
{
    const uint64_t seed2 = pb_resample_seed(seed);
    double vals[MAX_SLOTS], z_out[2 * PB_MAX_CORRELATIONS], w[2 * PB_MAX_CORRELATIONS];
    unsigned char inJ[2 * PB_MAX_CORRELATIONS];
    for (int k = 0; k < s->n_slots; k++) vals[k] = s->slots[k].p->v[0];
    if (!s->draw_shocks) memset(in->eps, 0, (size_t)s->sc->n_years * sizeof in->eps[0]);
    for (int i = 0; i < s->n_steps; i++) {
        const draw_step *d = &s->step[i];
        const int f = s->step_factor[i];
        const bool rs = resample && f >= 0 && resample[f];
        pb_rng_start(r, rs ? seed2 : seed, rs ? inner : outer, d->stream, d->year);
        switch (d->kind) {
        case STEP_PARAM: vals[d->index] = pb_slot_sample(s, d->index, r); break;
        case STEP_COPULA:
            /* Both draws of a member: the outer one conditions the others. */
            z_out[d->index] = gsl_ran_gaussian_ziggurat(r, 1.0);
            inJ[d->index] = rs || f < 0;
            pb_rng_start(r, seed2, inner, d->stream, d->year);
            w[d->index] = gsl_ran_gaussian_ziggurat(r, 1.0);
            if (rs) { /* the outer draw was the resampled one: draw the outer again */
                pb_rng_start(r, seed, outer, d->stream, d->year);
                z_out[d->index] = gsl_ran_gaussian_ziggurat(r, 1.0);
            }
            break;
        case STEP_SHOCK: in->eps[d->index] = gsl_ran_gaussian_ziggurat(r, 1.0); break;
        case STEP_REGIME: in->u_regime[d->index] = pb_uniform53(r); break;
        }
    }
    if (s->n_corr) {
        /* Without any factor resampled, the latent members keep their outer
         * scores too: the path is exactly pb_draw_path's. */
        bool any = false;
        for (int i = 0; i < s->n_corr; i++) any |= inJ[i] && s->slots[s->corr_slot[i]].factor >= 0;
        double y_out[2 * PB_MAX_CORRELATIONS], y[2 * PB_MAX_CORRELATIONS];
        for (int i = 0; i < s->n_corr; i++) {
            y_out[i] = 0;
            for (int j = 0; j <= i; j++) y_out[i] += s->L[(size_t)i * (size_t)s->n_corr + (size_t)j] * z_out[j];
            if (!any) inJ[i] = 0;
        }
        pb_status st = conditional_scores(s, inJ, y_out, w, y);
        if (st != PB_OK) return st;
        for (int i = 0; i < s->n_corr; i++) vals[s->corr_slot[i]] = pb_copula_value(s, i, y[i]);
    }
    pb_sampler_replay(s, vals, in);
    if (vals_out) memcpy(vals_out, vals, (size_t)s->n_slots * sizeof vals[0]);
    return PB_OK;
}
