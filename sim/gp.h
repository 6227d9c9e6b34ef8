/* gp.h: writing a gnuplot script and running gnuplot on it (private to
 * the plot command, sim/plot*.c).
 *
 * A script is built in memory (open_memstream): the terminal and output
 * lines, inline data blocks ($name << EOD ... EOD) and the plot commands,
 * so that one self-contained script draws the picture.  pb_gp_run writes
 * it next to the picture, runs gnuplot on it (found in PATH: Debian's
 * gnuplot-nox), and renames the picture into place only when gnuplot
 * succeeded: a failed or interrupted plot leaves no file behind. */
#ifndef PB_GP_H
#define PB_GP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "payback/error.h"

/* The picture formats, by the output's extension. */
typedef enum { PB_GP_PNG, PB_GP_SVG, PB_GP_PDF } pb_gp_format;

typedef struct {
    FILE *f;          /* the script being written (a memory stream) */
    char *buf;        /* its text, after pb_gp_run closes f */
    size_t len;
    pb_gp_format fmt;
    int width, height; /* pixels */
} pb_gp;

/* The format named by path's extension (.png, .svg, .pdf, any case);
 * false for any other name. */
bool pb_gp_format_of(const char *path, pb_gp_format *fmt);

/* Starts a script for a picture of width x height pixels (a PDF: the same
 * page at 70 %, width / 100 * 0.7 inches wide, for a paper's font sizes).
 * PB_ENOMEM (raised). */
pb_status pb_gp_open(pb_gp *g, pb_gp_format fmt, int width, int height);
/* Frees the script (safe after a failed pb_gp_open, and twice). */
void pb_gp_close(pb_gp *g);

/* Appends formatted text to the script. */
void pb_gp_printf(pb_gp *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s as a gnuplot string literal: double-quoted, with backslash,
 * double quote, newline and other control characters escaped, so that no
 * name from a file (a scenario's name, a factor) can end the string. */
void pb_gp_str(pb_gp *g, const char *s);
/* Starts data block $name; rows follow with pb_gp_num / pb_gp_eol; ends
 * with pb_gp_end_data. */
void pb_gp_data(pb_gp *g, const char *name);
/* One number in a data row (NaN and infinities as NaN: a gap in the line). */
void pb_gp_num(pb_gp *g, double v);
/* A quoted text column (a factor's name) in a data row. */
void pb_gp_text(pb_gp *g, const char *s);
void pb_gp_eol(pb_gp *g);
void pb_gp_end_data(pb_gp *g);

/* Runs gnuplot on the script, drawing out_path (written as
 * out_path.part<pid>, renamed when gnuplot exits 0 with a picture of some
 * size; removed otherwise).  what names the picture in messages.
 * PB_EIO (raised) when gnuplot is missing (naming its Debian package) or
 * fails; PB_ENOMEM. */
pb_status pb_gp_run(pb_gp *g, const char *out_path, const char *what);

#endif
