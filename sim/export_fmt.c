/* export_fmt.c: CSV and JSON rows of `payback export` (export_fmt.h). */
#include "export_fmt.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "h5util.h"

void pb_xtable_init(pb_xtable *t) { memset(t, 0, sizeof *t); }

void pb_xtable_free(pb_xtable *t)
{
    for (int i = 0; i < t->n; i++) free(t->name[i]);
    t->n = 0;
}

/* The fixed columns; a dimension of one of these names gets "dim_". */
static const char *const fixed_before[] = {"group", "variable", "statistic"};
static const char *const fixed_after[] = {"value", "note", "units"};

int pb_xtable_column(pb_xtable *t, const char *name, pb_status *st)
{
    char buf[300];
    snprintf(buf, sizeof buf, "%s", name);
    for (int i = 0; i < 3; i++)
        if (!strcmp(name, fixed_before[i]) || !strcmp(name, fixed_after[i])) snprintf(buf, sizeof buf, "dim_%s", name);
    for (int i = 0; i < t->n; i++)
        if (!strcmp(t->name[i], buf)) return i;
    if (t->n == PB_X_MAX_DIMS) {
        *st = pb_raise(PB_EINPUT, NULL, "the file has more than %d dimension names", PB_X_MAX_DIMS);
        return -1;
    }
    if (!(t->name[t->n] = strdup(buf))) {
        *st = pb_raise(PB_ENOMEM, NULL, "out of memory");
        return -1;
    }
    return t->n++;
}

void pb_xcells_free(pb_xcell *v, hsize_t n)
{
    for (hsize_t i = 0; v && i < n; i++) free(v[i].str);
    free(v);
}

/* A string scale's values, each a new string in its cell. */
static bool read_strings(hid_t s, hid_t ftype, pb_xcell *v, hsize_t n)
{
    char **str = calloc(n ? n : 1, sizeof *str);
    bool ok = str && pb_h5_read_strings(s, ftype, n, str);
    for (hsize_t i = 0; str && i < n; i++) v[i].str = str[i]; /* freed with the cells, also on failure */
    free(str);
    return ok;
}

pb_status pb_xread_scale(hid_t s, const char *fname, const char *spath, pb_xcell **v, hsize_t *n)
{
    *v = NULL;
    *n = 0;
    hid_t sp = H5Dget_space(s), ft = H5Dget_type(s);
    int rank = sp >= 0 ? H5Sget_simple_extent_ndims(sp) : -1;
    hssize_t np = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
    H5T_class_t cls = ft >= 0 ? H5Tget_class(ft) : H5T_NO_CLASS;
    pb_status st = PB_OK;
    if (rank != 1 || np < 0 || np > ((hssize_t)1 << 24) ||
        (cls != H5T_STRING && cls != H5T_INTEGER && cls != H5T_FLOAT)) {
        st = pb_raise(PB_EINPUT, NULL, "'%s': dimension scale %s is not a vector of numbers or strings (damaged)",
                      fname, spath);
    } else if (!(*v = calloc((size_t)np + 1, sizeof **v))) {
        st = pb_raise(PB_ENOMEM, NULL, "out of memory");
    } else {
        *n = (hsize_t)np;
        bool ok;
        if (cls == H5T_STRING) ok = read_strings(s, ft, *v, *n);
        else {
            double *d = malloc(((size_t)np + 1) * sizeof *d);
            ok = d && H5Dread(s, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, d) >= 0;
            for (hsize_t i = 0; ok && i < *n; i++) (*v)[i].num = d[i];
            free(d);
        }
        if (!ok) st = pb_raise(PB_EINPUT, NULL, "'%s': dimension scale %s cannot be read (damaged)", fname, spath);
    }
    if (ft >= 0) H5Tclose(ft);
    if (sp >= 0) H5Sclose(sp);
    if (st != PB_OK) {
        pb_xcells_free(*v, *n);
        *v = NULL;
        *n = 0;
    }
    return st;
}

/* ---- values -------------------------------------------------------- */

/* The shortest of %.15g .. %.17g that reads back as x (finite x). */
static void num_text(double x, char *buf, size_t len)
{
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, len, "%.*g", prec, x);
        if (strtod(buf, NULL) == x) return;
    }
}

static const char *note_of(double x, bool never)
{
    return isnan(x) ? "nan" : x > 0 ? (never ? "never" : "inf") : "-inf";
}

static void csv_str(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c == '"' || *c == '\\') fprintf(f, "\\%c", *c);
        else if (*c == '\n') fputs("\\n", f);
        else if (*c == '\t') fputs("\\t", f);
        else if (*c < 0x20) fprintf(f, "\\u%04x", *c);
        else fputc(*c, f);
    }
    fputc('"', f);
}

static void cell(FILE *f, pb_export_format fmt, const pb_xcell *c)
{
    char num[40];
    if (!c) {
        if (fmt == PB_EXPORT_JSON) fputs("null", f);
    } else if (c->str) {
        if (fmt == PB_EXPORT_CSV) csv_str(f, c->str);
        else json_str(f, c->str);
    } else if (isfinite(c->num)) {
        num_text(c->num, num, sizeof num);
        fputs(num, f);
    } else if (fmt == PB_EXPORT_JSON) fputs("null", f);
}

/* ---- the root attributes (JSON) ------------------------------------ */

static herr_t json_attr(hid_t loc, const char *name, const H5A_info_t *ai, void *data)
{
    (void)ai;
    FILE *f = ((void **)data)[0];
    int *first = ((void **)data)[1];
    pb_h5_shape sh;
    if (!pb_h5_attr_shape(loc, name, &sh) || sh.n < 1 || sh.n > 4096 || sh.rank > 1) return 0;
    char why[64];
    if (sh.cls == H5T_STRING && sh.n == 1) {
        char *s = NULL;
        if (pb_h5_read_attr_str(loc, name, &s, why, sizeof why) != PB_OK) return 0;
        fputs(*first ? "\n    " : ",\n    ", f);
        json_str(f, name);
        fputs(": ", f);
        json_str(f, s);
        free(s);
    } else if ((sh.cls == H5T_INTEGER || sh.cls == H5T_FLOAT) && sh.size <= 8) {
        double v[4096];
        if (pb_h5_read_attr_num(loc, name, sh.cls, H5T_NATIVE_DOUBLE, sh.n, v, why, sizeof why) != PB_OK) return 0;
        fputs(*first ? "\n    " : ",\n    ", f);
        json_str(f, name);
        fputs(sh.rank ? ": [" : ": ", f);
        for (hssize_t i = 0; i < sh.n; i++) {
            if (i) fputs(", ", f);
            cell(f, PB_EXPORT_JSON, &(pb_xcell){.num = v[i]});
        }
        if (sh.rank) fputc(']', f);
    } else return 0;
    *first = 0;
    return 0;
}

/* ---- the writer ------------------------------------------------------ */

static pb_status check(pb_xwriter *w)
{
    return ferror(w->out) ? pb_raise(PB_EIO, NULL, "cannot write the export") : PB_OK;
}

pb_status pb_xwriter_begin(pb_xwriter *w, FILE *out, pb_export_format fmt, const pb_xtable *t, hid_t file)
{
    *w = (pb_xwriter){.out = out, .fmt = fmt, .t = t};
    const char *sep = fmt == PB_EXPORT_CSV ? "," : ", ";
    if (fmt == PB_EXPORT_JSON) {
        int first = 1;
        void *data[2] = {out, &first};
        fputs("{\n  \"attributes\": {", out);
        hsize_t idx = 0;
        H5Aiterate2(file, H5_INDEX_NAME, H5_ITER_INC, &idx, json_attr, data);
        fputs("\n  },\n  \"columns\": [", out);
    }
    for (int i = 0; i < 3; i++) {
        if (i) fputs(sep, out);
        if (fmt == PB_EXPORT_CSV) fputs(fixed_before[i], out);
        else json_str(out, fixed_before[i]);
    }
    for (int i = 0; i < t->n; i++) {
        fputs(sep, out);
        if (fmt == PB_EXPORT_CSV) csv_str(out, t->name[i]);
        else json_str(out, t->name[i]);
    }
    for (int i = 0; i < 3; i++) {
        fputs(sep, out);
        if (fmt == PB_EXPORT_CSV) fputs(fixed_after[i], out);
        else json_str(out, fixed_after[i]);
    }
    fputs(fmt == PB_EXPORT_CSV ? "\n" : "],\n  \"rows\": [", out);
    return check(w);
}

pb_status pb_xwrite_row(pb_xwriter *w, const pb_xrow *r)
{
    FILE *f = w->out;
    const bool json = w->fmt == PB_EXPORT_JSON;
    const pb_xcell group = {.str = (char *)r->group}, var = {.str = (char *)r->variable},
                   stat = {.str = (char *)r->statistic}, value = {.num = r->value},
                   units = {.str = (char *)r->units};
    const pb_xcell note = {.str = (char *)(isfinite(r->value) ? "" : note_of(r->value, r->never))};
    const pb_xcell *cells[3 + PB_X_MAX_DIMS + 3];
    int n = 0;
    cells[n++] = &group, cells[n++] = &var, cells[n++] = &stat;
    for (int c = 0; c < w->t->n; c++) cells[n++] = r->dim[c];
    cells[n++] = &value;
    cells[n++] = isfinite(r->value) && json ? NULL : &note;
    cells[n++] = &units;
    if (json) fputs(w->rows ? ",\n    {" : "\n    {", f);
    for (int i = 0; i < n; i++) {
        if (i) fputs(json ? ", " : ",", f);
        if (json) {
            const char *name = i < 3 ? fixed_before[i] : i < 3 + w->t->n ? w->t->name[i - 3]
                                                                         : fixed_after[i - 3 - w->t->n];
            json_str(f, name);
            fputs(": ", f);
        }
        cell(f, w->fmt, cells[i]);
    }
    fputs(json ? "}" : "\n", f);
    w->rows++;
    /* A write error (a full disk) ends the export at once. */
    return (w->rows & 4095) ? PB_OK : check(w);
}

pb_status pb_xwriter_end(pb_xwriter *w)
{
    if (w->fmt == PB_EXPORT_JSON) fputs(w->rows ? "\n  ]\n}\n" : "]\n}\n", w->out);
    if (fflush(w->out) != 0) return pb_raise(PB_EIO, NULL, "cannot write the export");
    return check(w);
}
