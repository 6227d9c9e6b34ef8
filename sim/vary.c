/* vary.c: the --vary option of sweep and solve (vary.h, interfaces.md §4). */
#include "vary.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

pb_status pb_vary_error(const pb_vary *v, int i, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    pb_loc at = {"--vary", v->pos, v->col && i >= 0 && i < v->n ? v->col[i] : 1};
    return pb_raise(PB_EUSAGE, &at, "%s", msg);
}

/* An error at column col of the pos-th --vary (before the values exist). */
static pb_status bad(int pos, int col, const char *fmt, const char *arg)
{
    pb_loc at = {"--vary", pos, col};
    return pb_raise(PB_EUSAGE, &at, fmt, arg);
}

/* A finite number in text[0 .. len-1]. */
static bool number_n(const char *text, size_t len, double *x)
{
    char buf[64], *end;
    if (len == 0 || len >= sizeof buf) return false;
    memcpy(buf, text, len);
    buf[len] = 0;
    errno = 0;
    *x = strtod(buf, &end);
    return errno == 0 && *end == 0 && isfinite(*x);
}

static bool alloc_values(pb_vary *v, size_t n)
{
    v->v = calloc(n, sizeof *v->v);
    v->col = calloc(n, sizeof *v->col);
    return v->v && v->col;
}

/* The numbers of text separated by sep (at most `max`): their values into
 * x and their columns (1-based, in the whole argument: col0 is text's)
 * into col.  Returns how many, or -1 after raising an error. */
static int split_numbers(const char *text, char sep, int pos, int col0, double *x, int *col, int max)
{
    int n = 0;
    for (const char *p = text;; n++) {
        const char *e = strchr(p, sep);
        size_t len = e ? (size_t)(e - p) : strlen(p);
        char tok[64];
        snprintf(tok, sizeof tok, "%.*s", (int)(len < 60 ? len : 60), p);
        if (n == max) return bad(pos, col0 + (int)(p - text), "found '%s'; expected no more values", tok), -1;
        if (!number_n(p, len, &x[n])) return bad(pos, col0 + (int)(p - text), "found '%s'; expected a number", tok), -1;
        col[n] = col0 + (int)(p - text);
        if (!e) return n + 1;
        p = e + 1;
    }
}

/* LO:HI:STEP (sweep) or LO:HI (solve), at column col0. */
static pb_status parse_range(const char *text, int pos, int col0, bool range_only, pb_vary *v)
{
    double x[3];
    int col[3];
    const int want = range_only ? 2 : 3;
    int n = split_numbers(text, ':', pos, col0, x, col, want);
    if (n < 0) return PB_EUSAGE;
    if (n != want)
        return bad(pos, col0, range_only ? "found '%s'; expected LO:HI" : "found '%s'; expected LO:HI:STEP", text);
    if (!(x[1] > x[0])) return bad(pos, col[1], "found '%s'; expected HI > LO", text);
    if (range_only) {
        if (!alloc_values(v, 2)) return pb_raise(PB_ENOMEM, NULL, "out of memory");
        v->n = 2;
        memcpy(v->v, x, sizeof(double[2]));
        memcpy(v->col, col, sizeof(int[2]));
        return PB_OK;
    }
    const double lo = x[0], hi = x[1], step = x[2];
    if (!(step > 0)) return bad(pos, col[2], "found '%s'; expected STEP > 0", text);
    /* HI is on the grid when it lands within 1e-9 STEP of a point. */
    double steps = floor((hi - lo) / step + 1e-9);
    if (!(steps + 1 <= PB_SWEEP_MAX_POINTS))
        return bad(pos, col0, "found '%s', more than 10000 values; expected at most 10000 grid points", text);
    int n_pts = (int)steps + 1;
    if (!alloc_values(v, (size_t)n_pts)) return pb_raise(PB_ENOMEM, NULL, "out of memory");
    v->n = n_pts;
    for (int i = 0; i < n_pts; i++) {
        v->v[i] = lo + i * step; /* not accumulated: no drift along the grid */
        v->col[i] = i == 0 ? col[0] : col[1];
    }
    if (fabs(v->v[n_pts - 1] - hi) <= 1e-9 * step) v->v[n_pts - 1] = hi;
    return PB_OK;
}

pb_status pb_vary_parse(const char *arg, int pos, bool range_only, pb_vary *v)
{
    memset(v, 0, sizeof *v);
    v->pos = pos;
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg)
        return bad(pos, 1, range_only ? "found '%s'; expected PATH=LO:HI" : "found '%s'; expected PATH=LO:HI:STEP or "
                                                                            "PATH=V1,V2,...", arg);
    if ((size_t)(eq - arg) >= sizeof v->path) return bad(pos, 1, "found '%s'; expected a shorter parameter path", arg);
    snprintf(v->path, sizeof v->path, "%.*s", (int)(eq - arg), arg);
    const char *val = eq + 1;
    const int col0 = (int)(val - arg) + 1;
    if (range_only || strchr(val, ':')) return parse_range(val, pos, col0, range_only, v);
    int commas = 0;
    for (const char *p = val; *p; p++) commas += *p == ',';
    if (commas + 1 > PB_SWEEP_MAX_POINTS)
        return bad(pos, col0, "found %s values; expected at most 10000 grid points", "more than 10000");
    if (!alloc_values(v, (size_t)commas + 1)) return pb_raise(PB_ENOMEM, NULL, "out of memory");
    int n = split_numbers(val, ',', pos, col0, v->v, v->col, commas + 1);
    if (n < 0) return PB_EUSAGE;
    v->n = n;
    return PB_OK;
}

void pb_vary_clear(pb_vary *v)
{
    free(v->v);
    free(v->col);
    v->v = NULL;
    v->col = NULL;
    v->n = 0;
}

pb_status pb_vary_check(const pb_vary *v, int nv, pb_scenario *sc)
{
    pb_param_ref *refs = malloc(sizeof *refs * PB_MAX_PARAMS);
    if (!refs) return pb_raise(PB_ENOMEM, NULL, "out of memory");
    int n_refs = pb_scenario_params(sc, refs, PB_MAX_PARAMS);
    pb_status st = n_refs < 0 ? PB_EINTERNAL : PB_OK;
    for (int j = 0; j < nv && st == PB_OK; j++) {
        for (int i = 0; i < j && st == PB_OK; i++)
            if (!strcmp(v[i].path, v[j].path))
                st = bad(v[j].pos, 1, "found '%s' a second time; expected each parameter in one --vary", v[j].path);
        const pb_param_ref *r = st == PB_OK ? pb_scenario_find(refs, n_refs, v[j].path) : NULL;
        if (st == PB_OK && !r)
            st = bad(v[j].pos, 1, "found '%s'; expected a parameter that the scenario uses (see payback params; "
                     "generations as gpu.generations.NAME.cost)", v[j].path);
        /* The scenario reader's bound on any number (scenario_read.h), said
         * here at the --vary position rather than at the --set it becomes;
         * and each value once, so that the sweep's coordinate selects. */
        for (int i = 0; r && i < v[j].n && st == PB_OK; i++) {
            if (!(fabs(v[j].v[i]) <= 1e12))
                st = pb_vary_error(&v[j], i, "found %.17g for %s; expected a number of magnitude at most 1e12",
                                   v[j].v[i], v[j].path);
            for (int k = 0; k < i && st == PB_OK; k++)
                if (v[j].v[k] == v[j].v[i])
                    st = pb_vary_error(&v[j], i, "found %.17g for %s a second time; expected each value once",
                                       v[j].v[i], v[j].path);
        }
        for (int i = 0; r && r->domain && i < v[j].n && st == PB_OK; i++) {
            pb_param p = pb_param_fixed(v[j].v[i]);
            if (!pb_param_in_domain(&p, r->domain))
                st = pb_vary_error(&v[j], i, "found %.17g for %s; expected a value %s", v[j].v[i], v[j].path,
                                   r->domain->text);
        }
        for (int i = 0; r && !r->domain && i < v[j].n && st == PB_OK; i++)
            if (v[j].v[i] != floor(v[j].v[i]))
                st = pb_vary_error(&v[j], i, "found %.17g for %s; expected a calendar year", v[j].v[i], v[j].path);
    }
    free(refs);
    return st;
}

void pb_vary_set_text(const pb_vary *v, double x, char *buf, size_t len)
{
    snprintf(buf, len, "%s=%.17g", v->path, x);
}
