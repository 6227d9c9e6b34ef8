/* export.h: a result file as one tidy long table (`payback export`,
 * docs/output.md "Export").
 *
 * Every numeric dataset of the file (but /state, the dimension scales and,
 * unless asked, /paths) becomes rows of
 *   group, variable, statistic, <one column per dimension>, value, note, units
 * one row per value.  The dimension columns are the union of the names of
 * the dimension scales of the exported datasets (year, quantile, factor,
 * output, a swept parameter's dotted path, ...), in the order first met;
 * a dataset without a dimension leaves its cell empty.  `statistic` splits
 * the statistics' suffixes off the dataset's name (gap_bain_q_lo: variable
 * gap_bain, statistic q_lo; p_gap_closed_bain: gap_bain, p_closed); a
 * dataset without one has statistic "value".  A non-finite value has an
 * empty `value` and a `note`: "never" for +inf in a year metric (the
 * dataset's attribute `never`), else "inf", "-inf" or "nan".
 *
 * CSV (RFC 4180, a header line, "\n" line ends, no comment lines: R's
 * read.csv, Stata's import delimited, spreadsheets and gnuplot read it as
 * is) or JSON (an object: "attributes", the root attributes; "columns";
 * "rows", one object per row, null for an empty cell). */
#ifndef PB_EXPORT_H
#define PB_EXPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "payback/error.h"

typedef enum { PB_EXPORT_CSV, PB_EXPORT_JSON } pb_export_format;

/* Writes the table of result file path to out.  PB_EINPUT (raised) for a
 * file that is not a payback result or a damaged one (a dataset declared
 * but not written, a dimension without its scale's values, ...), PB_EIO
 * (raised) if out cannot be written, PB_ENOMEM.  with_paths: /paths too
 * (one row per path and value: large). */
pb_status pb_export(const char *path, FILE *out, pb_export_format fmt, bool with_paths);

#endif
