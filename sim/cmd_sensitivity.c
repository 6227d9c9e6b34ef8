/* cmd_sensitivity.c: payback sensitivity (interfaces.md §4; docs/model.md
 * §10.4): which factors move an output, by tornado, Spearman rank
 * correlation, Sobol indices (independent factors) or Shapley effects
 * (correlated ones), for one or more outputs read off the same paths.
 *
 * Everything is checked before any path runs: the outputs (--output:N:COL),
 * the methods (--method:N:COL), sobol with correlations, a year metric
 * with sobol or shapley.  The file is written first (sensitivity_out.c),
 * then the table: one block per output, factors by importance. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "payback/sensitivity.h"

enum { OPT_Y = PB_OPT_FIRST_OWN, OPT_METHOD, OPT_ORDERS };
#define MAX_OUTPUTS 32
#define DEFAULT_N 8192
#define DEFAULT_ORDERS 2000

static const char *const method_names[] = {"tornado", "rank", "sobol", "shapley"};

typedef struct {
    pb_cli cli;
    const char *y_text[MAX_OUTPUTS];
    int n_y;
    unsigned methods;           /* 0: the defaults */
    long long orders;           /* -1: the default */
    int n_method;               /* --method options so far (for their positions) */
    pb_output_sel y[MAX_OUTPUTS];
} sens_opts;

/* --method LIST, the n-th: names separated by commas. */
static int parse_methods(sens_opts *o, const char *arg, int n)
{
    const char *p = arg;
    for (;;) {
        size_t len = strcspn(p, ",");
        int m = -1;
        for (int i = 0; i < 4; i++)
            if (len == strlen(method_names[i]) && !strncmp(p, method_names[i], len)) m = i;
        if (m < 0) {
            pb_loc at = {"--method", n, (int)(p - arg) + 1};
            return pb_exit_code(pb_raise(PB_EUSAGE, &at, "found '%.*s'; expected a method: tornado, rank, sobol or "
                                         "shapley, separated by commas", (int)len, p));
        }
        o->methods |= 1u << m;
        if (!p[len]) return 0;
        p += len + 1;
    }
}

static int sens_option(void *ctx, int c, char *arg)
{
    sens_opts *o = ctx;
    unsigned long long v;
    switch (c) {
    case OPT_Y:
        if (o->n_y == MAX_OUTPUTS) return pb_usage_error("'sensitivity' takes at most %d --output", MAX_OUTPUTS);
        for (int k = 0; k < o->n_y; k++)
            if (!strcmp(o->y_text[k], arg))
                return pb_exit_code(pb_raise(PB_EUSAGE, &(pb_loc){"--output", o->n_y + 1, 1},
                                             "found '%s' a second time; expected each output once", arg));
        o->y_text[o->n_y++] = arg;
        return 0;
    case OPT_METHOD: return parse_methods(o, arg, ++o->n_method);
    case OPT_ORDERS:
        if (!pb_parse_u64(arg, &v) || v < 1 || v > (1ULL << 32))
            return pb_usage_error("--orders takes a number of random orders from 1 to 4294967296, not '%s'", arg);
        o->orders = (long long)v;
        return 0;
    default: return pb_usage_error("%s", "unknown or incomplete option to 'sensitivity'");
    }
}

/* The outputs (given, else npv and gap_full_cost at the first target
 * year) and the methods (given, else tornado, rank and sobol or shapley),
 * checked against each other and the scenario. */
static pb_status resolve(sens_opts *o, const pb_scenario *sc)
{
    static char def_gap[64];
    if (o->n_y == 0) {
        snprintf(def_gap, sizeof def_gap, "gap_full_cost@%d", sc->target_years[0]);
        o->y_text[0] = "npv", o->y_text[1] = def_gap, o->n_y = sc->n_target_years > 0 ? 2 : 1;
    }
    for (int k = 0; k < o->n_y; k++) {
        pb_status st = pb_output_parse(o->y_text[k], sc, "--output", k + 1, &o->y[k]);
        if (st != PB_OK) return st;
    }
    const bool corr = sc->n_corr_members > 0;
    if (o->methods == 0) o->methods = PB_SENS_TORNADO | PB_SENS_RANK | (corr ? PB_SENS_SHAPLEY : PB_SENS_SOBOL);
    if ((o->methods & PB_SENS_SOBOL) && corr)
        return pb_raise(PB_EUSAGE, NULL, "--method sobol: the scenario has correlations, and Sobol indices need "
                        "independent factors; use --method shapley (model.md §10.4)");
    if (o->methods & (PB_SENS_SOBOL | PB_SENS_SHAPLEY))
        for (int k = 0; k < o->n_y; k++)
            if (pb_output_is_year(&o->y[k])) {
                pb_loc at = {"--output", k + 1, 1};
                return pb_raise(PB_EUSAGE, &at, "found the year metric '%s' with method %s; \"never\" (+inf) has no "
                                "variance, so Sobol and Shapley indices cannot take it: use --method tornado,rank",
                                o->y_text[k], o->methods & PB_SENS_SOBOL ? "sobol" : "shapley");
            }
    return PB_OK;
}

/* ------------------------------------------------------------------ */
/* The table                                                            */

typedef struct {
    int t, rk;        /* the factor's row in the tornado, the rank; -1: none */
    int f;            /* the factor */
    double key;       /* importance (NaN sorts last) */
} row;

static int by_key(const void *a, const void *b)
{
    const row *x = a, *y = b;
    if (isnan(x->key) != isnan(y->key)) return isnan(x->key) ? 1 : -1;
    if (x->key != y->key && !isnan(x->key)) return x->key < y->key ? 1 : -1;
    return (x->f > y->f) - (x->f < y->f); /* ties: the sampler's order */
}

static void cell(char *buf, size_t len, double v)
{
    if (isnan(v)) snprintf(buf, len, "-");
    else if (isinf(v)) snprintf(buf, len, v > 0 ? "never" : "-inf");
    else snprintf(buf, len, "%.6g", v);
}

static void interval(char *buf, size_t len, double v, double lo, double hi)
{
    if (isnan(v)) snprintf(buf, len, "-");
    else if (isnan(lo)) snprintf(buf, len, "%6.3f", v);
    else snprintf(buf, len, "%6.3f [%6.3f, %6.3f]", v, lo, hi);
}

/* Rows of output k sorted by importance: S_Ti, else the Shapley share,
 * else the swing, else |rho|. */
static int rows_of(const pb_sens_result *r, const pb_sens_opts *so, int k, row *rows)
{
    const int K = so->n_out;
    for (int f = 0; f < r->n_factors; f++) rows[f] = (row){-1, -1, f, NAN};
    for (int i = 0; i < r->nt; i++) rows[r->tf[i]].t = i;
    for (int i = 0; i < r->nr; i++) rows[r->rf[i]].rk = i;
    /* Variance shares order the rows unless a few paths hold Var Y
     * (model.md §10.4, "Heavy tails"): then ranks and swings do. */
    const bool shares = !pb_sens_heavy(r, k);
    for (int f = 0; f < r->n_factors; f++) {
        row *w = &rows[f];
        if (shares && (so->methods & PB_SENS_SOBOL)) w->key = r->st[(size_t)f * K + k];
        else if (shares && (so->methods & PB_SENS_SHAPLEY)) w->key = r->sh[(size_t)f * K + k];
        else if (w->rk >= 0) w->key = fabs(r->rho[(size_t)w->rk * K + k]);
        else if (w->t >= 0) w->key = r->swing[(size_t)w->t * K + k];
        else if (w->rk >= 0) w->key = fabs(r->rho[(size_t)w->rk * K + k]);
    }
    qsort(rows, (size_t)r->n_factors, sizeof *rows, by_key);
    return r->n_factors;
}

static void block(FILE *out, const pb_sens_result *r, const pb_sens_opts *so, int k, row *rows, int w)
{
    const int K = so->n_out;
    const bool tor = so->methods & PB_SENS_TORNADO, rk = so->methods & PB_SENS_RANK,
               sob = so->methods & PB_SENS_SOBOL, shp = so->methods & PB_SENS_SHAPLEY;
    fprintf(out, "\n%s (%s)", so->out[k].text, pb_output_units(&so->out[k]));
    if (rk) fprintf(out, "; rank on %lld paths, %lld not finite", (long long)r->r_used[k], (long long)r->r_nonfinite[k]);
    if (sob) fprintf(out, "; Sobol on %lld pairs, %lld dropped, Var Y %.6g", (long long)r->s_used[k],
                     (long long)r->s_nonfinite[k], r->s_var[k]);
    if (shp) fprintf(out, "; Shapley Var Y %.6g", r->sh_var[k]);
    if ((sob || shp) && pb_sens_heavy(r, k))
        fprintf(out, "\nwarning: %d samples hold %.0f %% of Var Y (a heavy tail): the variance-based indices below rest "
                "on a few extreme paths and are unreliable; rows are sorted by |Spearman rho| instead; choose a "
                "bounded output for variance shares", PB_SENS_TOP, 100 * r->var_top[k]);
    fprintf(out, "\n%-*s", w, "factor");
    if (tor) fprintf(out, "  %10s %10s %11s %11s %10s", "q0.1", "q0.9", "Y(q0.1)", "Y(q0.9)", "swing");
    if (rk) fprintf(out, "  %-26s", "Spearman rho [95% CI]");
    if (sob) fprintf(out, "  %-26s  %-26s", "S_i [95% CI]", "S_Ti [95% CI]");
    if (shp) fprintf(out, "  %-26s", "Shapley share [95% CI]");
    fprintf(out, "\n");
    const int n = rows_of(r, so, k, rows);
    for (int j = 0; j < n; j++) {
        const row *x = &rows[j];
        char a[5][32], b[3][48];
        for (int c = 0; c < 5; c++) strcpy(a[c], "-");
        for (int c = 0; c < 3; c++) strcpy(b[c], "-");
        if (x->t >= 0) {
            const size_t at = (size_t)x->t * K + k;
            cell(a[0], 32, r->t_low[x->t]), cell(a[1], 32, r->t_high[x->t]);
            cell(a[2], 32, r->y_low[at]), cell(a[3], 32, r->y_high[at]), cell(a[4], 32, r->swing[at]);
        }
        const size_t fk = (size_t)x->f * K + k;
        if (x->rk >= 0) {
            const size_t at = (size_t)x->rk * K + k;
            interval(b[0], 48, r->rho[at], r->rho_lo[at], r->rho_hi[at]);
        }
        if (sob) interval(b[1], 48, r->s[fk], r->s_lo[fk], r->s_hi[fk]), interval(b[2], 48, r->st[fk], r->st_lo[fk], r->st_hi[fk]);
        if (shp) interval(b[1], 48, r->sh[fk], r->sh_lo[fk], r->sh_hi[fk]);
        fprintf(out, "%-*s", w, r->names[x->f]);
        if (tor) fprintf(out, "  %10s %10s %11s %11s %10s", a[0], a[1], a[2], a[3], a[4]);
        if (rk) fprintf(out, "  %-26s", b[0]);
        if (sob) fprintf(out, "  %-26s  %-26s", b[1], b[2]);
        if (shp) fprintf(out, "  %-26s", b[1]);
        fprintf(out, "\n");
    }
}

static pb_status print_table(const pb_run_info *info, const pb_sens_opts *so, const pb_sens_result *r)
{
    row *rows = malloc((size_t)(r->n_factors + 1) * sizeof *rows);
    if (!rows) return pb_raise(PB_ENOMEM, NULL, "out of memory");
    int w = 6;
    for (int f = 0; f < r->n_factors; f++)
        if ((int)strlen(r->names[f]) > w) w = (int)strlen(r->names[f]);
    printf("payback %s: sensitivity of scenario %s (%s), N = %lld, seed %llu, %lld paths, %d factors\n", info->version,
           info->scenario_name, info->scenario_file, (long long)so->n, (unsigned long long)so->seed,
           (long long)r->paths, r->n_factors);
    if (so->methods & PB_SENS_SHAPLEY)
        printf("Shapley: %s, N_v = %lld\n", r->sh_exact ? "exact enumeration of orders" : "random orders", (long long)so->n);
    if (so->methods & PB_SENS_SHAPLEY && !r->sh_exact) printf("  %lld orders\n", (long long)so->orders);
    for (int k = 0; k < so->n_out; k++) block(stdout, r, so, k, rows, w);
    free(rows);
    return fflush(stdout) == 0 ? PB_OK : pb_raise(PB_EIO, NULL, "cannot write the table to standard output");
}

/* ------------------------------------------------------------------ */

static pb_status sensitivity(sens_opts *o, const pb_scenario *sc, int argc, char **argv)
{
    pb_status st = resolve(o, sc);
    if (st != PB_OK) return st;
    pb_sens_opts so = {o->methods, o->n_y, o->y, pb_cli_paths(&o->cli, sc, DEFAULT_N),
                       o->orders > 0 ? o->orders : DEFAULT_ORDERS, pb_cli_seed(&o->cli, sc), pb_cli_threads(&o->cli),
                       pb_cli_progress(&o->cli)};
    if ((st = pb_sens_check(sc, &so)) != PB_OK) return st;
    char *out_path;
    if ((st = pb_cli_out_path(&o->cli, sc, "sensitivity", &out_path)) != PB_OK) return st;
    pb_sens_result r;
    st = pb_sensitivity(sc, &so, &r);
    pb_run_info info;
    pb_cli_fill_info(&info, sc, so.seed);
    info.paths = r.paths;
    info.threads = so.threads;
    info.command = "sensitivity";
    info.argc = argc;
    info.argv = argv;
    if (st == PB_OK) st = pb_sens_write(out_path, &info, &so, &r);
    if (st == PB_OK) st = print_table(&info, &so, &r);
    pb_sens_result_clear(&r);
    free(out_path);
    return st;
}

int pb_cmd_sensitivity(int argc, char **argv)
{
    /* Not PB_CLI_LONGOPTS: --output names an output Y here, the file is -o. */
    static const struct option longopts[] = {
        {"paths-count", required_argument, 0, 'n'}, {"seed", required_argument, 0, 's'},
        {"threads", required_argument, 0, 't'},     {"set", required_argument, 0, PB_OPT_SET},
        {"quiet", no_argument, 0, PB_OPT_QUIET},    {"progress", no_argument, 0, PB_OPT_PROGRESS},
        {"output", required_argument, 0, OPT_Y},    {"method", required_argument, 0, OPT_METHOD},
        {"orders", required_argument, 0, OPT_ORDERS}, {"force", no_argument, 0, PB_OPT_FORCE},
        {0, 0, 0, 0}};
    sens_opts o = {.orders = -1};
    if (pb_cli_init(&o.cli, argc) != PB_OK) return 1;
    int rc = pb_cli_parse(&o.cli, argc, argv, longopts, sens_option, &o, "sensitivity");
    if (rc == 0) {
        pb_status st;
        pb_scenario *sc = pb_cli_load(&o.cli, NULL, 0, &st);
        if (sc) st = sensitivity(&o, sc, o.cli.argc, o.cli.argv);
        pb_scenario_free(sc);
        rc = pb_exit_code(st);
    }
    pb_cli_clear(&o.cli);
    return rc;
}
