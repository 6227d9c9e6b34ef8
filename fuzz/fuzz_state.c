/* fuzz_state.c: libFuzzer target of the /state blob parser (pb_acc_unpack),
 * with the expectations `payback merge` passes (sim/merge.c: unpack_part),
 * then pb_acc_finish into a summary, as merge's pb_run_finish does.
 *
 * The input is a blob as pb_acc_pack writes it ("PBACC05", CRC-32, body).
 * The target rewrites the CRC-32 over the body, so that mutations reach
 * the checks behind it (the checksum itself is a memcmp away: tests/state.sh
 * covers it), and uses the 4 bytes the CRC took as its own choices:
 *   byte 8: low 2 bits perturb the expectation (0: as the blob's header
 *           says; 1: one year more; 2: one path fewer; 3: the year before);
 *           bit 2: block_paths 1 instead of PB_BLOCK; bit 3: no
 *           expectation at all (want NULL: the MPI merge of sim/run.c).
 * The expectation otherwise follows the header where a scenario could give
 * it (start year, 1..PB_MAX_YEARS years, paths up to 2^40), as merge takes
 * it from the part's scenario and path range. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "payback/error.h"
#include "payback/run.h"
#include "payback/scenario.h"
#include "payback/stats.h"

enum { CRC_AT = 8, BODY_AT = 12 };

static int32_t rd32(const uint8_t *p) { int32_t v; memcpy(&v, p, sizeof v); return v; }
static int64_t rd64(const uint8_t *p) { int64_t v; memcpy(&v, p, sizeof v); return v; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pb_errors_mute(true);
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf) return 0;
    memcpy(buf, data, size);
    uint8_t choice = 0;
    if (size >= BODY_AT) {
        choice = buf[CRC_AT];
        uint32_t crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), buf + BODY_AT, (uInt)(size - BODY_AT));
        memcpy(buf + CRC_AT, &crc, sizeof crc);
    }
    /* Header after the CRC: start, H, n_cells (int32), planned (uint8),
     * paths, nonfinite (int64). */
    int start = 2025, H = 10;
    int64_t max_paths = 1024;
    bool header = false; /* start and H are the header's */
    if (size >= BODY_AT + 13 + 16) {
        int32_t s = rd32(buf + BODY_AT), h = rd32(buf + BODY_AT + 4);
        int64_t p = rd64(buf + BODY_AT + 13), nf = rd64(buf + BODY_AT + 21);
        if (s >= 1900 && s <= 2200) start = s;
        if (h >= 1 && h <= PB_MAX_YEARS) H = h;
        header = s == start && h == H;
        if (p >= 0 && nf >= 0 && p <= ((int64_t)1 << 40) && nf <= ((int64_t)1 << 40)) max_paths = p + nf;
    }
    const bool none = choice & 8;
    if (!none) switch (choice & 3) {
    case 1: H = H < PB_MAX_YEARS ? H + 1 : H - 1; break;
    case 2: max_paths = max_paths > 0 ? max_paths - 1 : 0; break;
    case 3: start -= 1; break;
    default: break;
    }
    const pb_acc_expect want = {"the fuzzed /state", start, H, true, max_paths};
    pb_status st;
    pb_acc *a = pb_acc_unpack(buf, size, none ? NULL : &want, (choice & 4) ? 1 : PB_BLOCK, &st);
    /* Without an expectation, the summary's years are the header's. */
    if (a && (!none || header)) {
        const double q[] = {0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95};
        pb_summary *s = pb_summary_alloc(start, H, (int)(sizeof q / sizeof *q), q);
        if (s) (void)pb_acc_finish(a, s);
        pb_summary_free(s);
    }
    pb_acc_free(a);
    free(buf);
    return 0;
}
