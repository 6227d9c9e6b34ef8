/* floor.c: the floor of payback's kernel — the work a path cannot do
 * without: its random draws, the path model (with the IRR) and exact sums
 * of every value (what the mean and sd need) — beside the kernel itself,
 * in one process on the same threads.
 *
 *   build/floor SCENARIO.yaml PATHS THREADS
 *
 * The floor draws every path (pb_draw_path), runs the model
 * (pb_path_simulate) and adds each of its values to a pair of double sums
 * per cell (x and x^2), folded into exact GMP sums at the end of every
 * block, in blocks over OpenMP threads as the kernel does.  No quantile
 * sketch, no counts, no histograms: the difference to the kernel is what
 * the rest of the statistics cost.  The kernel is pb_run_mc on the same
 * paths (no file).  Prints paths per second of each and their ratio. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gmp.h>
#include <math.h>
#include <omp.h>

#include "payback/draws.h"
#include "payback/path.h"
#include "payback/rng.h"
#include "payback/run.h"
#include "payback/scenario.h"
#include "payback/stats.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* acc += x exactly: x = m 2^(e-53), m an integer of 53 bits; the sums are
 * kept times 2^1126, so that every double is an integer there. */
static void exact_add(mpz_t acc, mpz_t tmp, double x)
{
    if (x == 0) return;
    int e;
    const double f = frexp(x, &e);
    mpz_set_si(tmp, (long)ldexp(f, 53));
    mpz_mul_2exp(tmp, tmp, (mp_bitcnt_t)(e - 53 + 1126));
    mpz_add(acc, acc, tmp);
}

/* One thread's sums: a double pair per cell for the block, exact ones for the run. */
typedef struct {
    int C;
    double *s, *q;
    mpz_t *S, *Q, tmp;
} sums;

static sums *sums_alloc(int C)
{
    sums *u = calloc(1, sizeof *u);
    u->C = C;
    u->s = calloc((size_t)C, sizeof *u->s);
    u->q = calloc((size_t)C, sizeof *u->q);
    u->S = malloc((size_t)C * sizeof *u->S);
    u->Q = malloc((size_t)C * sizeof *u->Q);
    for (int k = 0; k < C; k++) mpz_init(u->S[k]), mpz_init(u->Q[k]);
    mpz_init(u->tmp);
    return u;
}

static void sums_fold(sums *u)
{
    for (int k = 0; k < u->C; k++) {
        exact_add(u->S[k], u->tmp, u->s[k]);
        exact_add(u->Q[k], u->tmp, u->q[k]);
        u->s[k] = u->q[k] = 0;
    }
}

static void sums_free(sums *u)
{
    for (int k = 0; k < u->C; k++) mpz_clear(u->S[k]), mpz_clear(u->Q[k]);
    mpz_clear(u->tmp);
    free(u->S); free(u->Q); free(u->s); free(u->q); free(u);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: floor SCENARIO.yaml PATHS THREADS\n");
        return 2;
    }
    pb_status st;
    pb_scenario *sc = pb_scenario_load(argv[1], NULL, 0, &st);
    if (!sc) return 2;
    const int64_t N = atoll(argv[2]);
    const int T = atoi(argv[3]), H = sc->n_years;
    const size_t stride = (size_t)PB_N_SERIES * (size_t)H;
    enum { KEEP = 8192 };

    pb_sampler *sampler = pb_sampler_alloc(sc, T, &st);
    if (!sampler) return 2;
    const int C = (int)stride + PB_N_METRICS;
    const int64_t n_blocks = (N + PB_BLOCK - 1) / PB_BLOCK;
    const uint64_t seed = sc->seed;
    double t0 = now();
#pragma omp parallel num_threads(T) default(none) shared(sampler) firstprivate(N, n_blocks, seed, H, C, stride)
    {
        gsl_rng *r = pb_rng_alloc();
        pb_path_in *pin = malloc(sizeof *pin);
        pb_path_ws *ws = pb_path_ws_alloc(H);
        sums *u = sums_alloc(C);
#pragma omp for schedule(dynamic, 1)
        for (int64_t b = 0; b < n_blocks; b++) {
            for (int64_t p = b * PB_BLOCK; p < (b + 1) * PB_BLOCK && p < N; p++) {
                pb_path_out o;
                pb_draw_path(sampler, seed, (uint64_t)p, r, pin);
                pb_path_simulate(pin, ws, &o);
                if (o.nonfinite) continue;
                for (size_t k = 0; k < stride; k++) {
                    u->s[k] += o.series[k];
                    u->q[k] += o.series[k] * o.series[k];
                }
                for (int m = 0; m < PB_N_METRICS; m++)
                    if (isfinite(o.metric[m])) {
                        u->s[stride + (size_t)m] += o.metric[m];
                        u->q[stride + (size_t)m] += o.metric[m] * o.metric[m];
                    }
            }
            sums_fold(u);
        }
        sums_free(u);
        pb_path_ws_free(ws);
        free(pin);
        pb_rng_free(r);
    }
    double floor_s = now() - t0;

    /* The kernel on the same paths and threads. */
    pb_run_opts o = {.paths = N, .seed = seed, .threads = T};
    pb_run_result res;
    t0 = now();
    if (pb_run_mc(sc, &o, &res) != PB_OK) return 1;
    double kernel_s = now() - t0;
    printf("%s: %lld paths, %d threads: floor %.0f paths/s (%.2f us a path per thread), kernel %.0f paths/s "
           "(%.2f us); kernel / floor = %.2f\n",
           sc->name, (long long)N, T, N / floor_s, 1e6 * floor_s * T / N, N / kernel_s, 1e6 * kernel_s * T / N,
           kernel_s / floor_s);
    pb_run_result_clear(&res);
    pb_sampler_free(sampler);
    pb_scenario_free(sc);
    return 0;
}
