/* scenario_read.h: private to the scenario reader, the files that turn
 * YAML into a pb_scenario (scenario.h):
 *   yaml_read.c       nodes, positions, YAML 1.2 core-schema numbers, mappings
 *   param_read.c      a parameter: a number or {dist: NAME, ...} (param.h)
 *   scenario_parse.c  the blocks and keys of a scenario file (interfaces.md §1),
 *                     with the parameters' keys from param_table.h
 *   validate.c        every range and cross-field rule, after parsing
 *   override.c        --set PATH=VALUE merged into the document before parsing
 *   scenario.c        defaults, then the three steps, and the text as run
 * Errors go through pb_raise with the position of the node at fault (ERR);
 * the loader collects them and prints them sorted (error.h). */
#ifndef PB_SCENARIO_READ_H
#define PB_SCENARIO_READ_H

#include <stdbool.h>
#include <stddef.h>

#include <yaml.h>

#include "payback/scenario.h"

#define MAX_OVERRIDES 256
#define SR_SET_FILE "--set" /* the "file" of a position inside a --set argument */

/* The reader's state while one scenario is read. */
typedef struct {
    int first, last;  /* node ids copied in from --set number `set` (1-based) */
    int set;            /* --set:N: marks of these nodes hold the column in the argument */
} override_range;

typedef struct {
    const char *file;      /* display name for positions (owned by the scenario) */
    yaml_document_t doc;
    bool have_doc;
    override_range ranges[MAX_OVERRIDES];
    int n_ranges;
    const pb_override_label *labels; /* how override positions read (NULL: "--set:N") */
    pb_scenario *sc;
    pb_loc growth_loc, logistic_loc, revenue_loc, jpm_loc;
    bool has_growth_block, has_logistic_block;
    int committed_year[PB_MAX_YEARS];      /* the year keys of capex.committed, in file order */
    int n_observed, observed_year[PB_MAX_YEARS];  /* revenue.observed, in file order (history.c) */
    double observed_value[PB_MAX_YEARS];
    pb_loc observed_loc[PB_MAX_YEARS], observed_block_loc;
    int n_forced, forced_year[PB_MAX_YEARS];      /* revenue.regime.forced, in file order */
    bool forced_bust[PB_MAX_YEARS];
    pb_loc forced_loc[PB_MAX_YEARS];
    pb_loc committed_loc[PB_MAX_YEARS];    /* where each year key was written */
    pb_loc target_years_loc[PB_MAX_YEARS];
    int gen_index;                            /* generation being parsed */
} ctx;

/* Nodes and positions (yaml_read.c).  Positions are 1-based; a node copied
 * in from --set number N is at "--set:N:COL" (COL within the argument). */
int sr_node_id(ctx *c, yaml_node_t *n);
yaml_node_t *sr_node(ctx *c, int id);
pb_loc sr_loc(ctx *c, yaml_node_t *n);
/* The position of column col in override number `set` (1-based):
 * "--set:N:COL", or its label's name and number (pb_scenario_load_labelled). */
pb_loc sr_set_loc(const ctx *c, int set, int col);
#define ERR(c, node, ...) do { pb_loc at_ = sr_loc((c), (node)); pb_raise(PB_EINPUT, &at_, __VA_ARGS__); } while (0)
/* The text of a scalar node; NULL for anything else. */
const char *sr_scalar(yaml_node_t *n);
bool sr_is_plain(yaml_node_t *n);
/* How a node is shown after "found": the scalar text (in buf), or its kind. */
const char *sr_found(yaml_node_t *n, char *buf, size_t len);

/* After yaml_parser_load failed: true when it ran out of memory.  libyaml
 * describes every syntax error (problem); a failure without one comes from
 * an allocation that failed, which it does not always mark as such. */
bool sr_yaml_out_of_memory(const yaml_parser_t *p);

/* The deepest nesting of blocks a scenario or a --set value may have.  A
 * scenario is a few levels deep; the bound keeps libyaml's scanner, whose
 * time grows with the square of the depth, and every recursive walk short
 * (docs/scenarios.md). */
#define SR_MAX_DEPTH 64
/* Streams text's YAML events and fails at the first block nested deeper
 * than SR_MAX_DEPTH: PB_EINPUT raised at the block's position (base.line
 * 0: text is a file, named base.file; else text is one --set value, at
 * base.line, its columns after base.col), PB_ENOMEM.  Syntax errors are
 * left to the loader (PB_OK). */
pb_status sr_check_depth(const char *text, size_t len, pb_loc base);

/* Numbers of the YAML 1.2 core schema (yaml_read.c). */
bool sr_core_number(yaml_node_t *n, double *x, bool *is_int);
/* A finite number with |x| <= 1e12, or an error naming `expected`. */
bool sr_get_number(ctx *c, yaml_node_t *n, double *x, const char *expected);
/* An integral number in [lo, hi] (1e6 is accepted), or an error. */
bool sr_get_int(ctx *c, yaml_node_t *n, long long *v, long long lo, long long hi, const char *expected);
/* A sequence of at most cap numbers into out: the count, or -1 after an error. */
int sr_number_list(ctx *c, yaml_node_t *n, double *out, int cap, const char *what);

/* Mappings (yaml_read.c). */
bool sr_check_mapping(ctx *c, yaml_node_t *n, const char *what);
yaml_node_t *sr_map_get(ctx *c, yaml_node_t *n, const char *k);
bool sr_is_duplicate_key(ctx *c, yaml_node_t *map, yaml_node_pair_t *p);

/* Parameters (param_read.c).  sr_parse_param reads node n into *out (or
 * marks it invalid after an error, so that validation skips it: one
 * mistake, one message); path names it in messages. */
void sr_parse_param(ctx *c, yaml_node_t *n, pb_param *out, bool allow_per_year, const char *path);
void sr_mark_invalid(pb_param *out, pb_loc at);
bool sr_is_invalid(const pb_param *p);

/* The scenario's blocks, from the root mapping (scenario_parse.c). */
void sr_parse_root(ctx *c, yaml_node_t *root);
/* Parameter row r of param_table.h from value node v (key node k). */
void sr_parse_row(ctx *c, const pb_param_row *r, yaml_node_t *v, yaml_node_t *k);

/* revenue.observed and revenue.regime.forced: year maps read into c
 * (keydef functions), then checked and put into the scenario once the
 * horizon is known (history.c, model.md §5). */
void sr_parse_observed(ctx *c, yaml_node_t *v, yaml_node_t *k);
void sr_parse_forced(ctx *c, yaml_node_t *v, yaml_node_t *k);
void sr_check_history(ctx *c);

/* Every range and cross-field rule (validate.c); years_loc: the years block. */
void sr_validate(ctx *c, pb_loc years_loc);

/* Merges --set number `set` (1-based), "PATH=VALUE", into c->doc (override.c). */
pb_status sr_apply_override(ctx *c, int set, const char *arg);

#endif
