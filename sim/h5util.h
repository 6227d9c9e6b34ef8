/* h5util.h: small HDF5 helpers of the result file's writer and reader
 * (private to write.c and read.c).
 *
 * Writing returns HDF5's herr_t (< 0: failed) or a pb_status that the
 * caller passes on; reading returns NULL / false when the object is
 * missing or has another shape (or a status, not raised, with a text
 * saying what was found), and leaves the message to the caller, which
 * knows what the file lacks. */
#ifndef PB_H5UTIL_H
#define PB_H5UTIL_H

#include <stdbool.h>
#include <stddef.h>

#include <hdf5.h>

#include "payback/error.h"

/* ---- attributes ------------------------------------------------------ */

/* A scalar fixed-length UTF-8 string attribute (netCDF NC_CHAR). */
herr_t pb_h5_attr_str(hid_t obj, const char *name, const char *value);
/* A numeric attribute of n values (scalar if n == 1): stored as file_type,
 * v read as mem_type. */
herr_t pb_h5_attr_num(hid_t obj, const char *name, hid_t file_type, hid_t mem_type, size_t n, const void *v);

/* What an attribute or a dataset holds: its type class and element size,
 * its rank (0: scalar) and dimensions, and its number of values. */
typedef struct {
    H5T_class_t cls;
    size_t size;
    bool vlen_str;           /* a variable-length string */
    int rank;
    hsize_t dims[H5S_MAX_RANK];
    hssize_t n;
    bool unwritten;          /* a dataset of n > 0 values whose storage is not all allocated: never written whole */
} pb_h5_shape;

/* The shape of attribute obj/name, or of dataset grp/name.  false if it is
 * missing or cannot be inspected. */
bool pb_h5_attr_shape(hid_t obj, const char *name, pb_h5_shape *sh);
bool pb_h5_ds_shape(hid_t grp, const char *name, pb_h5_shape *sh);
/* Describes sh for a message: "a 300-element float vector", "a string". */
void pb_h5_shape_text(const pb_h5_shape *sh, char *buf, size_t len);

/* Numbers in attributes are written as types every netCDF client takes:
 * R's ncdf4 warns on every 64-bit integer attribute ("R does not support
 * this data type"), so small counts and flags are int32 (pb_h5_attr_int)
 * and path counts, which reach 1e15, are float64 holding an integer
 * (pb_h5_attr_count: exact below 2^53).  The seed, a full 64-bit value, is
 * written as decimal text (write.c).  Readers take these and the 64-bit
 * integers of files written before 0.2 (pb_h5_read_attr_count). */
herr_t pb_h5_attr_int(hid_t obj, const char *name, int v);
herr_t pb_h5_attr_count(hid_t obj, const char *name, int64_t v);
/* A scalar count: an integer attribute (at most 8 bytes), or a float64
 * holding an integer of magnitude at most 2^53, into *v.  PB_OK;
 * PB_EINPUT (why: what it is) otherwise. */
pb_status pb_h5_read_attr_count(hid_t obj, const char *name, int64_t *v, char *why, size_t why_len);

/* A scalar string attribute, fixed-length (as payback writes them since
 * 0.2, at most PB_H5_STR_MAX bytes) or variable-length (earlier files), as
 * a new heap string (free()) in *out.  PB_OK; PB_EINPUT (not raised, *out
 * NULL) if it is missing or is not one such string (why: what it is);
 * PB_ENOMEM (raised) if it cannot be copied. */
#define PB_H5_STR_MAX ((size_t)80 << 20) /* a 64 MiB scenario's text and its --set lines */
pb_status pb_h5_read_attr_str(hid_t obj, const char *name, char **out, char *why, size_t why_len);
/* A numeric attribute of exactly n values (n == 1: a scalar or a vector of
 * one) of type class cls (H5T_INTEGER or H5T_FLOAT, at most 8 bytes) into
 * v [n] as mem_type; its shape and class are checked before anything is
 * read.  PB_OK, or PB_EINPUT (not raised) with why saying what was found
 * ("missing", "a 300-element integer vector"). */
pb_status pb_h5_read_attr_num(hid_t obj, const char *name, H5T_class_t cls, hid_t mem_type, hssize_t n, void *v,
                              char *why, size_t why_len);

/* ---- datasets -------------------------------------------------------- */

/* A group-creation property list that tracks and indexes the creation
 * order of links and attributes (netCDF-4 needs it; ncdump lists variables
 * in that order).  H5I_INVALID_HID on failure. */
hid_t pb_h5_tracked_gcpl(void);

/* The n strings of 1-d string dataset d (file type ft: fixed- or
 * variable-length, read in its own character set, as HDF5 converts none
 * between ASCII and UTF-8) as new heap strings in out[0..n) (free() each,
 * also those set when it fails); fixed-length strings up to 4 KiB. */
bool pb_h5_read_strings(hid_t d, hid_t ft, size_t n, char **out);
/* Reads the whole dataset grp/name into v (as mem_type) if it holds
 * exactly `want` values; false otherwise. */
bool pb_h5_read_ds(hid_t grp, const char *name, hid_t mem_type, void *v, hssize_t want);
/* The same into the elements of v that mem_space selects (H5S_ALL: all). */
bool pb_h5_read_ds_into(hid_t grp, const char *name, hid_t mem_type, hid_t mem_space, void *v, hssize_t want);
/* The number of values of dataset grp/name; -1 if it is missing. */
hssize_t pb_h5_points(hid_t grp, const char *name);
/* The length of the first dimension of dataset grp/name; -1 if it is
 * missing or scalar. */
hssize_t pb_h5_rows(hid_t grp, const char *name);

/* A 1-d dataset grp/name of n variable-length UTF-8 strings (a string
 * coordinate such as /paths/parameter), rank 0's values.  Under MPI-IO the
 * strings are written by rank 0 when pb_h5_out_end has closed the file
 * (parallel HDF5 cannot write variable-length data; netCDF readers do not
 * read fixed-length strings).  Collective.  H5I_INVALID_HID on failure. */
hid_t pb_h5_strings(hid_t grp, const char *name, const char *const *strings, int n);

/* ---- the result file: created under a temporary name, renamed -------- */

typedef struct {
    hid_t file;        /* the open file, or H5I_INVALID_HID */
    char *tmp;         /* "<path>.part<pid of rank 0>" (heap), or NULL before it is named */
    const char *path;  /* the final name (the caller's string) */
} pb_h5_out;

/* Creates the folder of path if it is missing (rank 0), then the file
 * under its temporary name, on every rank (a collective call; MPI-IO
 * under MPI).  Always pass *out on to pb_h5_out_end, whatever this
 * returns.  Returns PB_OK, or PB_EIO / PB_ENOMEM after pb_raise. */
pb_status pb_h5_out_begin(const char *path, pb_h5_out *out);
/* Closes the file; if st is PB_OK on every rank, renames it to its final
 * name, else removes it, so that no partial file is left.  Collective.
 * Returns the worst status over the ranks. */
pb_status pb_h5_out_end(pb_h5_out *out, pb_status st);

/* Whether a result file could not be closed (HDF5 then keeps it open, and
 * its shutdown must be skipped: pb_hdf5_stop in cli.h). */
bool pb_h5_close_failed(void);

#endif
