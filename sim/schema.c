/* schema.c: the tables of the result file's variables (schema.h) and the
 * walk over them.
 *
 * Layout (interfaces.md §3): /summary with its own dimension scales
 * year[H] and quantile[Q]; /metrics with its own.  Each group has its own
 * scales because a scale shared across groups breaks ncdump and xarray.
 * Every variable has `units` and `long_name` (but /state's, which only
 * `payback merge` reads). */
#include "schema.h"

#include <stdio.h>
#include <string.h>

#include "payback/path.h"

/* Where a variable's values are: item 0's field and the step to the next. */
#define SERIES(f) .at = offsetof(pb_summary, series) + offsetof(pb_series_stats, f), .stride = sizeof(pb_series_stats)
#define METRIC(f) .at = offsetof(pb_summary, metric) + offsetof(pb_metric_stats, f), .stride = sizeof(pb_metric_stats)
#define METHOD(f) .at = offsetof(pb_summary, f), .stride = sizeof(double *)
#define ONE(f) .at = offsetof(pb_summary, f)
#define PATHS(f, c) .at = offsetof(pb_path_set, f), .cols = (c)

/* Which paths a metric's moments cover; year metrics' quantiles are type 1. */
#define OVER {{PB_FOR_YEAR, " (over paths with such a year)"}, {PB_FOR_IRR, " (over paths with exactly one root)"}}
#define TYPE1 {{PB_FOR_YEAR, " (type 1)"}}
#define NEVER_Q {{"never", {PB_FOR_YEAR, "+inf means no such year within the horizon (ranks after every year)"}}}
#define COARSE "quantile values (interval ends included) known only to their power of two, " \
               "outside the sketch's fine buckets; 0: every quantile within 0.098 % of an order statistic"
#define Q_LO "lower bound of the 95 % interval of the quantile of "
#define Q_HI "upper bound of the 95 % interval of the quantile of "
#define P_CLOSED "probability that the gap is closed"

#define YEAR_SCALE {"year", "calendar year", "calendar year (flows over the year, stocks at its end)"}
#define QUANTILE_SCALE {"quantile", "1", "quantile level (probability)"}

static const pb_var summary_vars[] = {
    {.each = PB_EACH_SERIES, .post = "_mean", .ln_pre = "mean of ", .shape = PB_SHAPE_YEAR, SERIES(mean)},
    {.each = PB_EACH_SERIES, .post = "_sd", .ln_pre = "standard deviation of ", .shape = PB_SHAPE_YEAR, SERIES(sd),
     .check = PB_CHECK_SPREAD},
    {.each = PB_EACH_SERIES, .post = "_se", .ln_pre = "standard error of the mean of ", .shape = PB_SHAPE_YEAR,
     SERIES(se), .check = PB_CHECK_SPREAD},
    {.each = PB_EACH_SERIES, .post = "_q", .ln_pre = "quantile of ", .shape = PB_SHAPE_YEAR_QUANTILE, SERIES(q)},
    {.each = PB_EACH_SERIES, .post = "_q_lo", .ln_pre = Q_LO, .shape = PB_SHAPE_YEAR_QUANTILE, SERIES(q_lo)},
    {.each = PB_EACH_SERIES, .post = "_q_hi", .ln_pre = Q_HI, .shape = PB_SHAPE_YEAR_QUANTILE, SERIES(q_hi)},
    {.each = PB_EACH_METHOD, .pre = "p_gap_closed_", .ln_pre = P_CLOSED " (G <= 0), ", .units = "1",
     .shape = PB_SHAPE_YEAR, METHOD(p_closed), .check = PB_CHECK_PROB},
    {.each = PB_EACH_METHOD, .pre = "p_gap_closed_", .post = "_lo", .units = "1", .shape = PB_SHAPE_YEAR,
     METHOD(p_closed_lo), .check = PB_CHECK_PROB,
     .ln_pre = "lower bound of the 95 % Wilson interval of the " P_CLOSED ", "},
    {.each = PB_EACH_METHOD, .pre = "p_gap_closed_", .post = "_hi", .units = "1", .shape = PB_SHAPE_YEAR,
     METHOD(p_closed_hi), .check = PB_CHECK_PROB,
     .ln_pre = "upper bound of the 95 % Wilson interval of the " P_CLOSED ", "},
    {.pre = "nonfinite_paths", .units = "paths", .shape = PB_SHAPE_SCALAR, .type = PB_TYPE_I64, ONE(nonfinite),
     .check = PB_CHECK_COUNT, .ln_pre = "paths excluded from every statistic for a NaN or infinite value"},
    {.pre = "paths_used", .units = "paths", .shape = PB_SHAPE_SCALAR, .type = PB_TYPE_I64, ONE(n),
     .check = PB_CHECK_COUNT, .ln_pre = "paths that every statistic covers"},
    {.pre = "coarse_quantiles", .units = "values", .shape = PB_SHAPE_SCALAR, .type = PB_TYPE_I64, ONE(coarse_series),
     .check = PB_CHECK_TALLY, .ln_pre = COARSE},
};

static const pb_var metrics_vars[] = {
    {.each = PB_EACH_METRIC, .post = "_mean", .ln_pre = "mean of ", .tail = OVER, .shape = PB_SHAPE_SCALAR,
     METRIC(mean), .nan_if_none = true},
    {.each = PB_EACH_METRIC, .post = "_sd", .ln_pre = "standard deviation of ", .tail = OVER, .shape = PB_SHAPE_SCALAR,
     METRIC(sd), .check = PB_CHECK_SPREAD, .nan_if_none = true},
    {.each = PB_EACH_METRIC, .post = "_se", .ln_pre = "standard error of the mean of ", .tail = OVER,
     .shape = PB_SHAPE_SCALAR, METRIC(se), .check = PB_CHECK_SPREAD, .nan_if_none = true},
    {.each = PB_EACH_METRIC, .post = "_q", .ln_pre = "quantile of ", .tail = TYPE1, .note = NEVER_Q,
     .shape = PB_SHAPE_QUANTILE, METRIC(q), .nan_if_none = true},
    {.each = PB_EACH_METRIC, .post = "_q_lo", .ln_pre = Q_LO, .tail = TYPE1, .note = NEVER_Q,
     .shape = PB_SHAPE_QUANTILE, METRIC(q_lo), .nan_if_none = true},
    {.each = PB_EACH_METRIC, .post = "_q_hi", .ln_pre = Q_HI, .tail = TYPE1, .note = NEVER_Q,
     .shape = PB_SHAPE_QUANTILE, METRIC(q_hi), .nan_if_none = true},
    {.each = PB_EACH_METRIC, .only = PB_FOR_YEAR, .post = "_never", .units = "paths",
     .ln_pre = "paths with no such year within the horizon: ", .shape = PB_SHAPE_SCALAR, .type = PB_TYPE_I64,
     METRIC(never), .check = PB_CHECK_COUNT},
    {.each = PB_EACH_METRIC, .only = PB_FOR_YEAR, .post = "_hist", .units = "paths",
     .ln_pre = "paths whose year fell in each year: ", .shape = PB_SHAPE_YEAR, .type = PB_TYPE_I64, METRIC(hist),
     .check = PB_CHECK_COUNT},
    {.pre = "irr_none", .units = "paths", .shape = PB_SHAPE_SCALAR, .type = PB_TYPE_I64, ONE(irr_none),
     .check = PB_CHECK_COUNT, .ln_pre = "paths whose net flows have no IRR in (-0.99, 10]"},
    {.pre = "irr_multiple", .units = "paths", .shape = PB_SHAPE_SCALAR, .type = PB_TYPE_I64, ONE(irr_multiple),
     .check = PB_CHECK_COUNT, .ln_pre = "paths whose net flows have several IRRs in (-0.99, 10]"},
    {.pre = "coarse_quantiles", .units = "values", .shape = PB_SHAPE_SCALAR, .type = PB_TYPE_I64, ONE(coarse_metrics),
     .check = PB_CHECK_TALLY, .ln_pre = COARSE},
};

static const pb_var paths_vars[] = {
    {.each = PB_EACH_SERIES, .shape = PB_SHAPE_PATH_YEAR, PATHS(series, PB_COLS_SERIES)},
    {.each = PB_EACH_METRIC, .shape = PB_SHAPE_PATH, PATHS(metric, PB_COLS_METRICS),
     .note = {{"never", {PB_FOR_YEAR, "+inf means no such year within the horizon"}},
              {"missing", {PB_FOR_IRR, "NaN where the path has no IRR or several (see irr_kind)"}}}},
    {.pre = "path_index", .units = "1", .ln_pre = "path index (0-based) in the run", .shape = PB_SHAPE_PATH,
     .type = PB_TYPE_I64, PATHS(index, PB_COLS_ONE)},
    {.pre = "irr_kind", .units = "1", .ln_pre = "0: one IRR, 1: none, 2: several", .shape = PB_SHAPE_PATH,
     .type = PB_TYPE_U8, PATHS(irr_kind, PB_COLS_ONE)},
    {.pre = "nonfinite", .units = "1", .shape = PB_SHAPE_PATH, .type = PB_TYPE_U8, PATHS(nonfinite, PB_COLS_ONE),
     .ln_pre = "1: the path has a NaN or infinite value and is left out of the statistics"},
};

static const pb_var state_vars[] = {
    {.pre = "edge_index", .shape = PB_SHAPE_PATH_ARRAY, .type = PB_TYPE_I64, PATHS(index, PB_COLS_ONE)},
    {.pre = "edge_series", .shape = PB_SHAPE_PATH_ARRAY, .type = PB_TYPE_F64, PATHS(series, PB_COLS_SERIES)},
    {.pre = "edge_metric", .shape = PB_SHAPE_PATH_ARRAY, .type = PB_TYPE_F64, PATHS(metric, PB_COLS_METRICS)},
    {.pre = "edge_irr_kind", .shape = PB_SHAPE_PATH_ARRAY, .type = PB_TYPE_U8, PATHS(irr_kind, PB_COLS_ONE)},
    {.pre = "edge_nonfinite", .shape = PB_SHAPE_PATH_ARRAY, .type = PB_TYPE_U8, PATHS(nonfinite, PB_COLS_ONE)},
};

#define N_OF(a) (int)(sizeof a / sizeof a[0])

const pb_group pb_schema_summary = {.name = "summary", .year = YEAR_SCALE, .quantile = QUANTILE_SCALE,
                                    .vars = summary_vars, .n_vars = N_OF(summary_vars)};
const pb_group pb_schema_metrics = {.name = "metrics", .year = YEAR_SCALE, .quantile = QUANTILE_SCALE,
                                    .vars = metrics_vars, .n_vars = N_OF(metrics_vars)};
const pb_group pb_schema_paths = {.name = "paths",
                                  .path = {"path", "1", "path index (0-based) in the run"},
                                  .year = {"year", "calendar year", "calendar year"},
                                  .vars = paths_vars, .n_vars = N_OF(paths_vars)};
const pb_group pb_schema_state = {.name = "state",
                                  .long_name = "what `payback merge` needs: the complete blocks' statistics and "
                                               "the paths of blocks this part covers only in part",
                                  .vars = state_vars, .n_vars = N_OF(state_vars)};
const pb_label pb_state_acc = {
    "acc", NULL, "the merge state of the complete blocks (payback's packed accumulator; native byte order)"};

/* ------------------------------------------------------------------ */
/* Items                                                                */

static int n_items(pb_each e)
{
    switch (e) {
    case PB_EACH_SERIES: return PB_N_SERIES;
    case PB_EACH_METHOD: return PB_N_METHODS;
    case PB_EACH_METRIC: return PB_N_METRICS;
    case PB_EACH_ONE: break;
    }
    return 1;
}

static bool applies(pb_for when, pb_each e, int k)
{
    switch (when) {
    case PB_FOR_YEAR: return e == PB_EACH_METRIC && pb_metric_is_year(k);
    case PB_FOR_IRR: return e == PB_EACH_METRIC && k == PB_M_IRR;
    case PB_FOR_ALL: break;
    }
    return true;
}

/* The item's own name, long_name and units ("" / NULL for a single variable). */
static pb_field_info item(pb_each e, int k)
{
    switch (e) {
    case PB_EACH_SERIES: return pb_series_info[k];
    case PB_EACH_METRIC: return pb_metric_info[k];
    case PB_EACH_METHOD: return (pb_field_info){pb_method_names[k], NULL, pb_method_names[k]};
    case PB_EACH_ONE: break;
    }
    return (pb_field_info){"", NULL, ""};
}

static const char *or_empty(const char *s) { return s ? s : ""; }

void pb_var_name(const pb_var *v, int k, char *buf, size_t len)
{
    snprintf(buf, len, "%s%s%s", or_empty(v->pre), item(v->each, k).name, or_empty(v->post));
}

void pb_var_long_name(const pb_var *v, int k, char *buf, size_t len)
{
    const char *tail = "";
    for (int j = 0; j < 2 && !*tail; j++)
        if (v->tail[j].text && applies(v->tail[j].when, v->each, k)) tail = v->tail[j].text;
    snprintf(buf, len, "%s%s%s", or_empty(v->ln_pre), item(v->each, k).long_name, tail);
}

const char *pb_var_units(const pb_var *v, int k)
{
    return v->units ? v->units : or_empty(item(v->each, k).units);
}

const char *pb_var_note(const pb_var *v, int j, int k)
{
    const pb_cond_text *c = &v->note[j].value;
    return v->note[j].name && c->text && applies(c->when, v->each, k) ? c->text : NULL;
}

/* ------------------------------------------------------------------ */
/* The walk                                                             */

/* The end of the run of rows from b0 with the same `each`. */
static int run_end(const pb_group *g, int b0)
{
    int b1 = b0 + 1;
    while (b1 < g->n_vars && g->vars[b1].each == g->vars[b0].each) b1++;
    return b1;
}

void pb_walk_start(pb_walk *w, const pb_group *g)
{
    *w = (pb_walk){.g = g};
    w->b1 = g->n_vars > 0 ? run_end(g, 0) : 0;
}

bool pb_walk_next(pb_walk *w)
{
    const pb_group *g = w->g;
    while (w->b0 < g->n_vars) {
        if (w->row == w->b1) { /* the run's rows done for this item */
            w->row = w->b0;
            if (++w->item == n_items(g->vars[w->b0].each)) {
                w->b0 = w->row = w->b1;
                w->item = 0;
                if (w->b0 < g->n_vars) w->b1 = run_end(g, w->b0);
                continue;
            }
        }
        const pb_var *v = &g->vars[w->row++];
        if (applies(v->only, v->each, w->item)) {
            w->var = v;
            w->k = w->item;
            return true;
        }
    }
    return false;
}

/* ------------------------------------------------------------------ */
/* Shapes and values                                                    */

hsize_t pb_var_cols(const pb_var *v, int n_years)
{
    switch (v->cols) {
    case PB_COLS_SERIES: return (hsize_t)PB_N_SERIES * (hsize_t)n_years;
    case PB_COLS_METRICS: return PB_N_METRICS;
    case PB_COLS_ONE: break;
    }
    return 1;
}

hsize_t pb_var_col0(const pb_var *v, int k, int n_years)
{
    return (hsize_t)k * (v->shape == PB_SHAPE_PATH_YEAR ? (hsize_t)n_years : 1);
}

int pb_var_dims(const pb_var *v, int n_years, int n_quantiles, hsize_t n_paths, pb_dim dim[2], hsize_t len[2])
{
    int rank = 0;
    switch (v->shape) {
    case PB_SHAPE_SCALAR: break;
    case PB_SHAPE_YEAR: dim[rank++] = PB_DIM_YEAR; break;
    case PB_SHAPE_QUANTILE: dim[rank++] = PB_DIM_QUANTILE; break;
    case PB_SHAPE_YEAR_QUANTILE: dim[rank++] = PB_DIM_YEAR; dim[rank++] = PB_DIM_QUANTILE; break;
    case PB_SHAPE_PATH: dim[rank++] = PB_DIM_PATH; break;
    case PB_SHAPE_PATH_YEAR: dim[rank++] = PB_DIM_PATH; dim[rank++] = PB_DIM_YEAR; break;
    case PB_SHAPE_PATH_ARRAY:
        dim[rank++] = PB_DIM_PATH;
        if (v->cols != PB_COLS_ONE) dim[rank++] = PB_DIM_COLS;
        break;
    }
    for (int i = 0; i < rank; i++)
        len[i] = dim[i] == PB_DIM_YEAR ? (hsize_t)n_years : dim[i] == PB_DIM_QUANTILE ? (hsize_t)n_quantiles
               : dim[i] == PB_DIM_PATH ? n_paths : pb_var_cols(v, n_years);
    return rank;
}

/* The field's pointer, read as the pointer type it has (memcpy: a double *
 * is not read through a void * lvalue). */
static void *deref(pb_type t, const char *field)
{
    double *d;
    int64_t *i;
    unsigned char *u;
    switch (t) {
    case PB_TYPE_I64: memcpy(&i, field, sizeof i); return i;
    case PB_TYPE_U8: memcpy(&u, field, sizeof u); return u;
    case PB_TYPE_F64: break;
    }
    memcpy(&d, field, sizeof d);
    return d;
}

void *pb_var_data(const pb_var *v, void *base, int k)
{
    char *field = (char *)base + v->at + (size_t)k * v->stride;
    return v->shape == PB_SHAPE_SCALAR ? field : deref(v->type, field);
}

const void *pb_var_cdata(const pb_var *v, const void *base, int k)
{
    const char *field = (const char *)base + v->at + (size_t)k * v->stride;
    return v->shape == PB_SHAPE_SCALAR ? (const void *)field : deref(v->type, field);
}

hid_t pb_type_file(pb_type t)
{
    return t == PB_TYPE_I64 ? H5T_STD_I64LE : t == PB_TYPE_U8 ? H5T_STD_U8LE : H5T_IEEE_F64LE;
}

hid_t pb_type_mem(pb_type t)
{
    return t == PB_TYPE_I64 ? H5T_NATIVE_INT64 : t == PB_TYPE_U8 ? H5T_NATIVE_UCHAR : H5T_NATIVE_DOUBLE;
}
