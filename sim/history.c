/* history.c: what happened, in a scenario file (model.md §5): observed
 * revenue (revenue.observed: year -> B$) and forced regime years
 * (revenue.regime.forced: year -> bust | boom).  Both are year maps, read
 * when parsed and checked once the horizon is known. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "scenario_read.h"

/* A year key of a map: an integer year, not given twice (compared as
 * years: 2025 and 2025.0 are one year).  0 after an error. */
static int year_key(ctx *c, yaml_node_t *kn, const int *seen, int n, const char *where)
{
    long long y;
    char what[96];
    snprintf(what, sizeof what, "a calendar year as a key of %s", where);
    if (!sr_get_int(c, kn, &y, 1, 9999, what)) return 0;
    for (int i = 0; i < n; i++)
        if (seen[i] == (int)y) {
            ERR(c, kn, "found year %lld twice in %s; expected each year once", y, where);
            return 0;
        }
    return (int)y;
}

void sr_parse_observed(ctx *c, yaml_node_t *v, yaml_node_t *k)
{
    (void)k;
    c->observed_block_loc = sr_loc(c, v);
    if (!sr_check_mapping(c, v, "a mapping of year: B$ for revenue.observed")) return;
    char buf[96];
    for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
        yaml_node_t *kn = sr_node(c, p->key), *vn = sr_node(c, p->value);
        if (!sr_scalar(kn) || sr_is_duplicate_key(c, v, p)) continue;
        int y = year_key(c, kn, c->observed_year, c->n_observed, "revenue.observed");
        double x;
        if (!y || !sr_get_number(c, vn, &x, "observed revenue in B$, a plain number > 0")) continue;
        if (!(x > 0)) {
            ERR(c, vn, "found observed revenue %s; expected a number > 0 (B$)", sr_found(vn, buf, sizeof buf));
            continue;
        }
        if (c->n_observed >= PB_MAX_YEARS) {
            ERR(c, kn, "found more than %d observed years; expected at most one a year of the horizon", PB_MAX_YEARS);
            break;
        }
        c->observed_loc[c->n_observed] = sr_loc(c, kn);
        c->observed_value[c->n_observed] = x;
        c->observed_year[c->n_observed++] = y;
    }
    if (v->data.mapping.pairs.top == v->data.mapping.pairs.start)
        ERR(c, v, "found no observed year; expected year: B$ pairs in revenue.observed");
}

void sr_parse_forced(ctx *c, yaml_node_t *v, yaml_node_t *k)
{
    (void)k;
    if (!sr_check_mapping(c, v, "a mapping of year: bust | boom for revenue.regime.forced")) return;
    char buf[96];
    for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
        yaml_node_t *kn = sr_node(c, p->key), *vn = sr_node(c, p->value);
        if (!sr_scalar(kn) || sr_is_duplicate_key(c, v, p)) continue;
        int y = year_key(c, kn, c->forced_year, c->n_forced, "revenue.regime.forced");
        if (!y) continue;
        const char *s = sr_scalar(vn);
        if (!s || (strcmp(s, "bust") && strcmp(s, "boom"))) {
            ERR(c, vn, "found %s for the regime in %d; expected bust or boom", sr_found(vn, buf, sizeof buf), y);
            continue;
        }
        if (c->n_forced >= PB_MAX_YEARS) {
            ERR(c, kn, "found more than %d forced years; expected at most one a year of the horizon", PB_MAX_YEARS);
            break;
        }
        c->forced_loc[c->n_forced] = sr_loc(c, kn);
        c->forced_bust[c->n_forced] = !strcmp(s, "bust");
        c->forced_year[c->n_forced++] = y;
    }
    if (v->data.mapping.pairs.top == v->data.mapping.pairs.start)
        ERR(c, v, "found no forced year; expected year: bust | boom pairs in revenue.regime.forced");
}

/* Observed years: consecutive from years.start, inside the horizon; they
 * go into sc->observed by t.  growth.initial has no effect when the first
 * year is observed (the process state follows the data): an error. */
static void check_observed(ctx *c)
{
    pb_scenario *sc = c->sc;
    const int n = c->n_observed;
    bool ok = true, seen[PB_MAX_YEARS] = {false};
    for (int i = 0; i < n; i++) {
        int t = c->observed_year[i] - sc->start;
        if (t < 0 || t >= n || t >= sc->n_years) {
            pb_raise(PB_EINPUT, &c->observed_loc[i], "found observed year %d; expected consecutive years from %d "
                     "(years.start) inside the horizon %d-%d", c->observed_year[i], sc->start, sc->start, sc->end);
            ok = false;
            continue;
        }
        sc->observed[t] = c->observed_value[i];
        seen[t] = true;
    }
    for (int t = 0; t < n && ok; t++) ok = seen[t];
    if (!ok) return;
    sc->n_observed = n;
    if (n > 0 && sc->process == PB_PROCESS_GROWTH && sc->g_initial.set)
        pb_raise(PB_EINPUT, &sc->g_initial.key_loc, "found revenue.growth.initial with %d observed; expected no initial "
                 "growth (it has no effect: the growth state follows the observed years)", sc->start);
}

/* Forced years: with a regime block, after the observed years, inside the
 * horizon; they go into sc->forced by t. */
static void check_forced(ctx *c)
{
    pb_scenario *sc = c->sc;
    for (int i = 0; i < c->n_forced; i++) {
        int y = c->forced_year[i], t = y - sc->start;
        if (t < c->n_observed || t >= sc->n_years) {
            pb_raise(PB_EINPUT, &c->forced_loc[i], "found forced regime year %d; expected a year after the observed "
                     "ones (from %d) inside the horizon %d-%d", y, sc->start + c->n_observed, sc->start, sc->end);
            continue;
        }
        sc->forced[t] = c->forced_bust[i] ? 2 : 1;
        sc->has_forced = true;
    }
}

void sr_check_history(ctx *c)
{
    check_observed(c);
    check_forced(c);
}
