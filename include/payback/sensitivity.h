/* sensitivity.h: the computations of `payback sensitivity` (model.md §10,
 * §10.4; interfaces.md §4): tornado, Spearman rank correlation, Sobol
 * indices of independent factors and Shapley effects, for several outputs
 * at once, every output read off the same simulated paths.
 *
 * The paths come from pb_draw_path_cond (draws.h): the run's own paths
 * (path j under the seed), and paths with some factors resampled under the
 * second key pb_resample_seed(seed).  Nothing here depends on the thread
 * count: every Y is stored at its path's index and every reduction runs on
 * one thread in index order.
 *
 * Arrays over (factor, output) are row-major, [f * n_out + k]; each method
 * has its own factor list (tornado: per-path and per-year parameters; rank:
 * per-path parameters; Sobol and Shapley: every factor), as indices into
 * the sampler's factors (names[]). */
#ifndef PB_SENSITIVITY_H
#define PB_SENSITIVITY_H

#include <stdbool.h>
#include <stdint.h>

#include "payback/error.h"
#include "payback/output.h"
#include "payback/scenario.h"
#include "payback/select.h"

enum { PB_SENS_TORNADO = 1, PB_SENS_RANK = 2, PB_SENS_SOBOL = 4, PB_SENS_SHAPLEY = 8 };

#define PB_SENS_TOP 10           /* the extreme samples var_top counts */
#define PB_SENS_TOP_WARN 0.5     /* var_top above it: a warning in the table */
/* The tornado's quantiles (model.md §10). */
#define PB_TORNADO_LOW 0.1
#define PB_TORNADO_HIGH 0.9

typedef struct {
    unsigned methods;            /* PB_SENS_* bits */
    int n_out;
    const pb_output_sel *out;    /* [n_out] */
    int64_t n;                   /* N: base sample (rank, Sobol), N_v (Shapley) */
    int64_t orders;              /* M: Shapley's random orders */
    uint64_t seed;
    int threads;
    bool progress;               /* a line on stderr per phase */
} pb_sens_opts;

typedef struct {
    int n_out, n_factors;        /* n_factors: every factor of the sampler */
    char (*names)[160];          /* [n_factors] dotted paths, "revenue.shocks", "revenue.regime" */
    /* Tornado: factor tf[i]; its values at q0.1 and q0.9 (years rounded);
     * Y at each on the central path (NaN: not finite; +inf: never);
     * swing |y_high - y_low| (0 when both are "never"). */
    int nt, *tf;
    double *t_low, *t_high;      /* [nt] */
    double *y_low, *y_high, *swing; /* [nt * n_out] */
    /* Rank: Spearman rho of factor rf[i]'s draws and Y over the run's N
     * paths, with its 95 % Fisher interval. */
    int nr, *rf;
    double *rho, *rho_lo, *rho_hi;  /* [nr * n_out] */
    int64_t *r_used, *r_nonfinite;  /* [n_out]: paths used, dropped (Y not finite) */
    /* Sobol (factor f = 0 .. n_factors-1). */
    double *s, *s_lo, *s_hi, *st, *st_lo, *st_hi; /* [n_factors * n_out] */
    double *s_var;                                /* [n_out] */
    int64_t *s_used, *s_nonfinite;                /* [n_out]: pairs used, dropped */
    /* Shapley: shares of Var Y (factor f = 0 .. n_factors-1). */
    double *sh, *sh_lo, *sh_hi;  /* [n_factors * n_out] */
    double *sh_var;              /* [n_out] */
    bool sh_exact;               /* every order enumerated (d <= PB_SHAPLEY_EXACT_MAX) */
    int64_t sh_outer;            /* N_o per subset (exact) or 1 (random orders) */
    int64_t sh_evals;            /* paths run for Shapley */
    int64_t paths;               /* every path simulated (central paths included) */
    /* [n_out]: the share of Var Y's sum of squares held by the PB_SENS_TOP
     * samples farthest from the mean (Sobol: A and B; Shapley: the N_v
     * paths; NaN when neither ran).  Near 1, Var Y rests on a few extreme
     * paths and variance shares are noise (model.md §10.4). */
    double *var_top;
    int64_t *var_n;              /* [n_out]: the samples var_top is over */
} pb_sens_result;

/* Checks what can be checked before any path runs: a year metric among
 * the outputs of Sobol or Shapley ("never" has no variance), Sobol with
 * correlated factors, Sobol or Shapley without any factor or with N < 2.
 * PB_EUSAGE after pb_raise naming the output or method; PB_OK. */
/* Whether output k's Var Y rests on a few paths: var_top above
 * PB_SENS_TOP_WARN over at least PB_SENS_TOP_MIN samples (with fewer, a
 * handful of samples hold most of any variance). */
#define PB_SENS_TOP_MIN 1000
bool pb_sens_heavy(const pb_sens_result *r, int k);

pb_status pb_sens_check(const pb_scenario *sc, const pb_sens_opts *o);

/* Runs the methods of o on sc into *r (zeroed first; free with
 * pb_sens_result_clear whatever this returns).  Returns PB_OK; PB_EUSAGE
 * as pb_sens_check; PB_EINPUT when Shapley meets a non-finite Y (naming the
 * output and the count: model.md §10.4 leaves such outputs to the other
 * methods); PB_ENOMEM. */
pb_status pb_sensitivity(const pb_scenario *sc, const pb_sens_opts *o, pb_sens_result *r);

void pb_sens_result_clear(pb_sens_result *r);

/* Writes r to path (as .part, renamed at the end; sensitivity_out.c):
 * root attributes of info plus methods, n_base, orders; the groups of the
 * methods that ran.  PB_EIO or PB_ENOMEM after pb_raise. */
pb_status pb_sens_write(const char *path, const pb_run_info *info, const pb_sens_opts *o,
                        const pb_sens_result *r);

#endif
