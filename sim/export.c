/* export.c: a result file as one tidy long table (export.h).
 *
 * Two passes: the walk (plan) lists the datasets to export with the
 * dimension scales of each (their values read once per scale), and so the
 * table's columns; then each dataset is read whole as float64 and written
 * row by row (export_fmt.c).  Every size is checked before anything of
 * that size is read: the file may have been sent by anyone. */
#include "payback/export.h"

#include <stdlib.h>
#include <string.h>

#include <hdf5.h>
#include <hdf5_hl.h>

#include "export_fmt.h"
#include "h5util.h"

#define MAX_VALUES ((hssize_t)1 << 31) /* per dataset: 16 GiB of float64 */

/* The statistics' suffixes of the run layout's groups (docs/output.md),
 * longest first; a name ending in one is <variable><suffix>. */
static const char *const suffixes[] = {
    "_p_positive_lo", "_p_positive_hi", "_p_negative_lo", "_p_negative_hi", "_p_positive", "_p_negative",
    "_q_lo", "_q_hi", "_q", "_mean", "_sd", "_se", "_never", "_hist", "_only_a", "_only_b", "_neither", "_both",
};
#define P_CLOSED "p_gap_closed_"

typedef struct {
    haddr_t addr; /* the scale dataset's address in the file */
    char *path;   /* its name, for messages */
    int col;     /* its column */
    pb_xcell *v; /* its values */
    hsize_t n;
} scale;

typedef struct {
    char *path, *group, *variable, *statistic, *units;
    bool never;        /* +inf means "never" (attribute never) */
    int rank;
    hsize_t dims[H5S_MAX_RANK];
    int scale[H5S_MAX_RANK]; /* index into plan.scales */
} item;

typedef struct {
    hid_t file;
    const char *fname;
    bool with_paths;
    pb_status st;
    pb_xtable t; /* the columns */
    item *items;
    int n_items;
    scale *scales;
    int n_scales;
} plan;

static char *dup(const char *s, pb_status *st)
{
    char *d = strdup(s ? s : "");
    if (!d && *st == PB_OK) *st = pb_raise(PB_ENOMEM, NULL, "out of memory");
    return d;
}

/* Splits dataset name into variable and statistic (the run layout's
 * groups only: summary, metrics and their copies in compare and sweep). */
static void split_name(const char *group, const char *name, item *it, pb_status *st)
{
    const char *leaf = strrchr(group, '/') ? strrchr(group, '/') + 1 : group;
    bool run_layout = !strcmp(leaf, "summary") || !strcmp(leaf, "metrics");
    size_t len = strlen(name), pl = strlen(P_CLOSED);
    if (run_layout && len > pl && !strncmp(name, P_CLOSED, pl)) {
        const char *m = name + pl, *end = m + strlen(m);
        const char *stat = "p_closed";
        if (end - m > 3 && (!strcmp(end - 3, "_lo") || !strcmp(end - 3, "_hi"))) {
            stat = !strcmp(end - 3, "_lo") ? "p_closed_lo" : "p_closed_hi";
            end -= 3;
        }
        char var[256];
        snprintf(var, sizeof var, "gap_%.*s", (int)(end - m), m);
        it->variable = dup(var, st);
        it->statistic = dup(stat, st);
        return;
    }
    for (size_t i = 0; run_layout && i < sizeof suffixes / sizeof suffixes[0]; i++) {
        size_t sl = strlen(suffixes[i]);
        if (len > sl && !strcmp(name + len - sl, suffixes[i])) {
            it->variable = strndup(name, len - sl);
            if (!it->variable && *st == PB_OK) *st = pb_raise(PB_ENOMEM, NULL, "out of memory");
            it->statistic = dup(suffixes[i] + 1, st);
            return;
        }
    }
    it->variable = dup(name, st);
    it->statistic = dup("value", st);
}

/* The scale attached to dimension i of d, read once per scale (by its
 * object's address: naming an object reached through a reference, as
 * H5Iget_name does, searches the whole file each time). */
static herr_t first_scale(hid_t did, unsigned dim, hid_t dsid, void *data)
{
    (void)did, (void)dim;
    *(hid_t *)data = H5Oopen(dsid, ".", H5P_DEFAULT);
    return 1; /* the first one */
}

static int scale_of(plan *p, hid_t d, int i, const char *dpath)
{
    hid_t s = H5I_INVALID_HID;
    H5O_info_t info;
    if (H5DSget_num_scales(d, (unsigned)i) < 1 || H5DSiterate_scales(d, (unsigned)i, NULL, first_scale, &s) < 0 ||
        s < 0 || H5Oget_info2(s, &info, H5O_INFO_BASIC) < 0) {
        if (s >= 0) H5Oclose(s);
        p->st = pb_raise(PB_EINPUT, NULL, "'%s': dataset /%s: dimension %d has no dimension scale (not a payback "
                         "result, or a damaged one)", p->fname, dpath, i + 1);
        return -1;
    }
    for (int k = 0; k < p->n_scales; k++)
        if (p->scales[k].addr == info.addr) {
            H5Oclose(s);
            return k;
        }
    scale *more = realloc(p->scales, (size_t)(p->n_scales + 1) * sizeof *more);
    if (!more) {
        H5Oclose(s);
        p->st = pb_raise(PB_ENOMEM, NULL, "out of memory");
        return -1;
    }
    p->scales = more;
    scale *sc = &p->scales[p->n_scales];
    char name[256] = "", where[300];
    if (H5DSget_scale_name(s, name, sizeof name) <= 0) snprintf(name, sizeof name, "dim%d", i + 1);
    *sc = (scale){.addr = info.addr, .path = dup(name, &p->st)};
    p->n_scales++;
    snprintf(where, sizeof where, "'%s' (of /%s)", name, dpath);
    if (p->st == PB_OK) p->st = pb_xread_scale(s, p->fname, where, &sc->v, &sc->n);
    if (p->st == PB_OK) sc->col = pb_xtable_column(&p->t, name, &p->st);
    H5Oclose(s);
    return p->st == PB_OK ? p->n_scales - 1 : -1;
}

/* Adds dataset d (at dpath) to the plan if it is numeric and not a scale. */
static void plan_dataset(plan *p, hid_t d, const char *dpath)
{
    if (H5DSis_scale(d) > 0) return;
    const char *slash = strrchr(dpath, '/');
    char group[512];
    snprintf(group, sizeof group, "%.*s", slash ? (int)(slash - dpath) : 1, slash ? dpath : "/");
    pb_h5_shape sh;
    if (!pb_h5_ds_shape(p->file, dpath, &sh)) {
        p->st = pb_raise(PB_EINPUT, NULL, "'%s': dataset /%s cannot be read", p->fname, dpath);
        return;
    }
    if (sh.cls != H5T_INTEGER && sh.cls != H5T_FLOAT) return; /* string coordinates come with their datasets */
    if (sh.unwritten || sh.n > MAX_VALUES || sh.rank > H5S_MAX_RANK) {
        p->st = pb_raise(PB_EINPUT, NULL, "'%s': dataset /%s is %s (damaged)", p->fname, dpath,
                         sh.unwritten ? "declared but not written whole" : "larger than 2^31 values");
        return;
    }
    item *more = realloc(p->items, (size_t)(p->n_items + 1) * sizeof *more);
    if (!more) {
        p->st = pb_raise(PB_ENOMEM, NULL, "out of memory");
        return;
    }
    p->items = more;
    item *it = &p->items[p->n_items++];
    memset(it, 0, sizeof *it);
    it->path = dup(dpath, &p->st);
    it->group = dup(group, &p->st);
    split_name(group, slash ? slash + 1 : dpath, it, &p->st);
    char why[64];
    if (pb_h5_read_attr_str(d, "units", &it->units, why, sizeof why) != PB_OK) it->units = dup("", &p->st);
    it->never = H5Aexists(d, "never") > 0;
    it->rank = sh.rank;
    for (int i = 0; i < sh.rank && p->st == PB_OK; i++) {
        it->dims[i] = sh.dims[i];
        it->scale[i] = scale_of(p, d, i, dpath);
        if (p->st == PB_OK && p->scales[it->scale[i]].n != sh.dims[i])
            p->st = pb_raise(PB_EINPUT, NULL, "'%s': dataset /%s: dimension %d has %llu values but its scale %s "
                             "has %llu (damaged)", p->fname, dpath, i + 1, (unsigned long long)sh.dims[i],
                             p->scales[it->scale[i]].path, (unsigned long long)p->scales[it->scale[i]].n);
    }
}

static herr_t visit(hid_t obj, const char *name, const H5O_info_t *info, void *data)
{
    plan *p = data;
    if (info->type != H5O_TYPE_DATASET || !strcmp(name, ".")) return 0;
    if (!strncmp(name, "state/", 6) || (!p->with_paths && !strncmp(name, "paths/", 6))) return 0;
    hid_t d = H5Dopen2(obj, name, H5P_DEFAULT);
    if (d < 0) {
        p->st = pb_raise(PB_EINPUT, NULL, "'%s': dataset /%s cannot be opened", p->fname, name);
        return -1;
    }
    plan_dataset(p, d, name);
    H5Dclose(d);
    return p->st == PB_OK ? 0 : -1;
}

static void plan_free(plan *p)
{
    for (int i = 0; i < p->n_items; i++) {
        item *it = &p->items[i];
        free(it->path), free(it->group), free(it->variable), free(it->statistic), free(it->units);
    }
    for (int k = 0; k < p->n_scales; k++) {
        pb_xcells_free(p->scales[k].v, p->scales[k].n);
        free(p->scales[k].path);
    }
    free(p->items);
    free(p->scales);
    pb_xtable_free(&p->t);
}

/* Writes the rows of item it (its values v, row-major). */
static pb_status write_item(const plan *p, const item *it, const double *v, pb_xwriter *w)
{
    hsize_t n = 1, idx[H5S_MAX_RANK] = {0};
    for (int i = 0; i < it->rank; i++) n *= it->dims[i];
    for (hsize_t k = 0; k < n; k++) {
        pb_xrow r = {.group = it->group, .variable = it->variable, .statistic = it->statistic, .units = it->units,
                     .value = v[k], .never = it->never};
        for (int c = 0; c < p->t.n; c++) r.dim[c] = NULL;
        for (int i = 0; i < it->rank; i++) {
            const scale *sc = &p->scales[it->scale[i]];
            r.dim[sc->col] = &sc->v[idx[i]];
        }
        pb_status st = pb_xwrite_row(w, &r);
        if (st != PB_OK) return st;
        for (int i = it->rank - 1; i >= 0; i--) { /* the next index, last dimension fastest */
            if (++idx[i] < it->dims[i]) break;
            idx[i] = 0;
        }
    }
    return PB_OK;
}

static pb_status write_all(plan *p, FILE *out, pb_export_format fmt)
{
    pb_xwriter w;
    pb_status st = pb_xwriter_begin(&w, out, fmt, &p->t, p->file);
    for (int i = 0; st == PB_OK && i < p->n_items; i++) {
        const item *it = &p->items[i];
        hsize_t n = 1;
        for (int k = 0; k < it->rank; k++) n *= it->dims[k];
        double *v = malloc((size_t)(n ? n : 1) * sizeof *v);
        if (!v) return pb_raise(PB_ENOMEM, NULL, "out of memory reading /%s", it->path);
        if (!pb_h5_read_ds(p->file, it->path, H5T_NATIVE_DOUBLE, v, (hssize_t)n))
            st = pb_raise(PB_EINPUT, NULL, "'%s': dataset /%s cannot be read (damaged)", p->fname, it->path);
        if (st == PB_OK) st = write_item(p, it, v, &w);
        free(v);
    }
    return st == PB_OK ? pb_xwriter_end(&w) : st;
}

pb_status pb_export(const char *path, FILE *out, pb_export_format fmt, bool with_paths)
{
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file < 0) return pb_raise(PB_EINPUT, NULL, "cannot open '%s' as an HDF5 result file", path);
    char *prog = NULL, why[128];
    bool ours = pb_h5_read_attr_str(file, "program", &prog, why, sizeof why) == PB_OK && !strcmp(prog, "payback");
    free(prog);
    if (!ours) {
        H5Fclose(file);
        return pb_raise(PB_EINPUT, NULL, "'%s' is not a payback result (no attribute program = \"payback\")", path);
    }
    plan p = {.file = file, .fname = path, .with_paths = with_paths, .st = PB_OK};
    pb_xtable_init(&p.t);
    /* Creation order (the writer's order: capex before revenue, ...) when
     * the file tracks it, else by name. */
    if (H5Ovisit2(file, H5_INDEX_CRT_ORDER, H5_ITER_INC, visit, &p, H5O_INFO_BASIC) < 0 && p.st == PB_OK) {
        plan_free(&p);
        p = (plan){.file = file, .fname = path, .with_paths = with_paths, .st = PB_OK};
        pb_xtable_init(&p.t);
        if (H5Ovisit2(file, H5_INDEX_NAME, H5_ITER_INC, visit, &p, H5O_INFO_BASIC) < 0 && p.st == PB_OK)
            p.st = pb_raise(PB_EINPUT, NULL, "'%s': its groups cannot be walked (damaged)", path);
    }
    pb_status st = p.st == PB_OK ? write_all(&p, out, fmt) : p.st;
    plan_free(&p);
    H5Fclose(file);
    return st;
}
