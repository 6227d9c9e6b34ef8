/* scenario.c: scenario files → pb_scenario (interfaces.md §1).
 *
 * Three steps: defaults(), parse (libyaml's document API; --set overrides
 * are merged into the document before parsing, so that one code path reads
 * both), validate() with every range and cross-field rule in one place.
 * Errors are collected (error.h) and printed sorted by position. */
#include "payback/scenario.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <yaml.h>

#define MAX_OVERRIDES 256

/* ------------------------------------------------------------------ */
/* Parsing context                                                      */

typedef struct {
    int first, last;  /* node ids copied in from --set number `set` (1-based) */
    int set;            /* --set:N: marks of these nodes hold the column in the argument */
} override_range;

typedef struct {
    const char *file;      /* display name for positions (owned by the scenario) */
    yaml_document_t doc;
    bool have_doc;
    override_range ranges[MAX_OVERRIDES];
    int n_ranges;
    pb_scenario *sc;
    pb_loc growth_loc, logistic_loc, revenue_loc, jpm_loc;
    bool has_growth_block, has_logistic_block;
    int committed_year[PB_MAX_YEARS];      /* the year keys of capex.committed, in file order */
    pb_loc committed_loc[PB_MAX_YEARS];    /* where each year key was written */
    pb_loc target_years_loc[PB_MAX_YEARS];
    int gen_index;                            /* generation being parsed */
} ctx;

static const char *const SET_FILE = "--set";

static int node_id(ctx *c, yaml_node_t *n) { return (int)(n - c->doc.nodes.start) + 1; }
static yaml_node_t *node_at(ctx *c, int id) { return yaml_document_get_node(&c->doc, id); }

static pb_loc loc_of(ctx *c, yaml_node_t *n)
{
    pb_loc at = {c->file, 1, 1};
    if (!n) return at;
    int id = node_id(c, n);
    for (int i = 0; i < c->n_ranges; i++)
        if (id >= c->ranges[i].first && id <= c->ranges[i].last) {
            at.file = SET_FILE;
            at.line = c->ranges[i].set;
            at.col = (int)n->start_mark.column + 1;
            return at;
        }
    at.line = (int)n->start_mark.line + 1;
    at.col = (int)n->start_mark.column + 1;
    return at;
}

#define ERR(c, node, ...) do { pb_loc at_ = loc_of((c), (node)); pb_raise(PB_EINPUT, &at_, __VA_ARGS__); } while (0)

static const char *scalar(yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static bool is_plain(yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

/* How a node is shown after "found": the scalar text, or its kind. */
static const char *found(yaml_node_t *n, char *buf, size_t len)
{
    if (!n) return "nothing";
    switch (n->type) {
    case YAML_SCALAR_NODE:
        if (n->data.scalar.length == 0 && is_plain(n)) return "an empty value";
        snprintf(buf, len, "'%.60s%s'", (const char *)n->data.scalar.value,
                 n->data.scalar.length > 60 ? "..." : "");
        return buf;
    case YAML_MAPPING_NODE: return "a mapping";
    case YAML_SEQUENCE_NODE: return "a sequence";
    default: return "nothing";
    }
}

/* ------------------------------------------------------------------ */
/* YAML 1.2 core schema numbers                                         */

static bool all_digits(const char *s, int (*ok)(int))
{
    if (!*s) return false;
    for (; *s; s++)
        if (!ok((unsigned char)*s)) return false;
    return true;
}
static int is_octal(int ch) { return ch >= '0' && ch <= '7'; }

/* Parses a plain scalar that the core schema resolves to an int or a float.
 * *is_int tells which.  Returns false for anything else (strings, bools,
 * null, quoted scalars). */
static bool core_number(yaml_node_t *n, double *x, bool *is_int)
{
    if (!is_plain(n)) return false;
    const char *s = scalar(n);
    *is_int = false;
    if (strncmp(s, "0o", 2) == 0 && all_digits(s + 2, is_octal)) {
        *x = (double)strtoull(s + 2, NULL, 8); *is_int = true; return true;
    }
    if (strncmp(s, "0x", 2) == 0 && all_digits(s + 2, isxdigit)) {
        *x = (double)strtoull(s + 2, NULL, 16); *is_int = true; return true;
    }
    const char *p = s;
    if (*p == '+' || *p == '-') p++;
    if (strcmp(p, ".inf") == 0 || strcmp(p, ".Inf") == 0 || strcmp(p, ".INF") == 0) {
        *x = *s == '-' ? -INFINITY : INFINITY; return true;
    }
    if (strcmp(s, ".nan") == 0 || strcmp(s, ".NaN") == 0 || strcmp(s, ".NAN") == 0) { *x = NAN; return true; }
    /* [-+]? ( \.[0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )? */
    const char *q = p;
    int int_digits = 0, frac_digits = 0;
    bool dot = false, exp = false;
    while (isdigit((unsigned char)*q)) { q++; int_digits++; }
    if (*q == '.') { dot = true; q++; while (isdigit((unsigned char)*q)) { q++; frac_digits++; } }
    if (int_digits == 0 && frac_digits == 0) return false;
    if (*q == 'e' || *q == 'E') {
        exp = true; q++;
        if (*q == '+' || *q == '-') q++;
        if (!isdigit((unsigned char)*q)) return false;
        while (isdigit((unsigned char)*q)) q++;
    }
    if (*q) return false;
    errno = 0;
    *x = strtod(s, NULL);
    *is_int = !dot && !exp;
    return true;
}

/* A finite number with |x| <= 1e12 (interfaces.md §1), or an error. */
static bool get_number(ctx *c, yaml_node_t *n, double *x, const char *expected)
{
    char buf[96];
    bool is_int;
    if (!core_number(n, x, &is_int)) {
        ERR(c, n, "found %s; expected %s", found(n, buf, sizeof buf), expected);
        return false;
    }
    if (!isfinite(*x) || fabs(*x) > 1e12) {
        ERR(c, n, "found %s; expected a finite number with |x| <= 1e12", found(n, buf, sizeof buf));
        return false;
    }
    return true;
}

/* An integer (a number with an integral value, so that 1e6 is accepted). */
static bool get_int(ctx *c, yaml_node_t *n, long long *v, long long lo, long long hi, const char *expected)
{
    double x;
    char buf[96];
    bool is_int;
    if (!core_number(n, &x, &is_int) || !isfinite(x) || x != floor(x) || x < (double)lo || x > (double)hi) {
        ERR(c, n, "found %s; expected %s", found(n, buf, sizeof buf), expected);
        return false;
    }
    *v = (long long)x;
    return true;
}

/* ------------------------------------------------------------------ */
/* Mappings: duplicate keys, key tables                                 */

/* A key of a block that is not a parameter of param_table.h (a block, a
 * list, a name, a policy): read by its own function. */
typedef struct keydef keydef;
typedef void (*key_fn)(ctx *c, yaml_node_t *val, yaml_node_t *key);
struct keydef {
    const char *key;
    key_fn fn;
    bool required;
};

/* Checks that n is a mapping whose keys are plain strings, each given once.
 * Reports every duplicate.  Returns false if n is not a mapping at all. */
static bool check_mapping(ctx *c, yaml_node_t *n, const char *what)
{
    char buf[96];
    if (!n || n->type != YAML_MAPPING_NODE) {
        ERR(c, n, "found %s; expected %s", found(n, buf, sizeof buf), what);
        return false;
    }
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node_at(c, p->key);
        if (!k || k->type != YAML_SCALAR_NODE) {
            ERR(c, k, "found %s as a key; expected a plain key", found(k, buf, sizeof buf));
            continue;
        }
        for (yaml_node_pair_t *q = n->data.mapping.pairs.start; q < p; q++) {
            yaml_node_t *k0 = node_at(c, q->key);
            if (k0 && k0->type == YAML_SCALAR_NODE && strcmp(scalar(k0), scalar(k)) == 0) {
                pb_loc first = loc_of(c, k0);
                ERR(c, k, "found duplicate key '%s' (first at %d:%d); expected each key once",
                    scalar(k), first.line, first.col);
                break;
            }
        }
    }
    return true;
}

/* The first pair of mapping n whose key is k (NULL if none). */
static yaml_node_t *map_get(ctx *c, yaml_node_t *n, const char *k)
{
    if (!n || n->type != YAML_MAPPING_NODE) return NULL;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        const char *s = scalar(node_at(c, p->key));
        if (s && strcmp(s, k) == 0) return node_at(c, p->value);
    }
    return NULL;
}

static bool is_duplicate_key(ctx *c, yaml_node_t *map, yaml_node_pair_t *p)
{
    const char *s = scalar(node_at(c, p->key));
    for (yaml_node_pair_t *q = map->data.mapping.pairs.start; q < p; q++) {
        const char *s0 = scalar(node_at(c, q->key));
        if (s && s0 && strcmp(s, s0) == 0) return true;
    }
    return false;
}

/* The parameter rows of param_table.h whose path is `block`.KEY. */
static bool row_in_block(const pb_param_row *r, const char *block)
{
    size_t nb = strlen(block);
    return strncmp(r->path, block, nb) == 0 && r->path[nb] == '.' && !strchr(r->path + nb + 1, '.');
}

/* Appends ", k" (or "k" first) to buf; false when it is full. */
static bool append_key(char *buf, size_t len, size_t *used, const char *k)
{
    int w = snprintf(buf + *used, len - *used, "%s%s", *used ? ", " : "", k);
    if (w < 0 || (size_t)w >= len - *used) return false;
    *used += (size_t)w;
    return true;
}

/* "k1, k2, ...": the block's own keys, then its parameters. */
static void key_list(const keydef *keys, const char *block, bool required_only, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = 0;
    for (const keydef *k = keys; k && k->key; k++)
        if ((!required_only || k->required) && !append_key(buf, len, &used, k->key)) return;
    for (int i = 0; i < PB_N_PARAM_ROWS; i++) {
        const pb_param_row *r = &pb_param_rows[i];
        if (row_in_block(r, block) && (!required_only || (r->flags & PB_PF_REQUIRED)) &&
            !append_key(buf, len, &used, strrchr(r->path, '.') + 1))
            return;
    }
}

static void parse_param(ctx *c, yaml_node_t *n, pb_param *out, bool allow_per_year, const char *path);

/* Reads parameter row r from value node v (key node k). */
static void parse_row(ctx *c, const pb_param_row *r, yaml_node_t *v, yaml_node_t *k)
{
    pb_param *p = pb_row_param(c->sc, r);
    parse_param(c, v, p, r->per_year_ok, r->path);
    p->key_loc = loc_of(c, k);
}

/* Dispatches every key of mapping n: the block's own keys through `keys`
 * (may be NULL), its parameters through param_table.h.  Unknown keys and
 * missing required keys are errors.  `block` is the dotted path of the
 * mapping ("" for the top level); `where` names it in messages. */
static void parse_block(ctx *c, yaml_node_t *n, const keydef *keys, const char *block, const char *where)
{
    char what[128];
    snprintf(what, sizeof what, "a mapping for %s", where);
    if (!check_mapping(c, n, what)) return;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node_at(c, p->key), *v = node_at(c, p->value);
        const char *ks = scalar(k);
        if (!ks || is_duplicate_key(c, n, p)) continue; /* already reported */
        const keydef *d = keys;
        while (d && d->key && strcmp(d->key, ks) != 0) d++;
        const pb_param_row *r = d && d->key ? NULL : pb_param_row_find(block, ks);
        if (d && d->key) d->fn(c, v, k);
        else if (r) parse_row(c, r, v, k);
        else {
            char list[400];
            key_list(keys, block, false, list, sizeof list);
            ERR(c, k, "found unknown key '%s' in %s; expected one of: %s", ks, where, list);
        }
    }
    char need[160];
    key_list(keys, block, true, need, sizeof need);
    for (const keydef *d = keys; d && d->key; d++)
        if (d->required && !map_get(c, n, d->key))
            ERR(c, n, "found no key '%s' in %s; expected the required keys %s", d->key, where, need);
    for (int i = 0; i < PB_N_PARAM_ROWS; i++) {
        const pb_param_row *r = &pb_param_rows[i];
        const char *key = strrchr(r->path, '.') + 1;
        if ((r->flags & PB_PF_REQUIRED) && row_in_block(r, block) && !map_get(c, n, key))
            ERR(c, n, "found no key '%s' in %s; expected the required keys %s", key, where, need);
    }
}

/* A block whose dotted path is also its name in messages. */
static void parse_map(ctx *c, yaml_node_t *n, const keydef *keys, const char *block) { parse_block(c, n, keys, block, block); }

/* ------------------------------------------------------------------ */
/* Parameters: a number or {dist: NAME, ...}                             */

static int number_list(ctx *c, yaml_node_t *n, double *out, int cap, const char *what)
{
    char buf[96];
    if (!n || n->type != YAML_SEQUENCE_NODE) {
        ERR(c, n, "found %s; expected %s", found(n, buf, sizeof buf), what);
        return -1;
    }
    int count = 0;
    bool ok = true;
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
        yaml_node_t *e = node_at(c, *it);
        if (count >= cap) {
            ERR(c, e, "found more than %d values; expected at most %d", cap, cap);
            return -1;
        }
        if (!get_number(c, e, &out[count++], "a number")) ok = false;
    }
    return ok ? count : -1;
}

/* Marks a parameter whose value could not be read: validate() skips it, so
 * that one mistake gives one message. */
static void mark_invalid(pb_param *out, pb_loc at)
{
    *out = pb_param_fixed(NAN);
    out->set = true;
    out->loc = at;
}

static bool is_invalid(const pb_param *p) { return p->dist == PB_DIST_FIXED && isnan(p->v[0]); }

static void parse_param(ctx *c, yaml_node_t *n, pb_param *out, bool allow_per_year, const char *path)
{
    char buf[96];
    pb_param p;
    memset(&p, 0, sizeof p);
    p.loc = loc_of(c, n);
    p.set = true;
    mark_invalid(out, p.loc); /* until the value is read in full */
    if (n && n->type == YAML_SCALAR_NODE) {
        double x;
        if (!get_number(c, n, &x, "a number or a distribution")) return;
        p.dist = PB_DIST_FIXED;
        p.v[0] = x;
        *out = p;
        return;
    }
    if (!n || n->type != YAML_MAPPING_NODE) {
        ERR(c, n, "found %s for %s; expected a number or a distribution", found(n, buf, sizeof buf), path);
        return;
    }
    if (!check_mapping(c, n, "a distribution")) return;
    yaml_node_t *dn = map_get(c, n, "dist");
    if (!dn) {
        ERR(c, n, "found a mapping without 'dist' for %s; expected a number or a distribution "
                  "{dist: NAME, ...}", path);
        return;
    }
    const char *dname = scalar(dn);
    p.dist = dname ? pb_dist_from_name(dname) : (pb_dist)PB_N_DIST;
    if ((int)p.dist == PB_N_DIST) {
        ERR(c, dn, "found distribution %s; expected one of fixed, normal, lognormal, uniform, "
                   "triangular, pert, beta, gamma, discrete", found(dn, buf, sizeof buf));
        return;
    }
    const pb_dist_info *spec = &pb_dist_table[p.dist];
    bool given[4] = {false}, ok = true;
    /* Optional bounds: normal unbounded, beta on [0, 1]. */
    if (p.dist == PB_DIST_NORMAL) { p.v[2] = -INFINITY; p.v[3] = INFINITY; }
    if (p.dist == PB_DIST_BETA) { p.v[2] = 0; p.v[3] = 1; }
    yaml_node_t *values = NULL, *probs = NULL;
    for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
        yaml_node_t *k = node_at(c, pr->key), *v = node_at(c, pr->value);
        const char *ks = scalar(k);
        if (!ks || is_duplicate_key(c, n, pr) || strcmp(ks, "dist") == 0) continue;
        if (strcmp(ks, "per_year") == 0) {
            const char *s = is_plain(v) ? scalar(v) : NULL;
            bool t = s && (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE"));
            bool f = s && (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE"));
            if (!t && !f) { ERR(c, v, "found %s for per_year; expected true or false", found(v, buf, sizeof buf)); ok = false; }
            else if (t && !allow_per_year) {
                char list[160] = "";
                for (int i = 0; i < PB_N_PARAM_ROWS; i++)
                    if (pb_param_rows[i].per_year_ok)
                        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", list[0] ? " and " : "",
                                 pb_param_rows[i].path);
                ERR(c, k, "found per_year: true on %s; expected per_year only on %s", path, list);
                ok = false;
            } else p.per_year = t;
            continue;
        }
        int idx = -1;
        for (int i = 0; i < 4 && spec->keys[i]; i++)
            if (strcmp(spec->keys[i], ks) == 0) idx = i;
        if (idx < 0) {
            char list[160] = "dist";
            for (int i = 0; i < 4 && spec->keys[i]; i++) {
                strcat(list, ", ");
                strcat(list, spec->keys[i]);
            }
            ERR(c, k, "found unknown key '%s' in a %s distribution; expected one of: %s%s", ks,
                spec->name, list, allow_per_year ? ", per_year" : "");
            ok = false;
            continue;
        }
        given[idx] = true;
        if (p.dist == PB_DIST_DISCRETE) {
            if (idx == 0) values = v; else probs = v;
            continue;
        }
        if (!get_number(c, v, &p.v[idx], "a number")) ok = false;
    }
    for (int i = 0; i < spec->n_required; i++)
        if (!given[i]) {
            ERR(c, n, "found no '%s' in the %s distribution of %s; expected keys %s%s%s%s%s", spec->keys[i],
                spec->name, path, spec->keys[0], spec->n_required > 1 ? ", " : "",
                spec->n_required > 1 ? spec->keys[1] : "", spec->n_required > 2 ? ", " : "",
                spec->n_required > 2 ? spec->keys[2] : "");
            ok = false;
        }
    if (p.dist == PB_DIST_DISCRETE && values && probs) {
        int nv = number_list(c, values, p.values, PB_MAX_DISCRETE, "a list of values");
        int np = number_list(c, probs, p.p, PB_MAX_DISCRETE, "a list of probabilities");
        if (nv < 0 || np < 0) ok = false;
        else if (nv != np || nv == 0) {
            ERR(c, probs, "found %d values and %d probabilities; expected as many of each, at least one", nv, np);
            ok = false;
        } else p.n = nv;
    }
    if (!ok) return;
    char msg[300];
    if (!pb_param_check(&p, msg, sizeof msg)) {
        ERR(c, n, "%s (%s)", msg, path);
        return;
    }
    *out = p;
}

/* ------------------------------------------------------------------ */
/* Section parsers                                                      */

#define SC(field) offsetof(pb_scenario, field)

/* A scenario or generation name: 1 to PB_NAME_LEN - 1 of [A-Za-z0-9_.-]. */
static bool is_identifier(const char *s)
{
    bool ok = s && *s && strlen(s) < PB_NAME_LEN;
    for (const char *p = s; ok && *p; p++)
        ok = isalnum((unsigned char)*p) || *p == '_' || *p == '.' || *p == '-';
    return ok;
}

static void parse_name(ctx *c, yaml_node_t *v, yaml_node_t *k)
{
    (void)k;
    char buf[96];
    const char *s = scalar(v);
    if (!is_identifier(s)) {
        ERR(c, v, "found %s for name; expected an identifier of 1 to %d characters [A-Za-z0-9_.-]",
            found(v, buf, sizeof buf), PB_NAME_LEN - 1);
        return;
    }
    snprintf(c->sc->name, sizeof c->sc->name, "%s", s);
}

static void parse_description(ctx *c, yaml_node_t *v, yaml_node_t *k)
{
    (void)k;
    char buf[96];
    if (!v || v->type != YAML_SCALAR_NODE) {
        ERR(c, v, "found %s for description; expected text", found(v, buf, sizeof buf));
        return;
    }
    char *d = strdup(scalar(v));
    if (!d) { pb_raise(PB_ENOMEM, NULL, "out of memory"); return; }
    free(c->sc->description);
    c->sc->description = d;
}

static void parse_years_start(ctx *c, yaml_node_t *v, yaml_node_t *k)
{
    (void)k;
    long long y;
    if (get_int(c, v, &y, 1, 9999, "a calendar year (an integer from 1 to 9999)")) c->sc->start = (int)y;
}
static void parse_years_end(ctx *c, yaml_node_t *v, yaml_node_t *k)
{
    (void)k;
    long long y;
    if (get_int(c, v, &y, 1, 9999, "a calendar year (an integer from 1 to 9999)")) c->sc->end = (int)y;
}
static const keydef years_keys[] = {
    {"start", parse_years_start, true}, {"end", parse_years_end, true}, {0}};
static void parse_years(ctx *c, yaml_node_t *v, yaml_node_t *k)
{
    (void)k;
    c->sc->start = c->sc->end = 0;
    parse_map(c, v, years_keys, "years");
}

static void parse_paths(ctx *c, yaml_node_t *v, yaml_node_t *k)
{
    (void)k;
    long long n;
    if (get_int(c, v, &n, 1, (long long)1e15, "a number of paths, an integer >= 1")) c->sc->paths = n;
}

static void parse_seed(ctx *c, yaml_node_t *v, yaml_node_t *k)
{
    (void)k;
    char buf[96];
    double x;
    bool is_int;
    const char *s = scalar(v);
    if (core_number(v, &x, &is_int) && is_int && s[0] != '-' && s[0] != '+' && strncmp(s, "0o", 2) &&
        strncmp(s, "0x", 2)) {
        errno = 0;
        unsigned long long u = strtoull(s, NULL, 10);
        if (errno == 0) { c->sc->seed = u; return; }
    } else if (core_number(v, &x, &is_int) && x >= 0 && x == floor(x) && x < 9007199254740992.0) {
        c->sc->seed = (uint64_t)x;
        return;
    }
    ERR(c, v, "found %s for seed; expected an integer from 0 to 18446744073709551615", found(v, buf, sizeof buf));
}

static void parse_finance(ctx *c, yaml_node_t *v, yaml_node_t *k) { (void)k; parse_map(c, v, NULL, "finance"); }

static void parse_committed(ctx *c, yaml_node_t *v, yaml_node_t *k)
{
    (void)k;
    pb_scenario *sc = c->sc;
    sc->n_committed = 0;
    if (!check_mapping(c, v, "a mapping of year: B$ for capex.committed")) return;
    /* Keep the years now; their window rule is checked in validate(), once
     * years.start is known.  Store them in the order given. */
    int n = 0;
    for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
        yaml_node_t *kn = node_at(c, p->key), *vn = node_at(c, p->value);
        if (!scalar(kn) || is_duplicate_key(c, v, p)) continue;
        long long y;
        if (!get_int(c, kn, &y, 1, 9999, "a calendar year as a key of capex.committed")) continue;
        if (n >= PB_MAX_YEARS) { ERR(c, kn, "found more than %d committed years; expected at most %d", PB_MAX_YEARS, PB_MAX_YEARS); break; }
        char path[64];
        snprintf(path, sizeof path, "capex.committed.%lld", y);
        sc->committed[n] = pb_param_fixed(NAN);
        parse_param(c, vn, &sc->committed[n], false, path);
        c->committed_loc[n] = loc_of(c, kn);
        c->committed_year[n++] = (int)y;
    }
    /* validate() puts them in year order once years.start is known. */
    sc->n_committed = n;
    if (n == 0) ERR(c, v, "found no committed year; expected at least one year: B$ in capex.committed");
}

static void parse_after(ctx *c, yaml_node_t *v, yaml_node_t *k)
{
    (void)k;
    char buf[96];
    pb_scenario *sc = c->sc;
    sc->after_loc = loc_of(c, v);
    if (!check_mapping(c, v, "a mapping {policy: ...} for capex.after")) return;
    yaml_node_t *pn = map_get(c, v, "policy");
    const char *ps = scalar(pn);
    const char *want = NULL;
    if (!pn) { ERR(c, v, "found no 'policy' in capex.after; expected policy: none | growth | intensity | hold_capacity"); return; }
    if (ps && !strcmp(ps, "none")) sc->after = PB_AFTER_NONE;
    else if (ps && !strcmp(ps, "growth")) { sc->after = PB_AFTER_GROWTH; want = "rate"; }
    else if (ps && !strcmp(ps, "intensity")) { sc->after = PB_AFTER_INTENSITY; want = "ratio"; }
    else if (ps && !strcmp(ps, "hold_capacity")) sc->after = PB_AFTER_HOLD;
    else { ERR(c, pn, "found %s for capex.after.policy; expected none, growth, intensity or hold_capacity", found(pn, buf, sizeof buf)); return; }
    bool have_value = false;
    for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
        yaml_node_t *kn = node_at(c, p->key);
        const char *ks = scalar(kn);
        if (!ks || is_duplicate_key(c, v, p) || !strcmp(ks, "policy")) continue;
        if (want && !strcmp(ks, want)) {
            parse_row(c, pb_param_row_find("capex.after", want), node_at(c, p->value), kn);
            have_value = true;
        } else {
            ERR(c, kn, "found key '%s' in capex.after with policy %s; expected %s%s%s", ks, ps,
                want ? "policy and " : "only policy", want ? want : "", "");
        }
    }
    if (want && !have_value) ERR(c, v, "found no '%s' in capex.after; expected %s with policy %s", want, want, ps);
}

static void parse_discipline(ctx *c, yaml_node_t *v, yaml_node_t *k)
{
    (void)k;
    c->sc->has_discipline = true;
    parse_map(c, v, NULL, "capex.discipline");
}

static const keydef capex_keys[] = {
    {"committed", parse_committed, true},
    {"after", parse_after, false},
    {"discipline", parse_discipline, false}, {0}};
static void parse_capex(ctx *c, yaml_node_t *v, yaml_node_t *k) { (void)k; parse_map(c, v, capex_keys, "capex"); }

static void parse_gen_name(ctx *c, yaml_node_t *v, yaml_node_t *k)
{
    (void)k;
    char buf[96];
    const char *s = scalar(v);
    if (!is_identifier(s)) {
        ERR(c, v, "found %s for a generation name; expected an identifier [A-Za-z0-9_.-]", found(v, buf, sizeof buf));
        return;
    }
    pb_scenario *sc = c->sc;
    for (int g = 0; g < c->gen_index; g++)
        if (!strcmp(sc->gen[g].name, s)) {
            ERR(c, v, "found generation name '%s' twice; expected unique names", s);
            return;
        }
    snprintf(sc->gen[c->gen_index].name, PB_NAME_LEN, "%s", s);
}
static void gen_param(ctx *c, yaml_node_t *v, pb_param *out, const char *field)
{
    char path[160];
    snprintf(path, sizeof path, "gpu.generations.%s.%s", c->sc->gen[c->gen_index].name[0] ? c->sc->gen[c->gen_index].name : "?", field);
    parse_param(c, v, out, false, path);
}
#define GEN_FN_(field, ...) \
    static void parse_gen_##field(ctx *c, yaml_node_t *v, yaml_node_t *k) \
    { (void)k; gen_param(c, v, &c->sc->gen[c->gen_index].field, #field); }
PB_GENERATION_PARAMETERS(GEN_FN_)
#undef GEN_FN_
static const keydef gen_keys[] = {
    {"name", parse_gen_name, true},
#define GEN_KEY_(field, ...) {#field, parse_gen_##field, true},
    PB_GENERATION_PARAMETERS(GEN_KEY_)
#undef GEN_KEY_
    {0}};

static void parse_generations(ctx *c, yaml_node_t *v, yaml_node_t *k)
{
    (void)k;
    char buf[96];
    pb_scenario *sc = c->sc;
    sc->generations_loc = loc_of(c, v);
    sc->n_generations = 0;
    if (!v || v->type != YAML_SEQUENCE_NODE) {
        ERR(c, v, "found %s for gpu.generations; expected a list of {name, year, cost, opex}", found(v, buf, sizeof buf));
        return;
    }
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
        if (sc->n_generations >= PB_MAX_GENERATIONS) {
            ERR(c, node_at(c, *it), "found more than %d generations; expected at most %d", PB_MAX_GENERATIONS, PB_MAX_GENERATIONS);
            break;
        }
        c->gen_index = sc->n_generations++;
        pb_generation *g = &sc->gen[c->gen_index];
        memset(g, 0, sizeof *g);
        pb_loc none = {0};
#define INVALID_(field, ...) mark_invalid(&g->field, none); /* missing keys are reported by parse_map */
        PB_GENERATION_PARAMETERS(INVALID_)
#undef INVALID_
        /* Read the name first so that messages about the other keys name it. */
        yaml_node_t *item = node_at(c, *it);
        yaml_node_t *nm = map_get(c, item, "name");
        if (nm && scalar(nm) && strlen(scalar(nm)) < PB_NAME_LEN) snprintf(g->name, PB_NAME_LEN, "%s", scalar(nm));
        parse_map(c, item, gen_keys, "a generation");
    }
    if (sc->n_generations == 0) ERR(c, v, "found no generation; expected at least one in gpu.generations");
}

static const keydef gpu_keys[] = {
    {"generations", parse_generations, true}, {0}};
static void parse_gpu(ctx *c, yaml_node_t *v, yaml_node_t *k) { (void)k; parse_map(c, v, gpu_keys, "gpu"); }

static void parse_opex(ctx *c, yaml_node_t *v, yaml_node_t *k) { (void)k; parse_map(c, v, NULL, "opex"); }

static void parse_process(ctx *c, yaml_node_t *v, yaml_node_t *k)
{
    (void)k;
    char buf[96];
    const char *s = scalar(v);
    if (s && !strcmp(s, "growth")) c->sc->process = PB_PROCESS_GROWTH;
    else if (s && !strcmp(s, "logistic")) c->sc->process = PB_PROCESS_LOGISTIC;
    else ERR(c, v, "found %s for revenue.process; expected growth or logistic", found(v, buf, sizeof buf));
}
static void parse_growth(ctx *c, yaml_node_t *v, yaml_node_t *k)
{
    c->has_growth_block = true;
    c->growth_loc = loc_of(c, k);
    parse_map(c, v, NULL, "revenue.growth");
}
static void parse_logistic(ctx *c, yaml_node_t *v, yaml_node_t *k)
{
    c->has_logistic_block = true;
    c->logistic_loc = loc_of(c, k);
    parse_map(c, v, NULL, "revenue.logistic");
}
static void parse_regime(ctx *c, yaml_node_t *v, yaml_node_t *k)
{
    (void)k;
    c->sc->has_regime = true;
    parse_map(c, v, NULL, "revenue.regime");
}
static const keydef revenue_keys[] = {
    {"process", parse_process, false},
    {"growth", parse_growth, false}, {"logistic", parse_logistic, false},
    {"regime", parse_regime, false},
    {0}};
static void parse_revenue(ctx *c, yaml_node_t *v, yaml_node_t *k)
{
    c->revenue_loc = loc_of(c, k);
    parse_map(c, v, revenue_keys, "revenue");
}

static void parse_bain(ctx *c, yaml_node_t *v, yaml_node_t *k) { (void)k; parse_map(c, v, NULL, "required.bain"); }
static void parse_jpm(ctx *c, yaml_node_t *v, yaml_node_t *k)
{
    c->jpm_loc = loc_of(c, k);
    parse_map(c, v, NULL, "required.jpmorgan");
}
static void parse_seq(ctx *c, yaml_node_t *v, yaml_node_t *k) { (void)k; parse_map(c, v, NULL, "required.sequoia"); }
static void parse_fc_dep(ctx *c, yaml_node_t *v, yaml_node_t *k)
{
    (void)k;
    char buf[96];
    const char *s = scalar(v);
    if (s && !strcmp(s, "economic")) c->sc->full_cost_depreciation = PB_DEP_ECONOMIC;
    else if (s && !strcmp(s, "accounting")) c->sc->full_cost_depreciation = PB_DEP_ACCOUNTING;
    else ERR(c, v, "found %s for required.full_cost.depreciation; expected economic or accounting", found(v, buf, sizeof buf));
}
static const keydef fc_keys[] = {{"depreciation", parse_fc_dep, false}, {0}};
static void parse_fc(ctx *c, yaml_node_t *v, yaml_node_t *k) { (void)k; parse_map(c, v, fc_keys, "required.full_cost"); }
static const keydef required_keys[] = {
    {"bain", parse_bain, false}, {"jpmorgan", parse_jpm, false},
    {"sequoia", parse_seq, false}, {"full_cost", parse_fc, false}, {0}};
static void parse_required(ctx *c, yaml_node_t *v, yaml_node_t *k) { (void)k; parse_map(c, v, required_keys, "required"); }

static void parse_correlations(ctx *c, yaml_node_t *v, yaml_node_t *k)
{
    char buf[96];
    pb_scenario *sc = c->sc;
    sc->correlations_loc = loc_of(c, k);
    sc->n_correlations = 0;
    if (!v || v->type != YAML_SEQUENCE_NODE) {
        ERR(c, v, "found %s for correlations; expected a list of [PATH, PATH, RHO]", found(v, buf, sizeof buf));
        return;
    }
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
        yaml_node_t *e = node_at(c, *it);
        if (!e || e->type != YAML_SEQUENCE_NODE || e->data.sequence.items.top - e->data.sequence.items.start != 3) {
            ERR(c, e, "found %s in correlations; expected [PATH, PATH, RHO]", found(e, buf, sizeof buf));
            continue;
        }
        if (sc->n_correlations >= PB_MAX_CORRELATIONS) {
            ERR(c, e, "found more than %d correlations; expected at most %d", PB_MAX_CORRELATIONS, PB_MAX_CORRELATIONS);
            break;
        }
        pb_correlation *cr = &sc->corr[sc->n_correlations];
        yaml_node_t *a = node_at(c, e->data.sequence.items.start[0]), *b = node_at(c, e->data.sequence.items.start[1]),
                    *r = node_at(c, e->data.sequence.items.start[2]);
        bool ok = true;
        if (!scalar(a) || strlen(scalar(a)) >= sizeof cr->a) { ERR(c, a, "found %s; expected a parameter path", found(a, buf, sizeof buf)); ok = false; }
        if (!scalar(b) || strlen(scalar(b)) >= sizeof cr->b) { ERR(c, b, "found %s; expected a parameter path", found(b, buf, sizeof buf)); ok = false; }
        double rho = 0;
        if (!get_number(c, r, &rho, "a Spearman correlation in [-1, 1]")) ok = false;
        else if (!(rho >= -1 && rho <= 1)) { ERR(c, r, "found %g; expected a Spearman correlation in [-1, 1]", rho); ok = false; }
        if (!ok) continue;
        snprintf(cr->a, sizeof cr->a, "%s", scalar(a));
        snprintf(cr->b, sizeof cr->b, "%s", scalar(b));
        cr->rho_s = rho;
        cr->loc = loc_of(c, e);
        sc->n_correlations++;
    }
}

static void parse_target_years(ctx *c, yaml_node_t *v, yaml_node_t *k)
{
    (void)k;
    char buf[96];
    pb_scenario *sc = c->sc;
    if (!v || v->type != YAML_SEQUENCE_NODE) {
        ERR(c, v, "found %s for output.target_years; expected a list of years", found(v, buf, sizeof buf));
        return;
    }
    sc->n_target_years = 0;
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
        long long y;
        yaml_node_t *e = node_at(c, *it);
        if (sc->n_target_years >= PB_MAX_YEARS) { ERR(c, e, "found too many target years; expected at most %d", PB_MAX_YEARS); break; }
        if (!get_int(c, e, &y, 1, 9999, "a calendar year")) continue;
        /* Horizon checked in validate(); remember where each year was written. */
        c->target_years_loc[sc->n_target_years] = loc_of(c, e);
        sc->target_years[sc->n_target_years++] = (int)y;
    }
    if (sc->n_target_years == 0) ERR(c, v, "found an empty list; expected at least one target year");
}

static void parse_quantiles(ctx *c, yaml_node_t *v, yaml_node_t *k)
{
    (void)k;
    int n = number_list(c, v, c->sc->quantiles, PB_MAX_QUANTILES, "a list of quantile levels in (0, 1)");
    if (n < 0) return;
    if (n == 0) { ERR(c, v, "found an empty list; expected quantile levels in (0, 1)"); return; }
    c->sc->n_quantiles = n;
    for (int i = 0; i < n; i++) {
        double q = c->sc->quantiles[i];
        if (!(q > 0 && q < 1) || (i > 0 && !(q > c->sc->quantiles[i - 1]))) {
            yaml_node_t *e = node_at(c, v->data.sequence.items.start[i]);
            ERR(c, e, "found quantile level %g; expected levels strictly increasing in (0, 1)", q);
            c->sc->n_quantiles = 0;
            return;
        }
    }
}
static const keydef output_keys[] = {
    {"target_years", parse_target_years, false}, {"quantiles", parse_quantiles, false}, {0}};
static void parse_output(ctx *c, yaml_node_t *v, yaml_node_t *k) { (void)k; parse_map(c, v, output_keys, "output"); }

static const keydef root_keys[] = {
    {"name", parse_name, true},
    {"description", parse_description, false},
    {"years", parse_years, true},
    {"paths", parse_paths, false},
    {"seed", parse_seed, false},
    {"finance", parse_finance, false},
    {"capex", parse_capex, true},
    {"gpu", parse_gpu, true},
    {"opex", parse_opex, false},
    {"revenue", parse_revenue, false},
    {"required", parse_required, false},
    {"correlations", parse_correlations, false},
    {"output", parse_output, false},
    {0}};

/* ------------------------------------------------------------------ */
/* Defaults (step 1)                                                    */

static const double default_quantiles[] = {0.01, 0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95, 0.99};

static void defaults(pb_scenario *sc)
{
    sc->paths = 100000;
    sc->seed = 1;
    pb_param_defaults(sc); /* param_table.h; jpmorgan from/through: the horizon, in validate() */
    sc->after = PB_AFTER_NONE;
    sc->process = PB_PROCESS_GROWTH;
    sc->full_cost_depreciation = PB_DEP_ECONOMIC;
    sc->n_quantiles = (int)(sizeof default_quantiles / sizeof default_quantiles[0]);
    memcpy(sc->quantiles, default_quantiles, sizeof default_quantiles);
}

const char *pb_after_name(pb_after_policy p)
{
    static const char *const names[] = {"none", "growth", "intensity", "hold_capacity"};
    return names[p];
}

/* ------------------------------------------------------------------ */
/* Validation (step 3): every range and cross-field rule               */

static pb_loc whole_file(ctx *c) { pb_loc at = {c->file, 1, 1}; return at; }

/* Rounded bounds of a year-valued parameter's support. */
static bool year_bounds(const pb_param *p, double *lo, double *hi)
{
    bool lo_open, hi_open;
    pb_param_support(p, lo, hi, &lo_open, &hi_open);
    if (!isfinite(*lo) || !isfinite(*hi)) return false;
    *lo = pb_round_year(*lo);
    *hi = pb_round_year(*hi);
    return true;
}

static const char *p_dist_suffix(const pb_param *p) { return p->dist == PB_DIST_FIXED ? "" : " (in its support)"; }

/* The normal correlations rho = 2 sin(pi rho_s / 6) of the nm members of
 * the correlations (pair k joins members ia[k] and ib[k]), factored once by
 * GSL's Cholesky into sc->corr_L for the sampler (draws.c); an error if the
 * matrix is not positive definite. */
static void factor_correlations(pb_scenario *sc, int nm, const int *ia, const int *ib)
{
    gsl_matrix *m = gsl_matrix_alloc((size_t)nm, (size_t)nm);
    if (!m || !(sc->corr_L = calloc((size_t)nm * (size_t)nm, sizeof *sc->corr_L))) {
        gsl_matrix_free(m);
        pb_raise(PB_ENOMEM, NULL, "out of memory");
        return;
    }
    gsl_matrix_set_identity(m);
    for (int k = 0; k < sc->n_correlations; k++) {
        double rho = pb_spearman_to_pearson(sc->corr[k].rho_s);
        gsl_matrix_set(m, (size_t)ia[k], (size_t)ib[k], rho);
        gsl_matrix_set(m, (size_t)ib[k], (size_t)ia[k], rho);
    }
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    int rc = gsl_linalg_cholesky_decomp1(m);
    gsl_set_error_handler(old);
    if (rc != GSL_SUCCESS)
        pb_raise(PB_EINPUT, &sc->correlations_loc, "found a correlation matrix that is not positive definite; "
                 "expected correlations that can hold together (lower the largest ones)");
    else {
        sc->n_corr_members = nm;
        for (int i = 0; i < nm; i++)
            for (int j = 0; j <= i; j++) sc->corr_L[(size_t)i * (size_t)nm + (size_t)j] = gsl_matrix_get(m, (size_t)i, (size_t)j);
    }
    gsl_matrix_free(m);
}

static void validate(ctx *c, pb_loc years_loc)
{
    pb_scenario *sc = c->sc;
    bool years_ok = sc->start > 0 && sc->end > 0;
    if (years_ok && sc->end < sc->start) {
        pb_raise(PB_EINPUT, &years_loc, "found end %d before start %d; expected years.end >= years.start", sc->end, sc->start);
        years_ok = false;
    } else if (years_ok && sc->end - sc->start + 1 > PB_MAX_YEARS) {
        pb_raise(PB_EINPUT, &years_loc, "found a horizon of %d years; expected 1 to %d years", sc->end - sc->start + 1, PB_MAX_YEARS);
        years_ok = false;
    }
    if (!years_ok) return; /* every later rule needs the horizon */
    sc->n_years = sc->end - sc->start + 1;

    /* capex.committed: consecutive years from start, none after end.  Sort
     * them into year order (the file may list them in any order). */
    int n = sc->n_committed;
    pb_param sorted[PB_MAX_YEARS];
    bool seen[PB_MAX_YEARS] = {false}, window_ok = true;
    for (int i = 0; i < n; i++) {
        int y = c->committed_year[i];
        if (y < sc->start || y > sc->end) {
            pb_raise(PB_EINPUT, &c->committed_loc[i], "found committed year %d outside the horizon %d-%d; "
                     "expected years from %d on", y, sc->start, sc->end, sc->start);
            window_ok = false;
            continue;
        }
        int t = y - sc->start;
        if (t >= n) {
            pb_raise(PB_EINPUT, &c->committed_loc[i], "found committed year %d with %d committed years; "
                     "expected consecutive years %d-%d (the window starts at years.start)", y, n, sc->start, sc->start + n - 1);
            window_ok = false;
            continue;
        }
        sorted[t] = sc->committed[i];
        seen[t] = true;
    }
    if (window_ok) {
        for (int t = 0; t < n; t++)
            if (!seen[t]) window_ok = false;
        if (window_ok) memcpy(sc->committed, sorted, (size_t)n * sizeof sorted[0]);
    }

    /* Cross-block rules of the revenue process. */
    if (sc->process == PB_PROCESS_GROWTH) {
        if (!sc->base.set) {
            pb_loc at = c->revenue_loc.line ? c->revenue_loc : whole_file(c);
            pb_raise(PB_EINPUT, &at, "found no revenue.base; expected revenue.base (B$ in %d) for process growth", sc->start - 1);
        }
        if (c->has_logistic_block)
            pb_raise(PB_EINPUT, &c->logistic_loc, "found revenue.logistic with process growth; expected revenue.growth "
                     "(or process: logistic)");
    } else {
        if (sc->base.set)
            pb_raise(PB_EINPUT, &sc->base.key_loc, "found revenue.base with process logistic; expected no base "
                     "(the logistic curve sets the level)");
        if (c->has_growth_block)
            pb_raise(PB_EINPUT, &c->growth_loc, "found revenue.growth with process logistic; expected revenue.logistic "
                     "(or process: growth)");
    }

    /* JPMorgan window: from and through default to the horizon. */
    if (!sc->jpm_from.set) sc->jpm_from = pb_param_fixed(sc->start);
    if (!sc->jpm_through.set) sc->jpm_through = pb_param_fixed(sc->end);

    /* Domains of every parameter (model.md §2), over the whole support. */
    pb_param_ref refs[PB_MAX_PARAMS];
    int np = pb_scenario_params(sc, refs, PB_MAX_PARAMS);
    if (np < 0) return;
    for (int i = 0; i < np; i++) {
        const pb_param_ref *r = &refs[i];
        pb_param *p = r->param;
        pb_param_prepare(p);
        if (r->domain && !is_invalid(p) && !pb_param_in_domain(p, r->domain)) {
            char law[160];
            pb_param_describe(p, law, sizeof law);
            pb_loc at = p->loc.line ? p->loc : whole_file(c);
            pb_raise(PB_EINPUT, &at, "found %s = %s%s; expected %s %s", r->path, law,
                     p->dist == PB_DIST_FIXED ? "" : " (its support)", r->path, r->domain->text);
        }
    }

    /* Year-valued parameters: finite support, within the horizon's rules. */
    for (int g = 0; g < sc->n_generations; g++) {
        double lo, hi;
        const pb_param *p = &sc->gen[g].year;
        if (is_invalid(p)) continue; /* missing or unreadable: reported by the parser */
        if (!year_bounds(p, &lo, &hi))
            pb_raise(PB_EINPUT, &p->loc, "found an unbounded law for gpu.generations.%s.year; expected a year "
                     "or a bounded distribution of years", sc->gen[g].name);
        else if (hi > sc->end)
            pb_raise(PB_EINPUT, &p->loc, "found gpu.generations.%s.year %s%.0f after the horizon's end %d; expected "
                     "year <= %d", sc->gen[g].name, p->dist == PB_DIST_FIXED ? "" : "up to ", hi, sc->end, sc->end);
    }
    double flo, fhi, tlo, thi;
    bool fok = year_bounds(&sc->jpm_from, &flo, &fhi), tok = year_bounds(&sc->jpm_through, &tlo, &thi);
    bool fbad = is_invalid(&sc->jpm_from), tbad = is_invalid(&sc->jpm_through); /* already reported */
    pb_loc jloc = c->jpm_loc.line ? c->jpm_loc : whole_file(c);
    const pb_loc *floc = sc->jpm_from.loc.line ? &sc->jpm_from.loc : &jloc;
    const pb_loc *tloc = sc->jpm_through.loc.line ? &sc->jpm_through.loc : &jloc;
    if (fbad) fok = false;
    else if (!fok) pb_raise(PB_EINPUT, floc, "found an unbounded law for required.jpmorgan.from; expected a year in %d-%d", sc->start, sc->end);
    else if (flo < sc->start || fhi > sc->end) {
        pb_raise(PB_EINPUT, floc, "found required.jpmorgan.from %.0f%s; expected a year in %d-%d",
                 flo < sc->start ? flo : fhi, p_dist_suffix(&sc->jpm_from), sc->start, sc->end);
        fok = false;
    }
    if (tbad) tok = false;
    else if (!tok) pb_raise(PB_EINPUT, tloc, "found an unbounded law for required.jpmorgan.through; expected a year in %d-%d", sc->start, sc->end);
    else if (tlo < sc->start || thi > sc->end)
        pb_raise(PB_EINPUT, tloc, "found required.jpmorgan.through %.0f%s; expected a year in %d-%d",
                 tlo < sc->start ? tlo : thi, p_dist_suffix(&sc->jpm_through), sc->start, sc->end);
    else if (fok && fhi > tlo)
        pb_raise(PB_EINPUT, tloc, "found required.jpmorgan.through %.0f before from %.0f; expected from <= through", tlo, fhi);

    /* Output years. */
    for (int i = 0; i < sc->n_target_years; i++)
        if (sc->target_years[i] < sc->start || sc->target_years[i] > sc->end)
            pb_raise(PB_EINPUT, &c->target_years_loc[i], "found target year %d; expected a year in the horizon %d-%d",
                     sc->target_years[i], sc->start, sc->end);
    if (sc->n_target_years == 0) { sc->n_target_years = 1; sc->target_years[0] = sc->end; }

    /* Correlations: known per-path parameters, each pair once, and a
     * positive definite matrix of normal correlations rho = 2 sin(pi rho_s / 6). */
    if (sc->n_correlations > 0) {
        const pb_param_ref *members[2 * PB_MAX_CORRELATIONS];
        int nm = 0;
        bool ok = true;
        int ia[PB_MAX_CORRELATIONS], ib[PB_MAX_CORRELATIONS];
        for (int k = 0; k < sc->n_correlations; k++) {
            const pb_correlation *cr = &sc->corr[k];
            const char *names[2] = {cr->a, cr->b};
            int *idx[2] = {&ia[k], &ib[k]};
            for (int s = 0; s < 2; s++) {
                const pb_param_ref *r = pb_scenario_find(refs, np, names[s]);
                if (!r) {
                    pb_raise(PB_EINPUT, &cr->loc, "found unknown parameter '%s' in correlations; expected the dotted "
                             "path of a parameter, such as revenue.growth.initial", names[s]);
                    ok = false;
                    continue;
                }
                if (r->param->per_year) {
                    pb_raise(PB_EINPUT, &cr->loc, "found per-year parameter '%s' in correlations; expected a "
                             "per-path parameter", names[s]);
                    ok = false;
                    continue;
                }
                int m = 0;
                while (m < nm && members[m] != r) m++;
                if (m == nm) members[nm++] = r;
                *idx[s] = m;
            }
            if (!ok) continue;
            if (ia[k] == ib[k]) {
                pb_raise(PB_EINPUT, &cr->loc, "found '%s' correlated with itself; expected two different parameters", cr->a);
                ok = false;
            }
            for (int j = 0; j < k && ok; j++)
                if ((ia[j] == ia[k] && ib[j] == ib[k]) || (ia[j] == ib[k] && ib[j] == ia[k])) {
                    pb_raise(PB_EINPUT, &cr->loc, "found the pair (%s, %s) twice; expected each pair once", cr->a, cr->b);
                    ok = false;
                }
        }
        if (ok) {
            for (int m = 0; m < nm; m++) sc->corr_param[m] = members[m]->param;
            factor_correlations(sc, nm, ia, ib);
        }
    }
}

/* ------------------------------------------------------------------ */
/* --set overrides, merged into the document before parsing            */

/* Copies node src_id of src into c->doc; new nodes' columns are shifted by
 * col (the position of VALUE in the --set argument).  Returns the new id, or
 * 0 when out of memory. */
static int copy_node(ctx *c, yaml_document_t *src, int src_id, int col)
{
    yaml_node_t *s = yaml_document_get_node(src, src_id);
    int id = 0;
    switch (s->type) {
    case YAML_SCALAR_NODE:
        id = yaml_document_add_scalar(&c->doc, s->tag, s->data.scalar.value, (int)s->data.scalar.length,
                                      s->data.scalar.style);
        break;
    case YAML_SEQUENCE_NODE:
        id = yaml_document_add_sequence(&c->doc, s->tag, s->data.sequence.style);
        for (yaml_node_item_t *it = s->data.sequence.items.start; id && it < s->data.sequence.items.top; it++) {
            int child = copy_node(c, src, *it, col);
            if (!child || !yaml_document_append_sequence_item(&c->doc, id, child)) return 0;
            s = yaml_document_get_node(src, src_id);
        }
        break;
    case YAML_MAPPING_NODE:
        id = yaml_document_add_mapping(&c->doc, s->tag, s->data.mapping.style);
        for (yaml_node_pair_t *p = s->data.mapping.pairs.start; id && p < s->data.mapping.pairs.top; p++) {
            int k = copy_node(c, src, p->key, col), v = k ? copy_node(c, src, p->value, col) : 0;
            if (!v || !yaml_document_append_mapping_pair(&c->doc, id, k, v)) return 0;
        }
        break;
    default: return 0;
    }
    if (id) {
        yaml_node_t *n = node_at(c, id);
        s = yaml_document_get_node(src, src_id);
        n->start_mark = s->start_mark;
        n->start_mark.column += (size_t)col;
        n->end_mark = n->start_mark;
    }
    return id;
}

static int add_key(ctx *c, const char *seg, size_t len, int col)
{
    int id = yaml_document_add_scalar(&c->doc, NULL, (yaml_char_t *)seg, (int)len, YAML_PLAIN_SCALAR_STYLE);
    if (id) {
        yaml_node_t *n = node_at(c, id);
        memset(&n->start_mark, 0, sizeof n->start_mark);
        n->start_mark.column = (size_t)col;
        n->end_mark = n->start_mark;
    }
    return id;
}

/* Applies override number `set` (1-based): finds PATH in the document,
 * creating missing mapping keys, and replaces its node by VALUE. */
static pb_status apply_override(ctx *c, int set, const char *arg)
{
    pb_loc at = {SET_FILE, set, 1};
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg)
        return pb_raise(PB_EINPUT, &at, "found '%s'; expected PATH=VALUE, with VALUE in YAML", arg);
    size_t plen = (size_t)(eq - arg);
    const char *value = eq + 1;
    int vcol = (int)plen + 1;

    yaml_parser_t parser;
    yaml_document_t vdoc;
    if (!yaml_parser_initialize(&parser)) return pb_raise(PB_ENOMEM, NULL, "out of memory");
    yaml_parser_set_input_string(&parser, (const unsigned char *)value, strlen(value));
    if (!yaml_parser_load(&parser, &vdoc)) {
        at.col = vcol + (int)parser.problem_mark.column + 1;
        pb_status st = pb_raise(PB_EINPUT, &at, "found invalid YAML (%s); expected a YAML value after '='",
                                parser.problem ? parser.problem : "syntax error");
        yaml_parser_delete(&parser);
        return st;
    }
    yaml_parser_delete(&parser);
    pb_status st = PB_OK;
    if (!yaml_document_get_root_node(&vdoc)) {
        at.col = vcol + 1;
        st = pb_raise(PB_EINPUT, &at, "found an empty value; expected a number, a distribution or a block after '='");
        goto done;
    }

    override_range *range = &c->ranges[c->n_ranges];
    range->first = (int)(c->doc.nodes.top - c->doc.nodes.start) + 1;
    range->set = set;

    int cur = 1; /* the root node */
    size_t pos = 0;
    while (st == PB_OK) {
        yaml_node_t *node = node_at(c, cur);
        const char *rest = arg + pos;
        size_t rest_len = plen - pos;
        if (node->type == YAML_SEQUENCE_NODE) {
            /* gpu.generations: items are addressed by their name, which may
             * itself contain dots: take the longest name that fits. */
            int best = 0;
            size_t best_len = 0;
            yaml_node_item_t *best_item = NULL;
            for (yaml_node_item_t *it = node->data.sequence.items.start; it < node->data.sequence.items.top; it++) {
                const char *nm = scalar(map_get(c, node_at(c, *it), "name"));
                size_t l = nm ? strlen(nm) : 0;
                if (l && l <= rest_len && l > best_len && strncmp(rest, nm, l) == 0 && (l == rest_len || rest[l] == '.')) {
                    best = *it; best_len = l; best_item = it;
                }
            }
            if (!best) {
                char names[256] = "";
                for (yaml_node_item_t *it = node->data.sequence.items.start; it < node->data.sequence.items.top; it++) {
                    const char *nm = scalar(map_get(c, node_at(c, *it), "name"));
                    if (nm && strlen(names) + strlen(nm) + 3 < sizeof names)
                        snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", names[0] ? ", " : "", nm);
                }
                at.col = (int)pos + 1;
                st = pb_raise(PB_EINPUT, &at, "found '%.*s' where a generation name belongs in '%.*s'; expected one of: %s",
                              (int)rest_len, rest, (int)plen, arg, names);
                break;
            }
            if (best_len == rest_len) {
                int id = copy_node(c, &vdoc, 1, vcol);
                if (!id) { st = pb_raise(PB_ENOMEM, NULL, "out of memory"); break; }
                node = node_at(c, cur);
                *(node->data.sequence.items.start + (best_item - node->data.sequence.items.start)) = id;
                break;
            }
            cur = best;
            pos += best_len + 1;
            continue;
        }
        if (node->type != YAML_MAPPING_NODE) {
            at.col = (int)pos + 1;
            st = pb_raise(PB_EINPUT, &at, "found a value at '%.*s', not a block; expected a path to a parameter "
                          "or a block", (int)(pos ? pos - 1 : 0), arg);
            break;
        }
        const char *dot = memchr(rest, '.', rest_len);
        size_t seg_len = dot ? (size_t)(dot - rest) : rest_len;
        if (seg_len == 0) {
            at.col = (int)pos + 1;
            st = pb_raise(PB_EINPUT, &at, "found an empty name in '%.*s'; expected a dotted path such as "
                          "revenue.growth.initial", (int)plen, arg);
            break;
        }
        int found_pair = -1;
        for (yaml_node_pair_t *p = node->data.mapping.pairs.start; p < node->data.mapping.pairs.top; p++) {
            const char *k = scalar(node_at(c, p->key));
            if (k && strlen(k) == seg_len && strncmp(k, rest, seg_len) == 0) found_pair = (int)(p - node->data.mapping.pairs.start);
        }
        if (found_pair >= 0 && !dot) {
            int id = copy_node(c, &vdoc, 1, vcol);
            if (!id) { st = pb_raise(PB_ENOMEM, NULL, "out of memory"); break; }
            node = node_at(c, cur);
            node->data.mapping.pairs.start[found_pair].value = id;
            break;
        }
        if (found_pair >= 0) {
            cur = node->data.mapping.pairs.start[found_pair].value;
            pos += seg_len + 1;
            continue;
        }
        int key = add_key(c, rest, seg_len, (int)pos);
        int val = key ? (dot ? yaml_document_add_mapping(&c->doc, NULL, YAML_BLOCK_MAPPING_STYLE)
                             : copy_node(c, &vdoc, 1, vcol)) : 0;
        if (val && dot) {
            yaml_node_t *n = node_at(c, val);
            n->start_mark = node_at(c, key)->start_mark;
        }
        if (!val || !yaml_document_append_mapping_pair(&c->doc, cur, key, val)) {
            st = pb_raise(PB_ENOMEM, NULL, "out of memory");
            break;
        }
        if (!dot) break;
        cur = val;
        pos += seg_len + 1;
    }
    range->last = (int)(c->doc.nodes.top - c->doc.nodes.start);
    c->n_ranges++;
done:
    yaml_document_delete(&vdoc);
    return st;
}

/* ------------------------------------------------------------------ */
/* Loading                                                              */

typedef struct { char *buf; size_t len, cap; } strbuf;

static int emit_write(void *data, unsigned char *buffer, size_t size)
{
    strbuf *b = data;
    if (b->len + size + 1 > b->cap) {
        size_t cap = (b->cap ? b->cap * 2 : 4096) + size;
        char *nb = realloc(b->buf, cap);
        if (!nb) return 0;
        b->buf = nb;
        b->cap = cap;
    }
    memcpy(b->buf + b->len, buffer, size);
    b->len += size;
    b->buf[b->len] = 0;
    return 1;
}

/* Emits the merged document (destroying it) as the text "as run". */
static char *emit_document(yaml_document_t *doc)
{
    yaml_emitter_t em;
    strbuf b = {0};
    if (!yaml_emitter_initialize(&em)) { yaml_document_delete(doc); return NULL; }
    yaml_emitter_set_output(&em, emit_write, &b);
    yaml_emitter_set_unicode(&em, 1);
    yaml_emitter_set_width(&em, 100);
    int ok = yaml_emitter_open(&em) && yaml_emitter_dump(&em, doc) && yaml_emitter_close(&em);
    yaml_emitter_delete(&em);
    if (!ok) { free(b.buf); return NULL; }
    return b.buf;
}

void pb_scenario_free(pb_scenario *sc)
{
    if (!sc) return;
    free(sc->file);
    free(sc->text);
    for (int i = 0; i < sc->n_overrides; i++) free(sc->overrides[i]);
    free(sc->overrides);
    free(sc->description);
    free(sc->corr_L);
    free(sc);
}

pb_scenario *pb_scenario_load_text(const char *name, const char *text, size_t len,
                                   char *const *overrides, int n_overrides, pb_status *st)
{
    /* The table is data the compiler cannot check: check it on every load. */
    if ((*st = pb_param_table_check(pb_param_rows, PB_N_PARAM_ROWS)) != PB_OK) return NULL;
    pb_scenario *sc = calloc(1, sizeof *sc);
    ctx *c = calloc(1, sizeof *c);
    *st = PB_ENOMEM;
    if (!sc || !c || !(sc->file = strdup(name)) || !(sc->description = strdup("")) ||
        (n_overrides > 0 && !(sc->overrides = calloc((size_t)n_overrides, sizeof *sc->overrides)))) {
        pb_raise(PB_ENOMEM, NULL, "out of memory reading %s", name);
        goto fail;
    }
    for (int i = 0; i < n_overrides; i++) {
        if (!(sc->overrides[i] = strdup(overrides[i]))) { pb_raise(PB_ENOMEM, NULL, "out of memory"); goto fail; }
        sc->n_overrides = i + 1;
    }
    if (n_overrides > MAX_OVERRIDES) {
        *st = pb_raise(PB_EUSAGE, NULL, "found %d --set options; expected at most %d", n_overrides, MAX_OVERRIDES);
        goto fail;
    }
    c->file = sc->file;
    c->sc = sc;
    defaults(sc);

    pb_errors_collect();
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) { pb_errors_flush(); pb_raise(PB_ENOMEM, NULL, "out of memory"); goto fail; }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &c->doc)) {
        pb_loc at = {c->file, (int)parser.problem_mark.line + 1, (int)parser.problem_mark.column + 1};
        if (parser.error == YAML_MEMORY_ERROR) {
            yaml_parser_delete(&parser);
            pb_errors_flush();
            pb_raise(PB_ENOMEM, NULL, "out of memory reading %s", name);
            goto fail;
        }
        pb_raise(PB_EINPUT, &at, "found invalid YAML (%s%s%s); expected a YAML mapping of scenario keys",
                 parser.problem ? parser.problem : "syntax error", parser.context ? " " : "",
                 parser.context ? parser.context : "");
        yaml_parser_delete(&parser);
        goto input_fail;
    }
    c->have_doc = true;
    /* A second document in the stream is not part of the scenario. */
    yaml_document_t extra;
    if (yaml_parser_load(&parser, &extra)) {
        if (yaml_document_get_root_node(&extra)) {
            pb_loc at = {c->file, (int)extra.start_mark.line + 1, (int)extra.start_mark.column + 1};
            pb_raise(PB_EINPUT, &at, "found a second YAML document; expected one scenario per file");
        }
        yaml_document_delete(&extra);
    } else {
        pb_loc at = {c->file, (int)parser.problem_mark.line + 1, (int)parser.problem_mark.column + 1};
        pb_raise(PB_EINPUT, &at, "found invalid YAML (%s); expected a YAML mapping of scenario keys",
                 parser.problem ? parser.problem : "syntax error");
    }
    yaml_parser_delete(&parser);

    yaml_node_t *root = yaml_document_get_root_node(&c->doc);
    if (!root) {
        pb_loc at = {c->file, 1, 1};
        pb_raise(PB_EINPUT, &at, "found an empty file; expected a YAML mapping of scenario keys");
        goto input_fail;
    }
    if (root->type != YAML_MAPPING_NODE) {
        pb_loc at = {c->file, 1, 1};
        char buf[96];
        pb_raise(PB_EINPUT, &at, "found %s at the top level; expected a YAML mapping of scenario keys",
                 found(root, buf, sizeof buf));
        goto input_fail;
    }
    for (int i = 0; i < n_overrides; i++)
        if (apply_override(c, i + 1, overrides[i]) == PB_ENOMEM) { pb_errors_flush(); goto fail; }
    if (pb_errors_count() > 0) goto input_fail;

    root = yaml_document_get_root_node(&c->doc);
    /* Required top-level keys are reported at 1:1 (interfaces.md §2). */
    parse_map(c, root, root_keys, "the scenario");
    yaml_node_t *years = map_get(c, root, "years");
    validate(c, loc_of(c, years));
    if (pb_errors_count() > 0) goto input_fail;

    pb_errors_flush();
    if (n_overrides > 0) {
        c->have_doc = false;
        sc->text = emit_document(&c->doc); /* destroys the document */
    } else {
        sc->text = malloc(len + 1);
        if (sc->text) { memcpy(sc->text, text, len); sc->text[len] = 0; }
    }
    if (!sc->text) { pb_raise(PB_ENOMEM, NULL, "out of memory"); goto fail; }
    if (c->have_doc) yaml_document_delete(&c->doc);
    free(c);
    *st = PB_OK;
    return sc;

input_fail:
    pb_errors_flush();
    *st = PB_EINPUT;
fail:
    if (c && c->have_doc) yaml_document_delete(&c->doc);
    free(c);
    pb_scenario_free(sc);
    return NULL;
}

pb_scenario *pb_scenario_load(const char *file, char *const *overrides, int n_overrides, pb_status *st)
{
    FILE *f = fopen(file, "rb");
    if (!f) {
        *st = pb_raise(PB_EINPUT, NULL, "cannot read scenario file '%s': %s", file, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 14, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        len += fread(buf + len, 1, cap - len, f);
        if (len < cap) break;
        char *nb = cap > ((size_t)64 << 20) ? NULL : realloc(buf, cap * 2);
        if (!nb) { free(buf); buf = NULL; break; }
        buf = nb;
        cap *= 2;
    }
    bool err = ferror(f);
    fclose(f);
    if (!buf) { *st = pb_raise(PB_EINPUT, NULL, "scenario file '%s' is too large (over 64 MiB) or memory ran out", file); return NULL; }
    if (err) { free(buf); *st = pb_raise(PB_EINPUT, NULL, "cannot read scenario file '%s'", file); return NULL; }
    pb_scenario *sc = pb_scenario_load_text(file, buf, len, overrides, n_overrides, st);
    free(buf);
    return sc;
}
