/* param.h: model parameters, which are either a number or a distribution
 * (model.md §2), with their means, supports and domain checks.
 *
 * A pb_param is a plain value type (no heap memory): copying it is fine.
 * Drawing from a parameter is the business of draws.h. */
#ifndef PB_PARAM_H
#define PB_PARAM_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "payback/error.h"

/* The distributions, one row each (model.md §2): the enum constant, the name
 * in scenario files, how many of its keys are required, and its keys in the
 * order of pb_param.v (a discrete law keeps `values` and `p` in their own
 * arrays), and the defaults of its optional third and fourth keys.  Everything that lists distributions is generated from this
 * table; the functions that treat each law (mean, support, check, sample,
 * quantile, CDF, moments, describe) switch over pb_dist without a default,
 * so that the compiler (-Werror=switch) names a law one of them forgot. */
#define PB_DISTRIBUTIONS(X)                                                                    \
    X(FIXED, "fixed", 1, "value", NULL, NULL, NULL, 0, 0)                                      \
    X(NORMAL, "normal", 2, "mean", "sd", "min", "max", -INFINITY, INFINITY) /* truncated */    \
    X(LOGNORMAL, "lognormal", 2, "mean", "sd", NULL, NULL, 0, 0) /* of the variable, not its log */ \
    X(UNIFORM, "uniform", 2, "min", "max", NULL, NULL, 0, 0)                                   \
    X(TRIANGULAR, "triangular", 3, "min", "mode", "max", NULL, 0, 0)                           \
    X(PERT, "pert", 3, "min", "mode", "max", NULL, 0, 0) /* Beta-PERT, lambda = 4 */           \
    X(BETA, "beta", 2, "a", "b", "min", "max", 0, 1)                                           \
    X(GAMMA, "gamma", 2, "shape", "scale", NULL, NULL, 0, 0)                                   \
    X(DISCRETE, "discrete", 2, "values", "p", NULL, NULL, 0, 0)

typedef enum {
#define PB_DIST_ENUM_(id, ...) PB_DIST_##id,
    PB_DISTRIBUTIONS(PB_DIST_ENUM_)
#undef PB_DIST_ENUM_
} pb_dist;

/* The number of distributions: not a pb_dist, so that a switch over pb_dist
 * needs no case for it. */
#define PB_DIST_COUNT_(...) +1
enum { PB_N_DIST = 0 PB_DISTRIBUTIONS(PB_DIST_COUNT_) };
#undef PB_DIST_COUNT_

/* One distribution's row of PB_DISTRIBUTIONS. */
typedef struct {
    const char *name;
    int n_required;          /* the first n_required keys are required */
    const char *keys[4];     /* in the order of pb_param.v; NULL after the last */
    double optional[2];      /* v[2], v[3] when their keys are not given */
} pb_dist_info;
extern const pb_dist_info pb_dist_table[PB_N_DIST];

#define PB_MAX_DISCRETE 64

typedef struct {
    pb_dist dist;
    double v[4];                      /* see pb_dist; v[0] is the value of a fixed one */
    int n;                            /* discrete: number of values */
    double values[PB_MAX_DISCRETE];
    double p[PB_MAX_DISCRETE];
    bool per_year;                    /* drawn afresh each year (model.md §2) */
    bool prepared;                    /* aux holds the derived constants (pb_param_prepare) */
    double aux[2];                    /* lognormal: mu_ln, sigma_ln; pert: alpha, beta */
    bool set;                         /* given in the file or by --set (not a default) */
    pb_loc loc;                       /* where the value was written; line 0 for defaults */
    pb_loc key_loc;                   /* where its key was written; line 0 for defaults */
} pb_param;

/* An interval a parameter's values must lie in (model.md §2 "Domains"). */
typedef struct {
    double lo, hi;
    bool lo_open, hi_open;
    double plausible; /* a mean of larger magnitude is warned about */
    const char *text; /* how the domain is written in messages, e.g. "in (0, 1]" */
} pb_domain;

/* The domains parameters use, one row each: D(id, lo, hi, lo_open, hi_open,
 * plausible, text).  A value outside the domain is an error; a mean whose
 * magnitude exceeds `plausible` is a warning (docs/scenarios.md): a rate or
 * a growth of 10 is 1,000 % a year, most likely a percentage written for a
 * fraction. */
#define PB_DOMAINS(D)                                                     \
    D(UNIT_OC, 0, 1, true, false, INFINITY, "in (0, 1]")                  \
    D(UNIT_CO, 0, 1, false, true, INFINITY, "in [0, 1)")                  \
    D(UNIT_CC, 0, 1, false, false, INFINITY, "in [0, 1]")                 \
    D(POS, 0, INFINITY, true, true, INFINITY, "> 0")                      \
    D(NONNEG, 0, INFINITY, false, true, INFINITY, ">= 0")                 \
    D(RATE, 0, INFINITY, false, true, 1, ">= 0")                          \
    D(PHI, -1, 1, true, false, INFINITY, "in (-1, 1]")                    \
    D(GC, -1, INFINITY, true, true, 3, "> -1")                            \
    D(GROWTH, -INFINITY, INFINITY, true, true, 3, "a finite number")       \
    D(ANY, -INFINITY, INFINITY, true, true, INFINITY, "a finite number")

/* PB_DOM_NONE: no interval (a year, checked against the horizon). */
typedef enum {
    PB_DOM_NONE,
#define PB_DOM_ENUM_(id, ...) PB_DOM_##id,
    PB_DOMAINS(PB_DOM_ENUM_)
#undef PB_DOM_ENUM_
    PB_N_DOM
} pb_domain_id;

/* The domain of an id; NULL for PB_DOM_NONE. */
const pb_domain *pb_domain_of(pb_domain_id id);

/* Name of a distribution as written in scenario files ("pert"), and back.
 * pb_dist_from_name returns PB_N_DIST for an unknown name. */
const char *pb_dist_name(pb_dist d);
pb_dist pb_dist_from_name(const char *name);

/* A fixed parameter holding x. */
pb_param pb_param_fixed(double x);

/* The mean of model.md §2's table, each evaluated as written there (sum
 * first, then divide), so that integer-valued means are exact.  For a
 * discrete law it is the value of largest p (first on ties).  Assumes the
 * parameter passed pb_param_check. */
double pb_param_mean(const pb_param *p);

/* The closed support [lo, hi] of the law; lo_open/hi_open mark ends that
 * are not attained (0 for lognormal and gamma, infinite ends). */
void pb_param_support(const pb_param *p, double *lo, double *hi, bool *lo_open, bool *hi_open);

/* Checks the distribution's own parameters (sd >= 0, min <= mode <= max,
 * p summing to 1, ...).  On failure writes a message "found ...; expected ..."
 * into msg (size len) and returns false. */
bool pb_param_check(const pb_param *p, char *msg, int len);

/* True if every value of the support lies in the domain. */
bool pb_param_in_domain(const pb_param *p, const pb_domain *d);

/* Rounds a year-valued draw to the nearest integer, halves up (model.md §2). */
double pb_round_year(double x);

/* Parameters of the log of a lognormal law given the mean and sd of the
 * variable itself: sigma_ln^2 = ln(1 + sd^2/mean^2), mu_ln = ln mean - sigma_ln^2/2. */
void pb_lognormal_params(double mean, double sd, double *mu_ln, double *sigma_ln);

/* Pearson correlation of the Gaussian copula that gives Spearman rho_s:
 * rho = 2 sin(pi rho_s / 6) (model.md §2). */
double pb_spearman_to_pearson(double rho_s);

/* The shape parameters of a Beta-PERT law (lambda = 4):
 * alpha = 1 + 4 (mode - min)/(max - min), beta = 1 + 4 (max - mode)/(max - min). */
void pb_pert_shape(const pb_param *p, double *alpha, double *beta);

/* Computes the constants a draw needs once (lognormal mu_ln and sigma_ln,
 * PERT alpha and beta), so that each draw need not. */
void pb_param_prepare(pb_param *p);

/* A uniform in (0, 1) with 53 random bits (two 32-bit outputs of r). */
double pb_uniform53(gsl_rng *r);

/* The same from the two outputs x0 and x1 themselves (the first two of a
 * Philox block: pb_draw_path's regime draws, without the generator). */
static inline double pb_uniform53_of(uint32_t x0, uint32_t x1)
{
    return ((double)(x0 >> 5) * 67108864.0 + (double)(x1 >> 6) + 0.5) / 9007199254740992.0;
}

/* One draw from the law, with GSL's samplers on r (Gaussian ziggurat for
 * normal and lognormal, gsl_ran_beta for PERT and beta, gsl_ran_gamma),
 * and in closed form by the inverse CDF where GSL has no sampler
 * (triangular, truncated normal, discrete).  Not year-rounded.  A path's
 * draws of beta, PERT, gamma and truncated-normal laws come from a
 * quantile table instead (sim/qtable.h); this is the reference they are
 * tested against. */
double pb_param_sample(const pb_param *p, gsl_rng *r);

/* The inverse CDF of the law at u in (0, 1) (the tornado's low and high
 * values; pb_param_quantile_z's laws other than beta, PERT, gamma and the
 * normal).  GSL's inverse CDFs where it has them (normal, lognormal, beta
 * for PERT and beta, gamma), closed forms otherwise. */
double pb_param_quantile(const pb_param *p, double u);

/* The law's quantile at the normal score y: the inverse CDF at Phi(y), as
 * the Gaussian copula asks for it (model.md §2).  Exact up to GSL's
 * inverse CDFs; the normal and lognormal laws in closed form in y, the
 * upper half (y > 0) of beta, PERT and gamma through their upper tail so
 * that no digits are lost rounding Phi(y) near 1.  Slow for beta, PERT and
 * gamma (about a microsecond): draws use a table of it (qtable.h). */
double pb_param_quantile_z(const pb_param *p, double y);

/* The CDF of the law at x (for tests). */
double pb_param_cdf(const pb_param *p, double x);

/* The mean and variance of the law itself (for a discrete law the
 * probability-weighted mean, not the deterministic-mode value). */
void pb_param_moments(const pb_param *p, double *mean, double *var);

/* Writes a short description of the law into buf, e.g. "pert(0.08, 0.1, 0.13)". */
void pb_param_describe(const pb_param *p, char *buf, int len);

#endif
