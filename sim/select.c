/* select.c: parsing the outputs and targets of the analysis commands
 * (select.h, interfaces.md §4). */
#include "payback/select.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An error at column col (1-based) of the n-th option opt. */
static pb_status bad(const char *opt, int n, int col, const char *fmt, const char *arg)
{
    pb_loc at = {opt, n, col};
    return pb_raise(PB_EUSAGE, &at, fmt, arg);
}

/* A number filling all of text. */
static bool number(const char *text, double *v)
{
    char *end;
    if (!*text) return false;
    errno = 0;
    *v = strtod(text, &end);
    return errno == 0 && *end == 0 && isfinite(*v);
}

bool pb_output_is_year(const pb_output_sel *y) { return !y->is_series && pb_metric_is_year(y->index); }

const char *pb_output_units(const pb_output_sel *y)
{
    return y->is_series ? pb_series_info[y->index].units : pb_metric_info[y->index].units;
}

/* The output in text[0 .. len-1], at column col0 of the option. */
static pb_status parse_output_at(const char *text, size_t len, const pb_scenario *sc, const char *opt, int n, int col0,
                                 pb_output_sel *y)
{
    char buf[96];
    if (len == 0 || len >= sizeof buf) return bad(opt, n, col0, "found '%s'; expected an output: a metric (npv, irr, "
                                                  "payback_year, ...) or a series in a year (gap_full_cost@2035)", "");
    memcpy(buf, text, len);
    buf[len] = 0;
    memset(y, 0, sizeof *y);
    snprintf(y->text, sizeof y->text, "%s", buf);
    char *at = strchr(buf, '@');
    if (!at) {
        for (int m = 0; m < PB_N_METRICS; m++)
            if (strcmp(buf, pb_metric_info[m].name) == 0) {
                y->index = m;
                return PB_OK;
            }
        for (int s = 0; s < PB_N_SERIES; s++)
            if (strcmp(buf, pb_series_info[s].name) == 0)
                return bad(opt, n, col0 + (int)len, "found '%s' without a year; expected a series in a year, as "
                           "gap_full_cost@2035", buf);
        return bad(opt, n, col0, "found '%s'; expected a metric (npv, irr, peak_burn, levelised_required_full_cost, "
                   "payback_year, catchup_year_full_cost, ...) or <series>@<year> (see docs/output.md)", buf);
    }
    *at = 0;
    y->is_series = true;
    y->index = -1;
    for (int s = 0; s < PB_N_SERIES; s++)
        if (strcmp(buf, pb_series_info[s].name) == 0) y->index = s;
    if (y->index < 0) return bad(opt, n, col0, "found '%s'; expected a series (revenue, gap_full_cost, cash_flow, ... "
                                 "see docs/output.md) before '@'", buf);
    double yr;
    if (!number(at + 1, &yr) || yr != floor(yr) || yr < sc->start || yr >= sc->start + sc->n_years) {
        char range[128];
        snprintf(range, sizeof range, "%s'; expected a year from %d to %d", at + 1, sc->start, sc->start + sc->n_years - 1);
        return bad(opt, n, col0 + (int)(at - buf) + 1, "found '%s", range);
    }
    y->year = (int)yr;
    y->t = y->year - sc->start;
    return PB_OK;
}

pb_status pb_output_parse(const char *text, const pb_scenario *sc, const char *opt, int n, pb_output_sel *y)
{
    return parse_output_at(text, strlen(text), sc, opt, n, 1, y);
}

/* "NAME(" at the start of text: returns the length of the prefix, or 0. */
static size_t call_prefix(const char *text, const char *name)
{
    size_t k = strlen(name);
    return strncmp(text, name, k) == 0 && text[k] == '(' ? k + 1 : 0;
}

/* The tolerance "~TOL" or "~TOL%" (precision), or "=VALUE". */
static pb_status parse_rhs(const char *rhs, bool precision, const char *opt, int n, int col, pb_target *t)
{
    const char want = precision ? '~' : '=';
    if (*rhs != want)
        return bad(opt, n, col, precision ? "found '%s'; expected '~TOL' or '~TOL%%' after the estimate"
                                          : "found '%s'; expected '=VALUE' after the output", rhs);
    char buf[64];
    snprintf(buf, sizeof buf, "%s", rhs + 1);
    size_t len = strlen(buf);
    if (precision && len && buf[len - 1] == '%') {
        t->relative = true;
        buf[len - 1] = 0;
    }
    double v;
    if (!number(buf, &v)) return bad(opt, n, col + 1, "found '%s'; expected a number", rhs + 1);
    if (precision) {
        if (!(v > 0)) return bad(opt, n, col + 1, "found '%s'; expected a tolerance > 0", rhs + 1);
        t->tol = t->relative ? v / 100 : v;
    } else t->value = v;
    return PB_OK;
}

/* P(Y<=c): the output, "<=" and c; then the right-hand side. */
static pb_status parse_prob(const char *text, const pb_scenario *sc, bool precision, const char *opt, int n, pb_target *t)
{
    const char *body = text + 2, *le = strstr(body, "<="), *close = le ? strchr(le, ')') : NULL;
    if (!le || !close) return bad(opt, n, 3, "found '%s'; expected P(OUTPUT<=VALUE)", text);
    pb_status st = parse_output_at(body, (size_t)(le - body), sc, opt, n, 3, &t->y);
    if (st != PB_OK) return st;
    char cbuf[64];
    size_t clen = (size_t)(close - le - 2);
    if (clen >= sizeof cbuf) clen = sizeof cbuf - 1;
    memcpy(cbuf, le + 2, clen);
    cbuf[clen] = 0;
    if (!number(cbuf, &t->c)) return bad(opt, n, (int)(le - text) + 3, "found '%s'; expected a number after '<='", cbuf);
    t->kind = PB_TGT_PROB;
    st = parse_rhs(close + 1, precision, opt, n, (int)(close - text) + 2, t);
    if (st == PB_OK && precision && !t->relative && !(t->tol < 0.5))
        return bad(opt, n, (int)(close - text) + 3, "found '%s'; expected a tolerance below 0.5 (a probability's "
                   "interval is never wider than 1)", close + 2);
    if (st == PB_OK && !precision && !(t->value > 0 && t->value < 1))
        return bad(opt, n, (int)(close - text) + 3, "found '%s'; expected a probability strictly between 0 and 1", close + 2);
    return st;
}

pb_status pb_target_parse(const char *text, const pb_scenario *sc, bool precision, const char *opt, int n, pb_target *t)
{
    memset(t, 0, sizeof *t);
    snprintf(t->text, sizeof t->text, "%s", text);
    if (strncmp(text, "P(", 2) == 0) return parse_prob(text, sc, precision, opt, n, t);
    size_t pre = call_prefix(text, "mean");
    const char *body = text;
    if (pre) t->kind = PB_TGT_MEAN;
    else if (text[0] == 'q' && (text[1] == '0' || text[1] == '.')) {
        const char *open = strchr(text, '(');
        char lv[32];
        size_t k = open ? (size_t)(open - text - 1) : 0;
        if (!open || k >= sizeof lv) return bad(opt, n, 1, "found '%s'; expected qP(OUTPUT), as q0.9(npv)", text);
        memcpy(lv, text + 1, k);
        lv[k] = 0;
        if (!number(lv, &t->level) || !(t->level > 0 && t->level < 1))
            return bad(opt, n, 2, "found '%s'; expected a quantile level strictly between 0 and 1", lv);
        t->kind = PB_TGT_QUANTILE;
        pre = k + 2;
    } else if (!precision) t->kind = PB_TGT_VALUE;
    else return bad(opt, n, 1, "found '%s'; expected mean(Y)~TOL, qP(Y)~TOL or P(Y<=c)~TOL", text);
    body = text + pre;
    const char *end = t->kind == PB_TGT_VALUE ? strpbrk(body, "=~") : strchr(body, ')');
    if (!end) return bad(opt, n, (int)pre + 1, "found '%s'; expected ')' after the output", body);
    pb_status st = parse_output_at(body, (size_t)(end - body), sc, opt, n, (int)pre + 1, &t->y);
    if (st != PB_OK) return st;
    if (t->kind == PB_TGT_MEAN && pb_output_is_year(&t->y))
        return bad(opt, n, (int)pre + 1, "found '%s', a year metric: 'never' has no mean; expected a quantile "
                   "(q0.5(...)) or a probability (P(...<=YEAR))", t->y.text);
    const char *rhs = t->kind == PB_TGT_VALUE ? end : end + 1;
    return parse_rhs(rhs, precision, opt, n, (int)(rhs - text) + 1, t);
}
