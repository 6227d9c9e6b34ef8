/* test_partition.c: the partition of a run's paths into blocks, edges and
 * ranks (partition.h), and the kernel's visitors (kernel.h). */
#include <stdlib.h>
#include <string.h>

#include "payback/kernel.h"
#include "payback/partition.h"
#include "payback/scenario.h"
#include "testutil.h"

#ifndef SRCDIR
#define SRCDIR "."
#endif

/* For every range A .. B-1 of runs of N paths and every rank count, the
 * tasks of all ranks together hold each path of the range exactly once;
 * a task is one block, whole unless it is an edge; edges are on rank 0
 * only, at the ends of the range; interior blocks are contiguous per rank
 * and ranks' shares differ by at most one block. */
static void test_cover(void **state)
{
    (void)state;
    enum { S = 8 };
    static unsigned char seen[200];
    for (int64_t N = 1; N <= 70; N += 3)
        for (int64_t A = 0; A < N; A += 2)
            for (int64_t B = A + 1; B <= N; B += 3)
                for (int ranks = 1; ranks <= 5; ranks++) {
                    memset(seen, 0, sizeof seen);
                    int64_t lo_share = INT64_MAX, hi_share = 0, total = 0;
                    for (int r = 0; r < ranks; r++) {
                        pb_partition p;
                        pb_partition_make(&p, S, N, A, B, r, ranks);
                        if (r > 0) assert_int_equal(p.n_edges, 0);
                        int64_t share = p.my_hi - p.my_lo;
                        lo_share = share < lo_share ? share : lo_share;
                        hi_share = share > hi_share ? share : hi_share;
                        int64_t mine = 0;
                        for (int64_t k = 0; k < p.n_tasks; k++) {
                            pb_task t = pb_partition_task(&p, k);
                            assert_true(t.first >= A && t.end <= B && t.first < t.end);
                            assert_true(t.first >= t.block * S && t.end <= (t.block + 1) * S);
                            bool whole = t.first == t.block * S && t.end == ((t.block + 1) * S < N ? (t.block + 1) * S : N);
                            if (!t.edge) assert_true(whole);
                            else assert_true(!whole && (t.first == A || t.end == B));
                            for (int64_t i = t.first; i < t.end; i++) seen[i]++;
                            mine += t.end - t.first;
                        }
                        assert_int_equal(pb_partition_paths(&p), mine);
                        total += mine;
                        /* The closed-form count below a limit against a loop. */
                        for (int64_t lim = 0; lim <= N + 1; lim += 5) {
                            int64_t want = 0;
                            for (int64_t k = 0; k < p.n_tasks; k++) {
                                pb_task t = pb_partition_task(&p, k);
                                for (int64_t i = t.first; i < t.end; i++) want += i < lim;
                            }
                            assert_int_equal(pb_partition_paths_below(&p, lim), want);
                        }
                    }
                    assert_int_equal(total, B - A);
                    for (int64_t i = 0; i < N; i++) assert_int_equal(seen[i], i >= A && i < B);
                    assert_true(hi_share - lo_share <= 1);
                }
}

/* A run of 10^15 paths is counted at once (no loop over its blocks). */
static void test_huge(void **state)
{
    (void)state;
    pb_partition p;
    const int64_t N = 1000000000000000LL;
    pb_partition_make(&p, 8192, N, 5, N - 7, 1, 3);
    assert_int_equal(p.n_edges, 0);
    pb_partition_make(&p, 8192, N, 5, N - 7, 0, 3);
    assert_int_equal(p.n_edges, 2);
    int64_t all = 0;
    for (int r = 0; r < 3; r++) {
        pb_partition_make(&p, 8192, N, 5, N - 7, r, 3);
        all += pb_partition_paths(&p);
    }
    assert_int_equal(all, N - 12);
}

/* A visitor that sums path indices and counts paths and blocks per thread:
 * its merged totals are the same for 1, 2 and 5 threads. */
typedef struct { int64_t paths, blocks, index_sum; } tally;
static void *t_begin(pb_visitor *v, int tid, pb_status *st)
{
    (void)v;
    (void)tid;
    tally *t = calloc(1, sizeof *t);
    if (!t) *st = PB_ENOMEM;
    return t;
}
static void t_block(void *ts, const pb_task *t) { (void)t; ((tally *)ts)->blocks++; }
static void t_path(void *ts, int64_t i, const pb_path_in *in, const pb_path_out *out)
{
    (void)in;
    (void)out;
    ((tally *)ts)->paths++;
    ((tally *)ts)->index_sum += i;
}
static pb_status t_finish(pb_visitor *v, void **ts, int T, bool ok)
{
    tally *sum = v->ctx;
    for (int i = 0; i < T; i++) {
        if (ok && ts[i]) {
            sum->paths += ((tally *)ts[i])->paths;
            sum->blocks += ((tally *)ts[i])->blocks;
            sum->index_sum += ((tally *)ts[i])->index_sum;
        }
        free(ts[i]);
    }
    return PB_OK;
}

static void test_visitor(void **state)
{
    (void)state;
    pb_status st;
    pb_scenario *sc = pb_scenario_load(SRCDIR "/tests/data/small.yaml", NULL, 0, &st);
    assert_non_null(sc);
    pb_sampler *s = pb_sampler_alloc(sc, 1, &st);
    assert_non_null(s);
    const int threads[] = {1, 2, 5};
    for (int i = 0; i < 3; i++) {
        pb_partition p;
        pb_partition_make(&p, 100, 1234, 17, 1200, 0, 1);
        tally sum = {0};
        pb_visitor v = {&sum, t_begin, t_block, NULL, t_path, t_finish};
        pb_visitor *vs[1] = {&v};
        pb_kernel_opts o = {threads[i], 7, false, 0};
        assert_int_equal(pb_kernel_run(s, &p, &o, vs, 1, NULL), PB_OK);
        assert_int_equal(sum.paths, 1200 - 17);
        assert_int_equal(sum.blocks, 12);               /* blocks 0 .. 11 meet 17 .. 1199 */
        assert_int_equal(sum.index_sum, (17 + 1199) * (1200 - 17) / 2);
    }
    pb_sampler_free(s);
    pb_scenario_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cover),
        cmocka_unit_test(test_huge),
        cmocka_unit_test(test_visitor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
