/* scenario.h: a scenario file (interfaces.md §1) read into a validated,
 * read-only pb_scenario.
 *
 * Reading is done in three steps: defaults (every optional field), parse
 * (libyaml's document API, with --set overrides merged into the document
 * first), validate (every range and cross-field rule, in one place).  All
 * errors of a file are reported, up to PB_MAX_ERRORS, as
 * "FILE:LINE:COL: error: found X; expected Y".
 *
 * Money is in B$ (billions of nominal US dollars), rates are annual decimals,
 * years are calendar years; the symbols are model.md's. */
#ifndef PB_SCENARIO_H
#define PB_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "payback/error.h"
#include "payback/param.h"

#define PB_MAX_YEARS 200      /* interfaces.md §1: H in 1..200 */
#define PB_MAX_GENERATIONS 64
#define PB_MAX_QUANTILES 64
#define PB_MAX_CORRELATIONS 256
#define PB_NAME_LEN 64

typedef enum { PB_AFTER_NONE, PB_AFTER_GROWTH, PB_AFTER_INTENSITY, PB_AFTER_HOLD } pb_after_policy;
typedef enum { PB_PROCESS_GROWTH, PB_PROCESS_LOGISTIC } pb_process;
typedef enum { PB_DEP_ECONOMIC, PB_DEP_ACCOUNTING } pb_depreciation;

typedef struct {
    char name[PB_NAME_LEN];
    pb_param year;   /* year_g, first year of volume availability; year-valued */
    pb_param cost;   /* cost_g, B$ per cu */
    pb_param opex;   /* opex_g, B$ per cu per year */
} pb_generation;

typedef struct {
    char a[128], b[128]; /* dotted paths of two per-path parameters */
    double rho_s;        /* Spearman rank correlation */
    pb_loc loc;
} pb_correlation;

typedef struct {
    char *file;           /* path as given; owned */
    char *text;           /* the scenario as run: file text, or the merged document after --set; owned */
    char **overrides;     /* the --set arguments, n_overrides of them; owned */
    int n_overrides;

    char name[PB_NAME_LEN];
    char *description;    /* owned, never NULL */
    int start, end, n_years;     /* H = end - start + 1 */
    int64_t paths;
    uint64_t seed;

    pb_param discount_rate;      /* r */
    pb_param infra_share;        /* s_i */

    int n_committed;             /* window: years start .. start + n_committed - 1 */
    pb_param committed[PB_MAX_YEARS]; /* committed_t, B$ */
    pb_param execution;          /* X_t, may be per year */
    pb_param compute_share;      /* s_c */
    pb_after_policy after;
    pb_param after_value;        /* g_c (growth) or kappa_a (intensity) */
    pb_loc after_loc;
    bool has_discipline;
    pb_param coverage, cut;      /* c*, d */

    pb_param physical_life, accounting_life, facility_life; /* L_p, L_a, L_f, years */
    int n_generations;
    pb_generation gen[PB_MAX_GENERATIONS];
    pb_loc generations_loc;

    pb_param facility_rate;      /* phi_f */

    pb_process process;
    pb_param base;               /* R_{-1}, B$ in start - 1 (growth only) */
    bool has_base;
    pb_param g_initial, g_long_run, g_persistence, g_volatility;            /* g_init, g-bar, phi, sigma */
    pb_param l_market, l_speed, l_midpoint, l_persistence, l_volatility;   /* M, k, y_mid, phi, sigma */
    bool has_regime;
    pb_param p_bust, p_recover, bust_shift; /* p_b, p_r, b */
    pb_param circular_share;     /* chi, may be per year */

    pb_param bain_ratio;         /* kappa */
    pb_param jpm_return, jpm_margin, jpm_from, jpm_through; /* r_j, mu, T_0, T_j */
    pb_param seq_gpu_share, seq_gross_margin;               /* s_gpu, gm */
    pb_depreciation full_cost_depreciation;

    int n_correlations;
    pb_correlation corr[PB_MAX_CORRELATIONS];
    pb_loc correlations_loc;

    int n_target_years;
    int target_years[PB_MAX_YEARS];
    int n_quantiles;
    double quantiles[PB_MAX_QUANTILES];
} pb_scenario;

/* One entry of the parameter registry: every pb_param of a scenario by its
 * dotted path (interfaces.md §1), e.g. "gpu.generations.Rubin.cost". */
typedef struct {
    char path[160];
    pb_param *param;
    bool year_valued;   /* rounded after every draw (model.md §2) */
    const pb_domain *domain; /* the values it may take (model.md §2); NULL: any finite number */
} pb_param_ref;

#define PB_MAX_PARAMS 640

/* Reads and validates a scenario.  overrides are --set arguments
 * ("PATH=VALUE", VALUE YAML).  On success returns a new scenario (free with
 * pb_scenario_free) and sets *st = PB_OK; on failure prints the errors,
 * returns NULL and sets *st (PB_EINPUT for a bad file, PB_ENOMEM, ...). */
pb_scenario *pb_scenario_load(const char *file, char *const *overrides, int n_overrides, pb_status *st);

/* Same, from text in memory; name is used in messages in place of a file. */
pb_scenario *pb_scenario_load_text(const char *name, const char *text, size_t len,
                                   char *const *overrides, int n_overrides, pb_status *st);

void pb_scenario_free(pb_scenario *sc); /* accepts NULL */

/* Fills refs (capacity cap) with the scenario's parameters in a fixed order
 * and returns how many there are. */
int pb_scenario_params(pb_scenario *sc, pb_param_ref *refs, int cap);

/* Finds a parameter by dotted path; NULL if there is none. */
const pb_param_ref *pb_scenario_find(const pb_param_ref *refs, int n, const char *path);

/* Name strings as written in files. */
const char *pb_after_name(pb_after_policy p);

#endif
