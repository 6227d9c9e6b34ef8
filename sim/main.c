/* main.c: the command line (interfaces.md §2).  The only place that turns a
 * pb_status into an exit status: 0 success, 1 runtime failure, 2 usage or
 * input error. */
#include <errno.h>
#include <math.h>
#include <getopt.h>
#include <stdarg.h>
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
#include "payback/merge.h"
#include "payback/output.h"
#include "payback/par.h"
#include "payback/path.h"
#include "payback/run.h"
#include "payback/scenario.h"
#include "payback/stats.h"

static const char usage_text[] =
    "usage:\n"
    "  payback run SCENARIO.yaml [-n PATHS] [-s SEED] [-o OUT.h5] [-t THREADS]\n"
    "                            [--set PATH=VALUE]... [--deterministic] [--store-paths N]\n"
    "                            [--paths A:B]\n"
    "                            [--quiet|--progress]\n"
    "  payback validate SCENARIO.yaml...   check files; print nothing but errors\n"
    "  payback summary OUT.h5              print the summary table of a result file\n"
    "  payback merge PART.h5... -o OUT.h5  join the parts of a run split with --paths\n"
    "  payback params                      list every scenario parameter: path, default, domain\n"
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
    "      --paths A:B       compute only paths A .. B-1 of the run, into a partial result\n"
    "                        that payback merge joins with the other parts\n"
    "      --quiet           no progress on stderr (shown by default when stderr is a terminal)\n"
    "      --progress        progress on stderr even when it is not a terminal\n"
    "\n"
    "exit status: 0 success, 1 runtime failure (I/O, memory), 2 usage or input error\n";

/* A usage error goes through pb_raise like every other error, then points
 * at --help.  Returns the exit status 2. */
static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    int rc = pb_exit_code(pb_raise(PB_EUSAGE, NULL, "%s", msg));
    fprintf(stderr, "Try 'payback --help'.\n");
    return rc;
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
    int n_sets;           /* --set arguments, in the caller's array */
    long long paths;       /* -1: the scenario's */
    unsigned long long seed;
    bool have_seed, deterministic, quiet, progress;
    int threads;           /* 0: OMP_NUM_THREADS, else all cores */
    long long store_paths;
    bool have_range;       /* --paths A:B */
    long long range_first, range_end;
} run_opts;

static void iso_now(char *buf, size_t len)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void fill_info(pb_run_info *info, const pb_scenario *sc, uint64_t seed)
{
    memset(info, 0, sizeof *info);
    info->scenario_name = (char *)sc->name;
    info->scenario_file = sc->file;
    info->scenario_yaml = sc->text;
    info->overrides = sc->overrides;
    info->n_overrides = sc->n_overrides;
    info->seed = seed;
    info->ranks = pb_par_size();
    info->n_target_years = sc->n_target_years;
    memcpy(info->target_years, sc->target_years, sizeof info->target_years);
    info->window[0] = sc->window_from;
    info->window[1] = sc->window_through;
    iso_now(info->created, sizeof info->created);
    pb_par_bcast(info->created, sizeof info->created); /* the same on every rank */
    snprintf(info->version, sizeof info->version, "%s", PB_VERSION);
    snprintf(info->build, sizeof info->build, "%s", pb_build_string());
}

/* Writes the file (all ranks), then prints the table (rank 0): a run whose
 * file cannot be written prints nothing on stdout. */
static pb_status finish_run(const char *out_path, const pb_run_info *info, const pb_summary *s,
                            const pb_paths_part *pp, const pb_state_part *state)
{
    pb_status st = pb_output_write(out_path, info, s, pp, state);
    if (st != PB_OK || pb_par_rank() != 0) return st;
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
    fill_info(&info, sc, o->have_seed ? o->seed : sc->seed);
    info.paths = 1;
    info.threads = 1;
    info.deterministic = true;
    /* --store-paths keeps the one path (rank 0 writes it). */
    int64_t zero = 0;
    pb_path_set one = {1, sc->n_years, &zero, out.series, out.metric, &kind, &bad};
    pb_paths_part pp = {pb_par_rank() == 0 ? &one : NULL, 0, o->store_paths > 0 ? 1 : 0};
    st = finish_run(out_path, &info, s, &pp, NULL);
done:
    pb_summary_free(s);
    pb_path_ws_free(ws);
    free(in);
    return st;
}

static pb_status run_monte_carlo(const pb_scenario *sc, const run_opts *o, const char *out_path)
{
    const int64_t N = o->paths > 0 ? o->paths : sc->paths;
    pb_run_opts ro = {
        .paths = N,
        .first = o->have_range ? o->range_first : 0,
        .end = o->have_range ? o->range_end : N,
        .seed = o->have_seed ? o->seed : sc->seed,
        .threads = o->threads,
        .store_paths = o->store_paths,
        .progress = o->progress || (!o->quiet && isatty(2)),
    };
    if (ro.end > N) return pb_raise(PB_EUSAGE, NULL, "--paths %lld:%lld reaches past the run's %lld paths",
                                    (long long)ro.first, (long long)ro.end, (long long)N);
    if (ro.threads <= 0) {
        const char *env = getenv("OMP_NUM_THREADS");
        unsigned long long v;
        ro.threads = env && parse_u64(env, &v) && v >= 1 && v <= 4096 ? (int)v : omp_get_num_procs();
    }
    /* For the tests of failure handling (tests/mpi.sh): the rank named by
     * PAYBACK_TEST_FAIL_RANK fails between the kernel and the merge. */
    const char *fail_rank = getenv("PAYBACK_TEST_FAIL_RANK");
    ro.test_fail_rank = fail_rank ? atoi(fail_rank) + 1 : 0;
    pb_run_result res;
    pb_status st = pb_run_mc(sc, &ro, &res);
    if (st != PB_OK) return st;
    if (ro.progress && res.ranks > 1)
        fprintf(stderr, "rank %d: %.3f s in the kernel, %llu bytes of statistics sent in the merge, %.3f s merging\n",
                pb_par_rank(), res.seconds, (unsigned long long)res.bytes_sent, res.merge_seconds);
    pb_run_info info;
    fill_info(&info, sc, ro.seed);
    info.paths = N;
    info.threads = res.threads;
    info.partial = o->have_range;
    info.paths_first = ro.first;
    info.paths_end = ro.end;
    int64_t kept_end = ro.store_paths < ro.end ? ro.store_paths : ro.end;
    pb_paths_part pp = {&res.stored, ro.first, kept_end > ro.first ? kept_end - ro.first : 0};
    pb_state_part state = {res.acc, &res.edges, ro.first, ro.end};
    st = finish_run(out_path, &info, res.summary, &pp, o->have_range ? &state : NULL);
    pb_run_result_clear(&res);
    return st;
}

/* Starts HDF5 for a command that reads or writes result files, with its
 * own error printing off (errors go through pb_raise).  Commands that do
 * not need it (validate, params) never start it. */
static pb_status hdf5_start(void)
{
    if (H5open() < 0 || H5Eset_auto2(H5E_DEFAULT, NULL, NULL) < 0)
        return pb_raise(PB_EIO, NULL, "cannot start the HDF5 library");
    return PB_OK;
}

static int cmd_run(int argc, char **argv)
{
    enum { OPT_SET = 256, OPT_DET, OPT_QUIET, OPT_PROGRESS, OPT_STORE, OPT_RANGE };
    static const struct option longopts[] = {
        {"paths-count", required_argument, 0, 'n'}, {"seed", required_argument, 0, 's'},
        {"output", required_argument, 0, 'o'}, {"threads", required_argument, 0, 't'},
        {"set", required_argument, 0, OPT_SET}, {"deterministic", no_argument, 0, OPT_DET},
        {"quiet", no_argument, 0, OPT_QUIET}, {"progress", no_argument, 0, OPT_PROGRESS},
        {"store-paths", required_argument, 0, OPT_STORE}, {"paths", required_argument, 0, OPT_RANGE},
        {0, 0, 0, 0}};
    run_opts o = {.paths = -1};
    char **sets = calloc((size_t)argc + 1, sizeof *sets);
    if (!sets) { pb_raise(PB_ENOMEM, NULL, "out of memory"); return 1; }
    int c, rc = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "n:s:o:t:", longopts, NULL)) != -1) {
        unsigned long long v, w;
        char *colon;
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
        case OPT_RANGE:
            colon = strchr(optarg, ':');
            if (colon) *colon = 0;
            if (!colon || !parse_u64(optarg, &v) || !parse_u64(colon + 1, &w) || v >= w) {
                if (colon) *colon = ':';
                rc = usage_error("--paths takes A:B with 0 <= A < B, not '%s'", optarg);
                goto done;
            }
            *colon = ':';
            o.have_range = true;
            o.range_first = (long long)v;
            o.range_end = (long long)w;
            break;
        default: rc = usage_error("%s", "unknown or incomplete option to 'run'"); goto done;
        }
    }
    if (o.quiet && o.progress) { rc = usage_error("%s", "--quiet and --progress exclude each other"); goto done; }
    if (o.have_range && o.deterministic) { rc = usage_error("%s", "--paths splits a Monte Carlo run; --deterministic has one path"); goto done; }
    if (optind != argc - 1) { rc = usage_error("%s", "'run' takes exactly one scenario file"); goto done; }
    o.scenario = argv[optind];

    pb_status st;
    pb_errors_mute(pb_par_rank() != 0); /* every rank reads the file; rank 0 reports */
    pb_scenario *sc = pb_scenario_load(o.scenario, sets, o.n_sets, &st);
    pb_errors_mute(false);
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

/* payback merge PART.h5... -o OUT.h5: the parts of one run, checked, into
 * the file the single run would have written. */
static int cmd_merge(int argc, char **argv)
{
    const char *out_path = NULL;
    int c;
    optind = 1;
    static const struct option longopts[] = {{"output", required_argument, 0, 'o'}, {0, 0, 0, 0}};
    while ((c = getopt_long(argc, argv, "o:", longopts, NULL)) != -1) {
        if (c == 'o') out_path = optarg;
        else return usage_error("%s", "unknown or incomplete option to 'merge'");
    }
    if (!out_path) return usage_error("%s", "'merge' needs -o OUT.h5");
    int n = argc - optind;
    if (n < 1) return usage_error("%s", "'merge' takes one or more partial results");
    pb_merged m;
    pb_status st = pb_merge_parts((const char *const *)argv + optind, n, &m);
    if (st == PB_OK) {
        pb_run_info info;
        fill_info(&info, m.sc, m.seed);
        info.paths = m.paths;
        info.threads = m.threads;
        if (m.ranks > info.ranks) info.ranks = m.ranks;
        /* The overrides of the run (its text already includes them). */
        char *ov[1] = {m.overrides};
        info.overrides = m.overrides[0] ? ov : NULL;
        info.n_overrides = m.overrides[0] ? 1 : 0;
        pb_paths_part pp = {pb_par_rank() == 0 ? &m.stored : NULL, 0, m.stored.n};
        st = finish_run(out_path, &info, m.summary, &pp, NULL);
        pb_merged_clear(&m);
    }
    return pb_exit_code(st);
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

/* payback params: the parameter table (param_table.h), tab-separated. */
static int cmd_params(int argc, char **argv)
{
    (void)argv;
    if (argc != 1) return usage_error("%s", "'params' takes no argument");
    printf("path\tdefault\tdomain\tper_year\trequired\tused when\n");
    for (int i = 0; i < PB_N_PARAM_ROWS; i++) {
        const pb_param_row *r = &pb_param_rows[i];
        const pb_domain *d = pb_domain_of((pb_domain_id)r->domain);
        char def[32];
        if (r->flags & (PB_PF_REQUIRED | PB_PF_NEEDED)) snprintf(def, sizeof def, "-");
        else if (isnan(r->def)) snprintf(def, sizeof def, "%s", r->flags & PB_PF_YEAR ? "horizon" : "none");
        else snprintf(def, sizeof def, "%.15g", r->def);
        printf("%s\t%s\t%s\t%s\t%s\t%s\n", r->path, def, d ? d->text : "a year", r->per_year_ok ? "may" : "no",
               r->flags & PB_PF_REQUIRED ? "in its block" : r->flags & PB_PF_NEEDED ? "when used" : "no", pb_when_name(r->when));
    }
    return fflush(stdout) == 0 ? 0 : pb_exit_code(pb_raise(PB_EIO, NULL, "cannot write to standard output"));
}

static int dispatch(int argc, char **argv)
{
    /* Under MPI, commands that read and print (everything but run and
     * merge, which every rank takes part in) are rank 0's alone. */
    if (pb_par_rank() != 0 && (argc < 2 || (strcmp(argv[1], "run") && strcmp(argv[1], "merge")))) return 0;
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
    const bool uses_hdf5 = !strcmp(cmd, "run") || !strcmp(cmd, "summary") || !strcmp(cmd, "merge");
    if (uses_hdf5 && hdf5_start() != PB_OK) return 1;
    if (!strcmp(cmd, "run")) return cmd_run(argc - 1, argv + 1);
    if (!strcmp(cmd, "validate")) return cmd_validate(argc - 1, argv + 1);
    if (!strcmp(cmd, "summary")) return cmd_summary(argc - 1, argv + 1);
    if (!strcmp(cmd, "merge")) return cmd_merge(argc - 1, argv + 1);
    if (!strcmp(cmd, "params")) return cmd_params(argc - 1, argv + 1);
    return usage_error("unknown command '%s'", cmd);
}

int main(int argc, char **argv)
{
    /* GSL's default handler aborts: all errors go through pb_raise instead.
     * (HDF5 is started only by the commands that read or write files:
     * hdf5_start.) */
    gsl_set_error_handler_off();
    if (pb_par_init(&argc, &argv) != PB_OK) return 1;
    int rc = dispatch(argc, argv);
    /* Every rank leaves with the worst status of the job. */
    int worst = (int)pb_par_agree(rc == 0 ? PB_OK : rc == 2 ? PB_EINPUT : PB_EIO);
    if (rc == 0 && worst != PB_OK) rc = pb_exit_code((pb_status)worst);
    pb_par_finalize();
    return rc;
}
