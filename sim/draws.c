/* draws.c: scenario parameters -> pb_path_in. */
#include "payback/draws.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "payback/rng.h"
#include "sampler.h"

static inline __attribute__((always_inline)) double value(pb_value_fn fn, void *ctx, const pb_param *p, int t, bool year_valued)
{
    double x = fn(ctx, p, p->per_year ? t : -1);
    return year_valued ? pb_round_year(x) : x;
}

/* The body of pb_path_in_fill, generated from param_table.h, and inlined
 * where it is called with a known value function (pb_draw_path's replay),
 * so that the ~100 calls a path makes are not indirect. */
static inline __attribute__((always_inline)) void fill(const pb_scenario *sc, pb_path_in *in, pb_value_fn fn, void *ctx)
{
    const int H = sc->n_years;
    in->start = sc->start;
    in->n_years = H;
    in->n_committed = sc->n_committed;
    in->after = sc->after;
    in->discipline = sc->has_discipline;
    in->n_gen = sc->n_generations;
    in->process = sc->process;
    in->regime = sc->has_regime;
    in->depreciation = sc->full_cost_depreciation;
    in->n_observed = sc->n_observed;
    memcpy(in->observed, sc->observed, (size_t)sc->n_observed * sizeof sc->observed[0]);
    in->has_forced = sc->has_forced;
    if (sc->has_forced) memcpy(in->forced, sc->forced, (size_t)H);
    in->window_from = sc->window_from;
    in->window_through = sc->window_through;
    /* A parameter the scenario's settings do not use leaves its member 0;
     * rows that exclude each other (growth and logistic persistence) share
     * one member, so every member is cleared before any is set. */
#define ZERO_(field, path, member, ...) in->member = 0;
#define ZERO_Y_(...)
    PB_PARAMETERS(ZERO_, ZERO_Y_)
#define SET_(field, path, member, def, dom, flags, when) \
    if (pb_param_used(sc, PB_WHEN_##when)) in->member = value(fn, ctx, &sc->field, -1, ((flags) & PB_PF_YEAR) != 0);
#define SET_Y_(field, path, member, def, dom, flags, when)                                                     \
    for (int t = 0; t < H; t++)                                                                                \
        in->member[t] = pb_param_used(sc, PB_WHEN_##when) ? value(fn, ctx, &sc->field, t, ((flags) & PB_PF_YEAR) != 0) : 0;
    PB_PARAMETERS(SET_, SET_Y_)
    for (int t = 0; t < sc->n_committed; t++) in->committed[t] = value(fn, ctx, &sc->committed[t], -1, false);
    for (int g = 0; g < sc->n_generations; g++) {
#define GEN_(field, member, dom, flags, def) in->member[g] = value(fn, ctx, &sc->gen[g].field, -1, ((flags) & PB_PF_YEAR) != 0);
        PB_GENERATION_PARAMETERS(GEN_)
    }
#undef ZERO_
#undef ZERO_Y_
#undef SET_
#undef SET_Y_
#undef GEN_
}

void pb_path_in_fill(const pb_scenario *sc, pb_path_in *in, pb_value_fn fn, void *ctx) { fill(sc, in, fn, ctx); }

static double mean_value(void *ctx, const pb_param *p, int t)
{
    (void)ctx;
    (void)t;
    return pb_param_mean(p);
}

void pb_path_in_central(const pb_scenario *sc, pb_path_in *in)
{
    pb_path_in_fill(sc, in, mean_value, NULL);
    in->regime = false; /* deterministic: always boom */
    memset(in->eps, 0, sizeof in->eps);
    memset(in->u_regime, 0, sizeof in->u_regime);
}

/* ------------------------------------------------------------------ */
/* Monte Carlo draws                                                    */


/* Records pb_path_in_fill's calls: which parameter, which year. */
typedef struct {
    pb_sampler *s;
    const pb_param_ref *refs;
    int n_refs;
    bool overflow;
    const pb_param *unregistered; /* a value asked for a parameter the registry does not hold */
} recorder;

static double record_call(void *ctx, const pb_param *p, int t)
{
    recorder *rc = ctx;
    pb_sampler *s = rc->s;
    int year = t >= 0 ? s->sc->start + t : 0;
    int k = 0;
    while (k < s->n_slots && !(s->slots[k].p == p && s->slots[k].year == year)) k++;
    if (k == s->n_slots) {
        if (k >= MAX_SLOTS) { rc->overflow = true; return 0; }
        const char *path = NULL;
        int ref = -1;
        for (int i = 0; i < rc->n_refs && !path; i++)
            if (rc->refs[i].param == p) path = rc->refs[(ref = i)].path;
        /* Without a path there is no stream of its own: refuse, rather than
         * let two parameters share one and draw the same numbers. */
        if (!path) { rc->unregistered = p; return 0; }
        s->slots[k] = (slot){p, pb_stream_id(path), year, -1, ref, -1, NULL};
        s->n_slots++;
    }
    if (s->n_calls >= MAX_CALLS) { rc->overflow = true; return 0; }
    s->call_slot[s->n_calls++] = k;
    return pb_param_mean(p);
}

/* Distinct parameters must have distinct streams (a 32-bit hash), and none
 * the stream of a shock process. */
static pb_status check_streams(const pb_param_ref *refs, int n)
{
    const uint32_t shock = pb_stream_id(PB_STREAM_SHOCK), regime = pb_stream_id(PB_STREAM_REGIME);
    for (int i = 0; i < n; i++) {
        uint32_t id = pb_stream_id(refs[i].path);
        for (int j = 0; j < i; j++)
            if (pb_stream_id(refs[j].path) == id)
                return pb_raise(PB_EINTERNAL, NULL, "parameters '%s' and '%s' hash to the same random stream; rename one",
                                refs[j].path, refs[i].path);
        if (id == shock || id == regime)
            return pb_raise(PB_EINTERNAL, NULL, "parameter '%s' hashes to the stream of a shock process", refs[i].path);
    }
    return PB_OK;
}

/* The slots a path draws, recorded from pb_path_in_fill's calls. */
static pb_status record_slots(pb_sampler *s, const pb_param_ref *refs, int n)
{
    pb_path_in *scratch = malloc(sizeof *scratch);
    if (!scratch) return pb_raise(PB_ENOMEM, NULL, "cannot allocate the sampler");
    recorder rc = {s, refs, n, false, NULL};
    pb_path_in_fill(s->sc, scratch, record_call, &rc);
    free(scratch);
    if (rc.overflow) return pb_raise(PB_EINTERNAL, NULL, "the scenario has more parameter values than the sampler holds");
    if (rc.unregistered) return pb_raise(PB_EINTERNAL, NULL, "a path draws a parameter that has no dotted path (param_table.h)");
    return PB_OK;
}

/* The correlated group: the members of the scenario's correlations, in the
 * order of the Cholesky factor computed at load (scenario.h). */
static pb_status correlated_group(pb_sampler *s)
{
    const pb_scenario *sc = s->sc;
    for (int m = 0; m < sc->n_corr_members; m++) {
        int k = 0;
        while (k < s->n_slots && !(s->slots[k].p == sc->corr_param[m] && s->slots[k].year == 0)) k++;
        if (k == s->n_slots) return pb_raise(PB_EINTERNAL, NULL, "a correlated parameter is not drawn per path");
        s->slots[k].corr = m;
        s->corr_slot[m] = k;
    }
    s->n_corr = sc->n_corr_members;
    s->L = sc->corr_L;
    return PB_OK;
}

/* The draws of a path, each from the start of its own stream. */
static void plan_steps(pb_sampler *s)
{
    const pb_scenario *sc = s->sc;
    int ns = 0;
    for (int k = 0; k < s->n_slots; k++)
        if (s->slots[k].p->dist != PB_DIST_FIXED && s->slots[k].corr < 0)
            s->step[ns++] = (draw_step){STEP_PARAM, k, s->slots[k].stream, s->slots[k].year};
    for (int j = 0; j < s->n_corr; j++) s->step[ns++] = (draw_step){STEP_COPULA, j, s->slots[s->corr_slot[j]].stream, 0};
    for (int t = 0; t < sc->n_years; t++) {
        if (s->draw_shocks) s->step[ns++] = (draw_step){STEP_SHOCK, t, s->shock_stream, sc->start + t};
        if (sc->has_regime) s->step[ns++] = (draw_step){STEP_REGIME, t, s->regime_stream, sc->start + t};
    }
    s->n_steps = ns;
}

/* A quantile table for every slot whose law's quantile is iterative (beta,
 * PERT, gamma, truncated normal), one per distinct law: the baseline's
 * nine generation ramps share one. */
static pb_status build_tables(pb_sampler *s, int threads)
{
    for (int k = 0; k < s->n_slots; k++) {
        const pb_param *p = s->slots[k].p;
        if (!pb_qtable_wanted(p)) continue;
        int m = 0;
        while (m < s->n_tables && !(s->tables[m].p->dist == p->dist && !memcmp(s->tables[m].p->v, p->v, sizeof p->v))) m++;
        if (m == s->n_tables) {
            pb_status st = pb_qtable_init(&s->tables[m], p);
            if (st != PB_OK) return st;
            s->n_tables++;
        }
        s->slots[k].q = &s->tables[m];
    }
    pb_qtable_fill(s->tables, s->n_tables, threads);
    return PB_OK;
}

pb_sampler *pb_sampler_alloc(const pb_scenario *sc, int threads, pb_status *st)
{
    pb_sampler *s = calloc(1, sizeof *s);
    pb_param_ref *refs = calloc(PB_MAX_PARAMS, sizeof *refs);
    if (!s || !refs) {
        free(s);
        free(refs);
        *st = pb_raise(PB_ENOMEM, NULL, "cannot allocate the sampler");
        return NULL;
    }
    s->sc = sc;
    s->shock_stream = pb_stream_id(PB_STREAM_SHOCK);
    s->regime_stream = pb_stream_id(PB_STREAM_REGIME);
    /* Shocks are drawn unless the volatility in use (the row that fills the
     * path's sigma under the scenario's settings) is fixed at 0. */
    s->draw_shocks = true;
    for (int i = 0; i < PB_N_PARAM_ROWS; i++) {
        const pb_param_row *r = &pb_param_rows[i];
        const pb_param *vol = pb_row_param((pb_scenario *)sc, r);
        if (r->in_offset == offsetof(pb_path_in, sigma) && pb_param_used(sc, r->when))
            s->draw_shocks = !(vol->dist == PB_DIST_FIXED && vol->v[0] == 0);
    }
    int n = pb_scenario_params((pb_scenario *)sc, refs, PB_MAX_PARAMS);
    *st = n < 0 ? PB_EINTERNAL : PB_OK; /* raised */
    if (*st == PB_OK) *st = record_slots(s, refs, n);
    if (*st == PB_OK) *st = check_streams(refs, n);
    if (*st == PB_OK) *st = correlated_group(s);
    if (*st == PB_OK) *st = build_tables(s, threads);
    if (*st == PB_OK) {
        plan_steps(s);
        *st = pb_sampler_factors_build(s, refs);
    }
    free(refs);
    if (*st != PB_OK) {
        pb_sampler_free(s);
        return NULL;
    }
    return s;
}

int pb_sampler_years(const pb_sampler *s) { return s->sc->n_years; }

void pb_sampler_free(pb_sampler *s)
{
    if (!s) return;
    free(s->factor);
    free(s->step_factor);
    free(s->corr_sigma);
    for (int m = 0; m < s->n_tables; m++) pb_qtable_free(&s->tables[m]);
    free(s);
}

typedef struct { const pb_sampler *s; const double *vals; int cursor; } replay;

static double replay_call(void *ctx, const pb_param *p, int t)
{
    (void)p;
    (void)t;
    replay *rp = ctx;
    return rp->vals[rp->s->call_slot[rp->cursor++]];
}

double pb_copula_value(const pb_sampler *s, int i, double y)
{
    const slot *sl = &s->slots[s->corr_slot[i]];
    return sl->q ? pb_qtable_value(sl->q, y) : pb_param_quantile_z(sl->p, y); /* a fixed law: its value */
}

double pb_slot_sample(const pb_sampler *s, int k, gsl_rng *r)
{
    const slot *sl = &s->slots[k];
    return sl->q ? pb_qtable_value(sl->q, gsl_ran_gaussian_ziggurat(r, 1.0)) : pb_param_sample(sl->p, r);
}

void pb_sampler_replay(const pb_sampler *s, const double *vals, pb_path_in *in)
{
    replay rp = {s, vals, 0};
    fill(s->sc, in, replay_call, &rp);
}

void pb_draw_path(const pb_sampler *s, uint64_t seed, uint64_t path, gsl_rng *r, pb_path_in *in)
{
    /* The first Philox block of every step's stream, in one batch
     * (pb_philox4x32_many); each step's draw starts from its block. */
    uint32_t c0[MAX_STREAMS], c1[MAX_STREAMS], c2[MAX_STREAMS], c3[MAX_STREAMS];
    const int ns = s->n_steps;
    for (int i = 0; i < ns; i++) {
        c0[i] = (uint32_t)s->step[i].year << 16;
        c1[i] = s->step[i].stream;
        c2[i] = (uint32_t)path;
        c3[i] = (uint32_t)(path >> 32);
    }
    const uint32_t key[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)};
    pb_philox4x32_many(ns, c0, c1, c2, c3, key);

    double vals[MAX_SLOTS], z[2 * PB_MAX_CORRELATIONS];
    for (int k = 0; k < s->n_slots; k++) vals[k] = s->slots[k].p->v[0]; /* fixed ones; drawn ones are replaced */
    if (!s->draw_shocks) memset(in->eps, 0, (size_t)s->sc->n_years * sizeof in->eps[0]);
    for (int i = 0; i < ns; i++) {
        const draw_step *d = &s->step[i];
        const uint32_t b[4] = {c0[i], c1[i], c2[i], c3[i]};
        if (d->kind != STEP_REGIME) pb_rng_start_at(r, seed, path, d->stream, d->year, b);
        switch (d->kind) {
        case STEP_PARAM: vals[d->index] = pb_slot_sample(s, d->index, r); break;
        case STEP_COPULA: z[d->index] = gsl_ran_gaussian_ziggurat(r, 1.0); break;
        case STEP_SHOCK: in->eps[d->index] = gsl_ran_gaussian_ziggurat(r, 1.0); break;
        case STEP_REGIME: in->u_regime[d->index] = pb_uniform53_of(b[0], b[1]); break; /* the block itself: no generator */
        }
    }
    /* Gaussian copula: the members' independent normals correlated by L,
     * mapped through each marginal's inverse CDF. */
    for (int i = 0; i < s->n_corr; i++) {
        double y = 0;
        for (int j = 0; j <= i; j++) y += s->L[(size_t)i * (size_t)s->n_corr + (size_t)j] * z[j];
        vals[s->corr_slot[i]] = pb_copula_value(s, i, y);
    }
    replay rp = {s, vals, 0};
    fill(s->sc, in, replay_call, &rp);
}
