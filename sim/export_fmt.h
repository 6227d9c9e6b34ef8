/* export_fmt.h: the rows of `payback export` as CSV or JSON (private to
 * export.c; the table is described in payback/export.h). */
#ifndef PB_EXPORT_FMT_H
#define PB_EXPORT_FMT_H

#include <stdbool.h>
#include <stdio.h>

#include <hdf5.h>

#include "payback/error.h"
#include "payback/export.h"

#define PB_X_MAX_DIMS 64 /* dimension columns of one table */

/* One coordinate value: a number, or a string when str is not NULL. */
typedef struct {
    double num;
    char *str;
} pb_xcell;

/* The dimension columns, by name, in the order first met. */
typedef struct {
    char *name[PB_X_MAX_DIMS];
    int n;
} pb_xtable;

void pb_xtable_init(pb_xtable *t);
void pb_xtable_free(pb_xtable *t);
/* The column of dimension name, added if new (PB_EINPUT raised past
 * PB_X_MAX_DIMS, PB_ENOMEM); -1 on failure. */
int pb_xtable_column(pb_xtable *t, const char *name, pb_status *st);

/* The values of dimension scale s (a 1-d numeric or string dataset at
 * spath of file fname) as n new cells (pb_xcells_free). */
pb_status pb_xread_scale(hid_t s, const char *fname, const char *spath, pb_xcell **v, hsize_t *n);
void pb_xcells_free(pb_xcell *v, hsize_t n);

/* One row: dim[c] is the cell of dimension column c, or NULL (empty). */
typedef struct {
    const char *group, *variable, *statistic, *units;
    const pb_xcell *dim[PB_X_MAX_DIMS];
    double value;
    bool never; /* +inf means "never" */
} pb_xrow;

typedef struct {
    FILE *out;
    pb_export_format fmt;
    const pb_xtable *t;
    long long rows;
} pb_xwriter;

/* Starts the output: CSV's header line, or JSON's "attributes" (the root
 * attributes of file) and "columns".  PB_EIO (raised) on a write error. */
pb_status pb_xwriter_begin(pb_xwriter *w, FILE *out, pb_export_format fmt, const pb_xtable *t, hid_t file);
pb_status pb_xwrite_row(pb_xwriter *w, const pb_xrow *r);
/* Ends the output (JSON's closing brackets) and flushes it. */
pb_status pb_xwriter_end(pb_xwriter *w);

#endif
