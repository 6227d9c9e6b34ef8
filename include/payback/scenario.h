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
#include "payback/param_table.h"

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
#define PB_FIELD_(field, ...) pb_param field;
    PB_GENERATION_PARAMETERS(PB_FIELD_) /* year, cost, opex: see param_table.h */
#undef PB_FIELD_
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

    /* Every scalar parameter, one pb_param each, named as in param_table.h
     * (discount_rate, infra_share, execution, ..., seq_gross_margin). */
#define PB_FIELD_(field, ...) pb_param field;
    PB_PARAMETERS(PB_FIELD_, PB_FIELD_)
#undef PB_FIELD_

    int n_committed;             /* window: years start .. start + n_committed - 1 */
    pb_param committed[PB_MAX_YEARS]; /* committed_t, B$ (path capex.committed.YEAR) */
    pb_after_policy after;
    pb_loc after_loc;
    bool has_discipline;         /* capex.discipline given */
    int n_generations;
    pb_generation gen[PB_MAX_GENERATIONS];
    pb_loc generations_loc;
    pb_process process;
    bool has_regime;             /* revenue.regime given */
    int n_observed;              /* revenue.observed: R_t fixed in years start .. start + n_observed - 1 */
    double observed[PB_MAX_YEARS]; /* B$, by t */
    bool has_forced;             /* revenue.regime.forced given */
    signed char forced[PB_MAX_YEARS]; /* by t: 0 the chain's state, 1 forced boom, 2 forced bust */
    pb_depreciation full_cost_depreciation;

    int n_correlations;
    pb_correlation corr[PB_MAX_CORRELATIONS];
    pb_loc correlations_loc;
    /* The correlations' distinct members in order of first appearance, and
     * the lower Cholesky factor of their normal correlations (model.md §2),
     * computed once at load: [n_corr_members * n_corr_members], row-major. */
    int n_corr_members;
    const pb_param *corr_param[2 * PB_MAX_CORRELATIONS];
    double *corr_L;               /* owned; NULL without correlations */

    int n_target_years;
    int target_years[PB_MAX_YEARS];
    int window_from, window_through; /* output.depreciation_window (0: the default, the first three years) */
    pb_loc window_loc;
    int n_quantiles;
    double quantiles[PB_MAX_QUANTILES];
} pb_scenario;

/* One entry of the parameter registry: every pb_param the model uses, by its
 * dotted path (interfaces.md §1), e.g. "gpu.generations.Rubin.cost". */
typedef struct {
    char path[160];
    pb_param *param;
    bool year_valued;   /* rounded after every draw (model.md §2) */
    bool per_year_ok;   /* may be drawn per year (a Y row of param_table.h) */
    const pb_domain *domain; /* the values it may take (model.md §2); NULL: a year */
} pb_param_ref;

/* Rows of PB_PARAMETERS. */
#define PB_COUNT_(...) +1
enum { PB_N_PARAM_ROWS = 0 PB_PARAMETERS(PB_COUNT_, PB_COUNT_), PB_N_GEN_PARAMS = 0 PB_GENERATION_PARAMETERS(PB_COUNT_) };
#undef PB_COUNT_
/* The most parameters a scenario can register. */
#define PB_MAX_PARAMS (PB_N_PARAM_ROWS + PB_N_GEN_PARAMS * PB_MAX_GENERATIONS + PB_MAX_YEARS)

/* True when the model uses the parameters of rows marked `when` under the
 * scenario's settings (param_table.h). */
static inline bool pb_param_used(const pb_scenario *sc, pb_when when)
{
    switch (when) {
    case PB_WHEN_ALWAYS: return true;
    case PB_WHEN_AFTER_GROWTH: return sc->after == PB_AFTER_GROWTH;
    case PB_WHEN_AFTER_INTENSITY: return sc->after == PB_AFTER_INTENSITY;
    case PB_WHEN_DISCIPLINE: return sc->has_discipline;
    case PB_WHEN_GROWTH: return sc->process == PB_PROCESS_GROWTH;
    case PB_WHEN_LOGISTIC: return sc->process == PB_PROCESS_LOGISTIC;
    case PB_WHEN_REGIME: return sc->has_regime;
    }
    return false;
}

/* Reads and validates a scenario.  overrides are --set arguments
 * ("PATH=VALUE", VALUE YAML).  On success returns a new scenario (free with
 * pb_scenario_free) and sets *st = PB_OK; on failure prints the errors,
 * returns NULL and sets *st (PB_EINPUT for a bad file, PB_ENOMEM, ...). */
pb_scenario *pb_scenario_load(const char *file, char *const *overrides, int n_overrides, pb_status *st);

/* Same, from text in memory; name is used in messages in place of a file. */
pb_scenario *pb_scenario_load_text(const char *name, const char *text, size_t len,
                                   char *const *overrides, int n_overrides, pb_status *st);

/* As pb_scenario_load, with the positions inside override i reading
 * "<labels[i].name>:<labels[i].number>:COL" instead of "--set:<i+1>:COL"
 * (compare's --set-b; labels NULL: the --set numbering).  The names must
 * outlive the call. */
typedef struct {
    const char *name;
    int number;
} pb_override_label;
pb_scenario *pb_scenario_load_labelled(const char *file, char *const *overrides, const pb_override_label *labels,
                                       int n_overrides, pb_status *st);

void pb_scenario_free(pb_scenario *sc); /* accepts NULL */

/* Fills refs (capacity cap, PB_MAX_PARAMS is always enough) with the
 * parameters the model uses under the scenario's settings, in the order of
 * param_table.h (then committed capex, then generations), and returns how
 * many there are.  Returns -1 (after pb_raise, PB_EINTERNAL) if two of them
 * share a dotted path or a pb_param: param_table.h is checked, not trusted. */
int pb_scenario_params(pb_scenario *sc, pb_param_ref *refs, int cap);

/* The rows of param_table.h's PB_PARAMETERS, in order (PB_N_PARAM_ROWS). */
extern const pb_param_row pb_param_rows[];

/* Checks a parameter table (pb_param_rows, PB_N_PARAM_ROWS at every load):
 * each path and each pb_scenario field once, and two rows that fill one
 * member of pb_path_in only when no scenario can use both.  PB_EINTERNAL
 * (after pb_raise) otherwise. */
pb_status pb_param_table_check(const pb_param_row *rows, int n);

/* The row whose dotted path is block.key (block "" for a top-level key);
 * NULL if there is none. */
const pb_param_row *pb_param_row_find(const char *block, const char *key);

/* The pb_param of sc that row r describes. */
static inline pb_param *pb_row_param(pb_scenario *sc, const pb_param_row *r) { return (pb_param *)((char *)sc + r->offset); }

/* Sets every parameter of param_table.h's PB_PARAMETERS to its default, a
 * fixed value, not marked as set.  (Committed capex and the generations'
 * parameters have no defaults: they are required.) */
void pb_param_defaults(pb_scenario *sc);

/* Finds a parameter by dotted path; NULL if there is none. */
const pb_param_ref *pb_scenario_find(const pb_param_ref *refs, int n, const char *path);

/* Name strings as written in files. */
const char *pb_after_name(pb_after_policy p);

#endif
