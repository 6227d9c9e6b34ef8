/* draws.c: scenario parameters -> pb_path_in. */
#include "payback/draws.h"

#include <string.h>

static double value(pb_value_fn fn, void *ctx, const pb_param *p, int t, bool year_valued)
{
    double x = fn(ctx, p, p->per_year ? t : -1);
    return year_valued ? pb_round_year(x) : x;
}

void pb_path_in_fill(const pb_scenario *sc, pb_path_in *in, pb_value_fn fn, void *ctx)
{
    const int H = sc->n_years;
#define V(p) value(fn, ctx, &(p), -1, false)
    in->start = sc->start;
    in->n_years = H;
    in->r = V(sc->discount_rate);
    in->s_i = V(sc->infra_share);
    in->n_committed = sc->n_committed;
    for (int t = 0; t < sc->n_committed; t++) in->committed[t] = V(sc->committed[t]);
    for (int t = 0; t < H; t++) in->X[t] = value(fn, ctx, &sc->execution, t, false);
    in->s_c = V(sc->compute_share);
    in->after = sc->after;
    in->after_value = sc->after == PB_AFTER_GROWTH || sc->after == PB_AFTER_INTENSITY ? V(sc->after_value) : 0;
    in->discipline = sc->has_discipline;
    in->coverage = sc->has_discipline ? V(sc->coverage) : 0;
    in->cut = sc->has_discipline ? V(sc->cut) : 0;
    in->L_p = V(sc->physical_life);
    in->L_a = V(sc->accounting_life);
    in->L_f = V(sc->facility_life);
    in->n_gen = sc->n_generations;
    for (int g = 0; g < sc->n_generations; g++) {
        in->gen_year[g] = value(fn, ctx, &sc->gen[g].year, -1, true);
        in->gen_cost[g] = V(sc->gen[g].cost);
        in->gen_opex[g] = V(sc->gen[g].opex);
    }
    in->phi_f = V(sc->facility_rate);
    in->process = sc->process;
    if (sc->process == PB_PROCESS_GROWTH) {
        in->base = V(sc->base);
        in->g_init = V(sc->g_initial);
        in->g_bar = V(sc->g_long_run);
        in->phi = V(sc->g_persistence);
        in->sigma = V(sc->g_volatility);
        in->market = in->speed = in->midpoint = 0;
    } else {
        in->market = V(sc->l_market);
        in->speed = V(sc->l_speed);
        in->midpoint = V(sc->l_midpoint);
        in->phi = V(sc->l_persistence);
        in->sigma = V(sc->l_volatility);
        in->base = in->g_init = in->g_bar = 0;
    }
    in->regime = sc->has_regime;
    in->p_bust = sc->has_regime ? V(sc->p_bust) : 0;
    in->p_recover = sc->has_regime ? V(sc->p_recover) : 0;
    in->bust_shift = sc->has_regime ? V(sc->bust_shift) : 0;
    for (int t = 0; t < H; t++) in->chi[t] = value(fn, ctx, &sc->circular_share, t, false);
    in->kappa = V(sc->bain_ratio);
    in->r_j = V(sc->jpm_return);
    in->mu = V(sc->jpm_margin);
    in->jpm_from = value(fn, ctx, &sc->jpm_from, -1, true);
    in->jpm_through = value(fn, ctx, &sc->jpm_through, -1, true);
    in->s_gpu = V(sc->seq_gpu_share);
    in->gm = V(sc->seq_gross_margin);
    in->depreciation = sc->full_cost_depreciation;
#undef V
}

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
