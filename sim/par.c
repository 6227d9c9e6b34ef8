/* par.c: MPI wrappers with serial bodies (par.h). */
#include "payback/par.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef PB_USE_MPI
#include <mpi.h>

static bool started;
/* The ranks that take part: the job, or only the calling rank (pb_par_solo). */
static MPI_Comm comm = MPI_COMM_WORLD;

void pb_par_solo(bool solo) { comm = solo ? MPI_COMM_SELF : MPI_COMM_WORLD; }

pb_status pb_par_init(int *argc, char ***argv)
{
    int provided;
    if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
        return pb_raise(PB_EINTERNAL, NULL, "MPI_Init_thread failed");
    started = true;
    if (provided < MPI_THREAD_FUNNELED)
        return pb_raise(PB_EINTERNAL, NULL, "MPI gives no MPI_THREAD_FUNNELED support (level %d)", provided);
    return PB_OK;
}

void pb_par_finalize(void)
{
    if (started) MPI_Finalize();
    started = false;
}

void pb_par_abort(int code) { MPI_Abort(MPI_COMM_WORLD, code); }

const char *pb_par_library(void)
{
    /* MPI_Get_library_version may be called before MPI_Init. */
    static char v[MPI_MAX_LIBRARY_VERSION_STRING];
    int len = 0;
    if (MPI_Get_library_version(v, &len) != MPI_SUCCESS) return "MPI (version unknown)";
    v[strcspn(v, ",\n")] = 0; /* Open MPI's first item: "Open MPI v4.1.4" */
    return v;
}

int pb_par_rank(void)
{
    int r = 0;
    if (started) MPI_Comm_rank(comm, &r);
    return r;
}

int pb_par_size(void)
{
    int n = 1;
    if (started) MPI_Comm_size(comm, &n);
    return n;
}

pb_status pb_par_agree(pb_status st)
{
    int mine = (int)st, worst = mine;
    if (started && MPI_Allreduce(&mine, &worst, 1, MPI_INT, MPI_MAX, comm) != MPI_SUCCESS) return PB_EINTERNAL;
    return (pb_status)worst;
}

/* MPI counts are ints: long buffers go in pieces. */
enum { PIECE = 1 << 30 };

pb_status pb_par_bcast(void *buf, size_t len)
{
    if (!started) return PB_OK;
    for (size_t off = 0; off < len; off += PIECE) {
        int n = (int)(len - off < PIECE ? len - off : PIECE);
        if (MPI_Bcast((char *)buf + off, n, MPI_BYTE, 0, comm) != MPI_SUCCESS)
            return pb_raise(PB_EINTERNAL, NULL, "MPI_Bcast failed");
    }
    return PB_OK;
}

static pb_status send_blob(const void *blob, uint64_t len, int to)
{
    if (MPI_Send(&len, 1, MPI_UINT64_T, to, 1, comm) != MPI_SUCCESS)
        return pb_raise(PB_EINTERNAL, NULL, "MPI_Send failed");
    for (uint64_t off = 0; off < len; off += PIECE) {
        int n = (int)(len - off < PIECE ? len - off : PIECE);
        if (MPI_Send((const char *)blob + off, n, MPI_BYTE, to, 2, comm) != MPI_SUCCESS)
            return pb_raise(PB_EINTERNAL, NULL, "MPI_Send failed");
    }
    return PB_OK;
}

static pb_status recv_blob(void **blob, uint64_t *len, int from)
{
    *blob = NULL;
    if (MPI_Recv(len, 1, MPI_UINT64_T, from, 1, comm, MPI_STATUS_IGNORE) != MPI_SUCCESS)
        return pb_raise(PB_EINTERNAL, NULL, "MPI_Recv failed");
    if (!(*blob = malloc(*len ? *len : 1))) return pb_raise(PB_ENOMEM, NULL, "out of memory receiving %llu bytes", (unsigned long long)*len);
    for (uint64_t off = 0; off < *len; off += PIECE) {
        int n = (int)(*len - off < PIECE ? *len - off : PIECE);
        if (MPI_Recv((char *)*blob + off, n, MPI_BYTE, from, 2, comm, MPI_STATUS_IGNORE) != MPI_SUCCESS)
            return pb_raise(PB_EINTERNAL, NULL, "MPI_Recv failed");
    }
    return PB_OK;
}

pb_status pb_par_reduce(pb_par_merge_fn merge, pb_par_pack_fn pack, void *ctx, uint64_t *sent)
{
    *sent = 0;
    if (!started) return PB_OK;
    const int rank = pb_par_rank(), size = pb_par_size();
    pb_status st = PB_OK;
    /* Binomial tree: at step s a rank with bit s set sends to rank - s and
     * is done; the others receive from rank + s, if there is one.  Each
     * rank sends once; rank 0 receives log2(size) times. */
    for (int s = 1; s < size; s <<= 1) {
        if (rank & s) {
            void *blob = NULL;
            size_t len = 0;
            if (st == PB_OK) st = pack(ctx, &blob, &len);
            /* A failed rank still sends (an empty blob with length 0 is
             * not a valid state): the status travels separately. */
            uint64_t n = st == PB_OK ? len : 0;
            pb_status sst = send_blob(blob, n, rank - s);
            *sent += n;
            free(blob);
            return st != PB_OK ? st : sst;
        }
        if (rank + s < size) {
            void *blob;
            uint64_t len;
            pb_status rst = recv_blob(&blob, &len, rank + s);
            if (rst == PB_OK && len == 0) rst = PB_EINTERNAL; /* the child failed; it says why */
            if (st == PB_OK) st = rst;
            if (st == PB_OK) st = merge(ctx, blob, len);
            free(blob);
        }
    }
    return st;
}

/* Progress (par.h): messages {paths done since the last message, last?}
 * with their own tag; the statistics use tags 1 and 2. */
enum { TAG_PROGRESS = 3 };
static int64_t prog_sent;   /* another rank: the paths reported so far */
static int64_t prog_msg[2]; /* its message in flight */
static MPI_Request prog_req = MPI_REQUEST_NULL;
static int64_t prog_others; /* rank 0: the other ranks' paths so far */
static int prog_ended;      /* rank 0: the ranks whose last count arrived */

void pb_par_progress_begin(void)
{
    prog_sent = prog_others = 0;
    prog_ended = 0;
    prog_req = MPI_REQUEST_NULL;
}

static void progress_drain(void)
{
    /* Open MPI's MPI_Iprobe looks, then moves messages along: a message
     * that has arrived is seen by the second look, so stop after two
     * misses in a row. */
    for (int miss = 0; miss < 2;) {
        int flag = 0;
        MPI_Status s;
        if (MPI_Iprobe(MPI_ANY_SOURCE, TAG_PROGRESS, comm, &flag, &s) != MPI_SUCCESS) return;
        if (!flag) {
            miss++;
            continue;
        }
        miss = 0;
        int64_t m[2];
        MPI_Recv(m, 2, MPI_INT64_T, s.MPI_SOURCE, TAG_PROGRESS, comm, MPI_STATUS_IGNORE);
        prog_others += m[0];
        prog_ended += m[1] != 0;
    }
}

static void progress_send(int64_t own, bool last)
{
    prog_msg[0] = own - prog_sent;
    prog_msg[1] = last;
    prog_sent = own;
    MPI_Isend(prog_msg, 2, MPI_INT64_T, 0, TAG_PROGRESS, comm, &prog_req);
}

int64_t pb_par_progress(int64_t own)
{
    if (!started || pb_par_size() == 1) return own;
    if (pb_par_rank() == 0) {
        progress_drain();
        return own + prog_others;
    }
    int idle = 1;
    if (prog_req != MPI_REQUEST_NULL) MPI_Test(&prog_req, &idle, MPI_STATUS_IGNORE);
    if (idle && own > prog_sent) progress_send(own, false);
    return 0;
}

int64_t pb_par_progress_end(int64_t own, void (*report)(void *ctx, int64_t sum), void *ctx, double every)
{
    const int size = pb_par_size();
    if (!started || size == 1) return own;
    if (pb_par_rank() != 0) {
        MPI_Wait(&prog_req, MPI_STATUS_IGNORE);
        progress_send(own, true);
        MPI_Wait(&prog_req, MPI_STATUS_IGNORE);
        return 0;
    }
    double last = MPI_Wtime();
    for (progress_drain(); prog_ended < size - 1; progress_drain()) {
        if (MPI_Wtime() - last > every) {
            last = MPI_Wtime();
            report(ctx, own + prog_others);
        }
        const struct timespec pause = {0, 20 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    return own + prog_others;
}

pb_status pb_par_gather(const void *buf, size_t len, void **all, size_t *all_len)
{
    *all = NULL;
    *all_len = 0;
    const int rank = pb_par_rank(), size = pb_par_size();
    if (!started || size == 1) {
        if (!(*all = malloc(len ? len : 1))) return pb_raise(PB_ENOMEM, NULL, "out of memory");
        memcpy(*all, buf, len);
        *all_len = len;
        return PB_OK;
    }
    pb_status st = PB_OK;
    if (rank != 0) return send_blob(buf, len, 0);
    size_t cap = len ? len : 1;
    char *out = malloc(cap);
    if (!out) return pb_raise(PB_ENOMEM, NULL, "out of memory");
    memcpy(out, buf, len);
    size_t used = len;
    for (int r = 1; r < size; r++) {
        void *blob;
        uint64_t n;
        pb_status rst = recv_blob(&blob, &n, r);
        if (rst == PB_OK && used + n > cap) {
            char *bigger = realloc(out, used + n);
            if (!bigger) rst = pb_raise(PB_ENOMEM, NULL, "out of memory");
            else { out = bigger; cap = used + n; }
        }
        if (rst == PB_OK) { memcpy(out + used, blob, n); used += n; }
        free(blob);
        if (st == PB_OK) st = rst;
    }
    if (st != PB_OK) { free(out); return st; }
    *all = out;
    *all_len = used;
    return PB_OK;
}

hid_t pb_par_fapl(void)
{
    if (!started) return H5P_DEFAULT;
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl < 0 || H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL) < 0) {
        if (fapl >= 0) H5Pclose(fapl);
        return H5I_INVALID_HID;
    }
    return fapl;
}

bool pb_par_fapl_is_mpio(void) { return started; }

void pb_par_fapl_close(hid_t fapl)
{
    if (fapl != H5P_DEFAULT && fapl >= 0) H5Pclose(fapl);
}

hid_t pb_par_dxpl(void)
{
    if (!started) return H5P_DEFAULT;
    hid_t dxpl = H5Pcreate(H5P_DATASET_XFER);
    if (dxpl < 0 || H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE) < 0) {
        if (dxpl >= 0) H5Pclose(dxpl);
        return H5I_INVALID_HID;
    }
    return dxpl;
}

void pb_par_dxpl_close(hid_t dxpl)
{
    if (dxpl != H5P_DEFAULT && dxpl >= 0) H5Pclose(dxpl);
}

#else /* serial bodies */

pb_status pb_par_init(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return PB_OK;
}
void pb_par_finalize(void) {}
void pb_par_abort(int code) { exit(code); }
const char *pb_par_library(void) { return NULL; }
int pb_par_rank(void) { return 0; }
int pb_par_size(void) { return 1; }
void pb_par_solo(bool solo) { (void)solo; }
pb_status pb_par_agree(pb_status st) { return st; }
pb_status pb_par_bcast(void *buf, size_t len)
{
    (void)buf;
    (void)len;
    return PB_OK;
}
pb_status pb_par_reduce(pb_par_merge_fn merge, pb_par_pack_fn pack, void *ctx, uint64_t *sent)
{
    (void)merge;
    (void)pack;
    (void)ctx;
    *sent = 0;
    return PB_OK;
}
pb_status pb_par_gather(const void *buf, size_t len, void **all, size_t *all_len)
{
    if (!(*all = malloc(len ? len : 1))) return pb_raise(PB_ENOMEM, NULL, "out of memory");
    memcpy(*all, buf, len);
    *all_len = len;
    return PB_OK;
}
void pb_par_progress_begin(void) {}
int64_t pb_par_progress(int64_t own) { return own; }
int64_t pb_par_progress_end(int64_t own, void (*report)(void *ctx, int64_t sum), void *ctx, double every)
{
    (void)report;
    (void)ctx;
    (void)every;
    return own;
}
hid_t pb_par_fapl(void) { return H5P_DEFAULT; }
bool pb_par_fapl_is_mpio(void) { return false; }
void pb_par_fapl_close(hid_t fapl) { (void)fapl; }
hid_t pb_par_dxpl(void) { return H5P_DEFAULT; }
void pb_par_dxpl_close(hid_t dxpl) { (void)dxpl; }

#endif
