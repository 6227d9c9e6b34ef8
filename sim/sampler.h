/* sampler.h (private): the layout of a pb_sampler, shared by draws.c
 * (which builds it and draws a path) and factors.c (which draws a path with
 * some factors resampled, model.md §10).  Read-only once built. */
#ifndef PB_SAMPLER_H
#define PB_SAMPLER_H

#include <stdbool.h>
#include <stdint.h>

#include "payback/draws.h"
#include "qtable.h"

#define MAX_SLOTS (PB_MAX_PARAMS + 2 * PB_MAX_YEARS)
#define MAX_STREAMS (MAX_SLOTS + 2 * PB_MAX_CORRELATIONS + 2 * PB_MAX_YEARS)
#define MAX_CALLS (PB_MAX_PARAMS + 4 * PB_MAX_YEARS)

/* One value a path needs: a parameter (per path), or a parameter in one
 * year (per year). */
typedef struct {
    const pb_param *p;
    uint32_t stream;
    int year;       /* calendar year of a per-year draw, 0 for per path */
    int corr;       /* index in the correlated group, or -1 */
    int ref;        /* its entry in pb_scenario_params' list (while the sampler is built) */
    int factor;     /* its factor (model.md §10), or -1 when fixed */
    const pb_qtable *q; /* its law's quantile table (one of the sampler's tables), or NULL:
                         * a law whose quantile is closed-form */
} slot;

/* One draw of a path from the start of one stream.  The list of steps is
 * the one place that says which streams a path starts and what each
 * draws; pb_draw_path computes every step's first Philox block in one
 * batch, then takes the steps in order. */
typedef enum {
    STEP_PARAM,   /* vals[index]: the law of slot `index`, sampled */
    STEP_COPULA,  /* z[index]: the standard normal of correlated member `index` */
    STEP_SHOCK,   /* eps[index]: the revenue shock of year index */
    STEP_REGIME   /* u_regime[index]: the regime chain's uniform of year index */
} step_kind;

typedef struct {
    step_kind kind;
    int index;
    uint32_t stream;
    int year;       /* calendar year of the stream, 0 for per path */
} draw_step;

struct pb_sampler {
    const pb_scenario *sc;
    int n_factors;             /* model.md §10: the things that vary between paths */
    pb_factor *factor;         /* [n_factors] (owned) */
    int *step_factor;          /* [n_steps]: the factor each draw belongs to (owned) */
    double *corr_sigma;        /* [n_corr * n_corr]: L L^T, the copula's correlation (owned) */
    int n_slots;
    slot slots[MAX_SLOTS];
    int n_calls;               /* pb_path_in_fill's calls, in order, */
    int call_slot[MAX_CALLS];  /* ... and the slot each one reads */
    int n_corr;                /* correlated per-path parameters */
    int corr_slot[2 * PB_MAX_CORRELATIONS];
    const double *L;           /* the scenario's Cholesky factor, lower, [n_corr * n_corr] */
    int n_tables;              /* distinct laws with an iterative quantile, */
    pb_qtable tables[MAX_SLOTS]; /* ... each tabulated once (tables owned) */
    uint32_t shock_stream, regime_stream;
    bool draw_shocks;          /* false when the volatility is fixed at 0 */
    int n_steps;               /* the draws of a path, one stream each: */
    draw_step step[MAX_STREAMS];
};


/* Builds s->factor, s->step_factor and s->corr_sigma (factors.c) from the
 * slots, steps and the registry refs the slots point into. */
pb_status pb_sampler_factors_build(pb_sampler *s, const pb_param_ref *refs);

/* Fills in from the slots' values vals[n_slots] (year-valued ones rounded
 * by the fill), as pb_draw_path does after its draws. */
void pb_sampler_replay(const pb_sampler *s, const double *vals, pb_path_in *in);

/* Correlated member i's value at the normal score y (its law's quantile
 * at Phi(y), model.md §2; qtable.h). */
double pb_copula_value(const pb_sampler *s, int i, double y);

/* A draw of slot k's law from r: through its quantile table at a
 * ziggurat normal where it has one, else pb_param_sample. */
double pb_slot_sample(const pb_sampler *s, int k, gsl_rng *r);

#endif
