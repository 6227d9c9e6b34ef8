/* plot_read.c: what `payback plot` reads of a result file (plot.h).
 *
 * The root attributes and the scales go through the checks that
 * `summary` uses (validate_result.c); every dataset a kind reads is
 * checked for its class and exact shape before it is read, so that a
 * damaged file is an input error naming the dataset, never a crash. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5util.h"
#include "plot.h"
#include "validate_result.h"

const char *const pb_plot_methods[PB_PLOT_METHODS] = {"bain", "jpmorgan", "sequoia", "full_cost"};
const char *const pb_plot_method_names[PB_PLOT_METHODS] = {"Bain", "J.P. Morgan", "Sequoia", "full cost"};
/* Colour-blind-safe (Okabe-Ito). */
const char *const pb_plot_method_colors[PB_PLOT_METHODS] = {"#E69F00", "#009E73", "#CC79A7", "#D55E00"};

static hid_t open_group(hid_t loc, const char *name)
{
    return H5Lexists(loc, name, H5P_DEFAULT) > 0 && H5Oexists_by_name(loc, name, H5P_DEFAULT) > 0
               ? H5Gopen2(loc, name, H5P_DEFAULT)
               : H5I_INVALID_HID;
}

/* The file's type from its root attribute `command` (none: a run). */
static pb_status file_type(pb_plot_file *f)
{
    char *cmd = NULL, why[128];
    pb_h5_shape sh;
    f->type = PB_PF_RUN;
    if (!pb_h5_attr_shape(f->file, "command", &sh)) return PB_OK;
    if (pb_h5_read_attr_str(f->file, "command", &cmd, why, sizeof why) != PB_OK)
        return pb_raise(PB_EINPUT, NULL, "'%s': root attribute 'command' is %s; expected a string", f->path, why);
    if (!strcmp(cmd, "sweep")) f->type = PB_PF_SWEEP;
    else if (!strcmp(cmd, "sensitivity")) f->type = PB_PF_SENSITIVITY;
    else if (!strcmp(cmd, "compare")) f->type = PB_PF_COMPARE;
    else if (strcmp(cmd, "solve") && strcmp(cmd, "run")) {
        pb_status st = pb_raise(PB_EINPUT, NULL, "'%s': root attribute 'command' is '%s'; expected run, solve, "
                                "sweep, sensitivity or compare", f->path, cmd);
        free(cmd);
        return st;
    }
    free(cmd);
    return PB_OK;
}

/* The statistics groups and their scales: /summary and /metrics of a run
 * or sweep; /diff/summary and /diff/metrics of a comparison (whose /a and
 * /b have the same scales). */
static pb_status open_stats(pb_plot_file *f, const pb_run_info *info)
{
    const char *sn = f->type == PB_PF_COMPARE ? "diff/summary" : "summary";
    const char *mn = f->type == PB_PF_COMPARE ? "diff/metrics" : "metrics";
    f->summary = open_group(f->file, sn);
    f->metrics = open_group(f->file, mn);
    if (f->summary < 0 || f->metrics < 0)
        return pb_raise(PB_EINPUT, NULL, "'%s' has no groups /%s and /%s; expected a result of payback run, sweep "
                        "or compare", f->path, sn, mn);
    return pb_result_read_dims(f->summary, f->metrics, f->path, info, f->years, &f->n_years, f->q, &f->n_q);
}

pb_status pb_plot_open(const char *path, pb_plot_file *f)
{
    memset(f, 0, sizeof *f);
    f->path = path;
    f->summary = f->metrics = H5I_INVALID_HID;
    if (H5Fis_hdf5(path) <= 0 || (f->file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT)) < 0) {
        f->file = H5I_INVALID_HID;
        return pb_raise(PB_EINPUT, NULL, "cannot open '%s' as an HDF5 result file", path);
    }
    pb_run_info info;
    memset(&info, 0, sizeof info);
    pb_status st = pb_result_read_root(f->file, path, &info);
    if (st == PB_OK) st = file_type(f);
    if (st == PB_OK) {
        f->name = info.scenario_name;
        info.scenario_name = NULL;
        f->seed = info.seed;
        f->paths = info.paths;
        f->deterministic = info.deterministic;
        f->n_targets = info.n_target_years;
        memcpy(f->target_years, info.target_years, sizeof f->target_years);
        if (info.partial)
            st = pb_raise(PB_EINPUT, NULL, "'%s' is a part of a run (--paths); merge the parts first (payback merge)",
                          path);
    }
    if (st == PB_OK && f->type == PB_PF_COMPARE) {
        char why[128];
        if (pb_h5_read_attr_str(f->file, "scenario_b_name", &f->name_b, why, sizeof why) != PB_OK)
            st = pb_raise(PB_EINPUT, NULL, "'%s': root attribute 'scenario_b_name' is %s; expected a string", path,
                          why);
        /* B is often A with --set-b: the title says which (one a line in the file). */
        char *ob = NULL;
        if (st == PB_OK && pb_h5_read_attr_str(f->file, "overrides_b", &ob, why, sizeof why) == PB_OK && ob[0]) {
            size_t len = strlen(f->name_b) + 3 * strlen(ob) + 32;
            char *nb = malloc(len);
            if (nb) {
                int at = snprintf(nb, len, "%s (--set-b ", f->name_b);
                for (const char *c = ob; *c; c++)
                    at += *c == '\n' ? snprintf(nb + at, len - (size_t)at, ", --set-b ") : (nb[at] = *c, nb[at + 1] = 0, 1);
                snprintf(nb + at, len - (size_t)at, ")");
                free(f->name_b);
                f->name_b = nb;
            }
        }
        free(ob);
    }
    /* A sensitivity file has no statistics groups; a sweep's scales have
     * the sweep's dimensions in front (read by the sweep kind). */
    if (st == PB_OK && (f->type == PB_PF_RUN || f->type == PB_PF_COMPARE)) st = open_stats(f, &info);
    if (st == PB_OK && f->type == PB_PF_SWEEP) {
        f->summary = open_group(f->file, "summary");
        f->metrics = open_group(f->file, "metrics");
        if (f->summary < 0 || f->metrics < 0)
            st = pb_raise(PB_EINPUT, NULL, "'%s' has no groups /summary and /metrics; expected a sweep's", path);
    }
    pb_run_info_clear(&info);
    return st;
}

void pb_plot_free(pb_plot_file *f)
{
    if (f->summary >= 0) H5Gclose(f->summary);
    if (f->metrics >= 0) H5Gclose(f->metrics);
    if (f->file >= 0) H5Fclose(f->file);
    free(f->name);
    free(f->name_b);
    memset(f, 0, sizeof *f);
    f->file = f->summary = f->metrics = H5I_INVALID_HID;
}

bool pb_plot_has(hid_t grp, const char *name)
{
    return grp >= 0 && H5Lexists(grp, name, H5P_DEFAULT) > 0;
}

/* Checks grp/name: numbers (integer or float), exactly dims[rank], written. */
static pb_status check_shape(const pb_plot_file *f, hid_t grp, const char *gname, const char *name, int rank,
                             const hsize_t *dims)
{
    pb_h5_shape sh;
    if (!pb_h5_ds_shape(grp, name, &sh))
        return pb_raise(PB_EINPUT, NULL, "'%s': dataset /%s/%s is missing", f->path, gname, name);
    bool ok = (sh.cls == H5T_FLOAT || sh.cls == H5T_INTEGER) && sh.size <= 8 && !sh.unwritten && sh.rank == rank;
    for (int i = 0; ok && i < rank; i++) ok = sh.dims[i] == dims[i];
    if (ok) return PB_OK;
    char have[96], want[96] = "";
    pb_h5_shape_text(&sh, have, sizeof have);
    for (int i = 0; i < rank; i++)
        snprintf(want + strlen(want), sizeof want - strlen(want), "%s%llu", i ? " x " : "",
                 (unsigned long long)dims[i]);
    return pb_raise(PB_EINPUT, NULL, "'%s': dataset /%s/%s is %s%s; expected %s numbers (%s)", f->path, gname, name,
                    have, sh.unwritten ? " never written whole" : "", rank ? "" : "a scalar of", rank ? want : "one");
}

double *pb_plot_read(const pb_plot_file *f, hid_t grp, const char *gname, const char *name, int rank,
                     const hsize_t *dims)
{
    if (check_shape(f, grp, gname, name, rank, dims) != PB_OK) return NULL;
    hssize_t n = 1;
    for (int i = 0; i < rank; i++) n *= (hssize_t)dims[i];
    double *v = malloc((size_t)(n > 0 ? n : 1) * sizeof *v);
    if (!v) {
        pb_raise(PB_ENOMEM, NULL, "out of memory reading /%s/%s", gname, name);
        return NULL;
    }
    if (!pb_h5_read_ds(grp, name, H5T_NATIVE_DOUBLE, v, n)) {
        free(v);
        pb_raise(PB_EINPUT, NULL, "'%s': cannot read dataset /%s/%s", f->path, gname, name);
        return NULL;
    }
    return v;
}

pb_status pb_plot_scalar(const pb_plot_file *f, hid_t grp, const char *gname, const char *name, double *v)
{
    pb_status st = check_shape(f, grp, gname, name, 0, NULL);
    if (st == PB_OK && !pb_h5_read_ds(grp, name, H5T_NATIVE_DOUBLE, v, 1))
        st = pb_raise(PB_EINPUT, NULL, "'%s': cannot read dataset /%s/%s", f->path, gname, name);
    return st;
}

void pb_plot_free_strings(char **s, int n)
{
    for (int i = 0; s && i < n; i++) free(s[i]);
    free(s);
}

char **pb_plot_strings(const pb_plot_file *f, hid_t grp, const char *gname, const char *name, int n)
{
    pb_h5_shape sh;
    if (!pb_h5_ds_shape(grp, name, &sh) || sh.cls != H5T_STRING || sh.rank != 1 || sh.n != n || n < 1) {
        pb_raise(PB_EINPUT, NULL, "'%s': dataset /%s/%s is missing or not %d strings", f->path, gname, name, n);
        return NULL;
    }
    char **out = calloc((size_t)n, sizeof *out);
    hid_t d = H5Dopen2(grp, name, H5P_DEFAULT);
    hid_t ft = d >= 0 ? H5Dget_type(d) : H5I_INVALID_HID;
    bool ok = out && ft >= 0 && pb_h5_read_strings(d, ft, (size_t)n, out);
    if (ft >= 0) H5Tclose(ft);
    if (d >= 0) H5Dclose(d);
    if (!ok) {
        pb_plot_free_strings(out, n);
        pb_raise(out ? PB_EINPUT : PB_ENOMEM, NULL, "'%s': cannot read the strings of /%s/%s", f->path, gname, name);
        return NULL;
    }
    return out;
}

void pb_plot_units(hid_t grp, const char *name, char *buf, size_t len)
{
    char *u = NULL, why[64];
    buf[0] = 0;
    hid_t d = grp >= 0 && H5Lexists(grp, name, H5P_DEFAULT) > 0 ? H5Oopen(grp, name, H5P_DEFAULT) : -1;
    if (d < 0) return;
    if (pb_h5_read_attr_str(d, "units", &u, why, sizeof why) == PB_OK && u) {
        static const struct { const char *from, *to; } map[] = {
            {"billion USD per year", "B$/yr"}, {"billion USD", "B$"}, {"1", ""}, {"calendar year", "year"},
            {"compute units", "cu"},
        };
        const char *to = u;
        for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
            if (!strcmp(u, map[i].from)) to = map[i].to;
        snprintf(buf, len, "%s", to);
    }
    free(u);
    H5Oclose(d);
}

int pb_plot_level(const pb_plot_file *f, double p)
{
    for (int i = 0; i < f->n_q; i++)
        if (fabs(f->q[i] - p) < 1e-9) return i;
    return -1;
}

void pb_plot_title(pb_gp *g, const pb_plot_file *f, const char *what)
{
    char t[600];
    const char *b = f->name_b ? f->name_b : "";
    if (f->deterministic)
        snprintf(t, sizeof t, "%s: %s%s%s, deterministic (the central path)", what, f->name, *b ? " vs " : "", b);
    else
    {
        char n[32], c[40];
        int len = snprintf(n, sizeof n, "%lld", (long long)f->paths), j = 0;
        for (int i = 0; i < len; i++) {
            if (i > 0 && (len - i) % 3 == 0) c[j++] = ',';
            c[j++] = n[i];
        }
        c[j] = 0;
        snprintf(t, sizeof t, "%s: %s%s%s, %s paths, seed %llu", what, f->name, *b ? " vs " : "", b, c,
                 (unsigned long long)f->seed);
    }
    pb_gp_str(g, t);
}

void pb_plot_tics(pb_gp *g, const char *axis, double lo, double hi, int n)
{
    if (!isfinite(lo) || !isfinite(hi) || hi < lo || n < 1) return;
    if (hi == lo) { /* one value: a range around it (gnuplot would warn of an empty range) */
        double d = fabs(lo) > 1 ? fabs(lo) * 0.05 : 1;
        pb_gp_printf(g, "set %srange [%.10g:%.10g]\n", axis, lo - d, hi + d);
        lo -= d;
        hi += d;
    }
    double raw = (hi - lo) / n, mag = pow(10, floor(log10(raw))), step = mag;
    static const double nice[] = {1, 2, 2.5, 5, 10};
    for (size_t i = 0; i < sizeof nice / sizeof nice[0]; i++)
        if (nice[i] * mag >= raw) {
            step = nice[i] * mag;
            break;
        }
    pb_gp_printf(g, "set %stics %.10g\n", axis, step);
}

/* A shade between light (t = 0) and dark (t = 1) blue. */
void pb_plot_shade(char *buf, size_t len, double t)
{
    const int lo[3] = {0xde, 0xeb, 0xf7}, hi[3] = {0x21, 0x71, 0xb5};
    int c[3];
    for (int i = 0; i < 3; i++) c[i] = (int)lrint(lo[i] + t * (hi[i] - lo[i]));
    snprintf(buf, len, "#%02x%02x%02x", c[0], c[1], c[2]);
}


void pb_plot_empty(pb_gp *g, const char *why)
{
    /* A constant above the y range: axes and the message, no data, and no
     * "x range is invalid" from gnuplot for a plot of undefined values. */
    pb_gp_printf(g, "set label 1 ");
    pb_gp_str(g, why);
    pb_gp_printf(g, " at graph 0.5, graph 0.5 center\nset xrange [-1:1]\nset yrange [0:1]\nunset xtics\nunset ytics\n"
                    "plot 2 notitle\n"
                    "unset label 1\n");
}
