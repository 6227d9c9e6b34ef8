/* registry.c: param_table.h as data: the rows, their defaults, and the
 * registry of the parameters a scenario uses (model.md §2). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "payback/path.h"
#include "payback/scenario.h"

const pb_param_row pb_param_rows[PB_N_PARAM_ROWS] = {
#define ROW_(field, path, in, def, dom, flags, when) \
    {path, offsetof(pb_scenario, field), offsetof(pb_path_in, in), def, PB_DOM_##dom, flags, PB_WHEN_##when, false},
#define ROW_Y_(field, path, in, def, dom, flags, when) \
    {path, offsetof(pb_scenario, field), offsetof(pb_path_in, in), def, PB_DOM_##dom, flags, PB_WHEN_##when, true},
    PB_PARAMETERS(ROW_, ROW_Y_)
#undef ROW_
#undef ROW_Y_
};

/* One generation's parameters as data. */
static const struct {
    const char *key;
    size_t offset;      /* in pb_generation */
    int domain;
    unsigned flags;
} gen_rows[PB_N_GEN_PARAMS] = {
#define ROW_(field, in, dom, flags, def) {#field, offsetof(pb_generation, field), PB_DOM_##dom, flags},
    PB_GENERATION_PARAMETERS(ROW_)
#undef ROW_
};

static const struct {
    const char *name;
    int group; /* settings of one nonzero group exclude each other */
} whens[] = {
#define ROW_(id, name, group) [PB_WHEN_##id] = {name, group},
    PB_WHENS(ROW_)
#undef ROW_
};

const char *pb_when_name(pb_when w) { return (unsigned)w < sizeof whens / sizeof whens[0] ? whens[w].name : "?"; }

/* Settings no scenario can have together. */
static bool exclusive(pb_when a, pb_when b) { return a != b && whens[a].group != 0 && whens[a].group == whens[b].group; }

pb_status pb_param_table_check(const pb_param_row *rows, int n)
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < i; j++) {
            if (strcmp(rows[i].path, rows[j].path) == 0)
                return pb_raise(PB_EINTERNAL, NULL, "parameter table: '%s' is listed twice", rows[i].path);
            if (rows[i].offset == rows[j].offset)
                return pb_raise(PB_EINTERNAL, NULL, "parameter table: '%s' and '%s' are one field", rows[j].path, rows[i].path);
            if (rows[i].in_offset == rows[j].in_offset && !exclusive(rows[i].when, rows[j].when))
                return pb_raise(PB_EINTERNAL, NULL, "parameter table: '%s' and '%s' fill one input of a path and can "
                                "both be in use", rows[j].path, rows[i].path);
        }
    return PB_OK;
}

const pb_param_row *pb_param_row_find(const char *block, const char *key)
{
    size_t nb = strlen(block);
    for (int i = 0; i < PB_N_PARAM_ROWS; i++) {
        const char *p = pb_param_rows[i].path;
        if (nb && (strncmp(p, block, nb) != 0 || p[nb] != '.')) continue;
        if (strcmp(p + (nb ? nb + 1 : 0), key) == 0) return &pb_param_rows[i];
    }
    return NULL;
}

void pb_param_defaults(pb_scenario *sc)
{
    for (int i = 0; i < PB_N_PARAM_ROWS; i++) *pb_row_param(sc, &pb_param_rows[i]) = pb_param_fixed(pb_param_rows[i].def);
}

int pb_scenario_params(pb_scenario *sc, pb_param_ref *refs, int cap)
{
    int n = 0;
#define ADD(pathfmt, arg, prm, dom, yv, py) do { if (n < cap) { \
        snprintf(refs[n].path, sizeof refs[n].path, pathfmt, arg); refs[n].param = (prm); \
        refs[n].domain = pb_domain_of(dom); refs[n].year_valued = (yv); refs[n].per_year_ok = (py); } n++; } while (0)
    for (int i = 0; i < PB_N_PARAM_ROWS; i++) {
        const pb_param_row *r = &pb_param_rows[i];
        if (pb_param_used(sc, r->when))
            ADD("%s", r->path, pb_row_param(sc, r), r->domain, (r->flags & PB_PF_YEAR) != 0, r->per_year_ok);
    }
    const int n_rows = n;
    for (int t = 0; t < sc->n_committed; t++)
        ADD("capex.committed.%d", sc->start + t, &sc->committed[t], PB_DOM_NONNEG, false, false);
    for (int g = 0; g < sc->n_generations; g++)
        for (int k = 0; k < PB_N_GEN_PARAMS; k++) {
            char fmt[64];
            snprintf(fmt, sizeof fmt, "gpu.generations.%%s.%s", gen_rows[k].key);
            ADD(fmt, sc->gen[g].name, (pb_param *)((char *)&sc->gen[g] + gen_rows[k].offset), gen_rows[k].domain,
                (gen_rows[k].flags & PB_PF_YEAR) != 0, false);
        }
#undef ADD
    if (n > cap) return n;
    /* Each pb_param once, and each row's path once: a table with a row
     * listed twice, or two rows active together on one field, fails here at
     * every load.  (Two generations of one name are the parser's error.) */
    for (int i = 0; i < n; i++)
        for (int j = 0; j < i; j++)
            if (refs[i].param == refs[j].param || (i < n_rows && strcmp(refs[i].path, refs[j].path) == 0)) {
                pb_raise(PB_EINTERNAL, NULL, "parameters '%s' and '%s' are registered %s", refs[j].path, refs[i].path,
                         refs[i].param == refs[j].param ? "on one field" : "under one path");
                return -1;
            }
    return n;
}

const pb_param_ref *pb_scenario_find(const pb_param_ref *refs, int n, const char *path)
{
    for (int i = 0; i < n; i++)
        if (strcmp(refs[i].path, path) == 0) return &refs[i];
    return NULL;
}
