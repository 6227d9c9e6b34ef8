/* fuzz_result.c: libFuzzer target of the result-file readers: the input's
 * bytes as an HDF5 file, read as `payback merge` reads a part (pb_part_read,
 * which first reads it as `payback summary` does: pb_output_read); a
 * part that reads is then merged on its own (pb_merge_parts of one file:
 * its scenario, its /state against it, its edge paths), as `payback merge
 * PART` does when the part covers the whole run.
 *
 * The readers take a path: the input is written to a file in /dev/shm
 * (or $TMPDIR when /dev/shm is missing), named after the process, once per
 * input, and removed at exit.  No HDF5 object may stay open after the
 * readers return (checked after every input). */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hdf5.h>

#include "payback/error.h"
#include "payback/merge.h"
#include "payback/output.h"

static char file[256];

static void remove_file(void) { if (file[0]) unlink(file); }

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(file, sizeof file, "%s/pb_fuzz_result.%ld.h5", dir, (long)getpid());
    atexit(remove_file);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* as main.c: HDF5 prints no error stack */
    pb_errors_mute(true);
    return 0;
}

static int write_all(const uint8_t *data, size_t size)
{
    int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) return -1;
    for (size_t at = 0; at < size;) {
        ssize_t w = write(fd, data + at, size - at);
        if (w <= 0) { close(fd); return -1; }
        at += (size_t)w;
    }
    return close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (write_all(data, size) != 0) abort(); /* the harness's own fault: say so */
    /* pb_part_read starts with pb_output_read, the whole of `summary`'s
     * reading: calling it first on its own would read every file twice. */
    pb_part part;
    if (pb_part_read(file, &part) == PB_OK) {
        pb_part_clear(&part);
        const char *files[] = {file};
        pb_merged m;
        if (pb_merge_parts(files, 1, &m) == PB_OK) pb_merged_clear(&m);
    }
    /* Every HDF5 object the readers opened is closed again, whatever the
     * file was (a leaked handle keeps the file open and its memory). */
    const ssize_t open_ids = H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL);
    if (open_ids != 0) {
        fprintf(stderr, "fuzz_result: %zd HDF5 objects left open by the readers\n", open_ids);
        abort();
    }
    /* HDF5 keeps the blocks it frees on its own free lists for reuse; over
     * thousands of damaged files in one process they grow past libFuzzer's
     * RSS limit (2 GB after about 20,000 inputs).  A payback process reads
     * one file, or a few parts: hand them back after each input. */
    H5garbage_collect();
    return 0;
}
