/* override.c: --set PATH=VALUE (interfaces.md §2), merged into the
 * scenario document before parsing, so that an override gets the same
 * checks as the file, with positions --set:N:COL. */
#include <ctype.h>
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

/* Applies override number `set` (1-based): finds PATH in the document,
 * creating missing mapping keys, and replaces its node by VALUE. */
pb_status sr_apply_override(ctx *c, int set, const char *arg)
{
    pb_loc at = {SR_SET_FILE, set, 1};
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
        pb_status st = sr_yaml_out_of_memory(&parser)
                           ? pb_raise(PB_ENOMEM, NULL, "out of memory reading --set %d", set)
                           : pb_raise(PB_EINPUT, &at, "found invalid YAML (%s); expected a YAML value after '='",
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
        yaml_node_t *node = sr_node(c, cur);
        const char *rest = arg + pos;
        size_t rest_len = plen - pos;
        if (node->type == YAML_SEQUENCE_NODE) {
            /* gpu.generations: items are addressed by their name, which may
             * itself contain dots: take the longest name that fits. */
            int best = 0;
            size_t best_len = 0;
            yaml_node_item_t *best_item = NULL;
            for (yaml_node_item_t *it = node->data.sequence.items.start; it < node->data.sequence.items.top; it++) {
                const char *nm = sr_scalar(sr_map_get(c, sr_node(c, *it), "name"));
                size_t l = nm ? strlen(nm) : 0;
                if (l && l <= rest_len && l > best_len && strncmp(rest, nm, l) == 0 && (l == rest_len || rest[l] == '.')) {
                    best = *it; best_len = l; best_item = it;
                }
            }
            if (!best) {
                char names[256] = "";
                for (yaml_node_item_t *it = node->data.sequence.items.start; it < node->data.sequence.items.top; it++) {
                    const char *nm = sr_scalar(sr_map_get(c, sr_node(c, *it), "name"));
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
                node = sr_node(c, cur);
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
            const char *k = sr_scalar(sr_node(c, p->key));
            if (k && strlen(k) == seg_len && strncmp(k, rest, seg_len) == 0) found_pair = (int)(p - node->data.mapping.pairs.start);
        }
        if (found_pair >= 0 && !dot) {
            int id = copy_node(c, &vdoc, 1, vcol);
            if (!id) { st = pb_raise(PB_ENOMEM, NULL, "out of memory"); break; }
            node = sr_node(c, cur);
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
            yaml_node_t *n = sr_node(c, val);
            n->start_mark = sr_node(c, key)->start_mark;
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

