/* path.c: one path of the model, year by year (model.md §3-§7).
 *
 * Order within year t (model.md §7): regime, R, R^o -> frontier f -> base,
 * discipline, C, Q -> O, D^a, retirements, W, V, D^e -> R*, G, CF.  Vintages
 * are kept in the workspace, one per year of purchase. */
#include "payback/path.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_roots.h>

const char *const pb_method_names[PB_N_METHODS] = {"bain", "jpmorgan", "sequoia", "full_cost"};

#define SERIES_REQ(m, who) {"required_" m, "billion USD per year", "required annual end-user revenue, " who}
#define SERIES_GAP(m, who) {"gap_" m, "billion USD per year", "revenue gap, required less organic revenue, " who}
const pb_field_info pb_series_info[PB_N_SERIES] = {
    [PB_S_CAPEX] = {"capex", "billion USD", "capital expenditure C_t"},
    [PB_S_COMPUTE_CAPEX] = {"compute_capex", "billion USD", "compute capex Cc_t (accelerators, servers, network)"},
    [PB_S_REVENUE] = {"revenue", "billion USD", "reported end-user AI revenue R_t"},
    [PB_S_ORGANIC_REVENUE] = {"organic_revenue", "billion USD", "organic revenue R^o_t, net of vendor-financed (circular) revenue"},
    [PB_S_REQUIRED + PB_BAIN] = SERIES_REQ("bain", "Bain capex intensity C_t / kappa"),
    [PB_S_REQUIRED + PB_JPMORGAN] = SERIES_REQ("jpmorgan", "JPMorgan perpetuity return r_j I_t / mu"),
    [PB_S_REQUIRED + PB_SEQUOIA] = SERIES_REQ("sequoia", "Sequoia cost multiple Cc_t / (s_gpu (1 - gm))"),
    [PB_S_REQUIRED + PB_FULL_COST] = SERIES_REQ("full_cost", "full cost (D_t + O_t + r A_t) / s_i"),
    [PB_S_GAP + PB_BAIN] = SERIES_GAP("bain", "Bain"),
    [PB_S_GAP + PB_JPMORGAN] = SERIES_GAP("jpmorgan", "JPMorgan"),
    [PB_S_GAP + PB_SEQUOIA] = SERIES_GAP("sequoia", "Sequoia"),
    [PB_S_GAP + PB_FULL_COST] = SERIES_GAP("full_cost", "full cost"),
    [PB_S_DEP_ACCOUNTING] = {"depreciation_accounting", "billion USD", "accounting depreciation D^a_t, write-offs and facilities included"},
    [PB_S_DEP_ECONOMIC] = {"depreciation_economic", "billion USD", "economic depreciation D^e_t = V_{t-1} + C_t - V_t"},
    [PB_S_WRITEOFFS] = {"writeoffs", "billion USD", "write-off W_t of the book value of retired vintages"},
    [PB_S_BOOK_VALUE] = {"book_value", "billion USD", "book value B_t at the end of the year"},
    [PB_S_ECONOMIC_VALUE] = {"economic_value", "billion USD", "economic value V_t at the end of the year"},
    [PB_S_OPEX] = {"opex", "billion USD", "operating cost O_t (energy and operation, facility upkeep)"},
    [PB_S_CASH_FLOW] = {"cash_flow", "billion USD", "infrastructure owners' cash flow CF_t = s_i R^o_t - O_t - C_t"},
    [PB_S_CUM_CASH_FLOW] = {"cumulative_cash_flow", "billion USD", "cumulative undiscounted cash flow S_t"},
    [PB_S_CAPACITY] = {"capacity", "compute units (Hopper = 1 per B$)", "capacity in service K_t"},
    [PB_S_OBSOLESCENCE_GAP] = {"obsolescence_gap", "billion USD", "obsolescence gap U_t = B_t - V_t, cumulative understated depreciation"},
};

#define METRIC_CATCHUP(m, who) {"catchup_year_" m, "calendar year", "first year from which the " who " gap stays closed (+inf: never)"}
const pb_field_info pb_metric_info[PB_N_METRICS] = {
    [PB_M_NPV] = {"npv", "billion USD", "net present value at the start of the first year, terminal value V_{H-1}"},
    [PB_M_IRR] = {"irr", "1 (annual rate)", "internal rate of return (paths with exactly one root)"},
    [PB_M_PEAK_BURN] = {"peak_burn", "billion USD", "peak cumulative cash burn max(0, -min S_t)"},
    [PB_M_UNDERSTATED] = {"understated_depreciation", "billion USD", "understated depreciation U at the horizon"},
    [PB_M_PAYBACK_YEAR] = {"payback_year", "calendar year", "first year with cumulative cash flow >= 0 (+inf: never)"},
    [PB_M_CATCHUP + PB_BAIN] = METRIC_CATCHUP("bain", "Bain"),
    [PB_M_CATCHUP + PB_JPMORGAN] = METRIC_CATCHUP("jpmorgan", "JPMorgan"),
    [PB_M_CATCHUP + PB_SEQUOIA] = METRIC_CATCHUP("sequoia", "Sequoia"),
    [PB_M_CATCHUP + PB_FULL_COST] = METRIC_CATCHUP("full_cost", "full-cost"),
};

bool pb_metric_is_year(int m) { return m >= PB_M_PAYBACK_YEAR; }

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

#define IRR_X0 (-4.605170185988091)   /* ln 0.01: rho = -0.99 */
#define IRR_XEND 2.3978952727983707    /* ln 11: rho = 10 */
#define IRR_DX 0.05
#define IRR_GRID_MAX 160 /* (ln 11 - ln 0.01)/0.05 + 2 = 142 points */

struct pb_path_ws {
    int n_years;
    int irr_n;                 /* the IRR scan's grid, in rho and in v = 1/(1+rho) */
    double irr_rho[IRR_GRID_MAX], irr_v[IRR_GRID_MAX], irr_f[IRR_GRID_MAX];
    vintage *vin;              /* [n_years] */
    double *series;            /* [PB_N_SERIES * n_years] */
    double *net;               /* [n_years + 1], N_tau for the IRR */
    gsl_root_fsolver *solver;  /* Brent, for the IRR */
};

static int irr_grid(double *rho, double *v);

pb_path_ws *pb_path_ws_alloc(int n_years)
{
    pb_path_ws *ws = calloc(1, sizeof *ws);
    if (ws && (ws->vin = calloc((size_t)n_years, sizeof *ws->vin)) &&
        (ws->series = calloc((size_t)n_years * PB_N_SERIES, sizeof *ws->series)) &&
        (ws->net = calloc((size_t)n_years + 1, sizeof *ws->net)) &&
        (ws->solver = gsl_root_fsolver_alloc(gsl_root_fsolver_brent))) {
        ws->n_years = n_years;
        ws->irr_n = irr_grid(ws->irr_rho, ws->irr_v);
        return ws;
    }
    pb_path_ws_free(ws);
    pb_raise(PB_ENOMEM, NULL, "cannot allocate a path workspace for %d years", n_years);
    return NULL;
}

void pb_path_ws_free(pb_path_ws *ws)
{
    if (!ws) return;
    if (ws->solver) gsl_root_fsolver_free(ws->solver);
    free(ws->net);
    free(ws->series);
    free(ws->vin);
    free(ws);
}

/* ------------------------------------------------------------------ */
/* IRR (model.md §7)                                                    */

typedef struct { const double *N; int n; } npv_args;

/* NPV(rho) = sum_tau N_tau (1+rho)^-tau, in v = 1/(1+rho): Horner in v^2
 * on the even and the odd terms, two chains side by side (Brent's method
 * calls this a dozen times a path; one chain of 16 dependent steps is
 * twice as slow). */
static double npv_at(double rho, void *p)
{
    const npv_args *a = p;
    const double v = 1.0 / (1.0 + rho), v2 = v * v;
    const int n = a->n;
    double even = 0, odd = 0;
    int top = n - 1;
    if (top % 2 == 0) { even = a->N[top]; top--; }
    for (int k = top; k >= 1; k -= 2) {
        odd = odd * v2 + a->N[k];
        even = even * v2 + a->N[k - 1];
    }
    return even + v * odd;
}

static int sign_of(double x) { return (x > 0) - (x < 0); }

/* Brent on [lo, hi] in rho until the bracket is narrower than 1e-10. */
static double brent(pb_path_ws *ws, npv_args *a, double lo, double hi)
{
    gsl_function f = {npv_at, a};
    if (npv_at(lo, a) == 0) return lo;
    if (npv_at(hi, a) == 0) return hi;
    if (gsl_root_fsolver_set(ws->solver, &f, lo, hi) != GSL_SUCCESS) return NAN;
    for (int it = 0; it < 200; it++) {
        if (gsl_root_fsolver_iterate(ws->solver) != GSL_SUCCESS) return NAN;
        double a_lo = gsl_root_fsolver_x_lower(ws->solver), a_hi = gsl_root_fsolver_x_upper(ws->solver);
        if (gsl_root_test_interval(a_lo, a_hi, 1e-10, 0) == GSL_SUCCESS) return gsl_root_fsolver_root(ws->solver);
    }
    return gsl_root_fsolver_root(ws->solver);
}


/* The scan's grid in v = 1/(1+rho): x_k = ln 0.01 + 0.05 k while x_k < ln 11,
 * then ln 11 (model.md §7).  Computed once per workspace. */
static int irr_grid(double *rho, double *v)
{
    int n = 0;
    for (int k = 0;; k++) {
        double x = IRR_X0 + IRR_DX * k;
        bool end = !(x < IRR_XEND);
        if (end) x = IRR_XEND;
        rho[n] = exp(x) - 1;
        v[n] = 1.0 / (1.0 + rho[n]);
        n++;
        if (end) return n;
    }
}

/* f[j] = NPV at the grid point v[j], for j < G.  Compiled twice (AVX2 and
 * the baseline), the fastest chosen at load time: the same operations per
 * point either way (no fused multiply-add in ISO C mode), so the same bits. */
__attribute__((target_clones("avx2", "default")))
static void npv_grid(const double *N, int n, const double *v, int G, double *f)
{
    for (int j = 0; j < G; j++) f[j] = N[n - 1];
    for (int k = n - 2; k >= 0; k--)
        for (int j = 0; j < G; j++) f[j] = f[j] * v[j] + N[k];
}

pb_irr_kind pb_irr(const double *N, int n, pb_path_ws *ws, double *rate)
{
    npv_args a = {N, n};
    *rate = NAN;
    /* Descartes' rule of signs in v = 1/(1+rho) > 0: with at most one sign
     * change in N there is at most one root on rho > -1, so the two ends of
     * the scan decide.  (Norström's rule on the running sums bounds only the
     * roots with rho > 0, so it cannot stand in for the scan on (-0.99, 0).) */
    int changes = 0, last = 0;
    for (int k = 0; k < n; k++) {
        int s = sign_of(N[k]);
        if (s && last && s != last) changes++;
        if (s) last = s;
    }
    const int G = ws->irr_n;
    const double *grid_rho = ws->irr_rho, *grid_v = ws->irr_v;
    if (changes <= 1) {
        int s0 = sign_of(npv_at(grid_rho[0], &a)), s1 = sign_of(npv_at(grid_rho[G - 1], &a));
        if (s0 == 0 || s1 == 0 || s0 != s1) {
            *rate = brent(ws, &a, grid_rho[0], grid_rho[G - 1]);
            return isfinite(*rate) ? PB_IRR_ONE : PB_IRR_NONE;
        }
        return PB_IRR_NONE;
    }
    /* NPV at every grid point, by Horner in v with the points side by side
     * (independent chains the compiler vectorises; the same operations per
     * point as npv_at, so the same signs). */
    double *f = ws->irr_f;
    npv_grid(N, n, grid_v, G, f);
    int roots = 0, prev_sign = 0;
    double prev_rho = grid_rho[0], lo = 0, hi = 0;
    for (int j = 0; j < G && roots < 2; j++) {
        int s = sign_of(f[j]);
        if (s == 0) continue;
        if (prev_sign != 0 && s != prev_sign && ++roots == 1) { lo = prev_rho; hi = grid_rho[j]; }
        prev_sign = s;
        prev_rho = grid_rho[j];
    }
    if (roots == 0) return PB_IRR_NONE;
    if (roots > 1) return PB_IRR_MULTIPLE;
    *rate = brent(ws, &a, lo, hi);
    return isfinite(*rate) ? PB_IRR_ONE : PB_IRR_NONE;
}

/* ------------------------------------------------------------------ */
/* The path                                                             */

int pb_catchup_index(const double *gap, int n)
{
    int first = n;
    while (first > 0 && gap[first - 1] <= 0) first--;
    return first;
}

/* Frontier f(t) (model.md §4): among generations available by year y, the
 * lowest full cost u_g (ties: first listed); before any is available, the
 * earliest (ties: first listed), which the caller finds once a path. */
static int frontier(const pb_path_in *in, const double *u, double year, int earliest)
{
    int best = -1;
    for (int g = 0; g < in->n_gen; g++)
        if (in->gen_year[g] <= year && (best < 0 || u[g] < u[best])) best = g;
    return best >= 0 ? best : earliest;
}

void pb_path_simulate(const pb_path_in *in, pb_path_ws *ws, pb_path_out *out)
{
    const int H = in->n_years;
    double *S = ws->series;
#define SER(s, t) S[(size_t)(s) * (size_t)H + (size_t)(t)]
    out->series = S;

    const double r = in->r, psi = r + 1.0 / in->L_p;
    double u[PB_MAX_GENERATIONS], wear[PB_MAX_YEARS + 1]; /* wear[a] = 1 - a/L_p for age a */
    for (int a = 1; a <= H; a++) wear[a] = 1 - a / in->L_p;
    int earliest = 0; /* the first generation to be available (ties: first listed) */
    for (int g = 0; g < in->n_gen; g++) {
        u[g] = psi * in->gen_cost[g] + in->gen_opex[g];
        if (in->gen_year[g] < in->gen_year[earliest]) earliest = g;
    }

    double R_prev = in->process == PB_PROCESS_GROWTH ? in->base : NAN; /* R_{-1} */
    double x_state = in->g_init - in->g_bar;                           /* x_{-1} */
    double z_state = 0;                                                /* z_{-1} */
    bool bust = false;                                                 /* state_{-1} = boom */
    double base_prev = 0, q_retired_prev = 0, R_o_prev = 0, Rfc_prev = 0;
    double V_prev = 0, B_prev = 0, F_prev = 0, I_jpm = 0, cum = 0, min_cum = INFINITY;
    double npv = 0, disc = 1; /* disc = (1+r)^-t */
    uint64_t bought = 0;      /* generations bought so far, one bit each (PB_MAX_GENERATIONS <= 64) */

    for (int t = 0; t < H; t++) {
        const double year = in->start + t;
        /* Regime chain: a boom turns bust with p_b, a bust recovers with p_r. */
        if (in->regime) bust = pb_regime_step(bust, in->u_regime[t], in->p_bust, in->p_recover);
        const double shift = bust ? in->bust_shift : 0;

        /* Revenue (model.md §5). */
        double R;
        if (in->process == PB_PROCESS_GROWTH) {
            x_state = in->phi * x_state + in->sigma * in->eps[t];
            R = R_prev * exp(in->g_bar + x_state + shift);
        } else {
            z_state = in->phi * z_state + in->sigma * in->eps[t];
            R = in->market / (1 + exp(-in->speed * (year - in->midpoint))) * exp(z_state + shift);
        }
        const double R_o = (1 - in->chi[t]) * R;

        /* Capex (model.md §3). */
        const int f = frontier(in, u, year, earliest);
        double base;
        if (t < in->n_committed) base = in->committed[t];
        else switch (in->after) {
            case PB_AFTER_GROWTH: base = base_prev * (1 + in->after_value); break;
            case PB_AFTER_INTENSITY: base = in->after_value * R_prev; break;
            case PB_AFTER_HOLD: base = in->gen_cost[f] * q_retired_prev / in->s_c; break;
            default: base = 0; break;
            }
        const double cut = in->discipline && t >= 1 && R_o_prev < in->coverage * Rfc_prev ? 1 - in->cut : 1;
        const double C = base * in->X[t] * cut, Cc = in->s_c * C, Cf = (1 - in->s_c) * C;
        vintage *nv = &ws->vin[t];
        nv->Q = Cc / in->gen_cost[f];
        nv->gen = f;
        nv->Cc = nv->B = Cc;
        nv->Cf = nv->F = Cf;
        nv->in_service = true;

        /* Fleet (model.md §4): opex, depreciation, retirements, values.
         * Every division is taken out of the vintage loop (per vintage at
         * purchase, per generation and per age here): the same operations
         * on the same operands, so the same results. */
        double K = 0, O = in->phi_f * (F_prev + Cf), Da = 0, W = 0, V = 0, B = 0, F = 0, q_retired = 0;
        const double opex_f = in->gen_opex[f], cost_f = in->gen_cost[f];
        nv->dep_a = Cc / in->L_a;
        nv->dep_f = Cf / in->L_f;
        /* Replacement cost less the opex handicap, for the generations
         * that have been bought (a bit each in `bought`). */
        double repl[PB_MAX_GENERATIONS];
        bought |= 1ULL << f;
        for (uint64_t m = bought; m; m &= m - 1) {
            const int g = __builtin_ctzll(m);
            repl[g] = cost_f - (in->gen_opex[g] - opex_f) / psi;
        }
        for (int v = 0; v <= t; v++) {
            vintage *vn = &ws->vin[v];
            /* Facilities: straight line over L_f, never stranded.  The last
             * step takes what remains, including the rounding residue of L
             * steps of Cf/L (1e-14 of Cf), so that a fully depreciated
             * vintage is worth exactly 0. */
            double Df = vn->dep_f;
            if (vn->F - Df < 1e-12 * vn->Cf) Df = vn->F;
            vn->F -= Df;
            Da += Df;
            F += vn->F;
            if (!vn->in_service) continue;
            const int age = t - v + 1;
            const double opex_v = in->gen_opex[vn->gen];
            K += vn->Q;
            O += vn->Q * opex_v;
            double Dav = vn->dep_a;
            if (vn->B - Dav < 1e-12 * vn->Cc) Dav = vn->B; /* as for facilities */
            vn->B -= Dav;
            Da += Dav;
            /* Retire at the end of year t, not at its start: the vintage ran
             * in year t, so year t carries its opex and its write-off. */
            if (age >= in->L_p || opex_v > u[f]) {
                W += vn->B;
                vn->B = 0;
                vn->in_service = false;
                q_retired += vn->Q;
                continue;
            }
            B += vn->B;
            if (repl[vn->gen] > 0) V += vn->Q * wear[age] * repl[vn->gen];
        }
        Da += W;
        B += F;
        V += F;
        const double De = V_prev + C - V, Ae = V_prev + C, Aa = B_prev + C;

        /* The four bars (model.md §6). */
        if (year >= in->jpm_from && year <= in->jpm_through) I_jpm += C;
        const double req[PB_N_METHODS] = {
            [PB_BAIN] = C / in->kappa,
            [PB_JPMORGAN] = in->r_j * I_jpm / in->mu,
            [PB_SEQUOIA] = Cc / (in->s_gpu * (1 - in->gm)),
            [PB_FULL_COST] = in->depreciation == PB_DEP_ECONOMIC ? (De + O + r * Ae) / in->s_i
                                                                 : (Da + O + r * Aa) / in->s_i,
        };

        /* Cash flow (model.md §7). */
        const double CF = in->s_i * R_o - O - C;
        cum += CF;
        if (cum < min_cum) min_cum = cum;
        npv += (in->s_i * R_o - O) * disc / (1 + r) - C * disc;
        ws->net[t] = (t > 0 ? ws->net[t] : 0) - C;
        ws->net[t + 1] = in->s_i * R_o - O;

        SER(PB_S_CAPEX, t) = C;
        SER(PB_S_COMPUTE_CAPEX, t) = Cc;
        SER(PB_S_REVENUE, t) = R;
        SER(PB_S_ORGANIC_REVENUE, t) = R_o;
        for (int m = 0; m < PB_N_METHODS; m++) {
            SER(PB_S_REQUIRED + m, t) = req[m];
            SER(PB_S_GAP + m, t) = req[m] - R_o;
        }
        SER(PB_S_DEP_ACCOUNTING, t) = Da;
        SER(PB_S_DEP_ECONOMIC, t) = De;
        SER(PB_S_WRITEOFFS, t) = W;
        SER(PB_S_BOOK_VALUE, t) = B;
        SER(PB_S_ECONOMIC_VALUE, t) = V;
        SER(PB_S_OPEX, t) = O;
        SER(PB_S_CASH_FLOW, t) = CF;
        SER(PB_S_CUM_CASH_FLOW, t) = cum;
        SER(PB_S_CAPACITY, t) = K;
        SER(PB_S_OBSOLESCENCE_GAP, t) = B - V;

        R_prev = R;
        R_o_prev = R_o;
        Rfc_prev = req[PB_FULL_COST];
        base_prev = base;
        q_retired_prev = q_retired;
        V_prev = V;
        B_prev = B;
        F_prev = F;
        disc /= 1 + r;
    }

    /* Metrics (model.md §7). */
    const double V_end = SER(PB_S_ECONOMIC_VALUE, H - 1);
    out->metric[PB_M_NPV] = npv + V_end * disc;
    ws->net[H] += V_end;
    out->irr_kind = pb_irr(ws->net, H + 1, ws, &out->metric[PB_M_IRR]);
    out->metric[PB_M_PEAK_BURN] = fmax(0, -min_cum);
    out->metric[PB_M_UNDERSTATED] = SER(PB_S_OBSOLESCENCE_GAP, H - 1);
    out->metric[PB_M_PAYBACK_YEAR] = INFINITY;
    for (int t = 0; t < H; t++)
        if (SER(PB_S_CUM_CASH_FLOW, t) >= 0) { out->metric[PB_M_PAYBACK_YEAR] = in->start + t; break; }
    /* Catch-up: the first year from which the gap stays closed to the end
     * of the horizon; a first crossing would mislead (model.md §7). */
    for (int m = 0; m < PB_N_METHODS; m++) {
        int first = pb_catchup_index(&SER(PB_S_GAP + m, 0), H);
        out->metric[PB_M_CATCHUP + m] = first < H ? in->start + first : INFINITY;
    }

    /* NaN or +-Inf anywhere: all exponent bits set.  Integer tests on the
     * bit patterns, so that the loop vectorises. */
    const uint64_t expmask = 0x7ff0000000000000ULL;
    uint64_t acc = 0;
    for (size_t i = 0; i < (size_t)PB_N_SERIES * (size_t)H; i++) {
        uint64_t b;
        memcpy(&b, &S[i], sizeof b);
        acc |= (b & expmask) + (1ULL << 52); /* carries into bit 63 only when every exponent bit is set */
    }
    out->nonfinite = (acc >> 63) || !isfinite(out->metric[PB_M_NPV]) || !isfinite(out->metric[PB_M_PEAK_BURN]) ||
                     !isfinite(out->metric[PB_M_UNDERSTATED]);
#undef SER
}
