/* pack.c: the byte format of a streaming accumulator's state (stats.h's
 * pb_acc_pack and pb_acc_unpack), for MPI and for the /state of a partial
 * result.  Native byte order; the layout, field by field:
 *
 *   "PBACC03" (8 bytes with its NUL); start, H, n_cells (int32); planned
 *   (uint8); paths, nonfinite, irr_none, irr_multiple (int64); never
 *   [PB_N_METRICS], closed [PB_N_METHODS * H], hist [PB_N_METRICS * H]
 *   (int64); then per cell: n, zero (int64), min, max (double), sketched
 *   (uint8), the exact sums s1 and s2 (put_mpz), the stores neg and pos
 *   (put_store).
 *
 * A change of layout needs a new magic: partial results written by an
 * older payback are then refused, not misread. */
#include "acc_internal.h"

#include <stdlib.h>
#include <string.h>

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

/* An input buffer: p [len], read up to at.  A read past the end sets bad
 * (which then stays set) and yields zeros, so that the caller checks once
 * at the end. */
typedef struct { const unsigned char *p; size_t len, at; bool bad, oom; } rbuf; /* oom: an allocation failed */

static void get(rbuf *r, void *x, size_t n)
{
    if (r->bad || r->len - r->at < n) { r->bad = true; memset(x, 0, n); return; }
    memcpy(x, r->p + r->at, n);
    r->at += n;
}
#define GET(r, v) get((r), &(v), sizeof(v))

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

static void get_mpz(rbuf *r, mpz_t z)
{
    int32_t sign;
    uint32_t n;
    GET(r, sign);
    GET(r, n);
    /* A sum of doubles times 2^1126 needs a few hundred bytes: a longer one
     * is damage, refused before it is allocated. */
    if (r->bad || r->len - r->at < n || n > (1u << 20)) { r->bad = true; mpz_set_ui(z, 0); return; }
    mpz_import(z, n, -1, 1, 0, 0, r->p + r->at);
    r->at += n;
    if (sign < 0) mpz_neg(z, z);
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

/* Reads a store into st (zeroed); false if the bytes are not one or when
 * out of memory (what was allocated stays in st, for sketch_free). */
static bool get_store(rbuf *r, store *st)
{
    uint8_t coarse;
    int32_t n_fine;
    GET(r, st->lo);
    GET(r, n_fine);
    GET(r, coarse);
    if (r->bad || st->lo < 0 || n_fine < 0 || n_fine > SKETCH_OCTAVES * SKETCH_SUB) return false;
    if (!sketch_store_alloc(st, n_fine) || (coarse && !(st->coarse = calloc(SKETCH_OCTAVES, sizeof *st->coarse)))) {
        r->oom = true;
        return false;
    }
    for (int part = 0; part < 1 + coarse; part++) {
        int32_t n = part ? SKETCH_OCTAVES : st->n;
        uint8_t dense;
        uint32_t nz = 0;
        GET(r, dense);
        if (!dense) GET(r, nz);
        for (uint32_t k = 0; k < (dense ? (uint32_t)n : nz) && !r->bad; k++) {
            int32_t i = (int32_t)k;
            uint64_t v;
            if (!dense) GET(r, i);
            GET(r, v);
            if (i < 0 || i >= n) { r->bad = true; break; }
            if (part) st->coarse[i] = v;
            else cnt_add(st, i, v);
        }
    }
    return !r->bad;
}

static const char pack_magic[8] = "PBACC04"; /* 04: the v2 metrics */

pb_status pb_acc_pack(const pb_acc *a, void **buf, size_t *len)
{
    wbuf w = {0};
    const int32_t start = a->start, H = a->H, n_cells = a->n_cells;
    const uint8_t planned = a->planned;
    put(&w, pack_magic, sizeof pack_magic);
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
    *buf = w.p;
    *len = w.len;
    return PB_OK;
}

pb_acc *pb_acc_unpack(const void *buf, size_t len, int block_paths, pb_status *st)
{
    rbuf r = {buf, len, 0, false, false};
    char magic[8];
    int32_t start, H, n_cells;
    uint8_t planned;
    get(&r, magic, sizeof magic);
    GET(&r, start);
    GET(&r, H);
    GET(&r, n_cells);
    GET(&r, planned);
    if (r.bad || memcmp(magic, pack_magic, sizeof magic) != 0 || H < 1 || H > PB_MAX_YEARS ||
        n_cells != PB_N_SERIES * H + PB_N_METRICS) {
        *st = pb_raise(PB_EINPUT, NULL, "the statistics state is not one this payback wrote (format %s)", pack_magic);
        return NULL;
    }
    pb_acc *a = pb_acc_alloc(start, H, block_paths, NULL);
    if (!a) { *st = PB_ENOMEM; return NULL; }
    a->planned = planned;
    GET(&r, a->paths);
    GET(&r, a->nonfinite);
    GET(&r, a->irr_none);
    GET(&r, a->irr_multiple);
    get(&r, a->never, sizeof a->never);
    get(&r, a->closed, (size_t)PB_N_METHODS * (size_t)H * sizeof *a->closed);
    get(&r, a->hist, (size_t)PB_N_METRICS * (size_t)H * sizeof *a->hist);
    bool ok = !r.bad;
    for (int k = 0; k < n_cells && ok; k++) {
        cell *c = &a->cells[k];
        uint8_t sk;
        GET(&r, c->n);
        GET(&r, c->sk.zero);
        GET(&r, c->min);
        GET(&r, c->max);
        GET(&r, sk);
        c->sketched = sk;
        get_mpz(&r, c->s1);
        get_mpz(&r, c->s2);
        ok = get_store(&r, &c->sk.neg) && get_store(&r, &c->sk.pos) && !r.bad;
    }
    if (r.oom) {
        pb_acc_free(a);
        *st = pb_raise(PB_ENOMEM, NULL, "out of memory reading the statistics state");
        return NULL;
    }
    if (!ok || r.at != len) {
        pb_acc_free(a);
        *st = pb_raise(PB_EINPUT, NULL, "the statistics state is damaged (%s)", r.bad ? "truncated" : "trailing bytes");
        return NULL;
    }
    *st = PB_OK;
    return a;
}
