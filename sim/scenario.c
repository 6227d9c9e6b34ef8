/* scenario.c: scenario files -> pb_scenario (interfaces.md §1): the file
 * read (at most 64 MiB), defaults set, the YAML document loaded, --set
 * merged into it (override.c), the blocks parsed (scenario_parse.c) and
 * every rule checked (validate.c), then the text as run kept.  Errors are
 * collected (error.h) and printed sorted by position. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "payback/scenario.h"
#include "scenario_read.h"

#define MAX_SCENARIO_BYTES (64 << 20) /* a scenario file is at most 64 MiB (docs/scenarios.md) */

/* ------------------------------------------------------------------ */
/* Defaults (step 1)                                                    */

static const double default_quantiles[] = {0.01, 0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95, 0.99};

static void defaults(pb_scenario *sc)
{
    sc->paths = 100000;
    sc->seed = 1;
    pb_param_defaults(sc); /* param_table.h; jpmorgan from/through: the horizon, in sr_validate() */
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

/* A new scenario with its defaults, its file name and copies of the
 * overrides, and the reader's state for it. */
static pb_status start(const char *name, char *const *overrides, int n_overrides, pb_scenario **out, ctx **cout)
{
    pb_scenario *sc = *out = calloc(1, sizeof *sc);
    ctx *c = *cout = calloc(1, sizeof *c);
    if (!sc || !c || !(sc->file = strdup(name)) || !(sc->description = strdup("")) ||
        (n_overrides > 0 && !(sc->overrides = calloc((size_t)n_overrides, sizeof *sc->overrides))))
        return pb_raise(PB_ENOMEM, NULL, "out of memory reading %s", name);
    for (int i = 0; i < n_overrides; i++) {
        if (!(sc->overrides[i] = strdup(overrides[i]))) return pb_raise(PB_ENOMEM, NULL, "out of memory");
        sc->n_overrides = i + 1;
    }
    if (n_overrides > MAX_OVERRIDES)
        return pb_raise(PB_EUSAGE, NULL, "found %d --set options; expected at most %d", n_overrides, MAX_OVERRIDES);
    c->file = sc->file;
    c->sc = sc;
    defaults(sc);
    return PB_OK;
}

/* libyaml's description of a failed load, as an error at its position.
 * The reader (bad UTF-8) gives only a byte offset: its line and column are
 * counted in text. */
static pb_status load_error(ctx *c, const yaml_parser_t *parser, const char *text, size_t len)
{
    if (sr_yaml_out_of_memory(parser)) return pb_raise(PB_ENOMEM, NULL, "out of memory reading %s", c->file);
    pb_loc at = {c->file, (int)parser->problem_mark.line + 1, (int)parser->problem_mark.column + 1};
    if (parser->error == YAML_READER_ERROR) {
        at.line = at.col = 1;
        for (size_t i = 0; i < parser->problem_offset && i < len; i++)
            if (text[i] == '\n') at.line++, at.col = 1;
            else at.col++;
    }
    return pb_raise(PB_EINPUT, &at, "found invalid YAML (%s%s%s); expected a YAML mapping of scenario keys",
                    parser->problem ? parser->problem : "syntax error", parser->context ? " " : "",
                    parser->context ? parser->context : "");
}

/* The file's one YAML document into c->doc, whose root must be a mapping. */
static pb_status read_document(ctx *c, const char *text, size_t len)
{
    pb_status depth = sr_check_depth(text, len, (pb_loc){c->file, 0, 0});
    if (depth != PB_OK) return depth;
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) return pb_raise(PB_ENOMEM, NULL, "out of memory");
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &c->doc)) {
        pb_status st = load_error(c, &parser, text, len);
        yaml_parser_delete(&parser);
        return st;
    }
    c->have_doc = true;
    /* A second document in the stream is not part of the scenario. */
    yaml_document_t extra;
    pb_status st = PB_OK;
    if (!yaml_parser_load(&parser, &extra)) st = load_error(c, &parser, text, len);
    else {
        if (yaml_document_get_root_node(&extra)) {
            pb_loc at = {c->file, (int)extra.start_mark.line + 1, (int)extra.start_mark.column + 1};
            st = pb_raise(PB_EINPUT, &at, "found a second YAML document; expected one scenario per file");
        }
        yaml_document_delete(&extra);
    }
    yaml_parser_delete(&parser);
    /* A second document is an error, but the first is read on: --set and
     * the file's keys are still checked and every error reported. */
    if (st == PB_ENOMEM) return st;
    st = PB_OK;
    yaml_node_t *root = yaml_document_get_root_node(&c->doc);
    pb_loc at = {c->file, 1, 1};
    char buf[96];
    if (!root) return pb_raise(PB_EINPUT, &at, "found an empty file; expected a YAML mapping of scenario keys");
    if (root->type != YAML_MAPPING_NODE)
        return pb_raise(PB_EINPUT, &at, "found %s at the top level; expected a YAML mapping of scenario keys",
                        sr_found(root, buf, sizeof buf));
    return PB_OK;
}

/* The scenario as run: the file's text, or with --set the merged document
 * (which this destroys). */
static pb_status text_as_run(ctx *c, const char *text, size_t len)
{
    pb_scenario *sc = c->sc;
    if (sc->n_overrides > 0) {
        c->have_doc = false;
        sc->text = emit_document(&c->doc);
    } else if ((sc->text = malloc(len + 1))) {
        memcpy(sc->text, text, len);
        sc->text[len] = 0;
    }
    return sc->text ? PB_OK : pb_raise(PB_ENOMEM, NULL, "out of memory");
}

static pb_scenario *load_text(const char *name, const char *text, size_t len, char *const *overrides,
                              const pb_override_label *labels, int n_overrides, pb_status *st)
{
    /* The table is data the compiler cannot check: check it on every load. */
    if ((*st = pb_param_table_check(pb_param_rows, PB_N_PARAM_ROWS)) != PB_OK) return NULL;
    pb_scenario *sc;
    ctx *c;
    *st = start(name, overrides, n_overrides, &sc, &c);
    if (c) c->labels = labels;
    if (*st == PB_OK) {
        /* Every error of the file, sorted by position when printed. */
        pb_errors_collect();
        *st = read_document(c, text, len);
        for (int i = 0; i < n_overrides && *st == PB_OK; i++) {
            pb_status so = sr_apply_override(c, i + 1, overrides[i]);
            if (so == PB_ENOMEM) *st = so; /* input errors: every --set is still read */
        }
        if (*st == PB_OK && pb_errors_count() == 0) {
            yaml_node_t *root = yaml_document_get_root_node(&c->doc);
            sr_parse_root(c, root); /* required top-level keys are reported at 1:1 (interfaces.md §2) */
            sr_validate(c, sr_loc(c, sr_map_get(c, root, "years")));
        }
        /* Bad input, unless something worse (out of memory) happened while
         * reading it: then the input errors may be its consequences. */
        if (pb_errors_worst() > *st) *st = pb_errors_worst();
        pb_errors_flush();
        if (*st == PB_OK) *st = text_as_run(c, text, len);
    }
    if (c && c->have_doc) yaml_document_delete(&c->doc);
    free(c);
    if (*st == PB_OK) return sc;
    pb_scenario_free(sc);
    return NULL;
}

pb_scenario *pb_scenario_load_text(const char *name, const char *text, size_t len,
                                   char *const *overrides, int n_overrides, pb_status *st)
{
    return load_text(name, text, len, overrides, NULL, n_overrides, st);
}

pb_scenario *pb_scenario_load(const char *file, char *const *overrides, int n_overrides, pb_status *st)
{
    return pb_scenario_load_labelled(file, overrides, NULL, n_overrides, st);
}

pb_scenario *pb_scenario_load_labelled(const char *file, char *const *overrides, const pb_override_label *labels,
                                       int n_overrides, pb_status *st)
{
    FILE *f = fopen(file, "rb");
    if (!f) {
        *st = pb_raise(errno == ENOMEM ? PB_ENOMEM : PB_EINPUT, NULL, "cannot read scenario file '%s': %s", file,
                       strerror(errno));
        return NULL;
    }
    /* Read up to MAX_SCENARIO_BYTES and one byte more, to tell a file of
     * exactly the limit from a longer one: the buffer never grows past it. */
    const size_t limit = (size_t)MAX_SCENARIO_BYTES + 1;
    size_t cap = 1 << 14, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        len += fread(buf + len, 1, cap - len, f);
        if (len < cap || cap == limit) break;
        size_t ncap = cap * 2 < limit ? cap * 2 : limit;
        char *nb = realloc(buf, ncap);
        if (!nb) { free(buf); buf = NULL; break; }
        buf = nb;
        cap = ncap;
    }
    bool err = ferror(f);
    fclose(f);
    if (!buf) { *st = pb_raise(PB_ENOMEM, NULL, "out of memory reading scenario file '%s'", file); return NULL; }
    if (len > MAX_SCENARIO_BYTES) {
        free(buf);
        *st = pb_raise(PB_EINPUT, NULL, "found scenario file '%s' over %d MiB; expected a scenario of at most %d MiB", file,
                       MAX_SCENARIO_BYTES >> 20, MAX_SCENARIO_BYTES >> 20);
        return NULL;
    }
    /* A file that cannot be read is bad input (docs/cli.md), like one that
     * cannot be opened: a folder, say. */
    if (err) { free(buf); *st = pb_raise(PB_EINPUT, NULL, "cannot read scenario file '%s'", file); return NULL; }
    pb_scenario *sc = load_text(file, buf, len, overrides, labels, n_overrides, st);
    free(buf);
    return sc;
}

