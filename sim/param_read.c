/* param_read.c: one parameter of a scenario file, a number or a
 * distribution {dist: NAME, KEY: VALUE, ..., per_year: BOOL} (param.h's
 * PB_DISTRIBUTIONS gives each law's keys). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario_read.h"

/* ------------------------------------------------------------------ */
/* Parameters: a number or {dist: NAME, ...}                             */


/* Marks a parameter whose value could not be read: sr_validate() skips it, so
 * that one mistake gives one message. */
void sr_mark_invalid(pb_param *out, pb_loc at)
{
    *out = pb_param_fixed(NAN);
    out->set = true;
    out->loc = at;
}

bool sr_is_invalid(const pb_param *p) { return p->dist == PB_DIST_FIXED && isnan(p->v[0]); }

/* The law named by the mapping's `dist` key, or PB_N_DIST after an error. */
static int read_dist(ctx *c, yaml_node_t *n, const char *path)
{
    char buf[96];
    yaml_node_t *dn = sr_map_get(c, n, "dist");
    if (!dn) {
        ERR(c, n, "found a mapping without 'dist' for %s; expected a number or a distribution {dist: NAME, ...}", path);
        return PB_N_DIST;
    }
    const char *dname = sr_scalar(dn);
    int d = dname ? (int)pb_dist_from_name(dname) : PB_N_DIST;
    if (d == PB_N_DIST) {
        char names[200] = "";
        for (int i = 0; i < PB_N_DIST; i++)
            snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? ", " : "", pb_dist_table[i].name);
        ERR(c, dn, "found distribution %s; expected one of %s", sr_found(dn, buf, sizeof buf), names);
    }
    return d;
}

/* per_year: true or false; true only where the table allows it. */
static bool read_per_year(ctx *c, yaml_node_t *k, yaml_node_t *v, bool allow_per_year, const char *path, pb_param *p)
{
    char buf[96];
    const char *s = sr_is_plain(v) ? sr_scalar(v) : NULL;
    bool t = s && (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE"));
    bool f = s && (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE"));
    if (!t && !f) {
        ERR(c, v, "found %s for per_year; expected true or false", sr_found(v, buf, sizeof buf));
        return false;
    }
    if (t && !allow_per_year) {
        char list[160] = "";
        for (int i = 0; i < PB_N_PARAM_ROWS; i++)
            if (pb_param_rows[i].per_year_ok)
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", list[0] ? " and " : "", pb_param_rows[i].path);
        ERR(c, k, "found per_year: true on %s; expected per_year only on %s", path, list);
        return false;
    }
    p->per_year = t;
    return true;
}

/* The index of key ks among the law's keys, or -1 after an error. */
static int key_index(ctx *c, yaml_node_t *k, const char *ks, const pb_dist_info *spec, bool allow_per_year)
{
    for (int i = 0; i < 4 && spec->keys[i]; i++)
        if (strcmp(spec->keys[i], ks) == 0) return i;
    char list[160] = "dist";
    for (int i = 0; i < 4 && spec->keys[i]; i++) snprintf(list + strlen(list), sizeof list - strlen(list), ", %s", spec->keys[i]);
    ERR(c, k, "found unknown key '%s' in a %s distribution; expected one of: %s%s", ks, spec->name, list,
        allow_per_year ? ", per_year" : "");
    return -1;
}

/* A discrete law's lists: as many values as probabilities, at least one. */
static bool read_discrete(ctx *c, yaml_node_t *values, yaml_node_t *probs, pb_param *p)
{
    int nv = sr_number_list(c, values, p->values, PB_MAX_DISCRETE, "a list of values");
    int np = sr_number_list(c, probs, p->p, PB_MAX_DISCRETE, "a list of probabilities");
    if (nv < 0 || np < 0) return false;
    if (nv != np || nv == 0) {
        ERR(c, probs, "found %d values and %d probabilities; expected as many of each, at least one", nv, np);
        return false;
    }
    p->n = nv;
    return true;
}

/* The keys of a distribution mapping into p (its law already set). */
static bool read_law(ctx *c, yaml_node_t *n, bool allow_per_year, const char *path, pb_param *p)
{
    const pb_dist_info *spec = &pb_dist_table[p->dist];
    bool given[4] = {false}, ok = true;
    /* Optional keys (normal's and beta's bounds) start at their defaults. */
    p->v[2] = spec->optional[0];
    p->v[3] = spec->optional[1];
    yaml_node_t *values = NULL, *probs = NULL;
    for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
        yaml_node_t *k = sr_node(c, pr->key), *v = sr_node(c, pr->value);
        const char *ks = sr_scalar(k);
        if (!ks || sr_is_duplicate_key(c, n, pr) || strcmp(ks, "dist") == 0) continue;
        if (strcmp(ks, "per_year") == 0) {
            if (!read_per_year(c, k, v, allow_per_year, path, p)) ok = false;
            continue;
        }
        int idx = key_index(c, k, ks, spec, allow_per_year);
        if (idx < 0) {
            ok = false;
            continue;
        }
        given[idx] = true;
        if (p->dist == PB_DIST_DISCRETE) *(idx == 0 ? &values : &probs) = v;
        else if (!sr_get_number(c, v, &p->v[idx], "a number")) ok = false;
    }
    for (int i = 0; i < spec->n_required; i++)
        if (!given[i]) {
            ERR(c, n, "found no '%s' in the %s distribution of %s; expected keys %s%s%s%s%s", spec->keys[i], spec->name, path,
                spec->keys[0], spec->n_required > 1 ? ", " : "", spec->n_required > 1 ? spec->keys[1] : "",
                spec->n_required > 2 ? ", " : "", spec->n_required > 2 ? spec->keys[2] : "");
            ok = false;
        }
    if (p->dist == PB_DIST_DISCRETE && values && probs && !read_discrete(c, values, probs, p)) ok = false;
    return ok;
}

void sr_parse_param(ctx *c, yaml_node_t *n, pb_param *out, bool allow_per_year, const char *path)
{
    char buf[96];
    pb_param p;
    memset(&p, 0, sizeof p);
    p.loc = sr_loc(c, n);
    p.set = true;
    sr_mark_invalid(out, p.loc); /* until the value is read in full */
    if (n && n->type == YAML_SCALAR_NODE) {
        double x;
        if (!sr_get_number(c, n, &x, "a number or a distribution")) return;
        p.dist = PB_DIST_FIXED;
        p.v[0] = x;
        *out = p;
        return;
    }
    if (!n || n->type != YAML_MAPPING_NODE) {
        ERR(c, n, "found %s for %s; expected a number or a distribution", sr_found(n, buf, sizeof buf), path);
        return;
    }
    if (!sr_check_mapping(c, n, "a distribution")) return;
    int d = read_dist(c, n, path);
    if (d == PB_N_DIST) return;
    p.dist = (pb_dist)d;
    if (!read_law(c, n, allow_per_year, path, &p)) return;
    char msg[300];
    if (!pb_param_check(&p, msg, sizeof msg)) {
        ERR(c, n, "%s (%s)", msg, path);
        return;
    }
    *out = p;
}
