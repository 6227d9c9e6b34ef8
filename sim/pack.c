/* pack.c: the byte format of a streaming accumulator's state (stats.h's
 * pb_acc_pack and pb_acc_unpack), for MPI and for the /state of a partial
 * result.  Native byte order; the layout, field by field:
 *
 *   "PBACC05" (8 bytes with its NUL); crc (uint32): zlib's CRC-32 of every
 *   byte after it; start, H, n_cells (int32); planned (uint8); paths,
 *   nonfinite, irr_none, irr_multiple (int64); never [PB_N_METRICS],
 *   closed [PB_N_METHODS * H], hist [PB_N_METRICS * H] (int64); then per
 *   cell: n, zero (int64), min, max (double), sketched (uint8), the exact
 *   sums s1 and s2 (put_mpz), the stores neg and pos (put_store).
 *
 * A change of layout needs a new magic: partial results written by an
 * older payback are then refused, not misread.  pb_acc_unpack trusts
 * nothing: the checksum first (a part damaged in transit), then every
 * field against the expectation and the fields before it (a crafted or
 * corrupted part that still has a valid checksum), before any use. */
#include "acc_internal.h"

#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* A sanity bound on counts (2^62): far above any run (interfaces.md §2
 * caps -n far lower), and low enough that two counts add without
 * overflow. */
#define MAX_COUNT ((int64_t)1 << 62)
/* The most fine buckets an unpacked accumulator may hold, all stores
 * together: 2^27 buckets take 1.3 GB (10 bytes each).  A run's own
 * accumulator has the same windows in every thread, so a genuine state
 * near this bound would have needed it per thread as well. */
#define MAX_BUCKETS ((int64_t)1 << 27)
#define N_BUCKETS ((int32_t)SKETCH_OCTAVES * SKETCH_SUB) /* every bucket index is in 0 .. N_BUCKETS - 1 */

static const char pack_magic[8] = "PBACC05"; /* 05: the CRC-32 after the magic */
enum { CRC_AT = 8, BODY_AT = 12 };            /* byte offsets of the CRC and of what it covers */

/* zlib's CRC-32 of p [BODY_AT, len); zlib takes a uInt length, so in pieces. */
static uint32_t body_crc(const unsigned char *p, size_t len)
{
    uLong crc = crc32(0L, Z_NULL, 0);
    for (size_t at = BODY_AT; at < len;) {
        uInt n = len - at > (1u << 30) ? 1u << 30 : (uInt)(len - at);
        crc = crc32(crc, p + at, n);
        at += n;
    }
    return (uint32_t)crc;
}

/* ------------------------------------------------------------------ */
/* Writing                                                              */

/* A growing output buffer: p [len] written of cap.  Once an allocation
 * fails, oom stays set and further writes are dropped, so that the caller
 * checks once at the end. */
typedef struct { unsigned char *p; size_t len, cap; bool oom; } wbuf;

static void put(wbuf *w, const void *x, size_t n)
{
    if (w->oom || n == 0) return;
    if (w->len + n > w->cap) {
        size_t cap = w->cap ? 2 * w->cap : 1 << 16;
        while (cap < w->len + n) cap *= 2;
        unsigned char *q = realloc(w->p, cap);
        if (!q) { w->oom = true; return; }
        w->p = q;
        w->cap = cap;
    }
    memcpy(w->p + w->len, x, n);
    w->len += n;
}
#define PUT(w, v) put((w), &(v), sizeof(v))

/* An exact sum: its sign (int32), its magnitude's length in bytes (uint32),
 * then the magnitude, least significant byte first. */
static void put_mpz(wbuf *w, const mpz_t z)
{
    int32_t sign = mpz_sgn(z);
    size_t count = 0;
    void *bytes = mpz_export(NULL, &count, -1, 1, 0, 0, z);
    uint32_t n = (uint32_t)count;
    PUT(w, sign);
    PUT(w, n);
    put(w, bytes, count);
    void (*freefunc)(void *, size_t);
    mp_get_memory_functions(NULL, NULL, &freefunc);
    if (bytes) freefunc(bytes, count);
}

/* A store: its window, then each part's counts (fine buckets, then the
 * coarse octaves with a plan), sparse as (index, count) pairs or dense,
 * whichever is shorter. */
static void put_store(wbuf *w, const store *st)
{
    uint8_t coarse = st->coarse != NULL;
    PUT(w, st->lo);
    PUT(w, st->n);
    PUT(w, coarse);
    for (int part = 0; part < 1 + coarse; part++) {
        int32_t n = part ? SKETCH_OCTAVES : st->n;
        uint32_t nz = 0;
        for (int32_t i = 0; i < n; i++) nz += (part ? st->coarse[i] : cnt(st, i)) != 0;
        uint8_t dense = (uint64_t)nz * 12 > (uint64_t)n * 8;
        PUT(w, dense);
        if (!dense) PUT(w, nz);
        for (int32_t i = 0; i < n; i++) {
            uint64_t v = part ? st->coarse[i] : cnt(st, i);
            if (dense) PUT(w, v);
            else if (v) { PUT(w, i); PUT(w, v); }
        }
    }
}

pb_status pb_acc_pack(const pb_acc *a, void **buf, size_t *len)
{
    wbuf w = {0};
    const int32_t start = a->start, H = a->H, n_cells = a->n_cells;
    const uint8_t planned = a->planned;
    const uint32_t crc = 0; /* filled in at the end */
    put(&w, pack_magic, sizeof pack_magic);
    PUT(&w, crc);
    PUT(&w, start);
    PUT(&w, H);
    PUT(&w, n_cells);
    PUT(&w, planned);
    PUT(&w, a->paths);
    PUT(&w, a->nonfinite);
    PUT(&w, a->irr_none);
    PUT(&w, a->irr_multiple);
    put(&w, a->never, sizeof a->never);
    put(&w, a->closed, (size_t)PB_N_METHODS * (size_t)H * sizeof *a->closed);
    put(&w, a->hist, (size_t)PB_N_METRICS * (size_t)H * sizeof *a->hist);
    for (int k = 0; k < n_cells; k++) {
        const cell *c = &a->cells[k];
        const uint8_t sk = c->sketched;
        PUT(&w, c->n);
        PUT(&w, c->sk.zero);
        PUT(&w, c->min);
        PUT(&w, c->max);
        PUT(&w, sk);
        put_mpz(&w, c->s1);
        put_mpz(&w, c->s2);
        put_store(&w, &c->sk.neg);
        put_store(&w, &c->sk.pos);
    }
    if (w.oom) { free(w.p); return pb_raise(PB_ENOMEM, NULL, "out of memory packing statistics"); }
    const uint32_t sum = body_crc(w.p, w.len);
    memcpy(w.p + CRC_AT, &sum, sizeof sum);
    *buf = w.p;
    *len = w.len;
    return PB_OK;
}

/* ------------------------------------------------------------------ */
/* Reading                                                              */

/* An input buffer: p [len], read up to at.  The first problem found (a
 * read past the end, a field out of range) sets bad, which then stays set,
 * and is described in why; reads then yield zeros, so that the caller may
 * check once at the end of a step. */
typedef struct {
    const unsigned char *p;
    size_t len, at;
    bool bad, oom;          /* oom: an allocation failed */
    int64_t buckets;        /* fine buckets allocated so far (MAX_BUCKETS) */
    char why[200];
} rbuf;

static void fail(rbuf *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(rbuf *r, const char *fmt, ...)
{
    if (r->bad) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->why, sizeof r->why, fmt, ap);
    va_end(ap);
    r->bad = true;
}

static void get(rbuf *r, void *x, size_t n)
{
    if (!r->bad && r->len - r->at < n) fail(r, "truncated: %zu bytes, more needed at byte %zu", r->len, r->at);
    if (r->bad) { memset(x, 0, n); return; }
    memcpy(x, r->p + r->at, n);
    r->at += n;
}
#define GET(r, v) get((r), &(v), sizeof(v))

static bool in_range(int64_t v, int64_t hi) { return v >= 0 && v <= hi; }

static void get_mpz(rbuf *r, mpz_t z, int k)
{
    int32_t sign;
    uint32_t n;
    GET(r, sign);
    GET(r, n);
    /* A sum of doubles times 2^1126 needs a few hundred bytes: a longer one
     * is damage, refused before it is allocated. */
    if (!r->bad && (n > (1u << 20) || r->len - r->at < n)) fail(r, "cell %d: an exact sum of %" PRIu32 " bytes", k, n);
    if (r->bad) return;
    mpz_import(z, n, -1, 1, 0, 0, r->p + r->at);
    r->at += n;
    if (sign < -1 || sign > 1 || (sign == 0) != (mpz_sgn(z) == 0))
        fail(r, "cell %d: an exact sum with sign %" PRId32, k, sign);
    else if (sign < 0)
        mpz_neg(z, z);
}

/* The counts of one part of a store (part 0: fine buckets, 1: coarse
 * octaves), added to *total, which may not pass limit (the cell's values). */
static void get_counts(rbuf *r, store *st, int k, int part, uint64_t limit, uint64_t *total)
{
    const int32_t n = part ? SKETCH_OCTAVES : st->n;
    uint8_t dense;
    uint32_t nz = 0;
    GET(r, dense);
    if (!dense) GET(r, nz);
    if (!r->bad && (dense > 1 || nz > (uint32_t)n))
        fail(r, "cell %d: %" PRIu32 " counts listed for %" PRId32 " buckets", k, nz, n);
    for (uint32_t j = 0; j < (dense ? (uint32_t)n : nz) && !r->bad; j++) {
        int32_t i = (int32_t)j;
        uint64_t v;
        if (!dense) GET(r, i);
        GET(r, v);
        if (r->bad) return;
        if (i < 0 || i >= n) { fail(r, "cell %d: a count at bucket %" PRId32 " of %" PRId32, k, i, n); return; }
        if (v > limit - *total)
            { fail(r, "cell %d: its sketch counts more values than its %" PRIu64, k, limit); return; }
        *total += v;
        if (part) st->coarse[i] += v;
        else cnt_add(st, i, v);
    }
}

/* Reads a store of cell k into st (zeroed).  Its window must lie within
 * the buckets 0 .. N_BUCKETS - 1, checked from both ends; with a plan it is
 * whole octaves and has coarse counts, without one it has none; a cell
 * without a sketch has an empty window.  Its counts add to *total (at most
 * limit).  False if damaged (r->bad) or out of memory (r->oom; what was
 * allocated stays in st, for sketch_free). */
static bool get_store(rbuf *r, store *st, int k, bool planned, bool sketched, uint64_t limit, uint64_t *total)
{
    int32_t lo, n_fine;
    uint8_t coarse;
    GET(r, lo);
    GET(r, n_fine);
    GET(r, coarse);
    if (r->bad) return false;
    if (lo < 0 || lo > N_BUCKETS || n_fine < 0 || n_fine > N_BUCKETS - lo)
        fail(r, "cell %d: a sketch window of %" PRId32 " buckets from %" PRId32 ", outside the buckets 0..%" PRId32, k,
             n_fine, lo, N_BUCKETS - 1);
    else if (coarse != (planned && sketched))
        fail(r, "cell %d: a sketch store %s coarse counts", k, coarse ? "with unexpected" : "without its");
    else if (!sketched && n_fine)
        fail(r, "cell %d: a sketch window on a cell without a sketch", k);
    else if (planned && (lo % SKETCH_SUB || n_fine % SKETCH_SUB))
        fail(r, "cell %d: a planned sketch window of %" PRId32 " buckets from %" PRId32 ", not whole octaves", k,
             n_fine, lo);
    else if (r->buckets + n_fine > MAX_BUCKETS)
        fail(r, "sketch windows of more than %lld buckets in all", (long long)MAX_BUCKETS);
    if (r->bad) return false;
    r->buckets += n_fine;
    st->lo = lo;
    if (!sketch_store_alloc(st, n_fine) || (coarse && !(st->coarse = calloc(SKETCH_OCTAVES, sizeof *st->coarse)))) {
        r->oom = true;
        return false;
    }
    for (int part = 0; part < 1 + coarse; part++) get_counts(r, st, k, part, limit, total);
    return !r->bad;
}

/* The header after the CRC, against what the caller expects (want, if not
 * NULL): the horizon and years of its scenario, a plan. */
static void get_shape(rbuf *r, const pb_acc_expect *want, int32_t *start, int32_t *H, uint8_t *planned)
{
    int32_t n_cells;
    GET(r, *start);
    GET(r, *H);
    GET(r, n_cells);
    GET(r, *planned);
    if (r->bad) return;
    if (*H < 1 || *H > PB_MAX_YEARS || n_cells != PB_N_SERIES * *H + PB_N_METRICS || *planned > 1)
        fail(r, "a horizon of %" PRId32 " years with %" PRId32 " cells", *H, n_cells);
    else if (want && (*start != want->start || *H != want->n_years))
        fail(r, "statistics of %" PRId32 " years from %" PRId32 ", but its scenario has %d years from %d", *H, *start,
             want->n_years, want->start);
    else if (want && *planned != want->planned)
        fail(r, "sketch windows %s a plan, expected %s one", *planned ? "with" : "without", want->planned ? "with" : "without");
}

/* The counts of paths: each non-negative and within the paths it covers. */
static void get_totals(rbuf *r, pb_acc *a, int64_t max_paths)
{
    const int H = a->H;
    GET(r, a->paths);
    GET(r, a->nonfinite);
    GET(r, a->irr_none);
    GET(r, a->irr_multiple);
    get(r, a->never, sizeof a->never);
    get(r, a->closed, (size_t)PB_N_METHODS * (size_t)H * sizeof *a->closed);
    get(r, a->hist, (size_t)PB_N_METRICS * (size_t)H * sizeof *a->hist);
    if (r->bad) return;
    const int64_t n = a->paths;
    if (!in_range(n, MAX_COUNT) || !in_range(a->nonfinite, MAX_COUNT) || n + a->nonfinite > max_paths)
        { fail(r, "%" PRId64 " paths and %" PRId64 " non-finite ones, expected at most %" PRId64 " in all", n,
                    a->nonfinite, max_paths); return; }
    if (!in_range(a->irr_none, n) || !in_range(a->irr_multiple, n - a->irr_none))
        { fail(r, "IRR counts %" PRId64 " and %" PRId64 " of %" PRId64 " paths", a->irr_none, a->irr_multiple, n); return; }
    for (int i = 0; i < PB_N_METHODS * H; i++)
        if (!in_range(a->closed[i], n)) { fail(r, "a count of closed gaps of %" PRId64 " of %" PRId64 " paths", a->closed[i], n); return; }
    for (int m = 0; m < PB_N_METRICS; m++) {
        const int64_t most = pb_metric_is_year(m) ? n : 0; /* only year metrics have a histogram */
        int64_t sum = a->never[m];
        if (!in_range(sum, most)) { fail(r, "metric %d: %" PRId64 " paths without an event", m, sum); return; }
        for (int t = 0; t < H && !r->bad; t++)
            if (!in_range(a->hist[m * H + t], most - sum)) fail(r, "metric %d: its year histogram counts more than its paths", m);
            else sum += a->hist[m * H + t];
    }
}

/* Min, max and exact sums of cell c (k) against its count: none with no
 * values; else finite min <= max, and sums no larger than n values of
 * magnitude below 2^e can make (2^e > max |x|; a square's rounding may
 * reach the least subnormal, 2^-1074). */
static void check_sums(rbuf *r, const cell *c, int k)
{
    if (c->n == 0) {
        if (c->min != INFINITY || c->max != -INFINITY || mpz_sgn(c->s1) || mpz_sgn(c->s2))
            fail(r, "cell %d: no values, but a min, max or sum", k);
        return;
    }
    if (!isfinite(c->min) || !isfinite(c->max) || c->min > c->max)
        { fail(r, "cell %d: min %g and max %g", k, c->min, c->max); return; }
    const double M = fmax(fabs(c->min), fabs(c->max));
    if (mpz_sgn(c->s2) < 0 || (M == 0 && (mpz_sgn(c->s1) || mpz_sgn(c->s2))))
        { fail(r, "cell %d: sums impossible for values within [%g, %g]", k, c->min, c->max); return; }
    if (M == 0) return;
    const long e = ilogb(M) + 1, e2 = 2 * e > -1074 ? 2 * e : -1074;
    const long nb = 64 - __builtin_clzll((unsigned long long)c->n); /* bits of n */
    if ((mpz_sgn(c->s1) && (long)mpz_sizeinbase(c->s1, 2) > nb + e + EXACT_OFFSET + 1) ||
        (mpz_sgn(c->s2) && (long)mpz_sizeinbase(c->s2, 2) > nb + e2 + EXACT_OFFSET + 1))
        fail(r, "cell %d: sums larger than %" PRId64 " values within [%g, %g] make", k, c->n, c->min, c->max);
}

/* Cell k: a series-year holds every path's value, a metric at most one a
 * path; its sketch (if it has one) counts each value once. */
static void get_cell(rbuf *r, pb_acc *a, int k)
{
    cell *c = &a->cells[k];
    uint8_t sk;
    GET(r, c->n);
    GET(r, c->sk.zero);
    GET(r, c->min);
    GET(r, c->max);
    GET(r, sk);
    get_mpz(r, c->s1, k);
    get_mpz(r, c->s2, k);
    if (r->bad) return;
    if (k < PB_N_SERIES * a->H ? c->n != a->paths : !in_range(c->n, a->paths))
        { fail(r, "cell %d: %" PRId64 " values of %" PRId64 " paths", k, c->n, a->paths); return; }
    if (sk != c->sketched) { fail(r, "cell %d: %s sketch", k, sk ? "an unexpected" : "no"); return; }
    if (!in_range(c->sk.zero, c->sketched ? c->n : 0))
        { fail(r, "cell %d: %" PRId64 " zeros of %" PRId64 " values", k, c->sk.zero, c->n); return; }
    check_sums(r, c, k);
    uint64_t total = (uint64_t)c->sk.zero, limit = c->sketched ? (uint64_t)c->n : 0;
    if (r->bad || !get_store(r, &c->sk.neg, k, a->planned, c->sketched, limit, &total) ||
        !get_store(r, &c->sk.pos, k, a->planned, c->sketched, limit, &total))
        return;
    if (total != limit) fail(r, "cell %d: its sketch counts %" PRIu64 " of its %" PRIu64 " values", k, total, limit);
}

/* The magic and the checksum, before anything else is read: PB_OK, or
 * PB_EINPUT (raised). */
static pb_status check_seal(rbuf *r, const char *name)
{
    char magic[8];
    uint32_t stored;
    get(r, magic, sizeof magic);
    GET(r, stored);
    if (r->bad || memcmp(magic, pack_magic, sizeof magic) != 0)
        return pb_raise(PB_EINPUT, NULL, "%s is not a statistics state this payback writes (format %s)", name,
                        pack_magic);
    const uint32_t sum = body_crc(r->p, r->len);
    if (sum != stored)
        return pb_raise(PB_EINPUT, NULL,
                        "%s: checksum mismatch (CRC-32 %08" PRIx32 " stored, %08" PRIx32 " computed): damaged since it was written",
                        name, stored, sum);
    return PB_OK;
}

pb_acc *pb_acc_unpack(const void *buf, size_t len, const pb_acc_expect *want, int block_paths, pb_status *st)
{
    const char *name = want && want->name ? want->name : "the statistics state";
    rbuf r = {.p = buf, .len = len};
    if ((*st = check_seal(&r, name)) != PB_OK) return NULL;
    int32_t start, H;
    uint8_t planned;
    get_shape(&r, want, &start, &H, &planned);
    pb_acc *a = NULL;
    if (!r.bad) {
        if (!(a = pb_acc_alloc(start, H, block_paths, NULL))) { *st = PB_ENOMEM; return NULL; }
        a->planned = planned;
        get_totals(&r, a, want ? want->max_paths : MAX_COUNT);
    }
    for (int k = 0; !r.bad && !r.oom && k < a->n_cells; k++) get_cell(&r, a, k);
    if (!r.bad && !r.oom && r.at != len) fail(&r, "%zu trailing bytes", len - r.at);
    if (r.bad || r.oom) {
        pb_acc_free(a);
        *st = r.oom ? pb_raise(PB_ENOMEM, NULL, "out of memory reading %s", name)
                    : pb_raise(PB_EINPUT, NULL, "%s is damaged: %s", name, r.why);
        return NULL;
    }
    return a;
}

int pb_acc_plan_differs(const pb_acc *a, const pb_acc *b)
{
    if (a->start != b->start || a->H != b->H || a->planned != b->planned) return 0;
    for (int k = 0; a->planned && k < a->n_cells; k++) {
        const store *x[2] = {&a->cells[k].sk.neg, &a->cells[k].sk.pos}, *y[2] = {&b->cells[k].sk.neg, &b->cells[k].sk.pos};
        for (int s = 0; s < 2; s++)
            if (x[s]->lo != y[s]->lo || x[s]->n != y[s]->n || !x[s]->coarse != !y[s]->coarse) return k + 1;
    }
    return -1;
}

int64_t pb_acc_count(const pb_acc *a) { return a->paths + a->nonfinite; }
