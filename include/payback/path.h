/* path.h: the path model (model.md §3-§7): one path's capex, GPU vintages,
 * revenue, the four required-revenue bars, cash flow and metrics.
 *
 * pb_path_simulate is pure: it reads a pb_path_in (the path's parameter
 * values and shocks, already drawn), writes a pb_path_out, allocates
 * nothing and does no I/O, so that the Monte Carlo kernel can call it
 * millions of times from many threads, each with its own workspace.
 *
 * Money is in B$ (billions of nominal US dollars); capacity in compute units
 * (cu); years are calendar years; t = year - start indexes 0 .. n_years-1. */
#ifndef PB_PATH_H
#define PB_PATH_H

#include <stdbool.h>
#include <stddef.h>

#include "payback/scenario.h"

/* The four required-revenue methods (model.md §6). */
typedef enum { PB_BAIN, PB_JPMORGAN, PB_SEQUOIA, PB_FULL_COST, PB_N_METHODS } pb_method;
extern const char *const pb_method_names[PB_N_METHODS];

/* Series: one value per year (interfaces.md §3).  Gap and required series
 * are laid out method by method in pb_method order. */
typedef enum {
    PB_S_CAPEX,              /* C_t, B$ */
    PB_S_COMPUTE_CAPEX,      /* Cc_t, B$ */
    PB_S_REVENUE,            /* R_t, reported, B$ */
    PB_S_ORGANIC_REVENUE,    /* R^o_t, B$ */
    PB_S_REQUIRED,           /* R*^m_t, B$/yr, PB_N_METHODS of them */
    PB_S_GAP = PB_S_REQUIRED + PB_N_METHODS, /* G^m_t = R*^m_t - R^o_t, B$ */
    PB_S_DEP_ACCOUNTING = PB_S_GAP + PB_N_METHODS, /* D^a_t incl. write-offs and facilities, B$ */
    PB_S_DEP_ECONOMIC,       /* D^e_t, B$ */
    PB_S_WRITEOFFS,          /* W_t, B$ */
    PB_S_BOOK_VALUE,         /* B_t, end of year, B$ */
    PB_S_ECONOMIC_VALUE,     /* V_t, end of year, B$ */
    PB_S_OPEX,               /* O_t, B$ */
    PB_S_CASH_FLOW,          /* CF_t, B$ */
    PB_S_CUM_CASH_FLOW,      /* S_t, B$ */
    PB_S_CAPACITY,           /* K_t, cu in service */
    PB_S_OBSOLESCENCE_GAP,   /* U_t = B_t - V_t, B$ */
    PB_N_SERIES
} pb_series;

/* Per-path metrics.  Year metrics hold the calendar year as a double, or
 * +INFINITY for "never" (interfaces.md §3). */
typedef enum {
    PB_M_NPV,                /* B$, discounted to the start of years.start */
    PB_M_IRR,                /* annual rate; NaN unless exactly one root */
    PB_M_PEAK_BURN,          /* B$ */
    PB_M_UNDERSTATED,        /* U at the horizon, B$ */
    PB_M_LEVELISED,          /* the constant R^o that makes the NPV 0, B$/yr (model.md §6 item 5) */
    PB_M_UNDERSTATED_WINDOW, /* U_{W1} - U_{W0-1}: understated depreciation over the window, B$ */
    PB_M_PEAK_UNDERSTATED,   /* max(0, max_t U_t), B$ */
    PB_M_PAYBACK_YEAR,       /* first year with S_t >= 0 (the year metrics start here) */
    PB_M_DISCOUNTED_PAYBACK, /* first year whose discounted cumulative cash flow is >= 0 */
    PB_M_CATCHUP,            /* per method, PB_N_METHODS of them */
    PB_N_METRICS = PB_M_CATCHUP + PB_N_METHODS
} pb_metric;

typedef enum { PB_IRR_ONE = 0, PB_IRR_NONE, PB_IRR_MULTIPLE } pb_irr_kind;

/* Names, units and descriptions for output (index by pb_series/pb_metric). */
typedef struct {
    const char *name, *units, *long_name;
} pb_field_info;
extern const pb_field_info pb_series_info[PB_N_SERIES];
extern const pb_field_info pb_metric_info[PB_N_METRICS];
bool pb_metric_is_year(int m);

/* One path's inputs: every parameter at its drawn value (year-valued ones
 * already rounded), per-year ones in arrays indexed by t, and the shocks. */
typedef struct {
    int start, n_years;                 /* years.start, H */
    double r, s_i;                      /* discount rate, infra share */
    int n_committed;                    /* window length W <= H */
    double committed[PB_MAX_YEARS];     /* committed_t, B$, t < W */
    double X[PB_MAX_YEARS];             /* execution X_t */
    double s_c;                         /* compute share */
    pb_after_policy after;
    double after_value;                 /* g_c or kappa_a */
    double max_decline;                 /* lambda: intensity's largest yearly fall of the base (1: none) */
    bool discipline;
    double coverage, cut;               /* c*, d */
    double L_p, L_a, L_f;               /* lives, years */
    int n_gen;
    double gen_year[PB_MAX_GENERATIONS], gen_cost[PB_MAX_GENERATIONS], gen_opex[PB_MAX_GENERATIONS];
    double gen_ramp[PB_MAX_GENERATIONS];     /* s_g in (0, 1], 1: no ramp (model.md §4) */
    double phi_f;                       /* facility opex rate */
    pb_process process;
    double base, g_init, g_bar;         /* growth: R_{-1}, g_init, g-bar */
    double market, speed, midpoint;     /* logistic: M, k, y_mid */
    double phi, sigma;                  /* persistence and volatility of the active process */
    bool regime;                        /* the chain runs (Monte Carlo with a regime block) */
    double p_bust, p_recover, bust_shift;
    int n_observed;                     /* R_t is observed in years t < n_observed (model.md §5) */
    double observed[PB_MAX_YEARS];      /* B$, t < n_observed */
    bool has_forced;                    /* forced[] holds some year */
    signed char forced[PB_MAX_YEARS];   /* 0 the chain's state, 1 forced boom, 2 forced bust (t < n_years) */
    double chi[PB_MAX_YEARS];           /* circular share chi_t */
    double kappa, r_j, mu, jpm_from, jpm_through, s_gpu, gm;
    int window_from, window_through;    /* output.depreciation_window, calendar years in the horizon */
    pb_depreciation depreciation;       /* of the full_cost bar */
    double eps[PB_MAX_YEARS];           /* epsilon_t ~ N(0,1); 0 in deterministic mode */
    double u_regime[PB_MAX_YEARS];      /* U(0,1) draws of the regime chain (ignored without regime) */
} pb_path_in;

/* One path's results. */
typedef struct {
    double *series;                     /* [PB_N_SERIES * n_years]: series s, year t at s * n_years + t; owned by the workspace */
    double metric[PB_N_METRICS];
    pb_irr_kind irr_kind;
    bool nonfinite;                     /* NaN or Inf in a series, NPV, peak burn or U (model.md §9) */
} pb_path_out;

typedef struct pb_path_ws pb_path_ws;

/* Allocates a workspace for paths of up to n_years years and n_gen
 * generations.  Returns NULL (after pb_raise) when out of memory. */
pb_path_ws *pb_path_ws_alloc(int n_years);
void pb_path_ws_free(pb_path_ws *ws); /* accepts NULL */

/* Computes one path.  out->series points into ws afterwards (valid until
 * the next call with the same ws).  Never fails: numerical trouble shows as
 * out->nonfinite. */
void pb_path_simulate(const pb_path_in *in, pb_path_ws *ws, pb_path_out *out);

/* One step of the boom/bust chain (model.md §5): a boom turns bust when
 * u < p_bust, a bust recovers when u < p_recover.  Returns the new state. */
static inline bool pb_regime_step(bool bust, double u, double p_bust, double p_recover)
{
    return bust ? !(u < p_recover) : u < p_bust;
}

/* Catch-up index (model.md §7): the first t from which gap[s] <= 0 for every
 * s >= t up to n-1, or n ("never") if gap[n-1] > 0. */
int pb_catchup_index(const double *gap, int n);

/* The IRR of net flows N[0..n-1] (model.md §7): on success *rate is the one
 * root; otherwise PB_IRR_NONE or PB_IRR_MULTIPLE and *rate = NaN.  ws
 * supplies the root solver. */
pb_irr_kind pb_irr(const double *N, int n, pb_path_ws *ws, double *rate);

#endif
