/* floor.c: the floor of payback's kernel — the unavoidable work of a path,
 * its random draws and its statistics updates, and nothing of the model —
 * beside the kernel itself, in one process on the same threads.
 *
 *   build/floor SCENARIO.yaml PATHS THREADS
 *
 * The floor draws every path (pb_draw_path) and adds a path's outputs to
 * the statistics (pb_acc_add, a flush per block), in blocks over OpenMP
 * threads as the kernel does; the outputs it adds are 8,192 real paths of
 * the scenario computed beforehand (so that the sketches see the values
 * they see in a run), cycled.  The kernel is pb_run_mc on the same paths
 * (no file).  Prints paths per second of each and their ratio. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

    /* Real outputs to feed the statistics, and the sketch plan of a run. */
    pb_sampler *sampler = pb_sampler_alloc(sc, &st);
    gsl_rng *rng = pb_rng_alloc();
    pb_path_ws *ws = pb_path_ws_alloc(H);
    pb_path_in *in = malloc(sizeof *in);
    double *series = malloc(KEEP * stride * sizeof *series);
    pb_path_out *outs = malloc(KEEP * sizeof *outs);
    pb_sketch_plan *plan = pb_sketch_plan_alloc(H);
    for (int p = 0; p < KEEP; p++) {
        pb_path_out o;
        pb_draw_path(sampler, sc->seed, (uint64_t)p, rng, in);
        pb_path_simulate(in, ws, &o);
        memcpy(series + (size_t)p * stride, o.series, stride * sizeof *series);
        outs[p] = o;
        outs[p].series = series + (size_t)p * stride;
        if (p < PB_PILOT) pb_sketch_plan_observe(plan, &o);
    }

    /* The floor. */
    const int64_t n_blocks = (N + PB_BLOCK - 1) / PB_BLOCK;
    pb_acc **acc = calloc((size_t)T, sizeof *acc);
    for (int i = 0; i < T; i++) acc[i] = pb_acc_alloc(sc->start, H, PB_BLOCK, plan);
    const uint64_t seed = sc->seed;
    double t0 = now();
#pragma omp parallel num_threads(T) default(none) shared(sampler, acc, outs) firstprivate(N, n_blocks, seed)
    {
        gsl_rng *r = pb_rng_alloc();
        pb_path_in *pin = malloc(sizeof *pin);
        pb_acc *a = acc[omp_get_thread_num()];
#pragma omp for schedule(dynamic, 1)
        for (int64_t b = 0; b < n_blocks; b++) {
            for (int64_t p = b * PB_BLOCK; p < (b + 1) * PB_BLOCK && p < N; p++) {
                pb_draw_path(sampler, seed, (uint64_t)p, r, pin);
                pb_acc_add(a, &outs[p % KEEP]);
            }
            pb_acc_flush(a);
        }
        free(pin);
        pb_rng_free(r);
    }
    for (int i = 1; i < T; i++) pb_acc_merge(acc[0], acc[i]);
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
    for (int i = 0; i < T; i++) pb_acc_free(acc[i]);
    free(acc);
    pb_sketch_plan_free(plan);
    free(outs);
    free(series);
    free(in);
    pb_path_ws_free(ws);
    pb_rng_free(rng);
    pb_sampler_free(sampler);
    pb_scenario_free(sc);
    return 0;
}
