/* merge.c: the parts of one run (--paths A:B) joined into the single run's
 * statistics and stored paths (merge.h). */
#include "payback/merge.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "payback/output.h"
#include "payback/par.h"

/* What b ran otherwise than a (NULL: nothing), with the two values in
 * `values` where they are short: a part left over from an earlier run is
 * the usual cause, and the values show which. */
static const char *run_difference(const pb_part *a, const pb_part *b, char *values, size_t len)
{
    values[0] = 0;
    if (strcmp(a->info.scenario_yaml, b->info.scenario_yaml)) return "scenario text";
    if (strcmp(a->overrides, b->overrides)) return "--set overrides";
    if (a->info.seed != b->info.seed) {
        snprintf(values, len, " (%llu against %llu)", (unsigned long long)b->info.seed, (unsigned long long)a->info.seed);
        return "seed";
    }
    if (strcmp(a->info.version, b->info.version)) {
        snprintf(values, len, " (%.40s against %.40s)", b->info.version, a->info.version);
        return "payback version";
    }
    if (a->info.paths != b->info.paths) {
        snprintf(values, len, " (%lld against %lld)", (long long)b->info.paths, (long long)a->info.paths);
        return "number of paths";
    }
    return NULL;
}

/* The parts agree on what was run: scenario text, overrides, seed,
 * version, number of paths. */
static pb_status check_same_run(const char *const *files, const pb_part *parts, int n)
{
    for (int i = 1; i < n; i++) {
        char values[96];
        const char *what = run_difference(&parts[0], &parts[i], values, sizeof values);
        if (what)
            return pb_raise(PB_EINPUT, NULL, "'%s' has another %s%s than '%s'; expected parts of one run (a part "
                            "left from another run?)", files[i], what, values, files[0]);
    }
    return PB_OK;
}

/* Sorts the parts by first path into order[] and checks that their ranges
 * cover 0 .. N-1 without gap or overlap. */
static pb_status check_cover(const char *const *files, const pb_part *parts, int n, int *order)
{
    for (int i = 0; i < n; i++) order[i] = i;
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && parts[order[j]].first < parts[order[j - 1]].first; j--) {
            int t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    int64_t at = 0;
    for (int i = 0; i < n; i++) {
        const pb_part *p = &parts[order[i]];
        if (p->first > at)
            return pb_raise(PB_EINPUT, NULL, "paths %lld..%lld are in no part; '%s' starts at %lld", (long long)at,
                            (long long)p->first - 1, files[order[i]], (long long)p->first);
        if (p->first < at) { /* name both: one is often a part left from a run cut otherwise */
            const pb_part *q = &parts[order[i - 1]];
            return pb_raise(PB_EINPUT, NULL, "paths %lld..%lld are in two parts, '%s' (paths %lld..%lld) and '%s' "
                            "(paths %lld..%lld); expected each path in one part (a part left from a run cut into "
                            "other parts?)", (long long)p->first, (long long)(at < p->end ? at : p->end) - 1,
                            files[order[i - 1]], (long long)q->first, (long long)q->end - 1, files[order[i]],
                            (long long)p->first, (long long)p->end - 1);
        }
        at = p->end;
    }
    if (at != parts[0].info.paths)
        return pb_raise(PB_EINPUT, NULL, "paths %lld..%lld are in no part; expected parts covering 0..%lld", (long long)at,
                        (long long)parts[0].info.paths - 1, (long long)parts[0].info.paths - 1);
    return PB_OK;
}

/* Part i's accumulator (new, in *a), checked against the run's scenario
 * sc, the paths the part covers and the first part's accumulator
 * (`first`, NULL for the first): PB_EINPUT naming the part if it is not
 * one of this run's. */
static pb_status unpack_part(const char *file, const pb_part *p, const pb_scenario *sc, const pb_acc *first,
                             pb_acc **a)
{
    char name[512];
    snprintf(name, sizeof name, "the /state of '%s'", file);
    const pb_acc_expect want = {name, sc->start, sc->n_years, true, p->end - p->first};
    pb_status st;
    if (!(*a = pb_acc_unpack(p->acc_blob, p->acc_len, &want, PB_BLOCK, &st))) return st;
    /* The part's paths are its whole blocks (in the state) and its edges. */
    if (pb_acc_count(*a) + p->edges.n != p->end - p->first)
        return pb_raise(PB_EINPUT, NULL, "%s is damaged: %lld paths and %lld edge paths, but the part covers %lld",
                        name, (long long)pb_acc_count(*a), (long long)p->edges.n, (long long)(p->end - p->first));
    int k = first ? pb_acc_plan_differs(first, *a) : -1;
    if (k >= 0)
        return pb_raise(PB_EINPUT, NULL, "%s has other sketch windows (cell %d) than the other parts; expected parts of one run",
                        name, k - 1);
    return PB_OK;
}

/* The parts' accumulators, checked, added exactly, into *total (new). */
static pb_status add_states(const char *const *files, const pb_part *parts, const int *order, int n,
                            const pb_scenario *sc, pb_acc **total)
{
    pb_status st = PB_OK;
    *total = NULL;
    for (int i = 0; i < n && st == PB_OK; i++) {
        pb_acc *a = NULL;
        st = unpack_part(files[order[i]], &parts[order[i]], sc, *total, &a);
        if (st == PB_OK && !*total) {
            *total = a;
            continue;
        }
        if (st == PB_OK) st = pb_acc_merge(*total, a);
        pb_acc_free(a);
    }
    return st;
}

/* The paths of one kind (edges: `stored` false; /paths: true) of every
 * part, in path order, into ps (new). */
static pb_status join_paths(const pb_part *parts, const int *order, int n, int H, bool stored, pb_path_set *ps)
{
    int64_t count = 0;
    for (int i = 0; i < n; i++) count += stored ? parts[i].stored.n : parts[i].edges.n;
    pb_status st = pb_path_set_alloc(ps, count, H);
    if (st != PB_OK) return st;
    const size_t stride = (size_t)PB_N_SERIES * (size_t)H;
    ps->n = 0; /* filled part by part: parts in path order hold their paths in index order */
    for (int i = 0; i < n; i++) {
        const pb_path_set *src = stored ? &parts[order[i]].stored : &parts[order[i]].edges;
        if (src->n == 0) continue;
        if (src->n_years != H) return pb_raise(PB_EINPUT, NULL, "a part has another horizon");
        memcpy(ps->index + ps->n, src->index, (size_t)src->n * sizeof *ps->index);
        memcpy(ps->series + (size_t)ps->n * stride, src->series, (size_t)src->n * stride * sizeof(double));
        memcpy(ps->metric + (size_t)ps->n * PB_N_METRICS, src->metric, (size_t)src->n * PB_N_METRICS * sizeof(double));
        memcpy(ps->irr_kind + ps->n, src->irr_kind, (size_t)src->n);
        memcpy(ps->nonfinite + ps->n, src->nonfinite, (size_t)src->n);
        ps->n += src->n;
    }
    if (stored)
        for (int64_t i = 1; i < ps->n; i++)
            if (ps->index[i] != ps->index[i - 1] + 1)
                return pb_raise(PB_EINPUT, NULL, "the parts' stored paths are not one run of indices from 0 (--store-paths differs?)");
    return PB_OK;
}

/* Statistics of the whole run: the parts' states, then the edge paths
 * block by block, as the single run added them. */
static pb_status join(const char *const *files, pb_part *parts, int n, int *order, pb_merged *m)
{
    pb_status st = check_same_run(files, parts, n);
    if (st == PB_OK) st = check_cover(files, parts, n, order);
    if (st == PB_OK) {
        /* The scenario as it ran, for the years and quantile levels. */
        pb_errors_mute(pb_par_rank() != 0);
        m->sc = pb_scenario_load_text(parts[0].info.scenario_file, parts[0].info.scenario_yaml,
                                      strlen(parts[0].info.scenario_yaml), NULL, 0, &st);
        pb_errors_mute(false);
    }
    pb_acc *total = NULL;
    pb_path_set edges = {0};
    if (st == PB_OK) st = add_states(files, parts, order, n, m->sc, &total);
    if (st == PB_OK) st = join_paths(parts, order, n, m->sc->n_years, false, &edges);
    if (st == PB_OK) st = join_paths(parts, order, n, m->sc->n_years, true, &m->stored);
    if (st == PB_OK) st = pb_run_finish(m->sc, total, &edges, &m->summary);
    pb_acc_free(total);
    pb_path_set_clear(&edges);
    return st;
}

pb_status pb_merge_parts(const char *const *files, int n, pb_merged *m)
{
    memset(m, 0, sizeof *m);
    pb_part *parts = calloc((size_t)n, sizeof *parts);
    int *order = calloc((size_t)n, sizeof *order);
    pb_status st = parts && order ? PB_OK : pb_raise(PB_ENOMEM, NULL, "out of memory");
    for (int i = 0; i < n && st == PB_OK; i++) st = pb_part_read(files[i], &parts[i]);
    if (st == PB_OK) st = join(files, parts, n, order, m);
    if (st == PB_OK) {
        m->seed = parts[0].info.seed;
        m->paths = parts[0].info.paths;
        for (int i = 0; i < n; i++) {
            if (parts[i].info.threads > m->threads) m->threads = parts[i].info.threads;
            if (parts[i].info.ranks > m->ranks) m->ranks = parts[i].info.ranks;
        }
        if (!(m->overrides = strdup(parts[0].overrides))) st = pb_raise(PB_ENOMEM, NULL, "out of memory");
    }
    for (int i = 0; parts && i < n; i++) pb_part_clear(&parts[i]);
    free(parts);
    free(order);
    if (st != PB_OK) pb_merged_clear(m);
    return st;
}

void pb_merged_clear(pb_merged *m)
{
    pb_scenario_free(m->sc);
    pb_summary_free(m->summary);
    pb_path_set_clear(&m->stored);
    free(m->overrides);
    memset(m, 0, sizeof *m);
}
