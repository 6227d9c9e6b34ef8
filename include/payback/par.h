/* par.h: the one module that calls MPI.  Built with -DPB_USE_MPI (make
 * MPI=1) it runs on Open MPI; without it every function has a serial body
 * (one rank, rank 0), so that the rest of payback does not know whether MPI
 * is there.  OpenMP threads run inside each rank; only the thread that
 * called pb_par_init calls MPI (MPI_THREAD_FUNNELED). */
#ifndef PB_PAR_H
#define PB_PAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hdf5.h>

#include "payback/error.h"

/* Starts MPI (a no-op without it).  PB_EINTERNAL after pb_raise if MPI
 * cannot give FUNNELED thread support. */
pb_status pb_par_init(int *argc, char ***argv);
void pb_par_finalize(void);
/* Ends every rank at once with exit status `code` (after an error that the
 * other ranks cannot learn of). */
void pb_par_abort(int code);

/* The MPI library payback runs on ("Open MPI v4.1.4"), or NULL when it
 * was built without MPI (payback --version). */
const char *pb_par_library(void);

int pb_par_rank(void);   /* 0 .. size-1 */
/* With solo set, the calling rank is a job of its own (rank 0 of 1): the
 * analysis commands run on world rank 0 alone while the other ranks wait
 * at the end of main.  Set it back before any call the whole job makes. */
void pb_par_solo(bool solo);
int pb_par_size(void);   /* ranks in the job; 1 without MPI */

/* The worst status over all ranks (PB_OK only if every rank has PB_OK), so
 * that all ranks take the same branch after a step that can fail. */
pb_status pb_par_agree(pb_status st);

/* Broadcasts len bytes from rank 0 into buf on every rank. */
pb_status pb_par_bcast(void *buf, size_t len);

/* Reduces one blob per rank to rank 0 along a binomial tree: a rank
 * receives its children's blobs and folds each into its own state with
 * merge(ctx, blob, len), then pack(ctx, &blob, &len) produces what it sends
 * up.  The merge must not depend on the order (payback's is exact).
 * *sent is the bytes this rank sent.  Without MPI: nothing to do. */
typedef pb_status (*pb_par_merge_fn)(void *ctx, const void *blob, size_t len);
typedef pb_status (*pb_par_pack_fn)(void *ctx, void **blob, size_t *len);
pb_status pb_par_reduce(pb_par_merge_fn merge, pb_par_pack_fn pack, void *ctx, uint64_t *sent);

/* Gathers variable-length byte arrays to rank 0: *all (rank 0 only, free
 * with free()) is the concatenation in rank order, *all_len its length. */
pb_status pb_par_gather(const void *buf, size_t len, void **all, size_t *all_len);

/* Progress across ranks, so that rank 0's progress line counts the whole
 * run and not its own share.  Every rank of the job calls begin, then
 * pb_par_progress from time to time (the thread that called pb_par_init
 * only), then end once, all with `own` = the paths this rank has done.
 * The other ranks send rank 0 what they did since their last message
 * without waiting (at most one message in flight); pb_par_progress on
 * rank 0 returns the sum of what has arrived and `own` (0 on other ranks).
 * End makes the other ranks send their last count; rank 0 waits for all of
 * them, calling report(ctx, sum) every `every` seconds meanwhile, and
 * returns the job's total.  Without MPI, or with one rank: `own`. */
void pb_par_progress_begin(void);
int64_t pb_par_progress(int64_t own);
int64_t pb_par_progress_end(int64_t own, void (*report)(void *ctx, int64_t sum), void *ctx, double every);

/* A file-access property list for HDF5: MPI-IO across the job's ranks, or
 * H5P_DEFAULT without MPI.  Close with pb_par_fapl_close. */
hid_t pb_par_fapl(void);
void pb_par_fapl_close(hid_t fapl);
/* Whether pb_par_fapl gives MPI-IO (files are then written collectively). */
bool pb_par_fapl_is_mpio(void);
/* A transfer property list: collective MPI-IO under MPI (parallel HDF5
 * writes compressed datasets only collectively), H5P_DEFAULT without. */
hid_t pb_par_dxpl(void);
void pb_par_dxpl_close(hid_t dxpl);

#endif
