/* yaml_read.c: nodes, positions, core-schema numbers and mappings of the
 * scenario reader (scenario_read.h). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario_read.h"

int sr_node_id(ctx *c, yaml_node_t *n) { return (int)(n - c->doc.nodes.start) + 1; }
yaml_node_t *sr_node(ctx *c, int id) { return yaml_document_get_node(&c->doc, id); }

pb_loc sr_loc(ctx *c, yaml_node_t *n)
{
    pb_loc at = {c->file, 1, 1};
    if (!n) return at;
    int id = sr_node_id(c, n);
    for (int i = 0; i < c->n_ranges; i++)
        if (id >= c->ranges[i].first && id <= c->ranges[i].last)
            return sr_set_loc(c, c->ranges[i].set, (int)n->start_mark.column + 1);
    at.line = (int)n->start_mark.line + 1;
    at.col = (int)n->start_mark.column + 1;
    return at;
}

pb_loc sr_set_loc(const ctx *c, int set, int col)
{
    if (c->labels) return (pb_loc){c->labels[set - 1].name, c->labels[set - 1].number, col};
    return (pb_loc){SR_SET_FILE, set, col};
}

const char *sr_scalar(yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

bool sr_is_plain(yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

/* How a node is shown after "found": the scalar text, or its kind. */
const char *sr_found(yaml_node_t *n, char *buf, size_t len)
{
    if (!n) return "nothing";
    switch (n->type) {
    case YAML_SCALAR_NODE:
        if (n->data.scalar.length == 0 && sr_is_plain(n)) return "an empty value";
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
bool sr_core_number(yaml_node_t *n, double *x, bool *is_int)
{
    if (!sr_is_plain(n)) return false;
    const char *s = sr_scalar(n);
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
bool sr_get_number(ctx *c, yaml_node_t *n, double *x, const char *expected)
{
    char buf[96];
    bool is_int;
    if (!sr_core_number(n, x, &is_int)) {
        ERR(c, n, "found %s; expected %s", sr_found(n, buf, sizeof buf), expected);
        return false;
    }
    if (!isfinite(*x) || fabs(*x) > 1e12) {
        ERR(c, n, "found %s; expected a finite number with |x| <= 1e12", sr_found(n, buf, sizeof buf));
        return false;
    }
    return true;
}

/* An integer (a number with an integral value, so that 1e6 is accepted). */
bool sr_get_int(ctx *c, yaml_node_t *n, long long *v, long long lo, long long hi, const char *expected)
{
    double x;
    char buf[96];
    bool is_int;
    if (!sr_core_number(n, &x, &is_int) || !isfinite(x) || x != floor(x) || x < (double)lo || x > (double)hi) {
        ERR(c, n, "found %s; expected %s", sr_found(n, buf, sizeof buf), expected);
        return false;
    }
    *v = (long long)x;
    return true;
}

/* Checks that n is a mapping whose keys are plain strings, each given once.
 * Reports every duplicate.  Returns false if n is not a mapping at all. */
bool sr_check_mapping(ctx *c, yaml_node_t *n, const char *what)
{
    char buf[96];
    if (!n || n->type != YAML_MAPPING_NODE) {
        ERR(c, n, "found %s; expected %s", sr_found(n, buf, sizeof buf), what);
        return false;
    }
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = sr_node(c, p->key);
        if (!k || k->type != YAML_SCALAR_NODE) {
            ERR(c, k, "found %s as a key; expected a plain key", sr_found(k, buf, sizeof buf));
            continue;
        }
        for (yaml_node_pair_t *q = n->data.mapping.pairs.start; q < p; q++) {
            yaml_node_t *k0 = sr_node(c, q->key);
            if (k0 && k0->type == YAML_SCALAR_NODE && strcmp(sr_scalar(k0), sr_scalar(k)) == 0) {
                pb_loc first = sr_loc(c, k0);
                ERR(c, k, "found duplicate key '%s' (first at %d:%d); expected each key once",
                    sr_scalar(k), first.line, first.col);
                break;
            }
        }
    }
    return true;
}

/* The first pair of mapping n whose key is k (NULL if none). */
yaml_node_t *sr_map_get(ctx *c, yaml_node_t *n, const char *k)
{
    if (!n || n->type != YAML_MAPPING_NODE) return NULL;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        const char *s = sr_scalar(sr_node(c, p->key));
        if (s && strcmp(s, k) == 0) return sr_node(c, p->value);
    }
    return NULL;
}

bool sr_is_duplicate_key(ctx *c, yaml_node_t *map, yaml_node_pair_t *p)
{
    const char *s = sr_scalar(sr_node(c, p->key));
    for (yaml_node_pair_t *q = map->data.mapping.pairs.start; q < p; q++) {
        const char *s0 = sr_scalar(sr_node(c, q->key));
        if (s && s0 && strcmp(s, s0) == 0) return true;
    }
    return false;
}

int sr_number_list(ctx *c, yaml_node_t *n, double *out, int cap, const char *what)
{
    char buf[96];
    if (!n || n->type != YAML_SEQUENCE_NODE) {
        ERR(c, n, "found %s; expected %s", sr_found(n, buf, sizeof buf), what);
        return -1;
    }
    int count = 0;
    bool ok = true;
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
        yaml_node_t *e = sr_node(c, *it);
        if (count >= cap) {
            ERR(c, e, "found more than %d values; expected at most %d", cap, cap);
            return -1;
        }
        if (!sr_get_number(c, e, &out[count++], "a number")) ok = false;
    }
    return ok ? count : -1;
}

bool sr_yaml_out_of_memory(const yaml_parser_t *p) { return p->error == YAML_MEMORY_ERROR || !p->problem; }

pb_status sr_check_depth(const char *text, size_t len, pb_loc base)
{
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) return pb_raise(PB_ENOMEM, NULL, "out of memory");
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    pb_status st = PB_OK;
    for (int depth = 0, done = 0; !done && st == PB_OK;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            if (sr_yaml_out_of_memory(&parser)) st = pb_raise(PB_ENOMEM, NULL, "out of memory");
            break; /* a syntax error: the loader reports it */
        }
        if (ev.type == YAML_SEQUENCE_START_EVENT || ev.type == YAML_MAPPING_START_EVENT) depth++;
        else if (ev.type == YAML_SEQUENCE_END_EVENT || ev.type == YAML_MAPPING_END_EVENT) depth--;
        else if (ev.type == YAML_STREAM_END_EVENT) done = 1;
        if (depth > SR_MAX_DEPTH) {
            pb_loc at = base;
            at.col = (base.line ? base.col : 0) + (int)ev.start_mark.column + 1;
            if (!base.line) at.line = (int)ev.start_mark.line + 1;
            st = pb_raise(PB_EINPUT, &at, "found blocks nested more than %d deep; expected a scenario's few levels",
                          SR_MAX_DEPTH);
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    return st;
}
