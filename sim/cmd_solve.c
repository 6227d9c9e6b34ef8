/* cmd_solve.c: payback solve (interfaces.md §4; docs/model.md §10,
 * "Solve"): the value x of one parameter, fixed, in [LO, HI] at which a
 * target holds.
 *
 *  - Y=c: the central path's Y(x) - c, by Brent to |dx| <= 1e-9 (1 + |x|).
 *    Y=c always means the central path, with or without --deterministic.
 *  - mean(Y)=c, qP(Y)=c: the statistic over N paths minus c, by Brent;
 *    P(Y<=c)=q: P - q, by bisection (P is a step function of x); both to
 *    |dx| <= 1e-6 (1 + |x|).  Every evaluation runs the same seed and paths
 *    (common random numbers), so that the target is a deterministic
 *    function of x; Y is kept per path and the statistic is exact (type 7
 *    quantile, type 1 for a year metric; "never" = +inf is never <= c).
 *    With --deterministic these targets are refused: one path has no
 *    distribution (write Y=c).
 * No sign change on [LO, HI] is an input error that states the target's
 * value at both ends.  The file is a run at the root (run's layout) with
 * the root attributes solve_*. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_roots.h>

#include "cli.h"
#include "outfile.h"
#include "payback/kernel.h"
#include "payback/run.h"
#include "payback/select.h"
#include "vary.h"

enum { OPT_VARY = PB_OPT_FIRST_OWN, OPT_TARGET, OPT_DET };
#define MAX_EVALS 400

typedef struct {
    pb_cli cli;
    pb_vary vary;
    int n_vary;
    const char *target_text;
    bool deterministic;       /* --deterministic given */
    pb_target tgt;
    bool central;             /* Y=c: the central path */
    int64_t N;
    uint64_t seed;
    int threads;
    double *y, *buf;          /* [N]: Y per path; the valid ones */
    int n_evals;              /* distinct x evaluated */
    double ex[MAX_EVALS], ef[MAX_EVALS], es[MAX_EVALS], estat[MAX_EVALS];
    pb_status st;             /* the first failure of an evaluation */
} solve_ctx;

/* ---- Y per path ------------------------------------------------------ */

typedef struct {
    double *y;
    pb_output_sel sel;
    int H;
} y_keep;

static void *keep_begin(pb_visitor *v, int tid, pb_status *st)
{
    (void)tid;
    (void)st;
    return v->ctx;
}

/* Each path writes its own slot: the array does not depend on threads. */
static void keep_path(void *ts, int64_t index, const pb_path_in *in, const pb_path_out *out)
{
    (void)in;
    y_keep *k = ts;
    k->y[index] = out->nonfinite ? NAN : pb_output_value(&k->sel, out, k->H);
}

static pb_status keep_finish(pb_visitor *v, void **ts, int T, bool ok)
{
    (void)v, (void)ts, (void)T, (void)ok;
    return PB_OK;
}

/* Y on paths 0 .. N-1 of sc into c->y. */
static pb_status paths_y(solve_ctx *c, const pb_scenario *sc)
{
    pb_status st;
    pb_sampler *s = pb_sampler_alloc(sc, c->threads, &st);
    if (!s) return st;
    pb_partition part;
    pb_partition_make(&part, PB_BLOCK, c->N, 0, c->N, 0, 1);
    y_keep k = {c->y, c->tgt.y, sc->n_years};
    pb_visitor v = {&k, keep_begin, NULL, NULL, keep_path, keep_finish};
    pb_visitor *vs[1] = {&v};
    pb_kernel_opts ko = {c->threads, c->seed, false, c->N};
    st = pb_kernel_run(s, &part, &ko, vs, 1, NULL);
    pb_sampler_free(s);
    return st;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The statistic of the target over c->y and its Monte Carlo se (model.md
 * §9): paths whose Y is not finite are left out, but for a year metric,
 * whose +inf ("never") is an outcome (model.md §10). */
static pb_status statistic(solve_ctx *c, double *stat, double *se)
{
    const bool year = pb_output_is_year(&c->tgt.y);
    int64_t n = 0;
    for (int64_t i = 0; i < c->N; i++)
        if (isfinite(c->y[i]) || (year && c->y[i] == INFINITY)) c->buf[n++] = c->y[i];
    if (n == 0) return pb_raise(PB_EINPUT, NULL, "no path has a finite %s: the target has no value", c->tgt.y.text);
    const pb_target *t = &c->tgt;
    if (t->kind == PB_TGT_MEAN) {
        double sum = 0, ss = 0;
        for (int64_t i = 0; i < n; i++) sum += c->buf[i];
        double mean = sum / (double)n;
        for (int64_t i = 0; i < n; i++) ss += (c->buf[i] - mean) * (c->buf[i] - mean);
        *stat = mean;
        *se = n > 1 ? sqrt(ss / (double)(n - 1)) / sqrt((double)n) : 0;
    } else if (t->kind == PB_TGT_QUANTILE) {
        qsort(c->buf, (size_t)n, sizeof *c->buf, cmp_double);
        *stat = year ? pb_quantile_type1(c->buf, n, t->level) : pb_quantile_type7(c->buf, n, t->level);
        int64_t lo, hi;
        pb_quantile_ci_ranks(n, t->level, &lo, &hi);
        *se = (c->buf[hi - 1] - c->buf[lo - 1]) / (2 * PB_Z95); /* +inf when an end is "never" */
    } else {
        int64_t k = 0;
        for (int64_t i = 0; i < n; i++) k += c->buf[i] <= t->c; /* +inf is never <= c */
        *stat = (double)k / (double)n;
        *se = sqrt(*stat * (1 - *stat) / (double)n);
    }
    return PB_OK;
}

/* ---- the target as a function of x ----------------------------------- */

/* The target's statistic at x (Y of the central path, or over the paths). */
static pb_status evaluate(solve_ctx *c, double x, double *stat, double *se)
{
    char set[200], *setp = set;
    pb_vary_set_text(&c->vary, x, set, sizeof set);
    pb_status st;
    pb_scenario *sc = pb_cli_load(&c->cli, &setp, 1, &st);
    if (!sc) return st;
    if (c->central) {
        pb_path_in *in = malloc(sizeof *in);
        pb_path_ws *ws = pb_path_ws_alloc(sc->n_years);
        if (in && ws) {
            pb_path_out out;
            pb_path_in_central(sc, in);
            pb_path_simulate(in, ws, &out);
            *stat = out.nonfinite ? NAN : pb_output_value(&c->tgt.y, &out, sc->n_years);
            *se = 0;
        } else st = pb_raise(PB_ENOMEM, NULL, "out of memory");
        pb_path_ws_free(ws);
        free(in);
        if (st == PB_OK && isnan(*stat))
            st = pb_raise(PB_EINPUT, NULL, "the central path has no %s at %s", c->tgt.y.text, set);
    } else if ((st = paths_y(c, sc)) == PB_OK) st = statistic(c, stat, se);
    pb_scenario_free(sc);
    return st;
}

/* f(x) = statistic - target value, remembered per x so that an x is run
 * once (GSL's Brent evaluates the bracket's ends again). */
static pb_status f_at(solve_ctx *c, double x, double *f)
{
    for (int i = 0; i < c->n_evals; i++)
        if (c->ex[i] == x) {
            *f = c->ef[i];
            return PB_OK;
        }
    if (c->n_evals == MAX_EVALS) return pb_raise(PB_EINTERNAL, NULL, "solve: more than %d evaluations", MAX_EVALS);
    double stat, se;
    pb_status st = evaluate(c, x, &stat, &se);
    if (st != PB_OK) return st;
    int i = c->n_evals++;
    c->ex[i] = x;
    c->estat[i] = stat;
    c->es[i] = se;
    c->ef[i] = *f = stat - c->tgt.value;
    return PB_OK;
}

/* For GSL: an error stops the solver (NaN); a "never" (+inf) quantile is
 * kept finite, so that Brent bisects past it. */
static double gsl_f(double x, void *p)
{
    solve_ctx *c = p;
    double f = 0;
    if (c->st != PB_OK || (c->st = f_at(c, x, &f)) != PB_OK) return NAN;
    return isinf(f) ? copysign(1e100, f) : f;
}

static int eval_index(const solve_ctx *c, double x)
{
    for (int i = 0; i < c->n_evals; i++)
        if (c->ex[i] == x) return i;
    return -1;
}

/* ---- root finding ----------------------------------------------------- */

/* Brent (gsl_root_fsolver_brent) on [*a, *b], whose ends have f of opposite
 * signs, until the bracket is at most tol (1 + |root|) wide. */
static pb_status brent(solve_ctx *c, double tol, double *a, double *b, double *root)
{
    gsl_root_fsolver *s = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
    if (!s) return pb_raise(PB_ENOMEM, NULL, "out of memory");
    gsl_function F = {gsl_f, c};
    int gst = gsl_root_fsolver_set(s, &F, *a, *b);
    pb_status st = PB_OK;
    for (int it = 0;; it++) {
        if ((st = c->st) != PB_OK) break;
        if (gst != GSL_SUCCESS) {
            st = pb_raise(PB_EINTERNAL, NULL, "Brent's method failed: %s", gsl_strerror(gst));
            break;
        }
        *root = gsl_root_fsolver_root(s);
        *a = gsl_root_fsolver_x_lower(s);
        *b = gsl_root_fsolver_x_upper(s);
        if (*b - *a <= tol * (1 + fabs(*root))) break;
        if (it == 300) {
            st = pb_raise(PB_EINTERNAL, NULL, "Brent's method did not converge in 300 iterations");
            break;
        }
        gst = gsl_root_fsolver_iterate(s);
    }
    gsl_root_fsolver_free(s);
    return st;
}

/* Bisection on [*a, *b] (f(*a) = fa, of the other sign than f(*b)): P is a
 * step function of x, where interpolation gains nothing. */
static pb_status bisect(solve_ctx *c, double tol, double *a, double *b, double fa, double *root)
{
    while (*b - *a > tol * (1 + fabs(*a + 0.5 * (*b - *a)))) {
        double m = *a + 0.5 * (*b - *a), fm;
        pb_status st = f_at(c, m, &fm);
        if (st != PB_OK) return st;
        /* P is a step function of x: on a stretch where it equals q
         * exactly, the search goes on towards LO, so that the root is the
         * edge of the stretch nearest LO and the bracket keeps a width. */
        if (fm != 0 && (fm < 0) == (fa < 0)) *a = m, fa = fm;
        else *b = m;
    }
    *root = *a + 0.5 * (*b - *a);
    return PB_OK;
}

/* The target's left-hand side as written ("mean(npv)", "P(npv<=0)"). */
static void target_label(const pb_target *t, char *buf, size_t len)
{
    const char *eq = strrchr(t->text, '=');
    snprintf(buf, len, "%.*s", (int)(eq ? eq - t->text : (ptrdiff_t)strlen(t->text)), t->text);
}

/* The root in [LO, HI] and the final bracket [*a, *b]. */
static pb_status solve(solve_ctx *c, double *root, double *a, double *b)
{
    double fa, fb;
    *a = c->vary.v[0];
    *b = c->vary.v[1];
    pb_status st = f_at(c, *a, &fa);
    if (st == PB_OK) st = f_at(c, *b, &fb);
    if (st != PB_OK) return st;
    if (fa == 0 || fb == 0) {
        *root = *a = *b = fa == 0 ? *a : *b;
        return PB_OK;
    }
    if ((fa < 0) == (fb < 0)) {
        char label[160];
        target_label(&c->tgt, label, sizeof label);
        return pb_vary_error(&c->vary, 0, "found no sign change on [%.10g, %.10g]: %s is %.10g at %.10g and %.10g at "
                             "%.10g; expected one end on each side of %.10g", *a, *b, label, c->estat[0], *a,
                             c->estat[1], *b, c->tgt.value);
    }
    const double tol = c->central ? 1e-9 : 1e-6; /* model.md §10 */
    if (c->tgt.kind == PB_TGT_PROB) return bisect(c, tol, a, b, fa, root);
    return brent(c, tol, a, b, root);
}

/* ---- the run at the root ------------------------------------------------ */

/* The statistics of sc's central path (as run --deterministic). */
static pb_status central_summary(const pb_scenario *sc, pb_summary **s)
{
    double q[PB_MAX_QUANTILES + 3];
    pb_path_in *in = malloc(sizeof *in);
    pb_path_ws *ws = pb_path_ws_alloc(sc->n_years);
    pb_status st = PB_ENOMEM;
    if (!in) pb_raise(PB_ENOMEM, NULL, "out of memory");
    else if (ws && (*s = pb_summary_alloc(sc->start, sc->n_years, pb_report_quantiles(sc, q), q))) {
        pb_path_out out;
        pb_path_in_central(sc, in);
        pb_path_simulate(in, ws, &out);
        unsigned char kind = (unsigned char)out.irr_kind, bad = out.nonfinite;
        st = pb_summary_exact(*s, 1, out.series, out.metric, &kind, &bad);
    }
    pb_path_ws_free(ws);
    free(in);
    return st;
}

typedef struct {
    double root, a, b, value, se;
    int64_t evals;
} solve_result;

/* The file: the root attributes of a run at the root, solve_*, and the
 * statistics of that run (run's layout). */
static pb_status write_file(const solve_ctx *c, const char *path, const pb_run_info *info, const pb_summary *s,
                            const solve_result *r)
{
    pb_h5_out out;
    double bracket[2] = {r->a, r->b};
    pb_status st = pb_h5_out_begin(path, &out);
    if (st == PB_OK) st = pb_write_root(out.file, out.tmp, info);
    if (st == PB_OK &&
        (pb_h5_attr_str(out.file, "solve_target", c->tgt.text) < 0 ||
         pb_h5_attr_str(out.file, "solve_parameter", c->vary.path) < 0 ||
         pb_h5_attr_num(out.file, "solve_root", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, &r->root) < 0 ||
         pb_h5_attr_count(out.file, "solve_evaluations", r->evals) < 0 ||
         pb_h5_attr_num(out.file, "solve_value", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, &r->value) < 0 ||
         pb_h5_attr_num(out.file, "solve_se", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, &r->se) < 0 ||
         pb_h5_attr_num(out.file, "solve_bracket", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, bracket) < 0))
        st = pb_raise(PB_EIO, NULL, "cannot write the solve attributes of '%s'", out.tmp);
    if (st == PB_OK) st = pb_write_stats(out.file, out.tmp, s, info->window);
    return pb_h5_out_end(&out, st);
}

static void print_result(const solve_ctx *c, const pb_run_info *info, const solve_result *r)
{
    char label[160];
    target_label(&c->tgt, label, sizeof label);
    printf("payback %s: solve on scenario %s (%s)\n", info->version, info->scenario_name, info->scenario_file);
    if (c->central) printf("the central path (every parameter at its mean, no shocks, no bust)\n");
    else printf("%lld paths, seed %llu, the same paths at every evaluation\n", (long long)c->N,
                (unsigned long long)c->seed);
    printf("target       %s\n", c->tgt.text);
    printf("parameter    %s in [%.10g, %.10g]\n", c->vary.path, c->vary.v[0], c->vary.v[1]);
    printf("root         %.17g\n", r->root);
    printf("evaluations  %lld\n", (long long)r->evals);
    if (c->central) printf("at the root  %s = %.10g\n", label, r->value);
    else printf("at the root  %s = %.10g (Monte Carlo se %.3g)\n", label, r->value, r->se);
    printf("bracket      [%.17g, %.17g]\n", r->a, r->b);
}

/* Solves, runs the scenario at the root, writes the file, prints. */
static pb_status solve_and_write(solve_ctx *c, const char *path, int argc, char **argv)
{
    solve_result r = {0};
    pb_status st = solve(c, &r.root, &r.a, &r.b);
    double f = 0;
    if (st == PB_OK) st = f_at(c, r.root, &f); /* the value at the root (usually known already) */
    if (st != PB_OK) return st;
    int i = eval_index(c, r.root);
    r.value = c->estat[i];
    r.se = c->es[i];
    r.evals = c->n_evals;
    char set[200], *setp = set;
    pb_vary_set_text(&c->vary, r.root, set, sizeof set);
    pb_scenario *sc = pb_cli_load(&c->cli, &setp, 1, &st);
    if (!sc) return st;
    pb_run_info info;
    pb_cli_fill_info(&info, sc, c->seed);
    info.command = "solve";
    info.argc = argc;
    info.argv = argv;
    info.deterministic = c->central;
    info.paths = c->central ? 1 : c->N;
    info.threads = c->central ? 1 : c->threads;
    pb_summary *s = NULL;
    pb_run_result res = {0};
    pb_run_opts ro = {.paths = c->N, .end = c->N, .seed = c->seed, .threads = c->threads};
    if (c->central) st = central_summary(sc, &s);
    else if ((st = pb_run_mc(sc, &ro, &res)) == PB_OK) s = res.summary;
    if (st == PB_OK) st = write_file(c, path, &info, s, &r);
    if (st == PB_OK) print_result(c, &info, &r);
    if (st == PB_OK && fflush(stdout) != 0) st = pb_raise(PB_EIO, NULL, "cannot write to standard output");
    if (c->central) pb_summary_free(s);
    else pb_run_result_clear(&res);
    pb_scenario_free(sc);
    return st;
}

/* ---- the command -------------------------------------------------------- */

static int solve_option(void *ctx, int opt, char *arg)
{
    solve_ctx *c = ctx;
    switch (opt) {
    case OPT_VARY:
        if (c->n_vary++) return pb_usage_error("%s", "'solve' takes one --vary PATH=LO:HI");
        return pb_exit_code(pb_vary_parse(arg, 1, true, &c->vary));
    case OPT_TARGET:
        if (c->target_text) return pb_usage_error("%s", "'solve' takes one --target");
        c->target_text = arg;
        return 0;
    case OPT_DET: c->deterministic = true; return 0;
    default: return pb_usage_error("%s", "unknown or incomplete option to 'solve'");
    }
}

/* After the scenario is read: the target, the parameter, the mode. */
static pb_status prepare(solve_ctx *c, pb_scenario *base)
{
    pb_status st = pb_target_parse(c->target_text, base, false, "--target", 1, &c->tgt);
    if (st == PB_OK) st = pb_vary_check(&c->vary, 1, base);
    if (st != PB_OK) return st;
    c->central = c->tgt.kind == PB_TGT_VALUE;
    if (c->deterministic && !c->central) {
        pb_loc at = {"--target", 1, 1};
        return pb_raise(PB_EUSAGE, &at, "found '%s' with --deterministic; expected Y=c (the central path is one "
                        "path: a mean, quantile or probability needs Monte Carlo paths)", c->tgt.text);
    }
    c->N = pb_cli_paths(&c->cli, base, 0);
    c->seed = pb_cli_seed(&c->cli, base);
    c->threads = pb_cli_threads(&c->cli);
    if (!c->central && (!(c->y = malloc(sizeof *c->y * (size_t)c->N)) || !(c->buf = malloc(sizeof *c->buf * (size_t)c->N))))
        return pb_raise(PB_ENOMEM, NULL, "out of memory for %lld paths' values", (long long)c->N);
    return PB_OK;
}

int pb_cmd_solve(int argc, char **argv)
{
    static const struct option longopts[] = {PB_CLI_LONGOPTS,
                                             {"vary", required_argument, 0, OPT_VARY},
                                             {"target", required_argument, 0, OPT_TARGET},
                                             {"deterministic", no_argument, 0, OPT_DET},
                                             {0, 0, 0, 0}};
    solve_ctx *c = calloc(1, sizeof *c);
    if (!c || pb_cli_init(&c->cli, argc) != PB_OK) {
        free(c);
        return pb_exit_code(pb_raise(PB_ENOMEM, NULL, "out of memory"));
    }
    int rc = pb_cli_parse(&c->cli, argc, argv, longopts, solve_option, c, "solve");
    if (rc == 0 && (!c->n_vary || !c->target_text))
        rc = pb_usage_error("%s", "'solve' needs --vary PATH=LO:HI and --target TARGET");
    if (rc == 0) {
        pb_status st;
        pb_scenario *base = pb_cli_load(&c->cli, NULL, 0, &st);
        if (base) st = prepare(c, base);
        char *path = NULL;
        if (st == PB_OK) st = pb_cli_out_path(&c->cli, base, "solve", &path);
        pb_scenario_free(base);
        if (st == PB_OK) st = solve_and_write(c, path, c->cli.argc, c->cli.argv);
        free(path);
        rc = pb_exit_code(st);
    }
    pb_vary_clear(&c->vary);
    pb_cli_clear(&c->cli);
    free(c->y);
    free(c->buf);
    free(c);
    return rc;
}
