/* scenario_parse.c: the blocks and keys of a scenario file (interfaces.md
 * §1).  A block's own keys (sub-blocks, lists, names, policies) are read by
 * functions in key tables; its parameters come from param_table.h. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario_read.h"

/* A key of a block that is not a parameter of param_table.h (a block, a
 * list, a name, a policy): read by its own function. */
typedef struct keydef keydef;
typedef void (*key_fn)(ctx *c, yaml_node_t *val, yaml_node_t *key);
struct keydef {
    const char *key;
    key_fn fn;
    bool required;
};

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

void sr_parse_param(ctx *c, yaml_node_t *n, pb_param *out, bool allow_per_year, const char *path);

/* Reads parameter row r from value node v (key node k). */
void sr_parse_row(ctx *c, const pb_param_row *r, yaml_node_t *v, yaml_node_t *k)
{
    pb_param *p = pb_row_param(c->sc, r);
    sr_parse_param(c, v, p, r->per_year_ok, r->path);
    p->key_loc = sr_loc(c, k);
}

/* Dispatches every key of mapping n: the block's own keys through `keys`
 * (may be NULL), its parameters through param_table.h.  Unknown keys and
 * missing required keys are errors.  `block` is the dotted path of the
 * mapping ("" for the top level); `where` names it in messages. */
static void parse_block(ctx *c, yaml_node_t *n, const keydef *keys, const char *block, const char *where)
{
    char what[128];
    snprintf(what, sizeof what, "a mapping for %s", where);
    if (!sr_check_mapping(c, n, what)) return;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = sr_node(c, p->key), *v = sr_node(c, p->value);
        const char *ks = sr_scalar(k);
        if (!ks || sr_is_duplicate_key(c, n, p)) continue; /* already reported */
        const keydef *d = keys;
        while (d && d->key && strcmp(d->key, ks) != 0) d++;
        const pb_param_row *r = d && d->key ? NULL : pb_param_row_find(block, ks);
        if (d && d->key) d->fn(c, v, k);
        else if (r) sr_parse_row(c, r, v, k);
        else {
            char list[400];
            key_list(keys, block, false, list, sizeof list);
            ERR(c, k, "found unknown key '%s' in %s; expected one of: %s", ks, where, list);
        }
    }
    char need[160];
    key_list(keys, block, true, need, sizeof need);
    for (const keydef *d = keys; d && d->key; d++)
        if (d->required && !sr_map_get(c, n, d->key))
            ERR(c, n, "found no key '%s' in %s; expected the required keys %s", d->key, where, need);
    for (int i = 0; i < PB_N_PARAM_ROWS; i++) {
        const pb_param_row *r = &pb_param_rows[i];
        const char *key = strrchr(r->path, '.') + 1;
        if ((r->flags & PB_PF_REQUIRED) && row_in_block(r, block) && !sr_map_get(c, n, key))
            ERR(c, n, "found no key '%s' in %s; expected the required keys %s", key, where, need);
    }
}

/* A block whose dotted path is also its name in messages. */
static void parse_map(ctx *c, yaml_node_t *n, const keydef *keys, const char *block) { parse_block(c, n, keys, block, block); }

/* ------------------------------------------------------------------ */
/* Section parsers                                                      */

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
    const char *s = sr_scalar(v);
    if (!is_identifier(s)) {
        ERR(c, v, "found %s for name; expected an identifier of 1 to %d characters [A-Za-z0-9_.-]",
            sr_found(v, buf, sizeof buf), PB_NAME_LEN - 1);
        return;
    }
    snprintf(c->sc->name, sizeof c->sc->name, "%s", s);
}

static void parse_description(ctx *c, yaml_node_t *v, yaml_node_t *k)
{
    (void)k;
    char buf[96];
    if (!v || v->type != YAML_SCALAR_NODE) {
        ERR(c, v, "found %s for description; expected text", sr_found(v, buf, sizeof buf));
        return;
    }
    char *d = strdup(sr_scalar(v));
    if (!d) { pb_raise(PB_ENOMEM, NULL, "out of memory"); return; }
    free(c->sc->description);
    c->sc->description = d;
}

/* A calendar year into *out (unchanged after an error). */
static void read_year(ctx *c, yaml_node_t *v, int *out)
{
    long long y;
    if (sr_get_int(c, v, &y, 1, 9999, "a calendar year (an integer from 1 to 9999)")) *out = (int)y;
}
static void parse_years_start(ctx *c, yaml_node_t *v, yaml_node_t *k) { (void)k; read_year(c, v, &c->sc->start); }
static void parse_years_end(ctx *c, yaml_node_t *v, yaml_node_t *k) { (void)k; read_year(c, v, &c->sc->end); }
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
    if (sr_get_int(c, v, &n, 1, (long long)1e15, "a number of paths, an integer >= 1")) c->sc->paths = n;
}

static void parse_seed(ctx *c, yaml_node_t *v, yaml_node_t *k)
{
    (void)k;
    char buf[96];
    double x;
    bool is_int;
    const char *s = sr_scalar(v);
    if (sr_core_number(v, &x, &is_int) && is_int && s[0] != '-' && s[0] != '+' && strncmp(s, "0o", 2) &&
        strncmp(s, "0x", 2)) {
        errno = 0;
        unsigned long long u = strtoull(s, NULL, 10);
        if (errno == 0) { c->sc->seed = u; return; }
    } else if (sr_core_number(v, &x, &is_int) && x >= 0 && x == floor(x) && x < 9007199254740992.0) {
        c->sc->seed = (uint64_t)x;
        return;
    }
    ERR(c, v, "found %s for seed; expected an integer from 0 to 18446744073709551615", sr_found(v, buf, sizeof buf));
}

static void parse_finance(ctx *c, yaml_node_t *v, yaml_node_t *k) { (void)k; parse_map(c, v, NULL, "finance"); }

static void parse_committed(ctx *c, yaml_node_t *v, yaml_node_t *k)
{
    (void)k;
    pb_scenario *sc = c->sc;
    sc->n_committed = 0;
    if (!sr_check_mapping(c, v, "a mapping of year: B$ for capex.committed")) return;
    /* Keep the years now; their window rule is checked in sr_validate(), once
     * years.start is known.  Store them in the order given. */
    int n = 0;
    for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
        yaml_node_t *kn = sr_node(c, p->key), *vn = sr_node(c, p->value);
        if (!sr_scalar(kn) || sr_is_duplicate_key(c, v, p)) continue;
        long long y;
        if (!sr_get_int(c, kn, &y, 1, 9999, "a calendar year as a key of capex.committed")) continue;
        if (n >= PB_MAX_YEARS) { ERR(c, kn, "found more than %d committed years; expected at most %d", PB_MAX_YEARS, PB_MAX_YEARS); break; }
        char path[64];
        snprintf(path, sizeof path, "capex.committed.%lld", y);
        sc->committed[n] = pb_param_fixed(NAN);
        sr_parse_param(c, vn, &sc->committed[n], false, path);
        c->committed_loc[n] = sr_loc(c, kn);
        c->committed_year[n++] = (int)y;
    }
    /* sr_validate() puts them in year order once years.start is known. */
    sc->n_committed = n;
    if (n == 0) ERR(c, v, "found no committed year; expected at least one year: B$ in capex.committed");
}

/* The keys capex.after takes under the policy set: "policy", then the
 * rows of capex.after in use (param_table.h), e.g. "policy, ratio, max_decline",
 * or "only policy". */
static void after_keys(const pb_scenario *sc, char *buf, size_t len)
{
    snprintf(buf, len, "policy");
    for (int i = 0; i < PB_N_PARAM_ROWS; i++)
        if (row_in_block(&pb_param_rows[i], "capex.after") && pb_param_used(sc, pb_param_rows[i].when))
            snprintf(buf + strlen(buf), len - strlen(buf), ", %s", strrchr(pb_param_rows[i].path, '.') + 1);
    if (!strchr(buf, ',')) snprintf(buf, len, "only policy");
}

static void parse_after(ctx *c, yaml_node_t *v, yaml_node_t *k)
{
    (void)k;
    char buf[96], keys[160];
    pb_scenario *sc = c->sc;
    sc->after_loc = sr_loc(c, v);
    if (!sr_check_mapping(c, v, "a mapping {policy: ...} for capex.after")) return;
    yaml_node_t *pn = sr_map_get(c, v, "policy");
    const char *ps = sr_scalar(pn);
    if (!pn) { ERR(c, v, "found no 'policy' in capex.after; expected policy: none | growth | intensity | hold_capacity"); return; }
    if (ps && !strcmp(ps, "none")) sc->after = PB_AFTER_NONE;
    else if (ps && !strcmp(ps, "growth")) sc->after = PB_AFTER_GROWTH;
    else if (ps && !strcmp(ps, "intensity")) sc->after = PB_AFTER_INTENSITY;
    else if (ps && !strcmp(ps, "hold_capacity")) sc->after = PB_AFTER_HOLD;
    else { ERR(c, pn, "found %s for capex.after.policy; expected none, growth, intensity or hold_capacity", sr_found(pn, buf, sizeof buf)); return; }
    after_keys(sc, keys, sizeof keys);
    for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
        yaml_node_t *kn = sr_node(c, p->key);
        const char *ks = sr_scalar(kn);
        if (!ks || sr_is_duplicate_key(c, v, p) || !strcmp(ks, "policy")) continue;
        const pb_param_row *r = pb_param_row_find("capex.after", ks);
        if (r && pb_param_used(sc, r->when)) sr_parse_row(c, r, sr_node(c, p->value), kn);
        else ERR(c, kn, "found key '%s' in capex.after with policy %s; expected %s", ks, ps, keys);
    }
    /* The policy's own parameter (rate, ratio) is needed (PB_PF_NEEDED). */
    for (int i = 0; i < PB_N_PARAM_ROWS; i++) {
        const pb_param_row *r = &pb_param_rows[i];
        const char *key = strrchr(r->path, '.') + 1;
        if (row_in_block(r, "capex.after") && (r->flags & PB_PF_NEEDED) && pb_param_used(sc, r->when) && !sr_map_get(c, v, key))
            ERR(c, v, "found no '%s' in capex.after; expected %s with policy %s", key, key, ps);
    }
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
    const char *s = sr_scalar(v);
    if (!is_identifier(s)) {
        ERR(c, v, "found %s for a generation name; expected an identifier [A-Za-z0-9_.-]", sr_found(v, buf, sizeof buf));
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
    sr_parse_param(c, v, out, false, path);
}
#define GEN_FN_(field, ...) \
    static void parse_gen_##field(ctx *c, yaml_node_t *v, yaml_node_t *k) \
    { (void)k; gen_param(c, v, &c->sc->gen[c->gen_index].field, #field); }
PB_GENERATION_PARAMETERS(GEN_FN_)
#undef GEN_FN_
static const keydef gen_keys[] = {
    {"name", parse_gen_name, true},
#define GEN_KEY_(field, member, dom, flags, def) {#field, parse_gen_##field, ((flags) & PB_PF_REQUIRED) != 0},
    PB_GENERATION_PARAMETERS(GEN_KEY_)
#undef GEN_KEY_
    {0}};

static void parse_generations(ctx *c, yaml_node_t *v, yaml_node_t *k)
{
    (void)k;
    char buf[96];
    pb_scenario *sc = c->sc;
    sc->generations_loc = sr_loc(c, v);
    sc->n_generations = 0;
    if (!v || v->type != YAML_SEQUENCE_NODE) {
        ERR(c, v, "found %s for gpu.generations; expected a list of {name, year, cost, opex}", sr_found(v, buf, sizeof buf));
        return;
    }
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
        if (sc->n_generations >= PB_MAX_GENERATIONS) {
            ERR(c, sr_node(c, *it), "found more than %d generations; expected at most %d", PB_MAX_GENERATIONS, PB_MAX_GENERATIONS);
            break;
        }
        c->gen_index = sc->n_generations++;
        pb_generation *g = &sc->gen[c->gen_index];
        memset(g, 0, sizeof *g);
        pb_loc none = {0};
/* Required keys start invalid (a missing one is reported by parse_map, and
 * only once); optional ones at their defaults. */
#define INVALID_(field, member, dom, flags, def) \
        if ((flags) & PB_PF_REQUIRED) sr_mark_invalid(&g->field, none); else g->field = pb_param_fixed(def);
        PB_GENERATION_PARAMETERS(INVALID_)
#undef INVALID_
        /* Read the name first so that messages about the other keys name it. */
        yaml_node_t *item = sr_node(c, *it);
        yaml_node_t *nm = sr_map_get(c, item, "name");
        if (nm && sr_scalar(nm) && strlen(sr_scalar(nm)) < PB_NAME_LEN) snprintf(g->name, PB_NAME_LEN, "%s", sr_scalar(nm));
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
    const char *s = sr_scalar(v);
    if (s && !strcmp(s, "growth")) c->sc->process = PB_PROCESS_GROWTH;
    else if (s && !strcmp(s, "logistic")) c->sc->process = PB_PROCESS_LOGISTIC;
    else ERR(c, v, "found %s for revenue.process; expected growth or logistic", sr_found(v, buf, sizeof buf));
}
static void parse_growth(ctx *c, yaml_node_t *v, yaml_node_t *k)
{
    c->has_growth_block = true;
    c->growth_loc = sr_loc(c, k);
    parse_map(c, v, NULL, "revenue.growth");
}
static void parse_logistic(ctx *c, yaml_node_t *v, yaml_node_t *k)
{
    c->has_logistic_block = true;
    c->logistic_loc = sr_loc(c, k);
    parse_map(c, v, NULL, "revenue.logistic");
}
static const keydef regime_keys[] = {{"forced", sr_parse_forced, false}, {0}};
static void parse_regime(ctx *c, yaml_node_t *v, yaml_node_t *k)
{
    (void)k;
    c->sc->has_regime = true;
    parse_map(c, v, regime_keys, "revenue.regime");
}
static const keydef revenue_keys[] = {
    {"process", parse_process, false}, {"observed", sr_parse_observed, false},
    {"growth", parse_growth, false}, {"logistic", parse_logistic, false},
    {"regime", parse_regime, false},
    {0}};
static void parse_revenue(ctx *c, yaml_node_t *v, yaml_node_t *k)
{
    c->revenue_loc = sr_loc(c, k);
    parse_map(c, v, revenue_keys, "revenue");
}

static void parse_bain(ctx *c, yaml_node_t *v, yaml_node_t *k) { (void)k; parse_map(c, v, NULL, "required.bain"); }
static void parse_jpm(ctx *c, yaml_node_t *v, yaml_node_t *k)
{
    c->jpm_loc = sr_loc(c, k);
    parse_map(c, v, NULL, "required.jpmorgan");
}
static void parse_seq(ctx *c, yaml_node_t *v, yaml_node_t *k) { (void)k; parse_map(c, v, NULL, "required.sequoia"); }
static void parse_fc_dep(ctx *c, yaml_node_t *v, yaml_node_t *k)
{
    (void)k;
    char buf[96];
    const char *s = sr_scalar(v);
    if (s && !strcmp(s, "economic")) c->sc->full_cost_depreciation = PB_DEP_ECONOMIC;
    else if (s && !strcmp(s, "accounting")) c->sc->full_cost_depreciation = PB_DEP_ACCOUNTING;
    else ERR(c, v, "found %s for required.full_cost.depreciation; expected economic or accounting", sr_found(v, buf, sizeof buf));
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
    sc->correlations_loc = sr_loc(c, k);
    sc->n_correlations = 0;
    if (!v || v->type != YAML_SEQUENCE_NODE) {
        ERR(c, v, "found %s for correlations; expected a list of [PATH, PATH, RHO]", sr_found(v, buf, sizeof buf));
        return;
    }
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
        yaml_node_t *e = sr_node(c, *it);
        if (!e || e->type != YAML_SEQUENCE_NODE || e->data.sequence.items.top - e->data.sequence.items.start != 3) {
            ERR(c, e, "found %s in correlations; expected [PATH, PATH, RHO]", sr_found(e, buf, sizeof buf));
            continue;
        }
        if (sc->n_correlations >= PB_MAX_CORRELATIONS) {
            ERR(c, e, "found more than %d correlations; expected at most %d", PB_MAX_CORRELATIONS, PB_MAX_CORRELATIONS);
            break;
        }
        pb_correlation *cr = &sc->corr[sc->n_correlations];
        yaml_node_t *a = sr_node(c, e->data.sequence.items.start[0]), *b = sr_node(c, e->data.sequence.items.start[1]),
                    *r = sr_node(c, e->data.sequence.items.start[2]);
        bool ok = true;
        if (!sr_scalar(a) || strlen(sr_scalar(a)) >= sizeof cr->a) { ERR(c, a, "found %s; expected a parameter path", sr_found(a, buf, sizeof buf)); ok = false; }
        if (!sr_scalar(b) || strlen(sr_scalar(b)) >= sizeof cr->b) { ERR(c, b, "found %s; expected a parameter path", sr_found(b, buf, sizeof buf)); ok = false; }
        double rho = 0;
        if (!sr_get_number(c, r, &rho, "a Spearman correlation in [-1, 1]")) ok = false;
        else if (!(rho >= -1 && rho <= 1)) { ERR(c, r, "found %g; expected a Spearman correlation in [-1, 1]", rho); ok = false; }
        if (!ok) continue;
        snprintf(cr->a, sizeof cr->a, "%s", sr_scalar(a));
        snprintf(cr->b, sizeof cr->b, "%s", sr_scalar(b));
        cr->rho_s = rho;
        cr->loc = sr_loc(c, e);
        sc->n_correlations++;
    }
}

static void parse_target_years(ctx *c, yaml_node_t *v, yaml_node_t *k)
{
    (void)k;
    char buf[96];
    pb_scenario *sc = c->sc;
    if (!v || v->type != YAML_SEQUENCE_NODE) {
        ERR(c, v, "found %s for output.target_years; expected a list of years", sr_found(v, buf, sizeof buf));
        return;
    }
    sc->n_target_years = 0;
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
        long long y;
        yaml_node_t *e = sr_node(c, *it);
        if (sc->n_target_years >= PB_MAX_YEARS) { ERR(c, e, "found too many target years; expected at most %d", PB_MAX_YEARS); break; }
        if (!sr_get_int(c, e, &y, 1, 9999, "a calendar year")) continue;
        /* Horizon checked in sr_validate(); remember where each year was written. */
        c->target_years_loc[sc->n_target_years] = sr_loc(c, e);
        sc->target_years[sc->n_target_years++] = (int)y;
    }
    if (sc->n_target_years == 0) ERR(c, v, "found an empty list; expected at least one target year");
}

static void parse_quantiles(ctx *c, yaml_node_t *v, yaml_node_t *k)
{
    (void)k;
    int n = sr_number_list(c, v, c->sc->quantiles, PB_MAX_QUANTILES, "a list of quantile levels in (0, 1)");
    if (n < 0) return;
    if (n == 0) { ERR(c, v, "found an empty list; expected quantile levels in (0, 1)"); return; }
    c->sc->n_quantiles = n;
    for (int i = 0; i < n; i++) {
        double q = c->sc->quantiles[i];
        if (!(q > 0 && q < 1) || (i > 0 && !(q > c->sc->quantiles[i - 1]))) {
            yaml_node_t *e = sr_node(c, v->data.sequence.items.start[i]);
            ERR(c, e, "found quantile level %g; expected levels strictly increasing in (0, 1)", q);
            c->sc->n_quantiles = 0;
            return;
        }
    }
}
static void parse_window_from(ctx *c, yaml_node_t *v, yaml_node_t *k) { (void)k; read_year(c, v, &c->sc->window_from); }
static void parse_window_through(ctx *c, yaml_node_t *v, yaml_node_t *k) { (void)k; read_year(c, v, &c->sc->window_through); }
static const keydef window_keys[] = {
    {"from", parse_window_from, true}, {"through", parse_window_through, true}, {0}};
/* output.depreciation_window: {from, through}, years of the horizon (model.md §7). */
static void parse_window(ctx *c, yaml_node_t *v, yaml_node_t *k)
{
    (void)k;
    c->sc->window_loc = sr_loc(c, v);
    parse_map(c, v, window_keys, "output.depreciation_window");
}

static const keydef output_keys[] = {
    {"target_years", parse_target_years, false}, {"quantiles", parse_quantiles, false},
    {"depreciation_window", parse_window, false}, {0}};
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


void sr_parse_root(ctx *c, yaml_node_t *root) { parse_block(c, root, root_keys, "", "the scenario"); }
