/* help.h (private to the program): what each command takes, in one table
 * (help.c): its operands, one line per option, and examples.  It is printed
 * by `payback CMD --help`, `payback help CMD` and `payback --help`; the bash
 * completion reads the options from that output, and tests/help.py checks
 * the table, the man page (docs/payback.1) and the completion against the
 * parsers' getopt tables, so that none of them can drift from what the
 * program accepts.  A command added to main.c's table needs an entry here
 * (tests/help.py fails otherwise). */
#ifndef PB_HELP_H
#define PB_HELP_H

#include <stdbool.h>
#include <stdio.h>

#define PB_HELP_MAX_OPTS 20
#define PB_HELP_MAX_EXAMPLES 6

/* One option: -x and/or --long, its argument's name (NULL for a flag) and
 * what it does, on one line. */
typedef struct {
    char shortopt;        /* 'n', or 0 */
    const char *longopt;  /* "paths-count" (without the dashes), or NULL */
    const char *arg;      /* "N", or NULL */
    const char *text;
} pb_help_opt;

typedef struct {
    const char *name;
    const char *operands; /* after the name: "SCENARIO.yaml" */
    const char *summary;  /* one line, for the list of commands */
    pb_help_opt opts[PB_HELP_MAX_OPTS];          /* up to an entry with neither name */
    const char *examples[PB_HELP_MAX_EXAMPLES];  /* up to NULL; "\n" continues a command */
} pb_help_cmd;

/* The entry of a command, or NULL. */
const pb_help_cmd *pb_help_find(const char *name);
/* A command's help: usage, summary, options, examples, on f. */
void pb_help_print(FILE *f, const pb_help_cmd *h);
/* `payback --help`: the usage, the commands names[n] with their summaries
 * (those without an entry as bare names), and the exit statuses. */
void pb_help_overview(FILE *f, const char *const *names, int n);
/* Whether argv[1 .. argc-1] (a command's arguments, argv[0] its name) ask
 * for help: --help or -h before any "--", and not the argument of one of
 * h's options (`--set -h` sets a value).  h may be NULL. */
bool pb_help_wanted(const pb_help_cmd *h, int argc, char **argv);

/* `payback --version`: the version, then the build (compiler, flags, git
 * commit) and the libraries linked (HDF5, GSL, libyaml, GMP, MPI or not),
 * one a line (version.c). */
void pb_version_print(FILE *f);

#endif
