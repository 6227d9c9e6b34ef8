/* cli.h (private to the program): what the commands share — the options
 * every command that runs paths takes (interfaces.md §4: -n, -s, -o, -t,
 * --set, --quiet, --progress), loading the scenario with its --set
 * overrides, the default output name, the run's root attributes, and the
 * usage error.  Each command is one file, sim/cmd_<name>.c, with its entry
 * point declared here; main.c dispatches. */
#ifndef PB_CLI_H
#define PB_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>

#include "payback/output.h"
#include "payback/scenario.h"

/* The options shared by run and the analysis commands. */
typedef struct {
    const char *scenario, *output;
    char **sets;          /* the --set arguments (argc + 1 slots, owned: pb_cli_clear) */
    int n_sets;
    long long paths;      /* -1: the scenario's */
    unsigned long long seed;
    bool have_seed, quiet, progress;
    bool force;           /* --force: -o may replace a file that is not a payback result */
    int threads;          /* 0 until pb_cli_threads: OMP_NUM_THREADS, else all cores */
    int argc;             /* the command line as typed (getopt permutes argv), for the */
    char **argv;          /* file's `argv` attribute: argc + 1 slots (owned: pb_cli_clear) */
} pb_cli;

/* getopt_long entries of the shared options (short options "n:s:o:t:"),
 * to put first in a command's table. */
enum { PB_OPT_SET = 256, PB_OPT_QUIET, PB_OPT_PROGRESS, PB_OPT_FORCE, PB_OPT_FIRST_OWN };
#define PB_CLI_LONGOPTS                                                                                 \
    {"paths-count", required_argument, 0, 'n'}, {"seed", required_argument, 0, 's'},                    \
        {"output", required_argument, 0, 'o'}, {"threads", required_argument, 0, 't'},                  \
        {"set", required_argument, 0, PB_OPT_SET}, {"quiet", no_argument, 0, PB_OPT_QUIET},             \
        {"progress", no_argument, 0, PB_OPT_PROGRESS}, {"force", no_argument, 0, PB_OPT_FORCE}
#define PB_CLI_SHORTOPTS "n:s:o:t:"

/* Prepares o for argc arguments.  PB_ENOMEM (raised) when out of memory. */
pb_status pb_cli_init(pb_cli *o, int argc);
void pb_cli_clear(pb_cli *o);
/* Takes getopt's c and optarg if c is a shared option: 1 taken, 0 not a
 * shared option, 2 a usage error (raised; the exit status). */
int pb_cli_option(pb_cli *o, int c, const char *arg);
/* A command's own option c (getopt's return, not a shared one) with its
 * argument: 0 taken, else the exit status of a usage error (raised). */
typedef int (*pb_cli_own)(void *ctx, int c, char *arg);
/* Reads a command's options: the shared ones into o, the others through
 * own(ctx, ...); optind is then the first operand.  o must be
 * pb_cli_init'ed.  Returns 0, or 2 after a usage error. */
int pb_cli_options(pb_cli *o, int argc, char **argv, const struct option *longopts, pb_cli_own own, void *ctx);
/* pb_cli_options, then pb_cli_finish (one scenario file). */
int pb_cli_parse(pb_cli *o, int argc, char **argv, const struct option *longopts, pb_cli_own own, void *ctx,
                 const char *command);
/* After the options: --quiet/--progress, exactly one scenario file left
 * (argv[optind]).  0, or 2 after a usage error naming the command. */
int pb_cli_finish(pb_cli *o, int argc, char **argv, const char *command);
/* Loads the scenario with the --set overrides (and extra ones, appended;
 * may be NULL), every rank alike, rank 0 reporting errors. */
pb_scenario *pb_cli_load(const pb_cli *o, char *const *extra, int n_extra, pb_status *st);
/* The thread count: -t, else OMP_NUM_THREADS, else all cores. */
int pb_cli_threads(const pb_cli *o);
/* The seed: -s, else the scenario's. */
uint64_t pb_cli_seed(const pb_cli *o, const pb_scenario *sc);
/* -n, else the scenario's paths (def: a command's own default when > 0). */
int64_t pb_cli_paths(const pb_cli *o, const pb_scenario *sc, int64_t def);
/* Whether progress goes to stderr (--progress, or a terminal unless --quiet). */
bool pb_cli_progress(const pb_cli *o);
/* -o, else results/<name>.h5 or, with a suffix, results/<name>-<suffix>.h5,
 * into *path (a heap string), checked before any path runs: an empty name
 * or a folder is a usage error (PB_EUSAGE), a folder that exists and cannot
 * be written in a runtime one (PB_EIO); PB_ENOMEM.  *path is NULL unless
 * PB_OK. */
pb_status pb_cli_out_path(const pb_cli *o, const pb_scenario *sc, const char *suffix, char **path);

/* Whether the result file may be written at path (D6): a path that exists
 * must be a regular file, none of the inputs[n] (scenario files, parts),
 * and, without force, a payback result (an HDF5 file whose root attribute
 * program is "payback").  PB_EUSAGE (raised) otherwise; PB_OK. */
pb_status pb_check_output(const char *path, const char *const *inputs, int n, bool force);

/* Result files to read exist and are regular files (a FIFO would block
 * the reader for ever): PB_EINPUT (raised) naming the first that is not. */
pb_status pb_check_inputs(const char *const *paths, int n);

/* A usage error: raised (one line on stderr), a pointer to --help; returns 2. */
int pb_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A non-negative decimal integer filling all of s. */
bool pb_parse_u64(const char *s, unsigned long long *v);
/* A count: a non-negative integer, also with an exponent (1e5, 2.5e6). */
bool pb_parse_count(const char *s, unsigned long long *v);

/* The root attributes of a run of sc with seed (every rank alike). */
void pb_cli_fill_info(pb_run_info *info, const pb_scenario *sc, uint64_t seed);
/* Writes the result file (every rank), then prints the summary table
 * (rank 0): a run whose file cannot be written prints nothing on stdout. */
pb_status pb_finish_run(const char *out_path, const pb_run_info *info, const pb_summary *s, const pb_paths_part *pp,
                        const pb_state_part *state);
/* Shuts HDF5 down, unless a file could not be closed (then the process
 * ends without it: the library would crash closing it again). */
void pb_hdf5_stop(void);
/* Starts HDF5 with its own error printing off.  PB_EIO (raised) on failure. */
pb_status pb_hdf5_start(void);

/* The commands: argc/argv from the command's name on; return the exit status. */
int pb_cmd_run(int argc, char **argv);
int pb_cmd_compare(int argc, char **argv);
int pb_cmd_sweep(int argc, char **argv);
int pb_cmd_solve(int argc, char **argv);
int pb_cmd_sensitivity(int argc, char **argv);
int pb_cmd_export(int argc, char **argv);
int pb_cmd_plot(int argc, char **argv);

#endif
