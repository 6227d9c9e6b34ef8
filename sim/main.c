/* main.c: the command line (interfaces.md §2).  The only place that turns a
 * pb_status into an exit status: 0 success, 1 runtime failure, 2 usage or
 * input error. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <omp.h>

#include <gsl/gsl_errno.h>
#include <hdf5.h>

#include "payback/draws.h"
#include "payback/error.h"
#include "payback/output.h"
#include "payback/path.h"
#include "payback/run.h"
#include "payback/scenario.h"
#include "payback/stats.h"

static const char usage_text[] =
    "usage:\n"
    "  payback run SCENARIO.yaml [-n PATHS] [-s SEED] [-o OUT.h5] [-t THREADS]\n"
    "                            [--set PATH=VALUE]... [--deterministic] [--store-paths N]\n"
    "                            [--quiet|--progress]\n"
    "  payback validate SCENARIO.yaml...   check files; print nothing but errors\n"
    "  payback summary OUT.h5              print the summary table of a result file\n"
    "  payback --help | --version\n"
    "\n"
    "run options:\n"
    "  -n, --paths-count N   number of paths (default: the scenario's paths)\n"
    "  -s, --seed SEED       random seed, 0 .. 2^64-1 (default: the scenario's seed)\n"
    "  -o, --output FILE     result file (default: results/<name>.h5)\n"
    "  -t, --threads N       threads (default: OMP_NUM_THREADS, else all cores)\n"
    "      --set PATH=VALUE  replace the scenario node at a dotted PATH by VALUE (YAML),\n"
    "                        e.g. --set revenue.growth.initial=0.5; repeatable\n"
    "      --deterministic   one central path: every distribution at its mean, no shocks\n"
    "      --store-paths N   keep the first N paths' series and metrics in /paths\n"
    "      --quiet           no progress on stderr (shown by default when stderr is a terminal)\n"
    "      --progress        progress on stderr even when it is not a terminal\n"
    "\n"
    "exit status: 0 success, 1 runtime failure (I/O, memory), 2 usage or input error\n";

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "payback: error: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'payback --help'.\n");
    return 2;
}

static bool parse_u64(const char *s, unsigned long long *v)
{
    char *end;
    if (!*s || *s == '-' || *s == '+') return false;
    errno = 0;
    *v = strtoull(s, &end, 10);
    return errno == 0 && *end == 0;
}

typedef struct {
    const char *scenario, *output;
    char **sets;
    int n_sets;
    long long paths;       /* -1: the scenario's */
    unsigned long long seed;
    bool have_seed, deterministic, quiet, progress;
    int threads;           /* 0: OMP_NUM_THREADS, else all cores */
    long long store_paths;
} run_opts;

static void iso_now(char *buf, size_t len)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void fill_info(pb_run_info *info, const pb_scenario *sc, const run_opts *o)
{
    memset(info, 0, sizeof *info);
    info->scenario_name = (char *)sc->name;
    info->scenario_file = sc->file;
    info->scenario_yaml = sc->text;
    info->overrides = sc->overrides;
    info->n_overrides = sc->n_overrides;
    info->seed = o->have_seed ? o->seed : sc->seed;
    info->ranks = 1;
    info->n_target_years = sc->n_target_years;
    memcpy(info->target_years, sc->target_years, sizeof info->target_years);
    iso_now(info->created, sizeof info->created);
    snprintf(info->version, sizeof info->version, "%s", PB_VERSION);
    snprintf(info->build, sizeof info->build, "%s", pb_build_string());
}

/* Writes the file, then prints the table: a run whose file cannot be
 * written prints nothing on stdout. */
static pb_status finish_run(const char *out_path, const pb_run_info *info, const pb_summary *s, const pb_stored_paths *sp)
{
    pb_status st = pb_output_write(out_path, info, s, sp);
    if (st != PB_OK) return st;
    pb_summary_print(stdout, info, s);
    if (fflush(stdout) != 0) st = pb_raise(PB_EIO, NULL, "cannot write the summary to standard output");
    return st;
}

static pb_status run_deterministic(const pb_scenario *sc, const run_opts *o, const char *out_path)
{
    pb_status st = PB_ENOMEM;
    pb_path_in *in = malloc(sizeof *in);
    pb_path_ws *ws = pb_path_ws_alloc(sc->n_years);
    pb_summary *s = NULL;
    double q[PB_MAX_QUANTILES + 3];
    int nq = pb_report_quantiles(sc, q);
    if (!in || !ws || !(s = pb_summary_alloc(sc->start, sc->n_years, nq, q))) {
        if (!in) pb_raise(PB_ENOMEM, NULL, "out of memory");
        goto done;
    }
    pb_path_in_central(sc, in);
    pb_path_out out;
    pb_path_simulate(in, ws, &out);
    unsigned char kind = (unsigned char)out.irr_kind, bad = out.nonfinite;
    if ((st = pb_summary_exact(s, 1, out.series, out.metric, &kind, &bad)) != PB_OK) goto done;
    pb_run_info info;
    fill_info(&info, sc, o);
    info.paths = 1;
    info.threads = 1;
    info.deterministic = true;
    /* --store-paths keeps the one path. */
    pb_stored_paths sp = {o->store_paths > 0 ? 1 : 0, sc->n_years, out.series, out.metric, &kind, &bad};
    st = finish_run(out_path, &info, s, &sp);
done:
    pb_summary_free(s);
    pb_path_ws_free(ws);
    free(in);
    return st;
}

static pb_status run_monte_carlo(const pb_scenario *sc, const run_opts *o, const char *out_path)
{
    pb_run_opts ro = {
        .paths = o->paths > 0 ? o->paths : sc->paths,
        .seed = o->have_seed ? o->seed : sc->seed,
        .threads = o->threads,
        .store_paths = o->store_paths,
        .progress = o->progress || (!o->quiet && isatty(2)),
    };
    if (ro.threads <= 0) {
        const char *env = getenv("OMP_NUM_THREADS");
        unsigned long long v;
        ro.threads = env && parse_u64(env, &v) && v >= 1 && v <= 4096 ? (int)v : omp_get_num_procs();
    }
    pb_run_result res;
    pb_status st = pb_run_mc(sc, &ro, &res);
    if (st != PB_OK) return st;
    pb_run_info info;
    fill_info(&info, sc, o);
    info.paths = ro.paths;
    info.threads = res.threads;
    st = finish_run(out_path, &info, res.summary, &res.stored);
    pb_run_result_clear(&res);
    return st;
}

static int cmd_run(int argc, char **argv)
{
    enum { OPT_SET = 256, OPT_DET, OPT_QUIET, OPT_PROGRESS, OPT_STORE };
    static const struct option longopts[] = {
        {"paths-count", required_argument, 0, 'n'}, {"seed", required_argument, 0, 's'},
        {"output", required_argument, 0, 'o'}, {"threads", required_argument, 0, 't'},
        {"set", required_argument, 0, OPT_SET}, {"deterministic", no_argument, 0, OPT_DET},
        {"quiet", no_argument, 0, OPT_QUIET}, {"progress", no_argument, 0, OPT_PROGRESS},
        {"store-paths", required_argument, 0, OPT_STORE}, {0, 0, 0, 0}};
    run_opts o = {.paths = -1};
    char **sets = calloc((size_t)argc + 1, sizeof *sets);
    if (!sets) { pb_raise(PB_ENOMEM, NULL, "out of memory"); return 1; }
    o.sets = sets;
    int c, rc = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "n:s:o:t:", longopts, NULL)) != -1) {
        unsigned long long v;
        switch (c) {
        case 'n':
            if (!parse_u64(optarg, &v) || v < 1 || v > (unsigned long long)1e15) { rc = usage_error("-n takes a number of paths >= 1, not '%s'", optarg); goto done; }
            o.paths = (long long)v;
            break;
        case 's':
            if (!parse_u64(optarg, &o.seed)) { rc = usage_error("-s takes a seed from 0 to 18446744073709551615, not '%s'", optarg); goto done; }
            o.have_seed = true;
            break;
        case 'o': o.output = optarg; break;
        case 't':
            if (!parse_u64(optarg, &v) || v < 1 || v > 4096) { rc = usage_error("-t takes a thread count from 1 to 4096, not '%s'", optarg); goto done; }
            o.threads = (int)v;
            break;
        case OPT_SET: sets[o.n_sets++] = optarg; break;
        case OPT_DET: o.deterministic = true; break;
        case OPT_QUIET: o.quiet = true; break;
        case OPT_PROGRESS: o.progress = true; break;
        case OPT_STORE:
            if (!parse_u64(optarg, &v) || v > (unsigned long long)1e9) { rc = usage_error("--store-paths takes a number of paths from 0 to 1e9, not '%s'", optarg); goto done; }
            o.store_paths = (long long)v;
            break;
        default: rc = usage_error("%s", "unknown or incomplete option to 'run'"); goto done;
        }
    }
    if (o.quiet && o.progress) { rc = usage_error("%s", "--quiet and --progress exclude each other"); goto done; }
    if (optind != argc - 1) { rc = usage_error("%s", "'run' takes exactly one scenario file"); goto done; }
    o.scenario = argv[optind];

    pb_status st;
    pb_scenario *sc = pb_scenario_load(o.scenario, sets, o.n_sets, &st);
    if (!sc) { rc = pb_exit_code(st); goto done; }
    char *out_path = NULL;
    if (o.output) out_path = strdup(o.output);
    else if ((out_path = malloc(strlen(sc->name) + 16))) sprintf(out_path, "results/%s.h5", sc->name);
    if (!out_path) st = pb_raise(PB_ENOMEM, NULL, "out of memory");
    else if (o.deterministic) st = run_deterministic(sc, &o, out_path);
    else st = run_monte_carlo(sc, &o, out_path);
    free(out_path);
    pb_scenario_free(sc);
    rc = pb_exit_code(st);
done:
    free(sets);
    return rc;
}

static int cmd_validate(int argc, char **argv)
{
    if (argc < 2) return usage_error("%s", "'validate' takes one or more scenario files");
    int rc = 0;
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-' && argv[i][1]) return usage_error("'validate' takes no option '%s'", argv[i]);
        pb_status st;
        pb_scenario *sc = pb_scenario_load(argv[i], NULL, 0, &st);
        if (!sc && pb_exit_code(st) > rc) rc = pb_exit_code(st);
        pb_scenario_free(sc);
    }
    return rc;
}

static int cmd_summary(int argc, char **argv)
{
    if (argc != 2) return usage_error("%s", "'summary' takes exactly one result file");
    pb_run_info info;
    pb_summary *s;
    pb_status st = pb_output_read(argv[1], &info, &s);
    if (st != PB_OK) return pb_exit_code(st);
    pb_summary_print(stdout, &info, s);
    pb_summary_free(s);
    pb_run_info_clear(&info);
    return fflush(stdout) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    /* GSL's default handler aborts and HDF5 prints its own error stack: all
     * errors go through pb_raise instead. */
    gsl_set_error_handler_off();
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if (argc < 2) return usage_error("%s", "no command given");
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        fputs(usage_text, stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version")) {
        printf("payback %s\n%s\n", PB_VERSION, pb_build_string());
        return 0;
    }
    if (!strcmp(cmd, "run")) return cmd_run(argc - 1, argv + 1);
    if (!strcmp(cmd, "validate")) return cmd_validate(argc - 1, argv + 1);
    if (!strcmp(cmd, "summary")) return cmd_summary(argc - 1, argv + 1);
    return usage_error("unknown command '%s'", cmd);
}
