/* validate_result.c: the checks of a result file read back by `summary`
 * and `merge` (validate_result.h; the layout is interfaces.md §3).
 *
 * Root attributes are checked against one table (root_attrs), datasets
 * against the schema's rows (shape and type class from pb_var_dims and
 * pb_type, values from pb_check), and the counts against each other.
 * A size is always checked before anything of that size is read or
 * allocated: HDF5 writes every value a dataset or attribute holds. */
#include "validate_result.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5util.h"

#define MAX_PATHS 1000000000000000LL /* 1e15, as -n and the scenario's paths */

/* ------------------------------------------------------------------ */
/* Root attributes                                                      */

typedef enum {
    RA_STR,     /* a scalar string */
    RA_INT,     /* a scalar whole number in lo .. hi (an integer, or a float64 holding one: h5util.h) */
    RA_UINT,    /* the seed: decimal text of 0 .. 2^64-1, or (before 0.2) an unsigned 64-bit integer */
    RA_INTS,    /* a vector of lo .. hi integers */
    RA_FLOATS   /* a vector of lo .. hi floats */
} ra_kind;

typedef struct {
    const char *name;
    ra_kind kind;
    bool required;
    long long lo, hi;
} root_attr;

/* Every root attribute a writer of payback sets (output.c, write.c). */
static const root_attr root_attrs[] = {
    {"program", RA_STR, true, 0, 0},            {"version", RA_STR, true, 0, 0},
    {"build", RA_STR, false, 0, 0},             {"scenario_name", RA_STR, true, 0, 0},
    {"scenario_file", RA_STR, true, 0, 0},      {"scenario_yaml", RA_STR, false, 0, 0},
    {"overrides", RA_STR, false, 0, 0},         {"created", RA_STR, true, 0, 0},
    {"units_money", RA_STR, false, 0, 0},       {"command", RA_STR, false, 0, 0},
    {"argv", RA_STR, false, 0, 0},              {"precision_targets", RA_STR, false, 0, 0},
    {"seed", RA_UINT, true, 0, 0},              {"paths", RA_INT, true, 1, MAX_PATHS},
    {"threads", RA_INT, true, 1, INT_MAX},      {"ranks", RA_INT, true, 1, INT_MAX},
    {"deterministic", RA_INT, true, 0, 1},      {"paths_first", RA_INT, false, 0, MAX_PATHS - 1},
    {"paths_end", RA_INT, false, 1, MAX_PATHS}, {"precision_reached", RA_INT, false, 0, 1},
    {"target_years", RA_INTS, true, 1, PB_MAX_YEARS},
    {"depreciation_window", RA_INTS, false, 2, 2},
    {"precision_met", RA_INTS, false, 1, 1024}, {"precision_estimate", RA_FLOATS, false, 1, 1024},
    {"precision_half_width", RA_FLOATS, false, 1, 1024},
    {"precision_tolerance", RA_FLOATS, false, 1, 1024},
};
#define N_ROOT (int)(sizeof root_attrs / sizeof root_attrs[0])

static const char *expected(const root_attr *a, char *buf, size_t len)
{
    switch (a->kind) {
    case RA_STR: return "a scalar string";
    case RA_UINT: return "the decimal text of an integer in 0 .. 2^64-1";
    case RA_INT: snprintf(buf, len, "a scalar integer in %lld .. %lld", a->lo, a->hi); break;
    case RA_INTS: snprintf(buf, len, "a vector of %lld .. %lld integers", a->lo, a->hi); break;
    case RA_FLOATS: snprintf(buf, len, "a vector of %lld .. %lld floats", a->lo, a->hi); break;
    }
    return buf;
}

/* The seed as decimal text (write.c): digits only, at most 2^64 - 1. */
static pb_status read_seed_text(hid_t file, const char *name, int64_t *num, char *why, size_t why_len)
{
    char *text = NULL;
    pb_status st = pb_h5_read_attr_str(file, name, &text, why, why_len);
    if (st != PB_OK) return st;
    uint64_t v = 0;
    bool ok = text[0] != '\0' && strlen(text) <= 20;
    for (const char *c = text; ok && *c; c++) {
        unsigned d = (unsigned)(*c - '0');
        ok = d <= 9 && v <= (UINT64_MAX - d) / 10;
        v = v * 10 + d;
    }
    if (ok) memcpy(num, &v, sizeof v); /* the caller stores it back as uint64_t */
    else {
        snprintf(why, why_len, "the text '%.40s'", text);
        st = PB_EINPUT;
    }
    free(text);
    return st;
}

/* Checks root attribute a, reading its value(s) into str / num / ints.
 * A missing optional attribute: PB_OK with *present false. */
static pb_status root_one(hid_t file, const char *path, const root_attr *a, bool *present, char **str, int64_t *num,
                          int *ints, int *n_ints)
{
    char why[128] = "", want[96];
    pb_h5_shape sh;
    *present = pb_h5_attr_shape(file, a->name, &sh);
    if (!*present)
        return a->required ? pb_raise(PB_EINPUT, NULL, "'%s': root attribute '%s' is missing; expected %s", path,
                                      a->name, expected(a, want, sizeof want))
                           : PB_OK;
    pb_status st = PB_EINPUT;
    switch (a->kind) {
    case RA_STR: st = pb_h5_read_attr_str(file, a->name, str, why, sizeof why); break;
    case RA_UINT:
        st = sh.cls == H5T_STRING ? read_seed_text(file, a->name, num, why, sizeof why)
                                  : pb_h5_read_attr_num(file, a->name, H5T_INTEGER, H5T_NATIVE_UINT64, 1, num, why,
                                                        sizeof why);
        break;
    case RA_INT:
        st = pb_h5_read_attr_count(file, a->name, num, why, sizeof why);
        if (st == PB_OK && (*num < a->lo || *num > a->hi)) {
            snprintf(why, sizeof why, "%lld", (long long)*num);
            st = PB_EINPUT;
        }
        break;
    case RA_INTS:
    case RA_FLOATS: {
        bool is_int = a->kind == RA_INTS;
        pb_h5_shape_text(&sh, why, sizeof why);
        if (sh.cls == (is_int ? H5T_INTEGER : H5T_FLOAT) && sh.size <= 8 && sh.rank <= 1 && sh.n >= a->lo &&
            sh.n <= a->hi)
            st = !is_int || !ints ? PB_OK
                                  : pb_h5_read_attr_num(file, a->name, H5T_INTEGER, H5T_NATIVE_INT, sh.n, ints, why,
                                                        sizeof why);
        if (st == PB_OK && n_ints) *n_ints = (int)sh.n;
        break;
    }
    }
    if (st == PB_EINPUT)
        pb_raise(PB_EINPUT, NULL, "'%s': root attribute '%s' is %s; expected %s", path, a->name, why,
                 expected(a, want, sizeof want));
    return st;
}

/* Stores the value of root attribute i into *info (strings: taken). */
static void root_store(pb_run_info *info, const char *name, char *str, int64_t num)
{
    char **slot = !strcmp(name, "scenario_name")   ? &info->scenario_name
                : !strcmp(name, "scenario_file")   ? &info->scenario_file
                : !strcmp(name, "scenario_yaml")   ? &info->scenario_yaml
                : NULL;
    if (slot) { *slot = str; return; }
    if (!strcmp(name, "overrides") && str && str[0] && !info->overrides && (info->overrides = malloc(sizeof str))) {
        info->overrides[0] = str; /* one --set a line, as written (write.c) */
        info->n_overrides = 1;
        return;
    }
    if (!strcmp(name, "version")) snprintf(info->version, sizeof info->version, "%s", str);
    else if (!strcmp(name, "created")) snprintf(info->created, sizeof info->created, "%s", str);
    else if (!strcmp(name, "seed")) info->seed = (uint64_t)num;
    else if (!strcmp(name, "paths")) info->paths = num;
    else if (!strcmp(name, "threads")) info->threads = (int)num;
    else if (!strcmp(name, "ranks")) info->ranks = (int)num;
    else if (!strcmp(name, "deterministic")) info->deterministic = num != 0;
    else if (!strcmp(name, "paths_first")) info->paths_first = num;
    else if (!strcmp(name, "paths_end")) info->paths_end = num;
    free(str);
}

/* The analysis files (sweep, compare, sensitivity) have other layouts:
 * summary and merge say so, not "damaged" (validate_result.h). */
pb_status pb_result_check_kind(hid_t file, const char *path)
{
    char why[128];
    char *cmd = NULL;
    if (pb_h5_read_attr_str(file, "command", &cmd, why, sizeof why) == PB_OK &&
        (!strcmp(cmd, "sweep") || !strcmp(cmd, "compare") || !strcmp(cmd, "sensitivity"))) {
        pb_status st = pb_raise(PB_EINPUT, NULL, "'%s' is a file of payback %s; summary and merge read the files of "
                                "run, solve and merge: draw it with payback plot, or list it with payback export",
                                path, cmd);
        free(cmd);
        return st;
    }
    free(cmd);
    return PB_OK;
}

pb_status pb_result_read_root(hid_t file, const char *path, pb_run_info *info)
{
    char *prog = NULL, why[128];
    bool ok = pb_h5_read_attr_str(file, "program", &prog, why, sizeof why) == PB_OK && !strcmp(prog, "payback");
    free(prog);
    if (!ok)
        return pb_raise(PB_EINPUT, NULL, "'%s' is not a payback result (no attribute program = \"payback\")", path);
    int n_first = 0;
    for (int i = 0; i < N_ROOT; i++) {
        const root_attr *a = &root_attrs[i];
        bool present;
        char *str = NULL;
        int64_t num = 0;
        bool target = !strcmp(a->name, "target_years"), window = !strcmp(a->name, "depreciation_window");
        int *ints = target ? info->target_years : window ? info->window : NULL;
        pb_status st = root_one(file, path, a, &present, &str, &num, ints, target ? &info->n_target_years : NULL);
        if (st != PB_OK) return st;
        if (present) root_store(info, a->name, str, num);
        if (present && (!strcmp(a->name, "paths_first") || !strcmp(a->name, "paths_end"))) n_first++;
    }
    info->partial = n_first == 2;
    if (n_first == 1)
        return pb_raise(PB_EINPUT, NULL, "'%s' has one of the root attributes paths_first and paths_end; "
                        "expected both (a part of --paths A:B) or neither", path);
    if (info->partial && !(info->paths_first < info->paths_end && info->paths_end <= info->paths))
        return pb_raise(PB_EINPUT, NULL, "'%s': paths_first %lld, paths_end %lld of paths %lld; expected "
                        "0 <= paths_first < paths_end <= paths", path, (long long)info->paths_first,
                        (long long)info->paths_end, (long long)info->paths);
    return PB_OK;
}

/* ------------------------------------------------------------------ */
/* Dimensions                                                           */

pb_status pb_result_check_ds(hid_t grp, const char *path, const char *gname, const char *name, pb_type type,
                             int rank, const hsize_t *dims)
{
    pb_h5_shape sh;
    if (!pb_h5_ds_shape(grp, name, &sh))
        return pb_raise(PB_EINPUT, NULL, "'%s': dataset /%s/%s is missing", path, gname, name);
    H5T_class_t cls = type == PB_TYPE_F64 ? H5T_FLOAT : H5T_INTEGER;
    bool ok = sh.cls == cls && sh.size <= 8 && sh.rank == rank;
    for (int i = 0; ok && i < rank; i++) ok = sh.dims[i] == dims[i];
    if (!ok) {
        char found[128], want[128];
        pb_h5_shape want_sh = {.cls = cls, .size = type == PB_TYPE_U8 ? 1 : 8, .rank = rank};
        for (int i = 0; i < rank; i++) want_sh.dims[i] = dims[i];
        pb_h5_shape_text(&sh, found, sizeof found);
        pb_h5_shape_text(&want_sh, want, sizeof want);
        return pb_raise(PB_EINPUT, NULL, "'%s': dataset /%s/%s is %s; expected %s", path, gname, name, found, want);
    }
    if (sh.unwritten)
        return pb_raise(PB_EINPUT, NULL, "'%s': dataset /%s/%s declares %lld values that were never written", path,
                        gname, name, (long long)sh.n);
    return PB_OK;
}

/* A 1-d scale grp/sc of 1 .. max values read into v. */
static pb_status read_scale(hid_t grp, const char *path, const char *gname, const char *sc, pb_type type, void *v,
                            int max, int *n)
{
    pb_h5_shape sh;
    if (!pb_h5_ds_shape(grp, sc, &sh) || sh.rank != 1 || sh.n < 1 || sh.n > max)
        return pb_raise(PB_EINPUT, NULL, "'%s': scale /%s/%s is %s; expected a vector of 1 .. %d values", path,
                        gname, sc, sh.cls == H5T_NO_CLASS ? "missing" : "of another shape", max);
    hsize_t len = (hsize_t)sh.n;
    pb_status st = pb_result_check_ds(grp, path, gname, sc, type, 1, &len);
    if (st != PB_OK) return st;
    *n = (int)sh.n;
    return pb_h5_read_ds(grp, sc, pb_type_mem(type), v, sh.n)
               ? PB_OK
               : pb_raise(PB_EINPUT, NULL, "'%s': cannot read scale /%s/%s", path, gname, sc);
}

/* The years are consecutive, the levels strictly increasing in (0, 1). */
static pb_status check_scales(const char *path, const char *gname, const int *years, int H, const double *q, int Q)
{
    if (years[0] < 1 || years[0] > 100000)
        return pb_raise(PB_EINPUT, NULL, "'%s': /%s/year starts at %d; expected a calendar year", path, gname,
                        years[0]);
    for (int t = 1; t < H; t++)
        if (years[t] != years[0] + t)
            return pb_raise(PB_EINPUT, NULL, "'%s': /%s/year[%d] is %d; expected %d (consecutive years)", path,
                            gname, t, years[t], years[0] + t);
    for (int i = 0; i < Q; i++)
        if (!(q[i] > 0 && q[i] < 1) || (i > 0 && !(q[i] > q[i - 1])))
            return pb_raise(PB_EINPUT, NULL, "'%s': /%s/quantile[%d] is %g; expected levels strictly increasing "
                            "in (0, 1)", path, gname, i, q[i]);
    return PB_OK;
}

/* The target years and the window within the horizon. */
static pb_status check_years_in(const char *path, const pb_run_info *info, int start, int H)
{
    for (int i = 0; i < info->n_target_years; i++)
        if (info->target_years[i] < start || info->target_years[i] >= start + H)
            return pb_raise(PB_EINPUT, NULL, "'%s': target year %d is outside the years %d .. %d of /summary",
                            path, info->target_years[i], start, start + H - 1);
    const int *w = info->window;
    if ((w[0] || w[1]) && !(w[0] >= start && w[0] <= w[1] && w[1] < start + H))
        return pb_raise(PB_EINPUT, NULL, "'%s': depreciation_window %d .. %d; expected years in order within "
                        "%d .. %d", path, w[0], w[1], start, start + H - 1);
    return PB_OK;
}

pb_status pb_result_read_dims(hid_t sg, hid_t mg, const char *path, const pb_run_info *info, int years[PB_MAX_YEARS],
                              int *H, double *q, int *Q)
{
    const pb_group *g = &pb_schema_summary, *m = &pb_schema_metrics;
    /* The writer stores years as int32: read as int64, then narrowed. */
    int64_t y64[PB_MAX_YEARS];
    pb_status st = read_scale(sg, path, g->name, g->year.name, PB_TYPE_I64, y64, PB_MAX_YEARS, H);
    if (st != PB_OK) return st;
    for (int t = 0; t < *H; t++) {
        if (y64[t] < INT_MIN / 2 || y64[t] > INT_MAX / 2) y64[t] = 0;
        years[t] = (int)y64[t];
    }
    if ((st = read_scale(sg, path, g->name, g->quantile.name, PB_TYPE_F64, q, PB_MAX_QUANTILES + 3, Q)) != PB_OK ||
        (st = check_scales(path, g->name, years, *H, q, *Q)) != PB_OK)
        return st;
    /* /metrics has its own scales: the same. */
    int64_t my[PB_MAX_YEARS];
    double mq[PB_MAX_QUANTILES + 3];
    int mH = 0, mQ = 0;
    if ((st = read_scale(mg, path, m->name, m->year.name, PB_TYPE_I64, my, PB_MAX_YEARS, &mH)) != PB_OK ||
        (st = read_scale(mg, path, m->name, m->quantile.name, PB_TYPE_F64, mq, PB_MAX_QUANTILES + 3, &mQ)) != PB_OK)
        return st;
    bool same = mH == *H && mQ == *Q;
    for (int t = 0; same && t < mH; t++) same = my[t] == y64[t];
    for (int i = 0; same && i < mQ; i++) same = mq[i] == q[i];
    if (!same)
        return pb_raise(PB_EINPUT, NULL, "'%s': the scales /metrics/year and /metrics/quantile (%d years, %d levels) "
                        "differ from /summary's (%d years, %d levels, or other values)", path, mH, mQ, *H, *Q);
    return check_years_in(path, info, years[0], *H);
}

/* ------------------------------------------------------------------ */
/* Values                                                               */

/* The value of the i-th element of variable v (item k) of s, as double. */
static double value_at(const pb_var *v, const pb_summary *s, int k, hsize_t i)
{
    const void *p = pb_var_cdata(v, s, k);
    return v->type == PB_TYPE_I64 ? (double)((const int64_t *)p)[i] : ((const double *)p)[i];
}

/* Whether x may be the value of v for item k in a file of `paths` paths
 * (n of them finite). */
static bool value_ok(const pb_var *v, int k, double x, int64_t paths, int64_t n)
{
    if (isnan(x))
        return v->type != PB_TYPE_I64 &&
               (n == 0 || (v->nan_if_none && (pb_metric_is_year(k) || k == PB_M_IRR)));
    switch (v->check) {
    case PB_CHECK_NUMBER: return true;
    case PB_CHECK_SPREAD: return x >= 0;
    case PB_CHECK_PROB: return x >= 0 && x <= 1;
    case PB_CHECK_COUNT: return x >= 0 && x <= (double)paths;
    case PB_CHECK_TALLY: return x >= 0;
    }
    return false;
}

/* Each variable of group g against its pb_check. */
static pb_status check_group(const pb_group *g, const pb_summary *s, int64_t paths, const char *path)
{
    pb_walk it;
    for (pb_walk_start(&it, g); pb_walk_next(&it);) {
        pb_dim dim[2];
        hsize_t len[2], n = 1;
        int rank = pb_var_dims(it.var, s->n_years, s->n_quantiles, 0, dim, len);
        for (int i = 0; i < rank; i++) n *= len[i];
        for (hsize_t i = 0; i < n; i++) {
            double x = value_at(it.var, s, it.k, i);
            if (value_ok(it.var, it.k, x, paths, s->n)) continue;
            static const char *const want[] = {"a number", "a number >= 0", "a probability in [0, 1]",
                                               "a count of paths in 0 .. %lld", "a count >= 0"};
            char name[96], w[64];
            pb_var_name(it.var, it.k, name, sizeof name);
            snprintf(w, sizeof w, want[it.var->check], (long long)paths);
            return pb_raise(PB_EINPUT, NULL, "'%s': /%s/%s[%llu] is %g; expected %s", path, g->name, name,
                            (unsigned long long)i, x, w);
        }
    }
    return PB_OK;
}

/* The counts against each other. */
static pb_status check_counts(const pb_summary *s, int64_t paths, const char *path)
{
    if (s->n + s->nonfinite != paths)
        return pb_raise(PB_EINPUT, NULL, "'%s': /summary/paths_used %lld + nonfinite_paths %lld; expected their sum "
                        "to be the %lld paths of the file", path, (long long)s->n, (long long)s->nonfinite,
                        (long long)paths);
    for (int k = 0; k < PB_N_METRICS; k++) {
        if (!pb_metric_is_year(k)) continue;
        int64_t sum = s->metric[k].never;
        for (int t = 0; t < s->n_years; t++) sum += s->metric[k].hist[t];
        if (sum != s->n)
            return pb_raise(PB_EINPUT, NULL, "'%s': /metrics/%s_hist sums with _never to %lld; expected paths_used "
                            "%lld", path, pb_metric_info[k].name, (long long)sum, (long long)s->n);
    }
    if (s->irr_none + s->irr_multiple > s->n)
        return pb_raise(PB_EINPUT, NULL, "'%s': /metrics/irr_none %lld + irr_multiple %lld; expected at most "
                        "paths_used %lld", path, (long long)s->irr_none, (long long)s->irr_multiple, (long long)s->n);
    for (int m = 0; m < PB_N_METHODS; m++)
        for (int t = 0; s->n > 0 && t < s->n_years; t++)
            /* The bounds are computed apart from p: rounding may put them 1 ulp inside it. */
            if (!(s->p_closed_lo[m][t] <= s->p_closed[m][t] + 1e-12 && s->p_closed[m][t] <= s->p_closed_hi[m][t] + 1e-12))
                return pb_raise(PB_EINPUT, NULL, "'%s': /summary/p_gap_closed_%s[%d] is %.17g; expected it "
                                "within its Wilson interval [%.17g, %.17g]", path, pb_method_names[m], t, s->p_closed[m][t], s->p_closed_lo[m][t],
                                s->p_closed_hi[m][t]);
    return PB_OK;
}

pb_status pb_result_check_values(const pb_summary *s, const pb_run_info *info, const char *path)
{
    /* A part's statistics cover its own paths. */
    int64_t paths = info->partial ? info->paths_end - info->paths_first : info->paths;
    pb_status st = check_group(&pb_schema_summary, s, paths, path);
    if (st == PB_OK) st = check_group(&pb_schema_metrics, s, paths, path);
    if (st == PB_OK) st = check_counts(s, paths, path);
    return st;
}

/* ------------------------------------------------------------------ */
/* /paths                                                               */

pb_status pb_result_check_paths(hid_t file, const char *path, const pb_run_info *info, int H, hssize_t *rows)
{
    const pb_group *g = &pb_schema_paths;
    *rows = -1;
    if (H5Lexists(file, g->name, H5P_DEFAULT) <= 0) return PB_OK;
    hid_t pg = H5Gopen2(file, g->name, H5P_DEFAULT);
    if (pg < 0) return pb_raise(PB_EINPUT, NULL, "'%s': /%s is not a group", path, g->name);
    int64_t most = info->partial ? info->paths_end - info->paths_first : info->paths;
    pb_h5_shape sh;
    pb_status st = PB_OK;
    if (!pb_h5_ds_shape(pg, g->path.name, &sh) || sh.rank != 1 || sh.n < 1 || sh.n > most)
        st = pb_raise(PB_EINPUT, NULL, "'%s': /%s/%s holds %lld rows; expected 1 .. %lld (the paths of the file)",
                      path, g->name, g->path.name, (long long)(sh.rank == 1 ? sh.n : -1), (long long)most);
    hsize_t n = (hsize_t)sh.n, year = (hsize_t)H;
    if (st == PB_OK) st = pb_result_check_ds(pg, path, g->name, g->path.name, PB_TYPE_I64, 1, &n);
    if (st == PB_OK) st = pb_result_check_ds(pg, path, g->name, g->year.name, PB_TYPE_I64, 1, &year);
    pb_walk it;
    for (pb_walk_start(&it, g); st == PB_OK && pb_walk_next(&it);) {
        pb_dim dim[2];
        hsize_t len[2];
        char name[96];
        int rank = pb_var_dims(it.var, H, 0, n, dim, len);
        pb_var_name(it.var, it.k, name, sizeof name);
        st = pb_result_check_ds(pg, path, g->name, name, it.var->type, rank, len);
    }
    H5Gclose(pg);
    if (st == PB_OK) *rows = (hssize_t)n;
    return st;
}
