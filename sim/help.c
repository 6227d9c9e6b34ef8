/* help.c: the help of every command, one table (help.h), and its printing. */
#include "help.h"

#include <string.h>

/* The options that the commands running paths share (cli.h's
 * PB_CLI_LONGOPTS), worded once.  Each command lists those it takes. */
#define H_PATHS(what) {'n', "paths-count", "N", what}
#define H_SEED {'s', "seed", "SEED", "random seed, 0 .. 2^64-1 (default: the scenario's)"}
#define H_OUT(def) {'o', "output", "OUT.h5", "result file (default: " def ")"}
#define H_THREADS {'t', "threads", "N", "threads (default: OMP_NUM_THREADS, else all cores)"}
#define H_SET(what) {0, "set", "PATH=VALUE", what}
#define H_SET_ONE H_SET("set scenario node PATH to VALUE (YAML); repeatable")
#define H_FORCE {0, "force", NULL, "replace -o even if it is not a payback result"}
#define H_QUIET {0, "quiet", NULL, "no progress on stderr (shown on a terminal)"}
#define H_PROGRESS {0, "progress", NULL, "progress on stderr even when not a terminal"}
#define H_HELP {'h', "help", NULL, "print this help and exit"}
#define H_END {0, NULL, NULL, NULL}

/* In the order of `payback --help`.  plot is listed by `payback --help`
 * (and its help printed) only once main.c's table has it. */
static const pb_help_cmd table[] = {
    {"run", "SCENARIO.yaml", "one Monte Carlo run (or the central path) into a result file",
     {H_PATHS("number of paths (default: the scenario's paths)"), H_SEED, H_OUT("results/<name>.h5"), H_THREADS,
      H_SET_ONE,
      {0, "deterministic", NULL, "the central path: every law at its mean, no shocks"},
      {0, "store-paths", "N", "keep the first N paths (series, inputs) in /paths"},
      {0, "precision", "TARGET", "stop once TARGET's 95% interval is narrow; repeatable"},
      {0, "batch", "B", "--precision's batch: k x 8192 paths (default 65536)"},
      {0, "paths", "A:B", "only paths A .. B-1: a partial result for 'merge'"},
      H_FORCE, H_QUIET, H_PROGRESS, H_HELP, H_END},
     {"payback run scenarios/baseline.yaml -n 100000 -t 2",
      "payback run scenarios/bain.yaml --deterministic \\\n    --set required.bain.capex_ratio=0.2",
      "payback run scenarios/baseline.yaml -n 5000000 --precision 'mean(npv)~10'", NULL}},
    {"compare", "A.yaml [B.yaml]", "A against B on the same paths: the differences, paired",
     {{0, "set-b", "PATH=VALUE", "B is A (or B.yaml) with this override; repeatable"},
      H_PATHS("number of paths (default: A's paths)"), {'s', "seed", "SEED", "random seed, 0 .. 2^64-1 (default: A's)"},
      H_OUT("results/<A's name>-compare.h5"), H_THREADS, H_SET("set PATH to VALUE in A and B alike; repeatable"),
      H_FORCE, H_QUIET, H_PROGRESS, H_HELP, H_END},
     {"payback compare scenarios/baseline.yaml --set-b gpu.physical_life=4 -n 1e5",
      "payback compare scenarios/bull.yaml scenarios/bear.yaml -n 100000", NULL}},
    {"sweep", "SCENARIO.yaml --vary PATH=VALUES...", "a Monte Carlo run at every point of a grid",
     {{0, "vary", "PATH=VALUES", "values LO:HI:STEP or V1,V2,...; repeatable"},
      H_PATHS("paths at each point (default: the scenario's paths)"), H_SEED, H_OUT("results/<name>-sweep.h5"),
      H_THREADS, H_SET_ONE, H_FORCE, H_QUIET, H_PROGRESS, H_HELP, H_END},
     {"payback sweep scenarios/baseline.yaml --vary gpu.physical_life=4:9:1 -n 65536",
      "payback sweep scenarios/baseline.yaml --vary gpu.physical_life=4:9:1 \\\n"
      "    --vary revenue.growth.persistence=0.5,0.65,0.8 -n 65536",
      NULL}},
    {"solve", "SCENARIO.yaml --vary PATH=LO:HI --target TARGET", "the value of a parameter at which a target holds",
     {{0, "vary", "PATH=LO:HI", "the parameter, and the interval to search"},
      {0, "target", "TARGET", "Y=c, mean(Y)=c, q0.9(Y)=c or P(Y<=c)=q"},
      {0, "deterministic", NULL, "solve on the central path (Y=c targets only)"},
      H_PATHS("paths of each evaluation (default: the scenario's)"), H_SEED, H_OUT("results/<name>-solve.h5"),
      H_THREADS, H_SET_ONE, H_FORCE, H_QUIET, H_PROGRESS, H_HELP, H_END},
     {"payback solve scenarios/bain.yaml --vary revenue.growth.long_run=0:2 \\\n    --target gap_bain@2030=0",
      "payback solve scenarios/baseline.yaml -n 65536 \\\n"
      "    --vary revenue.growth.persistence=0.45:0.95 \\\n"
      "    --target 'P(gap_full_cost@2030<=0)=0.5'",
      NULL}},
    {"sensitivity", "SCENARIO.yaml", "which inputs move each output: tornado, Spearman, Sobol, Shapley",
     {{0, "output", "Y", "npv, or a series in a year (gap_bain@2030); repeatable"},
      {0, "method", "LIST", "default tornado,rank,sobol (shapley if correlated)"},
      {0, "orders", "M", "Shapley's orders when over 6 factors (default 2000)"},
      H_PATHS("the base sample (default 8192)"), H_SEED,
      {'o', NULL, "OUT.h5", "result file (default: results/<name>-sensitivity.h5)"}, H_THREADS, H_SET_ONE,
      H_FORCE, H_QUIET, H_PROGRESS, H_HELP, H_END},
     {"payback sensitivity scenarios/baseline.yaml",
      "payback sensitivity scenarios/baseline.yaml --output npv --method tornado,rank", NULL}},
    {"validate", "SCENARIO.yaml...", "check scenario files; print nothing but errors",
     {H_HELP, H_END},
     {"payback validate scenarios/*.yaml", NULL}},
    {"summary", "RESULT.h5", "print the summary table of a result file",
     {H_HELP, H_END},
     {"payback summary results/baseline.h5", NULL}},
    {"merge", "PART.h5... -o OUT.h5", "join the parts of a run split with run --paths",
     {{'o', "output", "OUT.h5", "the merged result file (required)"}, H_FORCE, H_HELP, H_END},
     {"payback run scenarios/baseline.yaml -n 200000 --paths 0:100000 -o p0.h5",
      "payback run scenarios/baseline.yaml -n 200000 --paths 100000:200000 -o p1.h5",
      "payback merge p0.h5 p1.h5 -o baseline.h5", NULL}},
    {"params", "", "list every scenario parameter: path, default, domain",
     {H_HELP, H_END},
     {"payback params | column -t -s $'\\t'", NULL}},
    {"plot", "RESULT.h5", "draw a result file as PNG, SVG or PDF (gnuplot)",
     {{0, "kind", "KIND", "fan, gap, ..., dashboard (man payback); repeatable"},
      {'o', "output", "FILE", "PNG, SVG or PDF (default: results/<name>-<kind>.png)"},
      {0, "force", NULL, "replace a FILE that is not a picture"}, H_HELP, H_END},
     {"payback plot results/baseline.h5 -o baseline.pdf",
      "payback plot results/baseline-sensitivity.h5 --kind tornado", NULL}},
    {"export", "RESULT.h5", "a result file as one tidy long table, CSV or JSON",
     {{'f', "format", "FORMAT", "csv (default) or json"},
      {'o', "output", "FILE", "write FILE, whole or not at all (default: stdout)"},
      {0, "paths", NULL, "also /paths: a row per stored path and value (large)"},
      {0, "force", NULL, "replace a FILE that is not an earlier export"}, H_HELP, H_END},
     {"payback export results/baseline.h5 -o results/baseline.csv",
      "payback export results/baseline-sensitivity.h5 --format json", NULL}},
    {"help", "[COMMAND]", "the list of commands, or a command's help",
     {H_END},
     {"payback help run", NULL}},
};

enum { N_CMDS = sizeof table / sizeof table[0], WIDTH = 80, OPT_COL = 26 };

const pb_help_cmd *pb_help_find(const char *name)
{
    for (int i = 0; i < N_CMDS; i++)
        if (!strcmp(table[i].name, name)) return &table[i];
    return NULL;
}

/* Text from column col on, wrapped at word boundaries before WIDTH. */
static void wrapped(FILE *f, const char *text, int col)
{
    int at = col;
    while (*text) {
        size_t word = strcspn(text, " ");
        if (at > col && at + 1 + (int)word > WIDTH) {
            fprintf(f, "\n%*s", col, "");
            at = col;
        } else if (at > col) {
            fputc(' ', f);
            at++;
        }
        fprintf(f, "%.*s", (int)word, text);
        at += (int)word;
        text += word;
        text += strspn(text, " ");
    }
    fputc('\n', f);
}

void pb_help_print(FILE *f, const pb_help_cmd *h)
{
    fprintf(f, "usage: payback %s%s%s%s\n\n", h->name, *h->operands ? " " : "", h->operands,
            h->opts[0].shortopt || h->opts[0].longopt ? " [OPTION]..." : "");
    wrapped(f, h->summary, 0);
    if (h->opts[0].shortopt || h->opts[0].longopt) fprintf(f, "\noptions:\n");
    for (const pb_help_opt *o = h->opts; o->shortopt || o->longopt; o++) {
        char left[64];
        /* "-n, --paths-count N", "    --set PATH=VALUE", "-o OUT.h5" */
        int n = snprintf(left, sizeof left, "%c%c%s%s%s%s%s", o->shortopt ? '-' : ' ', o->shortopt ? o->shortopt : ' ',
                         o->shortopt && o->longopt ? ", " : o->longopt ? "  " : "", o->longopt ? "--" : "",
                         o->longopt ? o->longopt : "", o->arg ? " " : "", o->arg ? o->arg : "");
        fprintf(f, "  %s", left);
        if (n + 2 >= OPT_COL - 1) fprintf(f, "\n%*s", OPT_COL, "");
        else fprintf(f, "%*s", OPT_COL - 2 - n, "");
        wrapped(f, o->text, OPT_COL);
    }
    fprintf(f, "\nexample%s:\n", h->examples[1] ? "s" : "");
    for (const char *const *e = h->examples; *e; e++) {
        for (const char *line = *e; *line;) {
            size_t len = strcspn(line, "\n");
            fprintf(f, "  %.*s\n", (int)len, line);
            line += len + (line[len] == '\n');
        }
    }
    fprintf(f, "\nSee man payback for the details.\n");
}

/* Whether name is one of names[n]. */
static bool listed(const char *name, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(names[i], name)) return true;
    return false;
}

void pb_help_overview(FILE *f, const char *const *names, int n)
{
    fprintf(f, "usage: payback COMMAND [ARGUMENT]... [OPTION]...\n\ncommands:\n");
    /* In the table's order; a command without an entry last, bare. */
    for (int i = 0; i < N_CMDS; i++)
        if (listed(table[i].name, names, n)) fprintf(f, "  %-13s%s\n", table[i].name, table[i].summary);
    for (int i = 0; i < n; i++)
        if (!pb_help_find(names[i])) fprintf(f, "  %s\n", names[i]);
    fprintf(f, "\n"
               "  payback COMMAND --help   a command's options and examples\n"
               "  payback help COMMAND     the same\n"
               "  payback --version        the version and the build\n"
               "\n"
               "exit status: 0 success, 1 runtime failure (I/O, memory), 2 usage or input error\n"
               "See man payback for the details.\n");
}

/* The option of h that argument a names ("--long", "--lo" for short, "-x"),
 * if it is one of h's and takes an argument in the next word. */
static bool takes_next(const pb_help_cmd *h, const char *a)
{
    if (!h || a[0] != '-') return false;
    int found = 0;
    bool arg = false;
    for (const pb_help_opt *o = h->opts; o->shortopt || o->longopt; o++) {
        if (a[1] != '-') {
            /* -x: its argument is the next word unless attached (-n5). */
            if (o->shortopt && a[1] == o->shortopt) return o->arg && !a[2];
        } else if (o->longopt && !strchr(a, '=') && !strncmp(o->longopt, a + 2, strlen(a + 2))) {
            /* getopt_long takes an unambiguous prefix; an exact name wins. */
            if (!strcmp(o->longopt, a + 2)) return o->arg != NULL;
            found++;
            arg = o->arg != NULL;
        }
    }
    return found == 1 && arg;
}

bool pb_help_wanted(const pb_help_cmd *h, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--")) return false;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) return true;
        if (takes_next(h, argv[i])) i++;
    }
    return false;
}
