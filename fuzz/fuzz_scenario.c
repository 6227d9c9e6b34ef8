/* fuzz_scenario.c: libFuzzer target of the scenario loader with --set
 * overrides (pb_scenario_load_text, as `payback run FILE --set ...`).
 *
 * The input is a scenario's text, then up to MAX_SETS --set strings, each
 * after a line "---set---":
 *
 *     name: x
 *     years: {start: 2025, end: 2030}
 *     ...
 *     ---set---
 *     revenue.growth.long_run=0.1
 *     ---set---
 *     x=&a [*a]
 *
 * (a separator is "\n---set---\n"; a set string keeps any other bytes,
 * NULs included, up to its first NUL as on a command line). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "payback/error.h"
#include "payback/scenario.h"

#define MAX_SETS 4
static const char sep[] = "\n---set---\n";

static const uint8_t *find(const uint8_t *p, size_t n)
{
    const size_t k = sizeof sep - 1;
    for (size_t i = 0; n >= k && i <= n - k; i++)
        if (p[i] == '\n' && memcmp(p + i, sep, k) == 0) return p + i;
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pb_errors_mute(true);
    const size_t k = sizeof sep - 1;
    const uint8_t *end = data + size, *cut = find(data, size);
    const size_t text_len = cut ? (size_t)(cut - data) : size;
    char *sets[MAX_SETS];
    int n = 0;
    for (const uint8_t *p = cut; p && n < MAX_SETS; p = cut) {
        const uint8_t *from = p + k;
        cut = find(from, (size_t)(end - from));
        const size_t len = (size_t)((cut ? cut : end) - from);
        if (!(sets[n] = malloc(len + 1))) break;
        memcpy(sets[n], from, len);
        sets[n++][len] = '\0';
    }
    /* The text as a file's bytes: no terminating NUL is promised. */
    char *text = malloc(text_len ? text_len : 1);
    if (text) {
        memcpy(text, data, text_len);
        pb_status st;
        pb_scenario *sc = pb_scenario_load_text("fuzz.yaml", text, text_len, sets, n, &st);
        pb_scenario_free(sc);
        free(text);
    }
    for (int i = 0; i < n; i++) free(sets[i]);
    return 0;
}
