/* plot.h: `payback plot` (interfaces.md §4; private to sim/plot*.c).
 *
 * plot.c parses the command line, opens the file and dispatches by kind
 * (one table: name, the file types it fits, its function); plot_read.c
 * reads what a kind needs, each dataset's shape checked before it is read;
 * plot_run.c draws the kinds of a run (fan, gap, payback, depreciation and
 * their dashboard), plot_analysis.c those of the analysis commands
 * (tornado, indices, sweep, diff).  A kind writes gnuplot commands and
 * data blocks into a script (gp.h); plot.c runs it. */
#ifndef PB_PLOT_H
#define PB_PLOT_H

#include <stdbool.h>
#include <stdint.h>

#include <hdf5.h>

#include "gp.h"
#include "payback/error.h"
#include "payback/scenario.h"

/* The file types (a kind fits a set of them). */
enum {
    PB_PF_RUN = 1,          /* payback run (and solve: a run at the root) */
    PB_PF_SWEEP = 2,
    PB_PF_SENSITIVITY = 4,
    PB_PF_COMPARE = 8
};

#define PB_PLOT_METHODS 4
extern const char *const pb_plot_methods[PB_PLOT_METHODS];      /* bain, jpmorgan, ... */
extern const char *const pb_plot_method_names[PB_PLOT_METHODS]; /* "Bain", "J.P. Morgan", ... */
extern const char *const pb_plot_method_colors[PB_PLOT_METHODS];

/* An open result file and what every kind needs of it. */
typedef struct {
    const char *path;
    hid_t file;
    int type;                 /* one PB_PF_* */
    char *name, *name_b;      /* scenario_name (and compare's scenario_b_name), heap */
    uint64_t seed;
    int64_t paths;
    bool deterministic;
    int n_years, years[PB_MAX_YEARS];   /* the year scale of the statistics */
    int n_q;
    double q[PB_MAX_QUANTILES + 3];     /* the quantile levels */
    int n_targets, target_years[PB_MAX_YEARS];
    hid_t summary, metrics;   /* /summary, /metrics (compare: /diff/...) */
} pb_plot_file;

/* Opens path (a payback result of any command), its root attributes and
 * scales checked.  PB_EINPUT (raised) naming the file and the item. */
pb_status pb_plot_open(const char *path, pb_plot_file *f);
void pb_plot_free(pb_plot_file *f);

/* Dataset grp/name as n doubles (heap), checked to hold exactly
 * dims[0] x .. x dims[rank-1] numbers; NULL after pb_raise (PB_EINPUT naming
 * the file and dataset, or PB_ENOMEM). */
double *pb_plot_read(const pb_plot_file *f, hid_t grp, const char *gname, const char *name, int rank,
                     const hsize_t *dims);
/* The same for a scalar dataset into *v. */
pb_status pb_plot_scalar(const pb_plot_file *f, hid_t grp, const char *gname, const char *name, double *v);
/* Whether grp/name exists. */
bool pb_plot_has(hid_t grp, const char *name);
/* A 1-d string dataset of exactly n strings (variable or fixed length) as
 * a heap array of heap strings (pb_plot_free_strings). */
char **pb_plot_strings(const pb_plot_file *f, hid_t grp, const char *gname, const char *name, int n);
void pb_plot_free_strings(char **s, int n);
/* The units of grp/name for an axis label: "billion USD" -> "B$", "billion
 * USD per year" -> "B$/yr", "1" -> "" ... into buf. */
void pb_plot_units(hid_t grp, const char *name, char *buf, size_t len);
/* The index of quantile level p in the file's levels, or -1. */
int pb_plot_level(const pb_plot_file *f, double p);

/* Sets the axis' ("x", "y") tic step to a round number giving about n
 * intervals over [lo, hi] (labels that do not run into each other); when
 * lo == hi, also the axis' range around that one value. */
void pb_plot_tics(pb_gp *g, const char *axis, double lo, double hi, int n);

/* A shade between light (t = 0) and dark (t = 1) blue, "#rrggbb". */
void pb_plot_shade(char *buf, size_t len, double t);

/* An empty panel saying why (no finite value to draw). */
void pb_plot_empty(pb_gp *g, const char *why);

/* The picture's title: the scenario, the paths and the seed (and what
 * the picture shows first). */
void pb_plot_title(pb_gp *g, const pb_plot_file *f, const char *what);

/* The kinds.  Each writes its panels into g (the multiplot is the
 * caller's when `inner`; else the kind sets up its own page). */
typedef pb_status (*pb_plot_fn)(pb_gp *g, const pb_plot_file *f, bool inner);
pb_status pb_plot_fan(pb_gp *g, const pb_plot_file *f, bool inner);
pb_status pb_plot_gap(pb_gp *g, const pb_plot_file *f, bool inner);
pb_status pb_plot_payback(pb_gp *g, const pb_plot_file *f, bool inner);
pb_status pb_plot_depreciation(pb_gp *g, const pb_plot_file *f, bool inner);
pb_status pb_plot_dashboard(pb_gp *g, const pb_plot_file *f, bool inner);
pb_status pb_plot_tornado(pb_gp *g, const pb_plot_file *f, bool inner);
pb_status pb_plot_indices(pb_gp *g, const pb_plot_file *f, bool inner);
pb_status pb_plot_sweep(pb_gp *g, const pb_plot_file *f, bool inner);
pb_status pb_plot_diff(pb_gp *g, const pb_plot_file *f, bool inner);

#endif
