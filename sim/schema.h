/* schema.h: the variables of the result file, spelled once
 * (interfaces.md §3).  Private to the writer (write.c) and the reader
 * (read.c), which both walk these tables: the writer creates exactly the
 * variables they list, in their order, and the reader reads them back
 * into the same fields.  Adding an output variable is adding one row
 * (and the field of pb_summary or pb_path_set it comes from).
 *
 * A row is one kind of variable.  It is made once, or once per item of a
 * family (each series, method or metric), its name and long_name built
 * around the item's: name = pre + item name + post, long_name = ln_pre +
 * item long_name + the first `tail` that applies to the item. */
#ifndef PB_SCHEMA_H
#define PB_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

#include <hdf5.h>

#include "payback/pathset.h"
#include "payback/stats.h"

/* The items a row is made for. */
typedef enum {
    PB_EACH_ONE,     /* one variable: name = pre, long_name = ln_pre */
    PB_EACH_SERIES,  /* one per series: pb_series_info[k] */
    PB_EACH_METHOD,  /* one per method: pb_method_names[m] as name and long_name (no units) */
    PB_EACH_METRIC   /* one per metric: pb_metric_info[k] */
} pb_each;

/* Which items a row, a tail or a note applies to (YEAR and IRR only ever
 * match metrics). */
typedef enum {
    PB_FOR_ALL = 0,
    PB_FOR_YEAR,     /* the year-valued metrics (pb_metric_is_year) */
    PB_FOR_IRR       /* the IRR */
} pb_for;

/* The dimensions of a variable, and where its values are in memory. */
typedef enum {
    PB_SHAPE_SCALAR,         /* (): the field of pb_summary holds the value */
    PB_SHAPE_YEAR,           /* [year]: the field points to n_years values */
    PB_SHAPE_QUANTILE,       /* [quantile]: to n_quantiles values */
    PB_SHAPE_YEAR_QUANTILE,  /* [year, quantile]: to n_years * n_quantiles, row-major */
    PB_SHAPE_PATH,           /* [path]: one column of a pb_path_set array */
    PB_SHAPE_PATH_YEAR,      /* [path, year]: n_years columns of a pb_path_set array */
    PB_SHAPE_PATH_ARRAY      /* a pb_path_set array as held: [path], or [path, cols] (cols > 1) */
} pb_shape;

/* The columns of a pb_path_set array (pb_path_set in pathset.h). */
typedef enum {
    PB_COLS_ONE,             /* index, irr_kind, nonfinite: 1 */
    PB_COLS_SERIES,          /* series: PB_N_SERIES * n_years, series k at k * n_years */
    PB_COLS_METRICS          /* metric: PB_N_METRICS */
} pb_cols;

/* Element types: file type little-endian, memory type native. */
typedef enum {
    PB_TYPE_F64,             /* double */
    PB_TYPE_I64,             /* int64_t */
    PB_TYPE_U8               /* unsigned char */
} pb_type;

typedef struct {
    pb_for when;
    const char *text;
} pb_cond_text;

/* What the values of a /summary or /metrics variable may be: a reader
 * refuses a file holding others (validate_result.c).  A statistic over no
 * path is NaN: allowed everywhere when no path is finite, and, with
 * nan_if_none, for the metrics a path may lack (year metrics, the IRR). */
typedef enum {
    PB_CHECK_NUMBER = 0,     /* not NaN */
    PB_CHECK_SPREAD,         /* not NaN, >= 0 (sd, se) */
    PB_CHECK_PROB,           /* in [0, 1] */
    PB_CHECK_COUNT,          /* paths: 0 .. the paths of the file */
    PB_CHECK_TALLY           /* any count >= 0 */
} pb_check;

typedef struct {
    pb_each each;
    pb_for only;                 /* the items that have this variable */
    const char *pre, *post;      /* name */
    const char *ln_pre;          /* long_name */
    pb_cond_text tail[2];
    const char *units;           /* NULL: the item's */
    struct {                     /* further attributes after long_name, for the items they apply to */
        const char *name;
        pb_cond_text value;
    } note[2];
    pb_shape shape;
    pb_type type;
    /* Where the values are: at is the offset in pb_summary of item 0's
     * field, stride the bytes to item 1's (0 for PB_EACH_ONE); in a
     * pb_path_set group, at is the offset of the array's pointer, whose
     * columns `cols` describes; item k takes the columns from
     * k * (1 or n_years). */
    size_t at, stride;
    pb_cols cols;
    pb_check check;              /* its values (/summary, /metrics) */
    bool nan_if_none;            /* NaN allowed for year metrics and the IRR */
} pb_var;

/* The name, units and long_name of a dataset outside the rows: a
 * dimension scale (a 1-d dataset that the variables attach), /state's acc. */
typedef struct {
    const char *name, *units, *long_name;
} pb_label;

/* A group of the file and its variables. */
typedef struct {
    const char *name;            /* "summary", ... (below the root) */
    const char *long_name;       /* the group's own attribute, or NULL */
    pb_label year, quantile, path; /* its scales (name NULL: none) */
    const pb_var *vars;
    int n_vars;
} pb_group;

/* /summary and /metrics: the fields of a pb_summary.  /paths: the stored
 * paths (a pb_path_set), one variable per series and per metric.  /state:
 * the edge paths of a partial result (a pb_path_set), each array whole
 * and without attributes or scales (only `payback merge` reads them),
 * beside the packed accumulator pb_state_acc. */
extern const pb_group pb_schema_summary, pb_schema_metrics, pb_schema_paths, pb_schema_state;
extern const pb_label pb_state_acc;

/* Walks a group's variables in the file's order: for each run of rows
 * with the same `each`, item by item, the run's rows in turn; rows whose
 * `only` excludes the item are skipped.  Use:
 *   pb_walk w;  for (pb_walk_start(&w, g); pb_walk_next(&w);)  w.var, w.k */
typedef struct {
    const pb_group *g;
    int b0, b1, row, item;       /* the run b0 .. b1-1; the next row and item */
    const pb_var *var;           /* out: the variable ... */
    int k;                       /* ... for item k */
} pb_walk;
void pb_walk_start(pb_walk *w, const pb_group *g);
bool pb_walk_next(pb_walk *w);

/* The name, long_name and units of variable v for item k. */
void pb_var_name(const pb_var *v, int k, char *buf, size_t len);
void pb_var_long_name(const pb_var *v, int k, char *buf, size_t len);
const char *pb_var_units(const pb_var *v, int k);
/* The value of note j for item k, or NULL if the note does not apply. */
const char *pb_var_note(const pb_var *v, int j, int k);

/* The dimensions of a variable. */
typedef enum { PB_DIM_YEAR, PB_DIM_QUANTILE, PB_DIM_PATH, PB_DIM_COLS } pb_dim;
/* The rank of v (0: scalar), and its dimensions with their lengths for
 * n_years, n_quantiles and n_paths (path-set groups). */
int pb_var_dims(const pb_var *v, int n_years, int n_quantiles, hsize_t n_paths, pb_dim dim[2], hsize_t len[2]);
/* The columns of v's pb_path_set array, and the first one of item k. */
hsize_t pb_var_cols(const pb_var *v, int n_years);
hsize_t pb_var_col0(const pb_var *v, int k, int n_years);

/* Where v's values for item k are in *base (a pb_summary, or a pb_path_set
 * for a path-set group): the value itself for a scalar, else the array
 * the field points to (for path sets, the whole array: see pb_var_col0). */
void *pb_var_data(const pb_var *v, void *base, int k);
const void *pb_var_cdata(const pb_var *v, const void *base, int k);

/* HDF5 types of an element type. */
hid_t pb_type_file(pb_type t);
hid_t pb_type_mem(pb_type t);

#endif
