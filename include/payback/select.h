/* select.h: the outputs and targets of the analysis commands
 * (interfaces.md §4, model.md §10).
 *
 * An output Y is a per-path metric ("npv", "payback_year") or a series in
 * one year ("gap_full_cost@2035").  A target is what solve aims at or what
 * run --precision measures: "Y=c" (the central path's value, deterministic
 * solve), "mean(Y)=c", "q0.9(Y)=c", "P(Y<=c)=q"; for --precision the value
 * after "=" is replaced by "~TOL" (absolute) or "~TOL%" (relative to the
 * estimate), the half-width asked of the 95 % interval.
 *
 * Parse errors are raised (pb_raise) at the option's position, e.g.
 * "--target:2:6: error: ..." for the second --target, column 6. */
#ifndef PB_SELECT_H
#define PB_SELECT_H

#include <stdbool.h>

#include "payback/error.h"
#include "payback/path.h"
#include "payback/scenario.h"

typedef struct {
    bool is_series;     /* a series in one year; else a metric */
    int index;          /* pb_series or pb_metric */
    int t;              /* series: the year's index in the horizon (year - start) */
    int year;           /* series: the calendar year */
    char text[96];      /* as written, for tables and file attributes */
} pb_output_sel;

typedef enum {
    PB_TGT_VALUE,       /* Y = c on the central path */
    PB_TGT_MEAN,        /* mean(Y) */
    PB_TGT_QUANTILE,    /* qP(Y), type 7 (type 1 for a year metric), model.md §9 */
    PB_TGT_PROB         /* P(Y <= c) */
} pb_target_kind;

typedef struct {
    pb_target_kind kind;
    pb_output_sel y;
    double level;       /* QUANTILE: P in (0, 1) */
    double c;           /* PROB: the threshold c of P(Y <= c) */
    double value;       /* the value aimed at (solve): c, or q for PROB */
    double tol;         /* --precision: the half-width asked for */
    bool relative;      /* --precision: tol is a fraction of |estimate| */
    char text[160];     /* as written */
} pb_target;

/* Parses text as an output of sc; opt ("--output") and n (1-based: the
 * n-th such option) name the position in errors.  PB_EUSAGE when bad. */
pb_status pb_output_parse(const char *text, const pb_scenario *sc, const char *opt, int n, pb_output_sel *y);

/* Parses a target.  precision: the "~TOL" form; else "=VALUE".  PB_EUSAGE
 * when bad (including mean() of a year metric: "never" has no mean). */
pb_status pb_target_parse(const char *text, const pb_scenario *sc, bool precision, const char *opt, int n,
                          pb_target *t);

/* Y on one path (+inf: "never" for a year metric; NaN: no IRR). */
static inline double pb_output_value(const pb_output_sel *y, const pb_path_out *out, int n_years)
{
    return y->is_series ? out->series[(size_t)y->index * (size_t)n_years + (size_t)y->t] : out->metric[y->index];
}

/* Whether Y is a year metric (payback or catch-up year). */
bool pb_output_is_year(const pb_output_sel *y);

/* units of Y (pb_series_info/pb_metric_info). */
const char *pb_output_units(const pb_output_sel *y);

#endif
