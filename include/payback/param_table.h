/* param_table.h: the one table of a scenario's parameters (model.md §2,
 * interfaces.md §1).
 *
 * Every scalar parameter has one row here, and everything that lists
 * parameters is generated from it: the pb_param fields of pb_scenario
 * (scenario.h), the scenario file's keys and their defaults (the parser),
 * the registry of dotted paths, domains and random streams
 * (pb_scenario_params), and the fill of one path's inputs (draws.c).  A
 * parameter cannot be left out of the registry or listed in it twice: both
 * come from the same row.  `payback params` prints the table.
 *
 * PB_PARAMETERS(P, Y) expands one macro per row:
 *   P(field, path, in, default, domain, flags, when)  one value per path
 *   Y(field, path, in, default, domain, flags, when)  may be drawn afresh each
 *                                                     year (per_year: true)
 * field    the pb_param member of pb_scenario
 * path     its dotted path: the key in the file, in --set, in correlations,
 *          and the name of its random stream (rng.h), so that adding a row
 *          changes no other parameter's draws
 * in       the pb_path_in member it fills (an array over years for Y rows);
 *          rows whose `when` exclude each other may fill the same member
 * default  its value when the file does not give it (NAN: none; a
 *          year's is the horizon's, set in validation)
 * domain   PB_DOM_* of param.h: the values it may take (NONE: a year,
 *          checked against the horizon)
 * flags    PB_PF_YEAR: year-valued (rounded after every draw);
 *          PB_PF_REQUIRED: required when its block is given;
 *          PB_PF_NEEDED: required whenever the settings use it (the
 *          checks are validate.c's and scenario_parse.c's, which name
 *          where it belongs; test_registry.c holds them to this flag)
 * when     PB_WHEN_*: the scenario settings under which the model uses it;
 *          otherwise it is not registered, not drawn, and its member is 0
 *
 * The two families with many instances keep their own small tables:
 * PB_GENERATION_PARAMETERS (one set per GPU generation) and the committed
 * capex of each year of the window (capex.committed.YEAR). */
#ifndef PB_PARAM_TABLE_H
#define PB_PARAM_TABLE_H

#include <stdbool.h>
#include <stddef.h>

/* Flags of a row. */
#define PB_PF_YEAR 1u     /* year-valued: rounded to a calendar year after every draw */
#define PB_PF_REQUIRED 2u /* required in its block */
#define PB_PF_NEEDED 4u   /* required whenever it is used */

/* When a parameter is used (scenario.h: pb_param_used, a switch the
 * compiler checks): W(id, how `payback params` names it, group).  Settings
 * of one nonzero group exclude each other (a scenario has one policy after
 * the window, one revenue process), so rows under them may fill one input. */
#define PB_WHENS(W)                                           \
    W(ALWAYS, "always", 0)                                    \
    W(AFTER_GROWTH, "capex.after.policy growth", 1)           \
    W(AFTER_INTENSITY, "capex.after.policy intensity", 1)     \
    W(DISCIPLINE, "capex.discipline given", 0)                \
    W(GROWTH, "revenue.process growth", 2)                    \
    W(LOGISTIC, "revenue.process logistic", 2)                \
    W(REGIME, "revenue.regime given", 0)

typedef enum {
#define PB_WHEN_ENUM_(id, ...) PB_WHEN_##id,
    PB_WHENS(PB_WHEN_ENUM_)
#undef PB_WHEN_ENUM_
} pb_when;

/* The name of a setting as `payback params` prints it. */
const char *pb_when_name(pb_when w);

/* clang-format off */
#define PB_PARAMETERS(P, Y)                                                                                          \
    P(discount_rate,    "finance.discount_rate",         r,           0.10, RATE,  0, ALWAYS)          /* r */        \
    P(infra_share,      "finance.infra_share",           s_i,         0.5,  UNIT_OC, 0, ALWAYS)          /* s_i */      \
    Y(execution,        "capex.execution",               X,           1.0,  NONNEG,  0, ALWAYS)          /* X_t */      \
    P(compute_share,    "capex.compute_share",           s_c,         0.6,  UNIT_OC, 0, ALWAYS)          /* s_c */      \
    P(after_rate,       "capex.after.rate",              after_value, NAN,  GC,      PB_PF_NEEDED, AFTER_GROWTH)    /* g_c */ \
    P(after_ratio,      "capex.after.ratio",             after_value, NAN,  POS,     PB_PF_NEEDED, AFTER_INTENSITY) /* kappa_a */ \
    P(after_max_decline, "capex.after.max_decline",      max_decline, 1.0,  UNIT_CC, 0, AFTER_INTENSITY) /* lambda */   \
    P(coverage,         "capex.discipline.coverage",     coverage,    0.0,  NONNEG,  PB_PF_REQUIRED, DISCIPLINE) /* c* */ \
    P(cut,              "capex.discipline.cut",          cut,         0.0,  UNIT_CC, PB_PF_REQUIRED, DISCIPLINE) /* d */  \
    P(physical_life,    "gpu.physical_life",             L_p,         7,    POS,     0, ALWAYS)          /* L_p */      \
    P(accounting_life,  "gpu.accounting_life",           L_a,         6,    POS,     0, ALWAYS)          /* L_a */      \
    P(facility_life,    "gpu.facility_life",             L_f,         25,   POS,     0, ALWAYS)          /* L_f */      \
    P(facility_rate,    "opex.facility_rate",            phi_f,       0,    RATE,  0, ALWAYS)          /* phi_f */    \
    P(base,             "revenue.base",                  base,        NAN,  POS,     PB_PF_NEEDED, GROWTH) /* R_{-1} */   \
    P(g_initial,        "revenue.growth.initial",        g_init,      0.7,  GROWTH,     0, GROWTH)          /* g_init */   \
    P(g_long_run,       "revenue.growth.long_run",       g_bar,       0.08, GROWTH,     0, GROWTH)          /* g-bar */    \
    P(g_persistence,    "revenue.growth.persistence",    phi,         0.7,  PHI,     0, GROWTH)          /* phi */      \
    P(g_volatility,     "revenue.growth.volatility",     sigma,       0.15, RATE,  0, GROWTH)          /* sigma */    \
    P(l_market,         "revenue.logistic.market",       market,      2000, POS,     0, LOGISTIC)        /* M */        \
    P(l_speed,          "revenue.logistic.speed",        speed,       0.5,  POS,     0, LOGISTIC)        /* k */        \
    P(l_midpoint,       "revenue.logistic.midpoint",     midpoint,    2030, ANY,     0, LOGISTIC)        /* y_mid */    \
    P(l_persistence,    "revenue.logistic.persistence",  phi,         0.5,  PHI,     0, LOGISTIC)        /* phi */      \
    P(l_volatility,     "revenue.logistic.volatility",   sigma,       0.1,  RATE,  0, LOGISTIC)        /* sigma */    \
    P(p_bust,           "revenue.regime.p_bust",         p_bust,      0.0,  UNIT_CC, PB_PF_REQUIRED, REGIME) /* p_b */ \
    P(p_recover,        "revenue.regime.p_recover",      p_recover,   0.0,  UNIT_CC, PB_PF_REQUIRED, REGIME) /* p_r */ \
    P(bust_shift,       "revenue.regime.bust_shift",     bust_shift,  0.0,  ANY,     PB_PF_REQUIRED, REGIME) /* b */   \
    Y(circular_share,   "revenue.circular_share",        chi,         0,    UNIT_CO, 0, ALWAYS)          /* chi_t */    \
    P(bain_ratio,       "required.bain.capex_ratio",     kappa,       0.25, POS,     0, ALWAYS)          /* kappa */    \
    P(jpm_return,       "required.jpmorgan.return",      r_j,         0.10, RATE,  0, ALWAYS)          /* r_j */      \
    P(jpm_margin,       "required.jpmorgan.margin",      mu,          1.0,  UNIT_OC, 0, ALWAYS)          /* mu */       \
    P(jpm_from,         "required.jpmorgan.from",        jpm_from,    NAN,  NONE,    PB_PF_YEAR, ALWAYS) /* T_0: years.start */ \
    P(jpm_through,      "required.jpmorgan.through",     jpm_through, NAN,  NONE,    PB_PF_YEAR, ALWAYS) /* T_j: years.end */   \
    P(seq_gpu_share,    "required.sequoia.gpu_share",    s_gpu,       0.5,  UNIT_OC, 0, ALWAYS)          /* s_gpu */    \
    P(seq_gross_margin, "required.sequoia.gross_margin", gm,          0.5,  UNIT_CO, 0, ALWAYS)          /* gm */

/* One GPU generation's parameters (gpu.generations[i].KEY, path
 * gpu.generations.NAME.KEY): G(field = key, in array of pb_path_in, domain,
 * flags, default); PB_PF_REQUIRED: every generation gives it. */
#define PB_GENERATION_PARAMETERS(G)                                                                           \
    G(year, gen_year, NONE, PB_PF_YEAR | PB_PF_REQUIRED, NAN) /* year_g: first year of volume availability */   \
    G(cost, gen_cost, POS, PB_PF_REQUIRED, NAN)               /* cost_g, B$ per cu */                       \
    G(opex, gen_opex, NONNEG, PB_PF_REQUIRED, NAN)            /* opex_g, B$ per cu per year */              \
    G(ramp, gen_ramp, UNIT_OC, 0, 1)                          /* s_g: its share of its release year's buying (model.md §4) */
/* clang-format on */

/* One row of PB_PARAMETERS as data (scenario.h: pb_param_rows). */
typedef struct {
    const char *path;   /* dotted path */
    size_t offset;      /* of the pb_param in pb_scenario */
    size_t in_offset;   /* of the member it fills in pb_path_in */
    double def;         /* default value (NAN: none) */
    int domain;         /* pb_domain_id */
    unsigned flags;     /* PB_PF_* */
    pb_when when;
    bool per_year_ok;   /* a Y row */
} pb_param_row;

#endif
