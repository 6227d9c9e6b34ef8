/* override.c: --set PATH=VALUE (interfaces.md §2), merged into the
 * scenario document before parsing, so that an override gets the same
 * checks as the file, with positions --set:N:COL. */
#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario_read.h"

/* ------------------------------------------------------------------ */
/* --set overrides, merged into the document before parsing            */

/* Copies node src_id of src into c->doc; new nodes' columns are shifted by
 * col (the position of VALUE in the --set argument).  Returns the new id, or
 * 0 when out of memory. */
/* Copies node src_id of src into the scenario's document.  An alias is a
 * node met again: a cyclic one would recurse without end and a "billion
 * laughs" one would expand without bound, so the copy stops past
 * SR_MAX_DEPTH levels or COPY_MAX nodes (returns 0, with *too_big set). */
#define COPY_MAX 100000
typedef struct {
    int nodes;
    bool too_big;
} copy_budget;

static int copy_node_in(ctx *c, yaml_document_t *src, int src_id, int col, int depth, copy_budget *b);

static int copy_node(ctx *c, yaml_document_t *src, int src_id, int col, copy_budget *b)
{
    return copy_node_in(c, src, src_id, col, 0, b);
}

static int copy_node_in(ctx *c, yaml_document_t *src, int src_id, int col, int depth, copy_budget *b)
{
    yaml_node_t *s = yaml_document_get_node(src, src_id);
    int id = 0;
    if (depth > SR_MAX_DEPTH || ++b->nodes > COPY_MAX) {
        b->too_big = true;
        return 0;
    }
    switch (s->type) {
    case YAML_SCALAR_NODE:
        id = yaml_document_add_scalar(&c->doc, s->tag, s->data.scalar.value, (int)s->data.scalar.length,
                                      s->data.scalar.style);
        break;
    case YAML_SEQUENCE_NODE:
        id = yaml_document_add_sequence(&c->doc, s->tag, s->data.sequence.style);
        for (yaml_node_item_t *it = s->data.sequence.items.start; id && it < s->data.sequence.items.top; it++) {
            int child = copy_node_in(c, src, *it, col, depth + 1, b);
            if (!child || !yaml_document_append_sequence_item(&c->doc, id, child)) return 0;
            s = yaml_document_get_node(src, src_id);
        }
        break;
    case YAML_MAPPING_NODE:
        id = yaml_document_add_mapping(&c->doc, s->tag, s->data.mapping.style);
        for (yaml_node_pair_t *p = s->data.mapping.pairs.start; id && p < s->data.mapping.pairs.top; p++) {
            int k = copy_node_in(c, src, p->key, col, depth + 1, b), v = k ? copy_node_in(c, src, p->value, col, depth + 1, b) : 0;
            if (!v || !yaml_document_append_mapping_pair(&c->doc, id, k, v)) return 0;
        }
        break;
    default: return 0;
    }
    if (id) {
        yaml_node_t *n = sr_node(c, id);
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
        yaml_node_t *n = sr_node(c, id);
        memset(&n->start_mark, 0, sizeof n->start_mark);
        n->start_mark.column = (size_t)col;
        n->end_mark = n->start_mark;
    }
    return id;
}

/* Parses VALUE, the part of --set number `set` after '=' (at column vcol
 * of the argument), as a YAML document of its own. */
static pb_status load_value(const ctx *c, int set, const char *value, int vcol, yaml_document_t *vdoc)
{
    pb_loc at = sr_set_loc(c, set, 1);
    pb_status depth = sr_check_depth(value, strlen(value), sr_set_loc(c, set, vcol));
    if (depth != PB_OK) return depth;
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) return pb_raise(PB_ENOMEM, NULL, "out of memory");
    yaml_parser_set_input_string(&parser, (const unsigned char *)value, strlen(value));
    if (!yaml_parser_load(&parser, vdoc)) {
        at.col = vcol + (int)(parser.error == YAML_READER_ERROR ? parser.problem_offset : parser.problem_mark.column) + 1;
        pb_status st = sr_yaml_out_of_memory(&parser)
                           ? pb_raise(PB_ENOMEM, NULL, "out of memory reading --set %d", set)
                           : pb_raise(PB_EINPUT, &at, "found invalid YAML (%s); expected a YAML value after '='",
                                      parser.problem ? parser.problem : "syntax error");
        yaml_parser_delete(&parser);
        return st;
    }
    /* A second document ("1\n---\n2") is not part of the value. */
    yaml_document_t extra;
    bool more = false;
    if (yaml_parser_load(&parser, &extra)) {
        more = yaml_document_get_root_node(&extra) != NULL;
        yaml_document_delete(&extra);
    }
    yaml_parser_delete(&parser);
    if (more) {
        yaml_document_delete(vdoc);
        at.col = vcol + 1;
        return pb_raise(PB_EINPUT, &at, "found a second YAML document in the value; expected one value after '='");
    }
    if (!yaml_document_get_root_node(vdoc)) {
        yaml_document_delete(vdoc);
        at.col = vcol + 1;
        return pb_raise(PB_EINPUT, &at, "found an empty value; expected a number, a distribution or a block after '='");
    }
    return PB_OK;
}

/* The walk down PATH of one override, a segment at a time. */
typedef struct {
    ctx *c;
    int set;               /* --set number, 1-based */
    const char *arg;       /* PATH=VALUE */
    size_t plen;           /* length of PATH */
    yaml_document_t *vdoc; /* VALUE */
    int vcol;              /* column of VALUE in arg */
    int cur;               /* the node reached */
    size_t pos;            /* where the rest of PATH starts */
    bool done;             /* VALUE is in place */
} walk;

static pb_status walk_error(walk *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static pb_status walk_error(walk *w, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    pb_loc at = sr_set_loc(w->c, w->set, (int)w->pos + 1);
    return pb_raise(PB_EINPUT, &at, "%s", msg);
}

/* A copy of VALUE in the document; 0 after pb_raise (too deep or too big
 * through aliases: PB_EINPUT; out of memory). */
static int value_copy(walk *w, pb_status *st)
{
    copy_budget b = {0, false};
    int id = copy_node(w->c, w->vdoc, 1, w->vcol, &b);
    if (id) *st = PB_OK;
    else if (b.too_big) {
        pb_loc at = sr_set_loc(w->c, w->set, w->vcol + 1);
        *st = pb_raise(PB_EINPUT, &at, "found a value whose aliases nest more than %d deep or expand past %d "
                       "nodes; expected a plain value (a cyclic alias such as &a [*a] never ends)", SR_MAX_DEPTH, COPY_MAX);
    } else *st = pb_raise(PB_ENOMEM, NULL, "out of memory");
    return id;
}

/* In a sequence (gpu.generations), items are addressed by their name, which
 * may itself contain dots: the longest name that fits. */
static pb_status step_sequence(walk *w, yaml_node_t *node)
{
    ctx *c = w->c;
    const char *rest = w->arg + w->pos;
    size_t rest_len = w->plen - w->pos, best_len = 0;
    int best = 0;
    yaml_node_item_t *best_item = NULL;
    for (yaml_node_item_t *it = node->data.sequence.items.start; it < node->data.sequence.items.top; it++) {
        const char *nm = sr_scalar(sr_map_get(c, sr_node(c, *it), "name"));
        size_t l = nm ? strlen(nm) : 0;
        if (l && l <= rest_len && l > best_len && strncmp(rest, nm, l) == 0 && (l == rest_len || rest[l] == '.')) {
            best = *it;
            best_len = l;
            best_item = it;
        }
    }
    if (!best) {
        char names[256] = "";
        for (yaml_node_item_t *it = node->data.sequence.items.start; it < node->data.sequence.items.top; it++) {
            const char *nm = sr_scalar(sr_map_get(c, sr_node(c, *it), "name"));
            if (nm && strlen(names) + strlen(nm) + 3 < sizeof names)
                snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", names[0] ? ", " : "", nm);
        }
        return walk_error(w, "found '%.*s' where a generation name belongs in '%.*s'; expected one of: %s", (int)rest_len,
                          rest, (int)w->plen, w->arg, names);
    }
    if (best_len == rest_len) {
        const ptrdiff_t item = best_item - node->data.sequence.items.start;
        pb_status st;
        int id = value_copy(w, &st);
        if (!id) return st;
        sr_node(c, w->cur)->data.sequence.items.start[item] = id; /* the copy may move the nodes */
        w->done = true;
        return PB_OK;
    }
    w->cur = best;
    w->pos += best_len + 1;
    return PB_OK;
}

/* In a mapping: the key of the next segment, replaced by VALUE at the end
 * of PATH; a missing key is created (a mapping, or VALUE at the end). */
static pb_status step_mapping(walk *w, yaml_node_t *node)
{
    ctx *c = w->c;
    const char *rest = w->arg + w->pos;
    size_t rest_len = w->plen - w->pos;
    const char *dot = memchr(rest, '.', rest_len);
    size_t seg_len = dot ? (size_t)(dot - rest) : rest_len;
    if (seg_len == 0)
        return walk_error(w, "found an empty name in '%.*s'; expected a dotted path such as revenue.growth.initial",
                          (int)w->plen, w->arg);
    int found_pair = -1;
    for (yaml_node_pair_t *p = node->data.mapping.pairs.start; p < node->data.mapping.pairs.top; p++) {
        const char *k = sr_scalar(sr_node(c, p->key));
        if (k && strlen(k) == seg_len && strncmp(k, rest, seg_len) == 0) found_pair = (int)(p - node->data.mapping.pairs.start);
    }
    if (found_pair >= 0) {
        if (dot) w->cur = node->data.mapping.pairs.start[found_pair].value;
        else {
            pb_status st;
            int id = value_copy(w, &st);
            if (!id) return st;
            sr_node(c, w->cur)->data.mapping.pairs.start[found_pair].value = id;
            w->done = true;
        }
        w->pos += seg_len + 1;
        return PB_OK;
    }
    int key = add_key(c, rest, seg_len, (int)w->pos);
    pb_status st = PB_OK;
    int val = !key ? 0 : dot ? yaml_document_add_mapping(&c->doc, NULL, YAML_BLOCK_MAPPING_STYLE) : value_copy(w, &st);
    if (st != PB_OK) return st;
    if (val && dot) sr_node(c, val)->start_mark = sr_node(c, key)->start_mark;
    if (!val || !yaml_document_append_mapping_pair(&c->doc, w->cur, key, val)) return pb_raise(PB_ENOMEM, NULL, "out of memory");
    w->done = !dot;
    w->cur = val;
    w->pos += seg_len + 1;
    return PB_OK;
}

/* Applies override number `set` (1-based): finds PATH in the document,
 * creating missing mapping keys, and replaces its node by VALUE.  The nodes
 * it adds are recorded as a range, so that positions inside them read
 * --set:N:COL. */
pb_status sr_apply_override(ctx *c, int set, const char *arg)
{
    pb_loc at = sr_set_loc(c, set, 1);
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg) return pb_raise(PB_EINPUT, &at, "found '%s'; expected PATH=VALUE, with VALUE in YAML", arg);
    yaml_document_t vdoc;
    walk w = {c, set, arg, (size_t)(eq - arg), &vdoc, (int)(eq - arg) + 1, 1 /* the root */, 0, false};
    pb_status st = load_value(c, set, eq + 1, w.vcol, &vdoc);
    if (st != PB_OK) return st;
    override_range *range = &c->ranges[c->n_ranges];
    range->first = (int)(c->doc.nodes.top - c->doc.nodes.start) + 1;
    range->set = set;
    while (st == PB_OK && !w.done) {
        yaml_node_t *node = sr_node(c, w.cur);
        if (node->type == YAML_SEQUENCE_NODE) st = step_sequence(&w, node);
        else if (node->type == YAML_MAPPING_NODE) st = step_mapping(&w, node);
        else
            st = walk_error(&w, "found a value at '%.*s', not a block; expected a path to a parameter or a block",
                            (int)(w.pos ? w.pos - 1 : 0), arg);
    }
    range->last = (int)(c->doc.nodes.top - c->doc.nodes.start);
    c->n_ranges++;
    yaml_document_delete(&vdoc);
    return st;
}
