/* main.c: the command line (interfaces.md §2).  The only place that turns a
 * pb_status into an exit status: 0 success, 1 runtime failure, 2 usage or
 * input error. */
#include <errno.h>
#include <math.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <hdf5.h>

#include "cli.h"
#include "payback/error.h"
#include "payback/merge.h"
#include "payback/output.h"
#include "payback/par.h"
#include "payback/signals.h"
#include "payback/scenario.h"
#include "payback/stats.h"

static const char usage_text[] =
    "usage:\n"
    "  payback run SCENARIO.yaml [-n PATHS] [-s SEED] [-o OUT.h5] [-t THREADS]\n"
    "                            [--set PATH=VALUE]... [--deterministic] [--store-paths N]\n"
    "                            [--paths A:B] [--precision TARGET]... [--batch B]\n"
    "                            [--quiet|--progress]\n"
    "  payback compare A.yaml [B.yaml] [--set-b PATH=VALUE]... [-n PATHS] [-s SEED] [-o OUT.h5]\n"
    "                            [-t THREADS] [--set PATH=VALUE]... [--quiet|--progress]\n"
    "                                      A against B (a second file, or A with --set-b) on the\n"
    "                                      same paths; --set applies to both\n"
    "  payback sweep SCENARIO.yaml --vary PATH=LO:HI:STEP|PATH=V1,V2,... [--vary ...]\n"
    "                            [run's -n -s -o -t --set --quiet|--progress]\n"
    "                            a Monte Carlo run at every point of a grid of fixed values\n"
    "                            (at most 10000 points), on common random numbers\n"
    "  payback solve SCENARIO.yaml --vary PATH=LO:HI --target TARGET [--deterministic]\n"
    "                            [run's -n -s -o -t --set --quiet|--progress]\n"
    "                            the value of PATH in [LO, HI] at which TARGET holds: Y=c (the\n"
    "                            central path), mean(Y)=c, qP(Y)=c or P(Y<=c)=q, with Y a metric\n"
    "                            (npv) or a series in a year (gap_full_cost@2035)\n"
    "  payback sensitivity SCENARIO.yaml [--output Y]... [--method tornado,rank,sobol,shapley]\n"
    "                            [-n N] [--orders M] [-s SEED] [-t THREADS] [-o OUT.h5]\n"
    "                            [--set PATH=VALUE]... [--quiet|--progress]\n"
    "                            which factors move each output Y (default npv and\n"
    "                            gap_full_cost@<first target year>): tornado, Spearman rank\n"
    "                            correlation, Sobol indices (independent factors; N (d+2)\n"
    "                            paths, N default 8192) or Shapley effects (correlated ones;\n"
    "                            M random orders, default 2000); default tornado,rank and\n"
    "                            sobol, or shapley when the scenario has correlations\n"
    "  payback validate SCENARIO.yaml...   check files; print nothing but errors\n"
    "  payback summary OUT.h5              print the summary table of a result file\n"
    "  payback plot RESULT.h5 [--kind KIND]... [-o F.png|.svg|.pdf]  draw it (docs/cli.md)\n"
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
    "      --precision TARGET  stop once TARGET's 95% interval is within its tolerance:\n"
    "                        mean(npv)~5, q0.95(gap_bain@2035)~1%, P(gap_full_cost@2035<=0)~0.005;\n"
    "                        repeatable; -n is then the most paths\n"
    "      --batch B         --precision's batches of paths (a multiple of 8192; default 65536)\n"
    "      --paths A:B       compute only paths A .. B-1 of the run, into a partial result\n"
    "                        that payback merge joins with the other parts\n"
    "      --force           replace an existing -o file even if it is not a payback result\n"
    "                        (never the input, never a device or FIFO)\n"
    "      --quiet           no progress on stderr (shown by default when stderr is a terminal)\n"
    "      --progress        progress on stderr even when it is not a terminal\n"
    "\n"
    "exit status: 0 success, 1 runtime failure (I/O, memory), 2 usage or input error\n";

/* payback merge PART.h5... -o OUT.h5: the parts of one run, checked, into
 * the file the single run would have written. */
static int cmd_merge(int argc, char **argv)
{
    const char *out_path = NULL;
    bool force = false;
    int c;
    optind = 1;
    static const struct option longopts[] = {{"output", required_argument, 0, 'o'}, {"force", no_argument, 0, 'f'},
                                             {0, 0, 0, 0}};
    while ((c = getopt_long(argc, argv, "o:", longopts, NULL)) != -1) {
        if (c == 'o') out_path = optarg;
        else if (c == 'f') force = true;
        else return pb_usage_error("%s", "unknown or incomplete option to 'merge'");
    }
    if (!out_path) return pb_usage_error("%s", "'merge' needs -o OUT.h5");
    int n = argc - optind;
    if (n < 1) return pb_usage_error("%s", "'merge' takes one or more partial results");
    const char *const *parts = (const char *const *)argv + optind;
    pb_errors_mute(pb_par_rank() != 0); /* every rank checks; rank 0 reports */
    pb_status st = pb_check_inputs(parts, n);
    if (st == PB_OK) st = pb_check_output(out_path, parts, n, force);
    pb_errors_mute(false);
    if ((st = pb_par_agree(st)) != PB_OK) return pb_exit_code(st);
    pb_merged m;
    pb_signals_reading(n == 1 ? parts[0] : "one of the parts", pb_read_budget(parts, n));
    st = pb_merge_parts(parts, n, &m);
    pb_signals_reading(NULL, 0);
    if (st == PB_OK) {
        pb_run_info info;
        pb_cli_fill_info(&info, m.sc, m.seed);
        info.paths = m.paths;
        info.threads = m.threads;
        if (m.ranks > info.ranks) info.ranks = m.ranks;
        /* The overrides of the run (its text already includes them). */
        char *ov[1] = {m.overrides};
        info.overrides = m.overrides[0] ? ov : NULL;
        info.n_overrides = m.overrides[0] ? 1 : 0;
        pb_paths_part pp = {pb_par_rank() == 0 ? &m.stored : NULL, 0, m.stored.n, m.sc, m.seed, false};
        st = pb_finish_run(out_path, &info, m.summary, &pp, NULL);
        pb_merged_clear(&m);
    }
    return pb_exit_code(st);
}

static int cmd_validate(int argc, char **argv)
{
    if (argc < 2) return pb_usage_error("%s", "'validate' takes one or more scenario files");
    int rc = 0;
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-' && argv[i][1]) return pb_usage_error("'validate' takes no option '%s'", argv[i]);
        pb_status st;
        pb_scenario *sc = pb_scenario_load(argv[i], NULL, 0, &st);
        if (!sc && pb_exit_code(st) > rc) rc = pb_exit_code(st);
        pb_scenario_free(sc);
    }
    return rc;
}

static int cmd_summary(int argc, char **argv)
{
    if (argc != 2) return pb_usage_error("%s", "'summary' takes exactly one result file");
    pb_run_info info;
    pb_summary *s;
    pb_status st = pb_check_inputs((const char *const *)argv + 1, 1);
    if (st != PB_OK) return pb_exit_code(st);
    pb_signals_reading(argv[1], pb_read_budget((const char *const *)argv + 1, 1));
    st = pb_output_read(argv[1], &info, &s);
    pb_signals_reading(NULL, 0);
    if (st != PB_OK) return pb_exit_code(st);
    pb_summary_print(stdout, &info, s);
    pb_summary_free(s);
    pb_run_info_clear(&info);
    /* A full disk or a closed pipe: say so (the table is incomplete). */
    if (fflush(stdout) != 0 || ferror(stdout))
        return pb_exit_code(pb_raise(PB_EIO, NULL, "cannot write the summary to standard output: %s", strerror(errno)));
    return 0;
}

/* payback params: the parameter table (param_table.h), tab-separated. */
static int cmd_params(int argc, char **argv)
{
    (void)argv;
    if (argc != 1) return pb_usage_error("%s", "'params' takes no argument");
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

/* The commands.  `job`: every MPI rank takes part (run, merge); the others
 * run on rank 0 alone (pb_par_solo), the other ranks waiting at the end
 * of main.  `hdf5`: the command reads or writes result files. */
typedef struct {
    const char *name;
    int (*fn)(int argc, char **argv);
    bool job, hdf5;
} command;

static const command commands[] = {
    {"run", pb_cmd_run, true, true},
    {"sweep", pb_cmd_sweep, false, true},
    {"solve", pb_cmd_solve, false, true},
    {"sensitivity", pb_cmd_sensitivity, false, true},
    {"merge", cmd_merge, true, true},
    {"compare", pb_cmd_compare, false, true},
    {"plot", pb_cmd_plot, false, true},
    {"summary", cmd_summary, false, true},
    {"validate", cmd_validate, false, false},
    {"params", cmd_params, false, false},
};

static int dispatch(int argc, char **argv)
{
    const char *cmd = argc >= 2 ? argv[1] : "";
    const command *c = NULL;
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(cmd, commands[i].name)) c = &commands[i];
    if (pb_par_rank() != 0 && !(c && c->job)) return 0;
    if (argc < 2) return pb_usage_error("%s", "no command given");
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        fputs(usage_text, stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version")) {
        printf("payback %s\n%s\n", PB_VERSION, pb_build_string());
        return 0;
    }
    if (!c) return pb_usage_error("unknown command '%s'", cmd);
    if (c->hdf5 && pb_hdf5_start() != PB_OK) return 1;
    pb_par_solo(!c->job);
    int rc = c->fn(argc - 1, argv + 1);
    pb_par_solo(false);
    if (c->hdf5) pb_hdf5_stop();
    return rc;
}

int main(int argc, char **argv)
{
    /* GSL's default handler aborts: all errors go through pb_raise instead.
     * (HDF5 is started only by the commands that read or write files:
     * hdf5_start.) */
    gsl_set_error_handler_off();
    pb_signals_install();
    if (pb_par_init(&argc, &argv) != PB_OK) return 1;
    int rc = dispatch(argc, argv);
    /* Every rank leaves with the worst status of the job. */
    int worst = (int)pb_par_agree(rc == 0 ? PB_OK : rc == 2 ? PB_EINPUT : PB_EIO);
    if (rc == 0 && worst != PB_OK) rc = pb_exit_code((pb_status)worst);
    pb_par_finalize();
    return rc;
}
