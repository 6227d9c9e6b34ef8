/* cli.c: what the commands share (cli.h). */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hdf5.h>
#include <omp.h>

#include "h5util.h"
#include "payback/par.h"

int pb_usage_error(const char *fmt, ...)
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

bool pb_parse_u64(const char *s, unsigned long long *v)
{
    char *end;
    if (!*s || *s == '-' || *s == '+') return false;
    errno = 0;
    *v = strtoull(s, &end, 10);
    return errno == 0 && *end == 0;
}

bool pb_parse_count(const char *s, unsigned long long *v)
{
    if (pb_parse_u64(s, v)) return true;
    /* 1e5, 2.5e6: a whole number written with an exponent, as a scenario's
     * paths may be. */
    char *end;
    if (!*s || *s == '-' || *s == '+' || !strpbrk(s, "eE")) return false;
    errno = 0;
    double x = strtod(s, &end);
    if (errno || *end || !(x >= 0 && x <= 1e18) || x != floor(x)) return false;
    *v = (unsigned long long)x;
    return true;
}

pb_status pb_cli_init(pb_cli *o, int argc)
{
    memset(o, 0, sizeof *o);
    o->paths = -1;
    o->sets = calloc((size_t)argc + 1, sizeof *o->sets);
    o->argv = calloc((size_t)argc + 1, sizeof *o->argv);
    if (!o->sets || !o->argv) {
        pb_cli_clear(o);
        return pb_raise(PB_ENOMEM, NULL, "out of memory");
    }
    return PB_OK;
}

void pb_cli_clear(pb_cli *o)
{
    free(o->sets);
    free(o->argv);
    o->sets = o->argv = NULL;
}

int pb_cli_options(pb_cli *o, int argc, char **argv, const struct option *longopts, pb_cli_own own, void *ctx)
{
    o->argc = argc;
    for (int i = 0; i < argc; i++) o->argv[i] = argv[i];
    int c, rc = 0;
    optind = 1;
    while (rc == 0 && (c = getopt_long(argc, argv, PB_CLI_SHORTOPTS, longopts, NULL)) != -1) {
        int taken = pb_cli_option(o, c, optarg);
        if (taken == 0) rc = own(ctx, c, optarg);
        else if (taken != 1) rc = taken;
    }
    return rc;
}

int pb_cli_parse(pb_cli *o, int argc, char **argv, const struct option *longopts, pb_cli_own own, void *ctx,
                 const char *command)
{
    int rc = pb_cli_options(o, argc, argv, longopts, own, ctx);
    return rc ? rc : pb_cli_finish(o, argc, argv, command);
}

int pb_cli_option(pb_cli *o, int c, const char *arg)
{
    unsigned long long v;
    switch (c) {
    case 'n':
        if (!pb_parse_count(arg, &v) || v < 1 || v > (unsigned long long)1e15)
            return pb_usage_error("-n takes a number of paths from 1 to 1e15 (as 100000 or 1e5), not '%s'", arg);
        o->paths = (long long)v;
        return 1;
    case 's':
        if (!pb_parse_u64(arg, &o->seed)) return pb_usage_error("-s takes a seed from 0 to 18446744073709551615, not '%s'", arg);
        o->have_seed = true;
        return 1;
    case 'o': o->output = arg; return 1;
    case 't':
        if (!pb_parse_u64(arg, &v) || v < 1 || v > 4096) return pb_usage_error("-t takes a thread count from 1 to 4096, not '%s'", arg);
        o->threads = (int)v;
        return 1;
    case PB_OPT_SET: o->sets[o->n_sets++] = (char *)arg; return 1;
    case PB_OPT_QUIET: o->quiet = true; return 1;
    case PB_OPT_PROGRESS: o->progress = true; return 1;
    case PB_OPT_FORCE: o->force = true; return 1;
    default: return 0;
    }
}

int pb_cli_finish(pb_cli *o, int argc, char **argv, const char *command)
{
    if (o->quiet && o->progress) return pb_usage_error("%s", "--quiet and --progress exclude each other");
    if (optind != argc - 1) return pb_usage_error("'%s' takes exactly one scenario file", command);
    o->scenario = argv[optind];
    return 0;
}

pb_scenario *pb_cli_load(const pb_cli *o, char *const *extra, int n_extra, pb_status *st)
{
    char **all = calloc((size_t)(o->n_sets + n_extra) + 1, sizeof *all);
    if (!all) {
        *st = pb_raise(PB_ENOMEM, NULL, "out of memory");
        return NULL;
    }
    for (int i = 0; i < o->n_sets; i++) all[i] = o->sets[i];
    for (int i = 0; i < n_extra; i++) all[o->n_sets + i] = extra[i];
    pb_errors_mute(pb_par_rank() != 0); /* every rank reads the file; rank 0 reports */
    pb_scenario *sc = pb_scenario_load(o->scenario, all, o->n_sets + n_extra, st);
    pb_errors_mute(false);
    free(all);
    return sc;
}

int pb_cli_threads(const pb_cli *o)
{
    if (o->threads > 0) return o->threads;
    const char *env = getenv("OMP_NUM_THREADS");
    unsigned long long v;
    return env && pb_parse_u64(env, &v) && v >= 1 && v <= 4096 ? (int)v : omp_get_num_procs();
}

uint64_t pb_cli_seed(const pb_cli *o, const pb_scenario *sc) { return o->have_seed ? o->seed : sc->seed; }

int64_t pb_cli_paths(const pb_cli *o, const pb_scenario *sc, int64_t def)
{
    return o->paths > 0 ? o->paths : def > 0 ? def : sc->paths;
}

bool pb_cli_progress(const pb_cli *o) { return o->progress || (!o->quiet && isatty(2)); }

pb_status pb_cli_out_path(const pb_cli *o, const pb_scenario *sc, const char *suffix, char **path)
{
    char *p = NULL;
    *path = NULL;
    if (o->output) p = strdup(o->output);
    else if ((p = malloc(strlen(sc->name) + (suffix ? strlen(suffix) : 0) + 16)))
        sprintf(p, suffix ? "results/%s-%s.h5" : "results/%s.h5", sc->name, suffix);
    if (!p) return pb_raise(PB_ENOMEM, NULL, "out of memory");
    pb_status st = pb_check_output(p, (const char *const *)&sc->file, 1, o->force);
    if (st != PB_OK) free(p);
    else *path = p;
    return st;
}

/* Whether path is an HDF5 file whose root attribute program is "payback". */
static bool is_payback_result(const char *path)
{
    if (H5Fis_hdf5(path) <= 0) return false;
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) return false;
    char *prog = NULL, why[160];
    bool yes = pb_h5_read_attr_str(f, "program", &prog, why, sizeof why) == PB_OK && prog && !strcmp(prog, "payback");
    free(prog);
    H5Fclose(f);
    return yes;
}

/* The folder the file goes in exists and can be written in, or is missing
 * (pb_h5_out_begin creates it). */
static pb_status check_folder(const char *path)
{
    char *dir = strdup(path);
    if (!dir) return pb_raise(PB_ENOMEM, NULL, "out of memory");
    struct stat sb;
    pb_status st = PB_OK;
    char *slash = strrchr(dir, '/');
    const char *folder = slash ? (slash == dir ? "/" : (*slash = 0, dir)) : ".";
    if (stat(folder, &sb) == 0 && (!S_ISDIR(sb.st_mode) || access(folder, W_OK) != 0))
        st = pb_raise(PB_EIO, NULL, "cannot write '%s': '%s' is not a folder that can be written in", path, folder);
    free(dir);
    return st;
}

pb_status pb_check_output(const char *path, const char *const *inputs, int n, bool force)
{
    /* Checked now, not after hours of paths: the file is written as
     * PATH.part in PATH's folder and renamed over PATH (h5util.h). */
    struct stat out, in;
    if (!*path) return pb_raise(PB_EUSAGE, NULL, "-o takes a file name, not ''");
    if (stat(path, &out) == 0 && S_ISDIR(out.st_mode))
        return pb_raise(PB_EUSAGE, NULL, "-o '%s' is a folder; expected a file name", path);
    pb_status st = check_folder(path);
    if (st != PB_OK || stat(path, &out) != 0) return st; /* a new file */
    if (!S_ISREG(out.st_mode))
        return pb_raise(PB_EUSAGE, NULL, "-o '%s' is not a regular file (a device, a FIFO, a socket); expected the name "
                        "of a result file", path);
    for (int i = 0; i < n; i++)
        if (inputs[i] && stat(inputs[i], &in) == 0 && in.st_dev == out.st_dev && in.st_ino == out.st_ino)
            return pb_raise(PB_EUSAGE, NULL, "-o '%s' is the input '%s'; expected another file name", path, inputs[i]);
    if (!force && !is_payback_result(path))
        return pb_raise(PB_EUSAGE, NULL, "-o '%s' exists and is not a payback result; expected a new name, a payback "
                        "result to replace, or --force", path);
    return PB_OK;
}

static void iso_now(char *buf, size_t len)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void pb_cli_fill_info(pb_run_info *info, const pb_scenario *sc, uint64_t seed)
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

pb_status pb_hdf5_start(void)
{
    /* HDF5's own exit handler would close what it still holds; after a
     * failed close (a full disk) that crashes, so payback shuts it down
     * itself (pb_hdf5_stop). */
    H5dont_atexit();
    if (H5open() < 0 || H5Eset_auto2(H5E_DEFAULT, NULL, NULL) < 0)
        return pb_raise(PB_EIO, NULL, "cannot start the HDF5 library");
    return PB_OK;
}

/* Writes the file (all ranks), then prints the table (rank 0): a run whose
 * file cannot be written prints nothing on stdout. */
pb_status pb_finish_run(const char *out_path, const pb_run_info *info, const pb_summary *s,
                            const pb_paths_part *pp, const pb_state_part *state)
{
    pb_status st = pb_output_write(out_path, info, s, pp, state);
    if (st != PB_OK || pb_par_rank() != 0) return st;
    if (s->n == 0 && s->nonfinite > 0)
        pb_warn(NULL, "every one of the %lld paths is non-finite (NaN or infinite values): the file holds no "
                "statistics; the scenario's numbers overflow (docs/model.md §9)", (long long)s->nonfinite);
    pb_summary_print(stdout, info, s);
    if (fflush(stdout) != 0) st = pb_raise(PB_EIO, NULL, "cannot write the summary to standard output");
    return st;
}

pb_status pb_check_inputs(const char *const *paths, int n)
{
    for (int i = 0; i < n; i++) {
        struct stat sb;
        if (stat(paths[i], &sb) != 0)
            return pb_raise(PB_EINPUT, NULL, "cannot read '%s': %s", paths[i], strerror(errno));
        if (!S_ISREG(sb.st_mode))
            return pb_raise(PB_EINPUT, NULL, "'%s' is not a regular file (a FIFO, a device, a folder); expected a "
                            "payback result file", paths[i]);
    }
    return PB_OK;
}

void pb_hdf5_stop(void)
{
    if (!pb_h5_close_failed()) H5close();
}
