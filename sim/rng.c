/* rng.c: Philox4x32-10 streams as a GSL generator type. */
#include "payback/rng.h"

#include <string.h>

#include <Random123/philox.h>

#include "payback/error.h"

uint32_t pb_stream_id(const char *s)
{
    uint64_t h = 14695981039346656037ULL; /* FNV-1a, 64 bits */
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return (uint32_t)(h ^ (h >> 32));
}

void pb_philox4x32(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4])
{
    philox4x32_ctr_t c = {{ctr[0], ctr[1], ctr[2], ctr[3]}};
    philox4x32_key_t k = {{key[0], key[1]}};
    philox4x32_ctr_t r = philox4x32(c, k);
    memcpy(out, r.v, sizeof r.v);
}

void pb_philox4x32_many(int n, uint32_t *c0, uint32_t *c1, uint32_t *c2, uint32_t *c3, const uint32_t key[2])
{
    uint32_t k0 = key[0], k1 = key[1];
    for (int round = 0; round < 10; round++) {
        if (round) { /* Random123's key schedule: bumped before rounds 2 .. 10 */
            k0 += PHILOX_W32_0;
            k1 += PHILOX_W32_1;
        }
        for (int i = 0; i < n; i++) {
            const uint64_t p0 = (uint64_t)PHILOX_M4x32_0 * c0[i], p1 = (uint64_t)PHILOX_M4x32_1 * c2[i];
            const uint32_t hi0 = (uint32_t)(p0 >> 32), lo0 = (uint32_t)p0, hi1 = (uint32_t)(p1 >> 32), lo1 = (uint32_t)p1;
            const uint32_t n0 = hi1 ^ c1[i] ^ k0, n2 = hi0 ^ c3[i] ^ k1;
            c0[i] = n0;
            c1[i] = lo1;
            c2[i] = n2;
            c3[i] = lo0;
        }
    }
}

typedef struct {
    philox4x32_key_t key;
    philox4x32_ctr_t ctr;   /* ctr.v[0] counts blocks of 4 outputs within the stream */
    philox4x32_ctr_t out;
    int used;               /* outputs of `out` already returned (4: none left) */
} philox_state;

static unsigned long philox_get(void *vs)
{
    philox_state *s = vs;
    if (s->used == 4) {
        s->out = philox4x32(s->ctr, s->key);
        s->ctr.v[0]++;
        s->used = 0;
    }
    return s->out.v[s->used++];
}

static double philox_get_double(void *vs)
{
    return (double)philox_get(vs) / 4294967296.0; /* [0, 1), as gsl_rng_uniform promises */
}

static void philox_set(void *vs, unsigned long seed)
{
    philox_state *s = vs;
    memset(s, 0, sizeof *s);
    s->key.v[0] = (uint32_t)seed;
    s->key.v[1] = (uint32_t)((uint64_t)seed >> 32);
    s->used = 4;
}

static const gsl_rng_type philox_type = {
    "philox4x32-10", 0xffffffffUL, 0, sizeof(philox_state), philox_set, philox_get, philox_get_double};

gsl_rng *pb_rng_alloc(void)
{
    gsl_rng *r = gsl_rng_alloc(&philox_type);
    if (!r) pb_raise(PB_ENOMEM, NULL, "cannot allocate a random number generator");
    return r;
}

void pb_rng_free(gsl_rng *r)
{
    if (r) gsl_rng_free(r);
}

void pb_rng_start(gsl_rng *r, uint64_t seed, uint64_t path, uint32_t stream, int year)
{
    philox_state *s = r->state;
    s->key.v[0] = (uint32_t)seed;
    s->key.v[1] = (uint32_t)(seed >> 32);
    /* The draw index occupies the low 16 bits of ctr[0]: 65536 blocks of 4
     * outputs per stream and year, far more than any sampler takes. */
    s->ctr.v[0] = (uint32_t)year << 16;
    s->ctr.v[1] = stream;
    s->ctr.v[2] = (uint32_t)path;
    s->ctr.v[3] = (uint32_t)(path >> 32);
    s->used = 4;
}

void pb_rng_start_at(gsl_rng *r, uint64_t seed, uint64_t path, uint32_t stream, int year, const uint32_t first[4])
{
    pb_rng_start(r, seed, path, stream, year);
    philox_state *s = r->state;
    memcpy(s->out.v, first, sizeof s->out.v);
    s->ctr.v[0]++; /* the first block is taken */
    s->used = 0;
}
