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
#include "help.h"
#include "payback/error.h"
#include "payback/merge.h"
#include "payback/output.h"
#include "payback/par.h"
#include "payback/signals.h"
#include "payback/scenario.h"
#include "payback/stats.h"

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
    {"export", pb_cmd_export, false, true},
    {"validate", cmd_validate, false, false},
    {"params", cmd_params, false, false},
};

enum { N_COMMANDS = sizeof commands / sizeof commands[0] };

/* payback --help: the commands, in the table's order, from help.c. */
static int overview(void)
{
    const char *names[N_COMMANDS];
    for (int i = 0; i < N_COMMANDS; i++) names[i] = commands[i].name;
    pb_help_overview(stdout, names, N_COMMANDS);
    return 0;
}

/* payback help [COMMAND]. */
static int cmd_help(int argc, char **argv)
{
    if (argc < 2) return overview();
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) argv[1] = "help";
    const pb_help_cmd *h = pb_help_find(argv[1]);
    bool known = !strcmp(argv[1], "help");
    for (int i = 0; i < N_COMMANDS; i++) known |= !strcmp(argv[1], commands[i].name);
    if (argc > 2 || !known || !h) return pb_usage_error("'help' takes one command name, not '%s'", argv[argc > 2 ? 2 : 1]);
    pb_help_print(stdout, h);
    return 0;
}

static int dispatch(int argc, char **argv)
{
    const char *cmd = argc >= 2 ? argv[1] : "";
    const command *c = NULL;
    for (int i = 0; i < N_COMMANDS; i++)
        if (!strcmp(cmd, commands[i].name)) c = &commands[i];
    if (pb_par_rank() != 0 && !(c && c->job)) return 0;
    if (argc < 2) return pb_usage_error("%s", "no command given");
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h")) return overview();
    if (!strcmp(cmd, "help")) return cmd_help(argc - 1, argv + 1);
    if (!strcmp(cmd, "--version")) {
        pb_version_print(stdout);
        return 0;
    }
    if (!c) return pb_usage_error("unknown command '%s'", cmd);
    /* payback CMD ... --help: the command's help, whatever else is given
     * (on rank 0 alone under MPI). */
    const pb_help_cmd *h = pb_help_find(c->name);
    if (pb_help_wanted(h, argc - 1, argv + 1)) {
        if (pb_par_rank() == 0 && h) pb_help_print(stdout, h);
        return h ? 0 : pb_usage_error("no help for '%s'", c->name);
    }
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
