/* path.c: one path of the model, year by year (model.md §3-§7).
 *
 * pb_path_simulate is one short loop over the years; each year is a fixed
 * sequence of steps (model.md §7): revenue (regime, R, R^o), capex (frontier
 * f, base, discipline, C, the new vintage), the fleet (O, D^a, retirements,
 * W, V, D^e), the four bars (R*), cash flow, then the year's series.  What
 * a step needs from earlier years is in `carry`; what it computes for this
 * year is in `year_vals`.  A step that a later version makes depend on
 * other steps (a compute market: revenue from capacity and prices) is a
 * change to the order of these calls, not to their insides.  Vintages are
 * kept in the workspace, one per year of purchase. */
#include "payback/path.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "irr.h"

/* One vintage: what was bought in year v. */
typedef struct {
    double Q;        /* Q_v, cu */
    int gen;         /* g(v) */
    double Cc;       /* Cc_v, B$ */
    double B;        /* B_{v,t}, book value of the compute part, B$ */
    double Cf;       /* Cf_v, B$ */
    double F;        /* F_{v,t}, facility book value, B$ */
    double dep_a;    /* Cc_v / L_a, the yearly accounting depreciation, B$ */
    double dep_f;    /* Cf_v / L_f, B$ */
    bool in_service; /* not yet retired */
} vintage;

struct pb_path_ws {
    int n_years;
    vintage *vin;              /* [n_years]: vintage v (its first part, and its facilities) */
    vintage *ramp;             /* [n_years]: its second part in a ramp year (model.md §4); else not in service */
    double *series;            /* [PB_N_SERIES * n_years] */
    double *net;               /* [n_years + 1], N_tau for the IRR */
    irr_ws irr;
};

pb_path_ws *pb_path_ws_alloc(int n_years)
{
    pb_path_ws *ws = calloc(1, sizeof *ws);
    if (ws && (ws->vin = calloc((size_t)n_years, sizeof *ws->vin)) && (ws->ramp = calloc((size_t)n_years, sizeof *ws->ramp)) &&
        (ws->series = calloc((size_t)n_years * PB_N_SERIES, sizeof *ws->series)) &&
        (ws->net = calloc((size_t)n_years + 1, sizeof *ws->net)) && irr_ws_init(&ws->irr)) {
        ws->n_years = n_years;
        return ws;
    }
    pb_path_ws_free(ws);
    pb_raise(PB_ENOMEM, NULL, "cannot allocate a path workspace for %d years", n_years);
    return NULL;
}

void pb_path_ws_free(pb_path_ws *ws)
{
    if (!ws) return;
    irr_ws_free(&ws->irr);
    free(ws->net);
    free(ws->series);
    free(ws->vin);
    free(ws->ramp);
    free(ws);
}

pb_irr_kind pb_irr(const double *N, int n, pb_path_ws *ws, double *rate) { return irr_solve(N, n, &ws->irr, rate); }

int pb_catchup_index(const double *gap, int n)
{
    int first = n;
    while (first > 0 && gap[first - 1] <= 0) first--;
    return first;
}

/* ------------------------------------------------------------------ */
/* The state of a path                                                  */

/* Constants of one path. */
typedef struct {
    double psi;                          /* r + 1/L_p, the capital charge of a unit */
    double u[PB_MAX_GENERATIONS];        /* u_g = psi cost_g + opex_g, full cost of a unit */
    double wear[PB_MAX_YEARS + 1];       /* wear[a] = 1 - a/L_p for age a */
    int earliest;                        /* the first generation available (ties: first listed) */
} path_consts;

/* What a year hands to the next. */
typedef struct {
    double R_prev, x, z;                 /* R_{t-1}; growth and logistic AR(1) states */
    bool bust;                           /* the regime chain's state */
    double base_prev, q_retired_prev, R_o_prev, Rfc_prev;
    double V_prev, B_prev, F_prev;       /* end-of-year values */
    double I_jpm;                        /* capex so far inside JPMorgan's window */
    double cum, min_cum;                 /* S_t and its minimum */
    double npv, disc;                    /* NPV so far; disc = (1+r)^-t */
    double pv_cost, annuity;             /* for the levelised bar: PV of C and O; sum of (1+r)^-(t+1) */
    double discounted_payback;           /* first year with the NPV so far >= 0, or +inf */
    uint64_t bought;                     /* generations bought so far, one bit each (PB_MAX_GENERATIONS <= 64) */
    uint64_t was_frontier;               /* generations that have been the frontier, one bit each */
    /* Replacement cost less the opex handicap per bought generation, for
     * frontier repl_f and the generations in repl_bought: it changes only
     * when either does (step_fleet). */
    int repl_f;
    uint64_t repl_bought;
    double repl[PB_MAX_GENERATIONS];
} carry;

/* One year's values. */
typedef struct {
    double R, R_o;                       /* revenue, reported and organic */
    int f;                               /* frontier generation */
    int f2;                              /* ramp year: the generation the rest buys, else -1 */
    double s;                            /* ramp year: f's share of compute capex, else 1 */
    double base, C, Cc, Cf;              /* capex */
    double K, O, Da, W, V, B, F, q_retired, De, Ae, Aa; /* the fleet */
    double req[PB_N_METHODS];            /* the four bars */
    double CF;                           /* cash flow */
} year_vals;

static void path_setup(const pb_path_in *in, path_consts *k, carry *c)
{
    const int H = in->n_years;
    k->psi = in->r + 1.0 / in->L_p;
    for (int a = 1; a <= H; a++) k->wear[a] = 1 - a / in->L_p;
    k->earliest = 0;
    for (int g = 0; g < in->n_gen; g++) {
        k->u[g] = k->psi * in->gen_cost[g] + in->gen_opex[g];
        if (in->gen_year[g] < in->gen_year[k->earliest]) k->earliest = g;
    }
    *c = (carry){0};
    c->R_prev = in->process == PB_PROCESS_GROWTH ? in->base : NAN; /* R_{-1} */
    c->x = in->g_init - in->g_bar;                                 /* x_{-1} */
    c->min_cum = INFINITY;
    c->disc = 1;
    c->discounted_payback = INFINITY;
}

/* ------------------------------------------------------------------ */
/* The steps of a year                                                  */

/* An observed year (model.md §5): R_t is the data, the regime is boom, and
 * the process state follows the data, so that the first simulated year
 * continues from it. */
static inline void observed_year(const pb_path_in *in, carry *c, int t, double year, year_vals *y)
{
    y->R = in->observed[t];
    c->bust = false;
    if (in->process == PB_PROCESS_GROWTH) c->x = log(y->R / c->R_prev) - in->g_bar;
    else c->z = log(y->R * (1 + exp(-in->speed * (year - in->midpoint))) / in->market);
}

/* Revenue (model.md §5): observed, or the regime chain (a boom turns bust
 * with p_b, a bust recovers with p_r; a forced year sets the state, and the
 * chain runs on from it) and then the growth or logistic process. */
static inline void step_revenue(const pb_path_in *in, carry *c, int t, double year, year_vals *y)
{
    if (t < in->n_observed) {
        observed_year(in, c, t, year, y);
        y->R_o = (1 - in->chi[t]) * y->R;
        return;
    }
    /* Without the chain (deterministic mode, or no regime) a year that is
     * not forced is boom. */
    c->bust = in->regime ? pb_regime_step(c->bust, in->u_regime[t], in->p_bust, in->p_recover) : false;
    if (in->has_forced && in->forced[t]) c->bust = in->forced[t] == 2;
    const double shift = c->bust ? in->bust_shift : 0;
    if (in->process == PB_PROCESS_GROWTH) {
        c->x = in->phi * c->x + in->sigma * in->eps[t];
        y->R = c->R_prev * exp(in->g_bar + c->x + shift);
    } else {
        c->z = in->phi * c->z + in->sigma * in->eps[t];
        y->R = in->market / (1 + exp(-in->speed * (year - in->midpoint))) * exp(c->z + shift);
    }
    y->R_o = (1 - in->chi[t]) * y->R;
}

/* Frontier f(t) (model.md §4): among generations available by year y, the
 * lowest full cost u_g (ties: first listed); before any is available, the
 * earliest. */
static inline int frontier(const pb_path_in *in, const double *u, double year, int earliest)
{
    int best = -1;
    for (int g = 0; g < in->n_gen; g++)
        if (in->gen_year[g] <= year && (best < 0 || u[g] < u[best])) best = g;
    return best >= 0 ? best : earliest;
}

/* The capex base after the committed window (model.md §3). */
static inline double base_after_window(const pb_path_in *in, const carry *c, const year_vals *y)
{
    const int f = y->f;
    switch (in->after) {
    case PB_AFTER_GROWTH: return c->base_prev * (1 + in->after_value);
    case PB_AFTER_INTENSITY: {
        /* kappa_a R_{t-1}, but never below (1 - lambda) base_{t-1}: no cliff
         * after the window (model.md §3).  Written so that a NaN revenue
         * stays NaN, and with lambda = 1 the floor is 0 <= kappa_a R_{t-1}. */
        const double x = in->after_value * c->R_prev, floor = (1 - in->max_decline) * c->base_prev;
        return x < floor ? floor : x;
    }
    case PB_AFTER_HOLD:
        /* The cu retired last year at today's price; in a ramp year at the
         * price of the mix. */
        if (y->f2 >= 0) return c->q_retired_prev / (y->s / in->gen_cost[f] + (1 - y->s) / in->gen_cost[y->f2]) / in->s_c;
        return in->gen_cost[f] * c->q_retired_prev / in->s_c;
    case PB_AFTER_NONE: break;
    }
    return 0;
}

/* A ramp year (model.md §4): f is the frontier for the first time and is
 * released this year, with a ramp share s_f < 1.  The rest of the year's
 * compute capex buys f': among generations released before this year whose
 * opex passes the retirement test (opex_g <= u_f), the lowest u_g (ties:
 * first listed).  Sets y->f2 (-1: no ramp) and y->s. */
static inline void ramp_split(const pb_path_in *in, const path_consts *k, carry *c, double year, year_vals *y)
{
    const int f = y->f;
    y->f2 = -1;
    y->s = 1;
    const bool first = !(c->was_frontier & (1ULL << f));
    c->was_frontier |= 1ULL << f;
    if (!first || in->gen_year[f] != year || !(in->gen_ramp[f] < 1)) return;
    for (int g = 0; g < in->n_gen; g++)
        if (in->gen_year[g] < year && in->gen_opex[g] <= k->u[f] && (y->f2 < 0 || k->u[g] < k->u[y->f2])) y->f2 = g;
    if (y->f2 >= 0) y->s = in->gen_ramp[f];
}

/* A part of a vintage: share Cc of compute capex buying generation g. */
static inline void new_part(const pb_path_in *in, vintage *p, int g, double Cc)
{
    p->Q = Cc / in->gen_cost[g];
    p->gen = g;
    p->Cc = p->B = Cc;
    p->in_service = true;
    p->dep_a = Cc / in->L_a;
}

/* Capex (model.md §3): the committed window, then the after-window rule;
 * discipline; the split into compute and facilities; the new vintage, in
 * two parts in a ramp year. */
static inline void step_capex(const pb_path_in *in, const path_consts *k, carry *c, int t, double year,
                              vintage *nv, vintage *nv2, year_vals *y)
{
    y->f = frontier(in, k->u, year, k->earliest);
    ramp_split(in, k, c, year, y);
    y->base = t < in->n_committed ? in->committed[t] : base_after_window(in, c, y);
    const double cut = in->discipline && t >= 1 && c->R_o_prev < in->coverage * c->Rfc_prev ? 1 - in->cut : 1;
    y->C = y->base * in->X[t] * cut;
    y->Cc = in->s_c * y->C;
    y->Cf = (1 - in->s_c) * y->C;
    if (y->f2 < 0) {
        new_part(in, nv, y->f, y->Cc);
        nv2->in_service = false;
    } else {
        new_part(in, nv, y->f, y->s * y->Cc);
        new_part(in, nv2, y->f2, (1 - y->s) * y->Cc);
        c->bought |= 1ULL << y->f2;
    }
    nv->Cf = nv->F = y->Cf; /* facilities are not split */
    nv->dep_f = y->Cf / in->L_f;
}

/* What the fleet's parts add up to in a year. */
typedef struct {
    double K, O, Da, W, V, B, q_retired;
} fleet_sum;

/* One part of a vintage in service in year t, at age `age` (model.md §4):
 * capacity, opex, accounting depreciation, retirement, values. */
static inline void part_year(const pb_path_in *in, const path_consts *k, vintage *vn, int age, double u_f,
                             const double *repl, fleet_sum *s)
{
    const double opex_v = in->gen_opex[vn->gen];
    s->K += vn->Q;
    s->O += vn->Q * opex_v;
    double Dav = vn->dep_a;
    if (vn->B - Dav < 1e-12 * vn->Cc) Dav = vn->B; /* as for facilities */
    vn->B -= Dav;
    s->Da += Dav;
    /* Retire at the end of year t, not at its start: the part ran in year t,
     * so year t carries its opex and its write-off. */
    if (age >= in->L_p || opex_v > u_f) {
        s->W += vn->B;
        vn->B = 0;
        vn->in_service = false;
        s->q_retired += vn->Q;
        return;
    }
    s->B += vn->B;
    if (repl[vn->gen] > 0) s->V += vn->Q * k->wear[age] * repl[vn->gen];
}

/* The fleet (model.md §4): opex, depreciation, retirements, values.  Every
 * division is taken out of the vintage loop (per vintage at purchase, per
 * generation and per age here): the same operations on the same operands,
 * so the same results.  A vintage bought in a ramp year has a second part
 * (ramp[v]), taken right after the first. */
static inline void step_fleet(const pb_path_in *in, const path_consts *k, carry *c, int t, vintage *vin, vintage *ramp,
                              year_vals *y)
{
    fleet_sum s = {0, in->phi_f * (c->F_prev + y->Cf), 0, 0, 0, 0, 0};
    double F = 0;
    const double u_f = k->u[y->f];
    /* Replacement cost less the opex handicap, for the generations that
     * have been bought (a bit each in `bought`), against the frontier's. */
    c->bought |= 1ULL << y->f;
    if (c->bought != c->repl_bought || y->f != c->repl_f) {
        const double opex_f = in->gen_opex[y->f], cost_f = in->gen_cost[y->f];
        for (uint64_t m = c->bought; m; m &= m - 1) {
            const int g = __builtin_ctzll(m);
            c->repl[g] = cost_f - (in->gen_opex[g] - opex_f) / k->psi;
        }
        c->repl_bought = c->bought;
        c->repl_f = y->f;
    }
    const double *repl = c->repl;
    for (int v = 0; v <= t; v++) {
        vintage *vn = &vin[v];
        /* Facilities: straight line over L_f, never stranded.  The last step
         * takes what remains, including the rounding residue of L steps of
         * Cf/L (1e-14 of Cf), so that a fully depreciated vintage is worth
         * exactly 0. */
        double Df = vn->dep_f;
        if (vn->F - Df < 1e-12 * vn->Cf) Df = vn->F;
        vn->F -= Df;
        s.Da += Df;
        F += vn->F;
        if (vn->in_service) part_year(in, k, vn, t - v + 1, u_f, repl, &s);
        if (ramp[v].in_service) part_year(in, k, &ramp[v], t - v + 1, u_f, repl, &s);
    }
    y->K = s.K;
    y->O = s.O;
    y->Da = s.Da + s.W;
    y->W = s.W;
    y->B = s.B + F;
    y->V = s.V + F;
    y->F = F;
    y->q_retired = s.q_retired;
    y->De = c->V_prev + y->C - y->V;
    y->Ae = c->V_prev + y->C;
    y->Aa = c->B_prev + y->C;
}

/* The four bars (model.md §6). */
static inline void step_bars(const pb_path_in *in, carry *c, double year, year_vals *y)
{
    if (year >= in->jpm_from && year <= in->jpm_through) c->I_jpm += y->C;
    y->req[PB_BAIN] = y->C / in->kappa;
    y->req[PB_JPMORGAN] = in->r_j * c->I_jpm / in->mu;
    y->req[PB_SEQUOIA] = y->Cc / (in->s_gpu * (1 - in->gm));
    y->req[PB_FULL_COST] = in->depreciation == PB_DEP_ECONOMIC ? (y->De + y->O + in->r * y->Ae) / in->s_i
                                                               : (y->Da + y->O + in->r * y->Aa) / in->s_i;
}

/* Cash flow (model.md §7): CF, the running sum and its minimum, the NPV so
 * far, and the net flows N_tau of the IRR (capex at the start of a year,
 * operating cash at its end). */
static inline void step_cash(const pb_path_in *in, carry *c, int t, double *net, year_vals *y)
{
    y->CF = in->s_i * y->R_o - y->O - y->C;
    c->cum += y->CF;
    if (c->cum < c->min_cum) c->min_cum = c->cum;
    c->npv += (in->s_i * y->R_o - y->O) * c->disc / (1 + in->r) - y->C * c->disc;
    /* The NPV so far is the cumulative discounted cash flow (model.md §7). */
    if (c->npv >= 0 && isinf(c->discounted_payback)) c->discounted_payback = in->start + t;
    c->pv_cost += y->C * c->disc + y->O * c->disc / (1 + in->r);
    c->annuity += c->disc / (1 + in->r);
    net[t] = (t > 0 ? net[t] : 0) - y->C;
    net[t + 1] = in->s_i * y->R_o - y->O;
}

/* The year's series (path.h: series s, year t at s * H + t), and what the
 * next year needs. */
static inline void end_year(const pb_path_in *in, carry *c, double *S, int t, const year_vals *y)
{
    const size_t H = (size_t)in->n_years, tt = (size_t)t;
#define SER(s) S[(size_t)(s) * H + tt]
    SER(PB_S_CAPEX) = y->C;
    SER(PB_S_COMPUTE_CAPEX) = y->Cc;
    SER(PB_S_REVENUE) = y->R;
    SER(PB_S_ORGANIC_REVENUE) = y->R_o;
    for (int m = 0; m < PB_N_METHODS; m++) {
        SER(PB_S_REQUIRED + m) = y->req[m];
        SER(PB_S_GAP + m) = y->req[m] - y->R_o;
    }
    SER(PB_S_DEP_ACCOUNTING) = y->Da;
    SER(PB_S_DEP_ECONOMIC) = y->De;
    SER(PB_S_WRITEOFFS) = y->W;
    SER(PB_S_BOOK_VALUE) = y->B;
    SER(PB_S_ECONOMIC_VALUE) = y->V;
    SER(PB_S_OPEX) = y->O;
    SER(PB_S_CASH_FLOW) = y->CF;
    SER(PB_S_CUM_CASH_FLOW) = c->cum;
    SER(PB_S_CAPACITY) = y->K;
    SER(PB_S_OBSOLESCENCE_GAP) = y->B - y->V;
#undef SER
    c->R_prev = y->R;
    c->R_o_prev = y->R_o;
    c->Rfc_prev = y->req[PB_FULL_COST];
    c->base_prev = y->base;
    c->q_retired_prev = y->q_retired;
    c->V_prev = y->V;
    c->B_prev = y->B;
    c->F_prev = y->F;
    c->disc /= 1 + in->r;
}

/* ------------------------------------------------------------------ */
/* Metrics and the path                                                 */

/* NaN or +-Inf in a series or a value metric (model.md §9).  Of the value
 * metrics only the NPV, the levelised bar and U over the window need their
 * own tests: peak burn is max(0, -min S_t), U at the horizon is U_{H-1} and
 * its peak max(0, max U_t), all made of series values (a NaN never reaches
 * a minimum or maximum, +-Inf there is in the series), while a sum or a
 * difference can overflow where every term is finite.  Integer tests on the bit
 * patterns, so that the loop vectorises. */
static bool any_nonfinite(const double *S, size_t n, const double *metric)
{
    const uint64_t expmask = 0x7ff0000000000000ULL;
    uint64_t acc = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t b;
        memcpy(&b, &S[i], sizeof b);
        acc |= (b & expmask) + (1ULL << 52); /* carries into bit 63 only when every exponent bit is set */
    }
    return (acc >> 63) || !isfinite(metric[PB_M_NPV]) || !isfinite(metric[PB_M_LEVELISED]) ||
           !isfinite(metric[PB_M_UNDERSTATED_WINDOW]);
}

/* Metrics (model.md §7). */
static void path_metrics(const pb_path_in *in, pb_path_ws *ws, const carry *c, pb_path_out *out)
{
    const int H = in->n_years;
    const double *S = ws->series;
#define SER(s, t) S[(size_t)(s) * (size_t)H + (size_t)(t)]
    const double V_end = SER(PB_S_ECONOMIC_VALUE, H - 1);
    out->metric[PB_M_NPV] = c->npv + V_end * c->disc;
    ws->net[H] += V_end;
    out->irr_kind = irr_solve(ws->net, H + 1, &ws->irr, &out->metric[PB_M_IRR]);
    out->metric[PB_M_PEAK_BURN] = fmax(0, -c->min_cum);
    out->metric[PB_M_UNDERSTATED] = SER(PB_S_OBSOLESCENCE_GAP, H - 1);
    /* Levelised full cost (model.md §6 item 5): the constant R^o that makes
     * the NPV zero, holding this path's C, O and V_{H-1}. */
    out->metric[PB_M_LEVELISED] = (c->pv_cost - V_end * c->disc) / (in->s_i * c->annuity);
    /* Understated depreciation over the window, U_{W1} - U_{W0-1} (U_{-1} =
     * 0), and its peak over the horizon (model.md §7). */
    /* (Clamped to the horizon: validation keeps the window inside it.) */
    const int w0 = in->window_from - in->start < 0 ? 0 : in->window_from - in->start;
    const int w1 = in->window_through - in->start > H - 1 ? H - 1 : in->window_through - in->start;
    out->metric[PB_M_UNDERSTATED_WINDOW] = SER(PB_S_OBSOLESCENCE_GAP, w1) - (w0 > 0 ? SER(PB_S_OBSOLESCENCE_GAP, w0 - 1) : 0);
    double peak = 0;
    for (int t = 0; t < H; t++) peak = fmax(peak, SER(PB_S_OBSOLESCENCE_GAP, t));
    out->metric[PB_M_PEAK_UNDERSTATED] = peak;
    out->metric[PB_M_DISCOUNTED_PAYBACK] = c->discounted_payback;
    out->metric[PB_M_PAYBACK_YEAR] = INFINITY;
    for (int t = 0; t < H; t++)
        if (SER(PB_S_CUM_CASH_FLOW, t) >= 0) { out->metric[PB_M_PAYBACK_YEAR] = in->start + t; break; }
    /* Catch-up: the first year from which the gap stays closed to the end
     * of the horizon; a first crossing would mislead (model.md §7).  For
     * jpmorgan, judged from the window's last year T_j on: before it the
     * bar prices only part of the window. */
    for (int m = 0; m < PB_N_METHODS; m++) {
        int first = pb_catchup_index(&SER(PB_S_GAP + m, 0), H);
        const int from = m == PB_JPMORGAN ? (int)(in->jpm_through - in->start) : 0;
        if (first < from) first = from;
        out->metric[PB_M_CATCHUP + m] = first < H ? in->start + first : INFINITY;
    }
#undef SER
}

void pb_path_simulate(const pb_path_in *in, pb_path_ws *ws, pb_path_out *out)
{
    const int H = in->n_years;
    path_consts k;
    carry c;
    path_setup(in, &k, &c);
    for (int t = 0; t < H; t++) {
        const double year = in->start + t;
        year_vals y;
        step_revenue(in, &c, t, year, &y);
        step_capex(in, &k, &c, t, year, &ws->vin[t], &ws->ramp[t], &y);
        step_fleet(in, &k, &c, t, ws->vin, ws->ramp, &y);
        step_bars(in, &c, year, &y);
        step_cash(in, &c, t, ws->net, &y);
        end_year(in, &c, ws->series, t, &y);
    }
    out->series = ws->series;
    path_metrics(in, ws, &c, out);
    out->nonfinite = any_nonfinite(ws->series, (size_t)PB_N_SERIES * (size_t)H, out->metric);
}
