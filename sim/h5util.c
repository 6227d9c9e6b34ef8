/* h5util.c: HDF5 helpers of the result file (h5util.h). */
#include "h5util.h"

#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "payback/par.h"
#include "payback/signals.h"

/* ------------------------------------------------------------------ */
/* Attributes                                                           */

/* A fixed-length string of strlen(value) bytes (NC_CHAR to netCDF):
 * variable-length string attributes (NC_STRING) are what GNU Octave's
 * netcdf package and older netCDF clients cannot read.  HDF5 has no
 * zero-length type: "" is one NUL byte, which every reader shows as "".
 * The text is UTF-8 (scenario files may hold any): the type says so. */
herr_t pb_h5_attr_str(hid_t obj, const char *name, const char *value)
{
    size_t len = strlen(value);
    hid_t type = H5Tcopy(H5T_C_S1), space = H5Screate(H5S_SCALAR), attr = H5I_INVALID_HID;
    herr_t rc = -1;
    if (type < 0 || space < 0) goto done;
    if (H5Tset_size(type, len ? len : 1) < 0 || H5Tset_strpad(type, H5T_STR_NULLTERM) < 0 ||
        H5Tset_cset(type, H5T_CSET_UTF8) < 0)
        goto done;
    if ((attr = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT)) < 0) goto done;
    rc = H5Awrite(attr, type, value);
done:
    if (attr >= 0) H5Aclose(attr);
    if (space >= 0) H5Sclose(space);
    if (type >= 0) H5Tclose(type);
    return rc;
}

herr_t pb_h5_attr_int(hid_t obj, const char *name, int v)
{
    return pb_h5_attr_num(obj, name, H5T_STD_I32LE, H5T_NATIVE_INT, 1, &v);
}

herr_t pb_h5_attr_count(hid_t obj, const char *name, int64_t v)
{
    double d = (double)v; /* exact: counts are at most 1e15 < 2^53 */
    return pb_h5_attr_num(obj, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, &d);
}

herr_t pb_h5_attr_num(hid_t obj, const char *name, hid_t file_type, hid_t mem_type, size_t n, const void *v)
{
    hsize_t dim = n;
    hid_t space = n == 1 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &dim, NULL), attr = H5I_INVALID_HID;
    herr_t rc = -1;
    if (space < 0) goto done;
    if ((attr = H5Acreate2(obj, name, file_type, space, H5P_DEFAULT, H5P_DEFAULT)) < 0) goto done;
    rc = H5Awrite(attr, mem_type, v);
done:
    if (attr >= 0) H5Aclose(attr);
    if (space >= 0) H5Sclose(space);
    return rc;
}

/* The class, size, rank and dimensions of a type and a space. */
static bool shape_of(hid_t type, hid_t space, pb_h5_shape *sh)
{
    memset(sh, 0, sizeof *sh);
    if (type < 0 || space < 0) return false;
    sh->cls = H5Tget_class(type);
    sh->size = H5Tget_size(type);
    sh->vlen_str = H5Tis_variable_str(type) > 0;
    sh->rank = H5Sget_simple_extent_ndims(space);
    sh->n = H5Sget_simple_extent_npoints(space);
    return sh->cls != H5T_NO_CLASS && sh->rank >= 0 && sh->n >= 0 &&
           H5Sget_simple_extent_dims(space, sh->dims, NULL) >= 0 && H5Sget_simple_extent_type(space) != H5S_NULL;
}

bool pb_h5_attr_shape(hid_t obj, const char *name, pb_h5_shape *sh)
{
    memset(sh, 0, sizeof *sh);
    if (H5Aexists(obj, name) <= 0) return false;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a < 0) return false;
    hid_t t = H5Aget_type(a), sp = H5Aget_space(a);
    bool ok = shape_of(t, sp, sh);
    if (sp >= 0) H5Sclose(sp);
    if (t >= 0) H5Tclose(t);
    H5Aclose(a);
    return ok;
}

/* Whether every value of dataset d has storage: each chunk of a chunked
 * one (a compressed dataset is "partly allocated" to H5Dget_space_status
 * even when whole), else its space. */
static bool all_written(hid_t d, hid_t space, const pb_h5_shape *sh)
{
    hid_t dcpl = H5Dget_create_plist(d);
    if (dcpl < 0) return false;
    bool ok = false;
    if (H5Pget_layout(dcpl) == H5D_CHUNKED) {
        hsize_t chunk[H5S_MAX_RANK], want = 1, have = 0;
        int rank = H5Pget_chunk(dcpl, H5S_MAX_RANK, chunk);
        ok = rank == sh->rank;
        for (int i = 0; ok && i < rank; i++) {
            ok = chunk[i] > 0;
            if (ok) want *= (sh->dims[i] + chunk[i] - 1) / chunk[i];
        }
        ok = ok && H5Dget_num_chunks(d, space, &have) >= 0 && have == want;
    } else {
        H5D_space_status_t status;
        ok = H5Dget_space_status(d, &status) >= 0 && status == H5D_SPACE_STATUS_ALLOCATED;
    }
    H5Pclose(dcpl);
    return ok;
}

bool pb_h5_ds_shape(hid_t grp, const char *name, pb_h5_shape *sh)
{
    memset(sh, 0, sizeof *sh);
    if (H5Lexists(grp, name, H5P_DEFAULT) <= 0) return false;
    hid_t d = H5Dopen2(grp, name, H5P_DEFAULT);
    if (d < 0) return false;
    hid_t t = H5Dget_type(d), sp = H5Dget_space(d);
    bool ok = shape_of(t, sp, sh);
    sh->unwritten = ok && sh->n > 0 && !all_written(d, sp, sh);
    if (sp >= 0) H5Sclose(sp);
    if (t >= 0) H5Tclose(t);
    H5Dclose(d);
    return ok;
}

void pb_h5_shape_text(const pb_h5_shape *sh, char *buf, size_t len)
{
    const char *c = sh->vlen_str || sh->cls == H5T_STRING ? "string"
                  : sh->cls == H5T_INTEGER ? "integer" : sh->cls == H5T_FLOAT ? "float" : "non-numeric";
    char dims[96] = "";
    size_t at = 0;
    for (int i = 0; i < sh->rank && i < 3 && at < sizeof dims; i++)
        at += (size_t)snprintf(dims + at, sizeof dims - at, "%s%llu", i ? " x " : "", (unsigned long long)sh->dims[i]);
    if (sh->rank == 0) snprintf(buf, len, "a scalar %s (%zu bytes)", c, sh->size);
    else if (sh->rank == 1) snprintf(buf, len, "a %s-element %s vector", dims, c);
    else snprintf(buf, len, "a %s %s array%s", dims, c, sh->rank > 3 ? " (and more dimensions)" : "");
}

pb_status pb_h5_read_attr_str(hid_t obj, const char *name, char **out, char *why, size_t why_len)
{
    *out = NULL;
    pb_h5_shape sh;
    if (!pb_h5_attr_shape(obj, name, &sh)) {
        snprintf(why, why_len, "missing");
        return PB_EINPUT;
    }
    /* One string: a vector of strings would write past what is read. */
    if (sh.cls != H5T_STRING || sh.n != 1 || (!sh.vlen_str && (sh.size < 1 || sh.size > PB_H5_STR_MAX))) {
        pb_h5_shape_text(&sh, why, why_len);
        return PB_EINPUT;
    }
    hid_t attr = H5Aopen(obj, name, H5P_DEFAULT), mt = H5Tcopy(H5T_C_S1);
    pb_status st = PB_OK;
    bool ok = attr >= 0 && mt >= 0 && H5Tset_cset(mt, H5T_CSET_UTF8) >= 0;
    if (sh.vlen_str) { /* files of payback before 0.2 */
        char *v = NULL;
        ok = ok && H5Tset_size(mt, H5T_VARIABLE) >= 0 && H5Aread(attr, mt, &v) >= 0 && v;
        if (ok && !(*out = strdup(v))) st = pb_raise(PB_ENOMEM, NULL, "out of memory reading attribute '%s'", name);
        if (v) H5free_memory(v);
    } else {
        /* Read into size + 1 bytes as a NUL-terminated string of that
         * size: HDF5 pads or cuts whatever the file's padding was. */
        char *v = malloc(sh.size + 1);
        if (!v) st = pb_raise(PB_ENOMEM, NULL, "out of memory reading attribute '%s'", name);
        ok = ok && v && H5Tset_size(mt, sh.size + 1) >= 0 && H5Tset_strpad(mt, H5T_STR_NULLTERM) >= 0 &&
             H5Aread(attr, mt, v) >= 0;
        if (ok) {
            v[sh.size] = '\0';
            *out = v;
        } else free(v);
    }
    if (!ok && st == PB_OK) {
        snprintf(why, why_len, "an unreadable string");
        st = PB_EINPUT;
    }
    if (mt >= 0) H5Tclose(mt);
    if (attr >= 0) H5Aclose(attr);
    return st;
}

pb_status pb_h5_read_attr_num(hid_t obj, const char *name, H5T_class_t cls, hid_t mem_type, hssize_t n, void *v,
                              char *why, size_t why_len)
{
    pb_h5_shape sh;
    if (!pb_h5_attr_shape(obj, name, &sh)) {
        snprintf(why, why_len, "missing");
        return PB_EINPUT;
    }
    /* Class, size and count first: H5Aread writes every value it holds. */
    if (sh.cls != cls || sh.size < 1 || sh.size > 8 || sh.n != n || sh.rank > 1) {
        pb_h5_shape_text(&sh, why, why_len);
        return PB_EINPUT;
    }
    hid_t attr = H5Aopen(obj, name, H5P_DEFAULT);
    bool ok = attr >= 0 && H5Aread(attr, mem_type, v) >= 0;
    if (attr >= 0) H5Aclose(attr);
    if (!ok) snprintf(why, why_len, "an unreadable value");
    return ok ? PB_OK : PB_EINPUT;
}

pb_status pb_h5_read_attr_count(hid_t obj, const char *name, int64_t *v, char *why, size_t why_len)
{
    pb_h5_shape sh;
    if (!pb_h5_attr_shape(obj, name, &sh)) {
        snprintf(why, why_len, "missing");
        return PB_EINPUT;
    }
    if (sh.cls != H5T_FLOAT) return pb_h5_read_attr_num(obj, name, H5T_INTEGER, H5T_NATIVE_INT64, 1, v, why, why_len);
    double d;
    pb_status st = pb_h5_read_attr_num(obj, name, H5T_FLOAT, H5T_NATIVE_DOUBLE, 1, &d, why, why_len);
    if (st != PB_OK) return st;
    if (!(fabs(d) <= 9007199254740992.0) || d != floor(d)) { /* also NaN */
        snprintf(why, why_len, "%.17g, not a whole number of at most 2^53", d);
        return PB_EINPUT;
    }
    *v = (int64_t)d;
    return PB_OK;
}

/* ------------------------------------------------------------------ */
/* Datasets                                                             */

bool pb_h5_read_strings(hid_t d, hid_t ft, size_t n, char **out)
{
    hid_t mt = H5Tcopy(H5T_C_S1);
    bool ok = false;
    /* HDF5 converts no string between ASCII and UTF-8: read as the file's. */
    H5T_cset_t cs = H5Tget_cset(ft);
    if (cs < 0 || H5Tset_cset(mt, cs) < 0) {
        H5Tclose(mt);
        return false;
    }
    if (H5Tis_variable_str(ft) > 0) {
        char **tmp = calloc(n ? n : 1, sizeof *tmp);
        if (tmp && H5Tset_size(mt, H5T_VARIABLE) >= 0 && H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, tmp) >= 0) {
            ok = true;
            for (size_t i = 0; i < n; i++) ok = (out[i] = strdup(tmp[i] ? tmp[i] : "")) && ok;
            hid_t sp = H5Dget_space(d);
            H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, tmp);
            H5Sclose(sp);
        }
        free(tmp);
    } else {
        size_t len = H5Tget_size(ft);
        char *buf = len > 0 && len < 4096 ? calloc(n ? n : 1, len + 1) : NULL;
        if (buf && H5Tset_size(mt, len + 1) >= 0 && H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0) {
            ok = true;
            for (size_t i = 0; i < n; i++) ok = (out[i] = strndup(buf + i * (len + 1), len)) && ok;
        }
        free(buf);
    }
    H5Tclose(mt);
    return ok;
}

hid_t pb_h5_tracked_gcpl(void)
{
    hid_t p = H5Pcreate(H5P_GROUP_CREATE);
    if (p >= 0 && (H5Pset_link_creation_order(p, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) < 0 ||
                   H5Pset_attr_creation_order(p, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) < 0)) {
        H5Pclose(p);
        return H5I_INVALID_HID;
    }
    return p;
}

bool pb_h5_read_ds(hid_t grp, const char *name, hid_t mem_type, void *v, hssize_t want)
{
    return pb_h5_read_ds_into(grp, name, mem_type, H5S_ALL, v, want);
}

bool pb_h5_read_ds_into(hid_t grp, const char *name, hid_t mem_type, hid_t mem_space, void *v, hssize_t want)
{
    hid_t d = H5Dopen2(grp, name, H5P_DEFAULT), sp = H5I_INVALID_HID;
    bool ok = false;
    if (d < 0) return false;
    if ((sp = H5Dget_space(d)) < 0 || H5Sget_simple_extent_npoints(sp) != want) goto done;
    ok = H5Dread(d, mem_type, mem_space, H5S_ALL, H5P_DEFAULT, v) >= 0;
done:
    if (sp >= 0) H5Sclose(sp);
    H5Dclose(d);
    return ok;
}

hssize_t pb_h5_points(hid_t grp, const char *name)
{
    hid_t d = H5Dopen2(grp, name, H5P_DEFAULT);
    if (d < 0) return -1;
    hid_t sp = H5Dget_space(d);
    hssize_t n = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
    if (sp >= 0) H5Sclose(sp);
    H5Dclose(d);
    return n;
}

hssize_t pb_h5_rows(hid_t grp, const char *name)
{
    hid_t d = H5Dopen2(grp, name, H5P_DEFAULT);
    if (d < 0) return -1;
    hid_t sp = H5Dget_space(d);
    hsize_t dims[H5S_MAX_RANK];
    int rank = sp >= 0 ? H5Sget_simple_extent_dims(sp, dims, NULL) : -1;
    if (sp >= 0) H5Sclose(sp);
    H5Dclose(d);
    return rank >= 1 ? (hssize_t)dims[0] : -1;
}

/* ------------------------------------------------------------------ */
/* The result file                                                      */

/* Creates the folder of path if it does not exist (one level, as results/). */
static pb_status ensure_dir(const char *path)
{
    char *copy = strdup(path);
    if (!copy) return pb_raise(PB_ENOMEM, NULL, "out of memory");
    const char *dir = dirname(copy);
    pb_status st = PB_OK;
    struct stat sb;
    if (stat(dir, &sb) != 0) {
        if (mkdir(dir, 0777) != 0 && errno != EEXIST)
            st = pb_raise(PB_EIO, NULL, "cannot create folder '%s' for '%s': %s", dir, path, strerror(errno));
    } else if (!S_ISDIR(sb.st_mode)) {
        st = pb_raise(PB_EIO, NULL, "cannot write '%s': '%s' is not a folder", path, dir);
    }
    free(copy);
    return st;
}

pb_status pb_h5_out_begin(const char *path, pb_h5_out *out)
{
    *out = (pb_h5_out){.file = H5I_INVALID_HID, .tmp = NULL, .path = path};
    pb_status st = pb_par_agree(pb_par_rank() == 0 ? ensure_dir(path) : PB_OK);
    if (st != PB_OK) return st == PB_EIO || st == PB_ENOMEM ? st : PB_EIO;
    /* One temporary name for all ranks: rank 0's process id. */
    int64_t pid = (int64_t)getpid();
    if ((st = pb_par_bcast(&pid, sizeof pid)) != PB_OK) return st;
    size_t len = strlen(path) + 32;
    if (!(out->tmp = malloc(len))) return pb_raise(PB_ENOMEM, NULL, "out of memory");
    snprintf(out->tmp, len, "%s.part%lld", path, (long long)pid);
    pb_signals_part(out->tmp); /* an interrupt removes it (signals.h) */

    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE), fapl = pb_par_fapl();
    if (fcpl >= 0 && fapl >= 0 &&
        H5Pset_link_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) >= 0 &&
        H5Pset_attr_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) >= 0)
        out->file = H5Fcreate(out->tmp, H5F_ACC_TRUNC, fcpl, fapl);
    if (fcpl >= 0) H5Pclose(fcpl);
    pb_par_fapl_close(fapl);
    return out->file >= 0 ? PB_OK : pb_raise(PB_EIO, NULL, "cannot create '%s'", out->tmp);
}

/* String datasets waiting for the parallel file to close (one output
 * file is open at a time in a process). */
typedef struct {
    char *path;          /* the dataset's path in the file */
    char **strings;
    int n;
} deferred;
static deferred *pending;
static int n_pending;

static void drop_pending(void)
{
    for (int i = 0; i < n_pending; i++) {
        for (int k = 0; k < pending[i].n; k++) free(pending[i].strings[k]);
        free(pending[i].strings);
        free(pending[i].path);
    }
    free(pending);
    pending = NULL;
    n_pending = 0;
}

/* Rank 0 writes the deferred strings into the closed file, opened alone. */
static pb_status write_pending(const char *tmp)
{
    hid_t f = H5Fopen(tmp, H5F_ACC_RDWR, H5P_DEFAULT), t = H5Tcopy(H5T_C_S1);
    bool ok = f >= 0 && t >= 0 && H5Tset_size(t, H5T_VARIABLE) >= 0 && H5Tset_cset(t, H5T_CSET_UTF8) >= 0;
    for (int i = 0; ok && i < n_pending; i++) {
        hid_t d = H5Dopen2(f, pending[i].path, H5P_DEFAULT);
        ok = d >= 0 && H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, pending[i].strings) >= 0;
        if (d >= 0) H5Dclose(d);
    }
    if (t >= 0) H5Tclose(t);
    if (f >= 0 && H5Fclose(f) < 0) ok = false;
    return ok ? PB_OK : pb_raise(PB_EIO, NULL, "cannot write the names in '%s'", tmp);
}

hid_t pb_h5_strings(hid_t grp, const char *name, const char *const *strings, int n)
{
    hsize_t len = (hsize_t)n;
    hid_t t = H5Tcopy(H5T_C_S1), sp = H5Screate_simple(1, &len, NULL), d = H5I_INVALID_HID;
    bool ok = t >= 0 && sp >= 0 && H5Tset_size(t, H5T_VARIABLE) >= 0 && H5Tset_cset(t, H5T_CSET_UTF8) >= 0 &&
              (d = H5Dcreate2(grp, name, t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)) >= 0;
    if (ok && pb_par_fapl_is_mpio()) {
        /* Parallel HDF5 cannot write variable-length data: rank 0 writes
         * these after the file is closed (pb_h5_out_end). */
        deferred *more = realloc(pending, (size_t)(n_pending + 1) * sizeof *pending);
        char path[512];
        ok = more && H5Iget_name(d, path, sizeof path) > 0;
        if (more) pending = more;
        if (ok) {
            deferred *e = &pending[n_pending];
            e->path = strdup(path);
            e->strings = calloc((size_t)n + 1, sizeof *e->strings);
            e->n = n;
            ok = e->path && e->strings;
            for (int k = 0; ok && k < n; k++) ok = (e->strings[k] = strdup(strings[k])) != NULL;
            n_pending++; /* freed whole by drop_pending, even when incomplete */
        }
    } else if (ok && pb_par_rank() == 0)
        ok = H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, strings) >= 0;
    if (t >= 0) H5Tclose(t);
    if (sp >= 0) H5Sclose(sp);
    if (!ok && d >= 0) {
        H5Dclose(d);
        d = H5I_INVALID_HID;
    }
    return d;
}

/* A file HDF5 could not close stays open inside the library, whose own
 * shutdown then crashes trying again (D5: a full disk). */
static bool close_failed;

bool pb_h5_close_failed(void) { return close_failed; }

pb_status pb_h5_out_end(pb_h5_out *out, pb_status st)
{
    /* Not named yet: begin failed alike on every rank, before the file. */
    if (!out->tmp) return st;
    const bool writer = pb_par_rank() == 0;
    if (out->file >= 0 && H5Fclose(out->file) < 0) {
        close_failed = true;
        if (st == PB_OK) st = pb_raise(PB_EIO, NULL, "cannot close '%s'", out->tmp);
    }
    out->file = H5I_INVALID_HID;
    st = pb_par_agree(st);
    if (st == PB_OK && writer && n_pending) st = write_pending(out->tmp);
    drop_pending();
    st = pb_par_agree(st);
    if (st == PB_OK && writer && rename(out->tmp, out->path) != 0)
        st = pb_raise(PB_EIO, NULL, "cannot rename '%s' to '%s': %s", out->tmp, out->path, strerror(errno));
    st = pb_par_agree(st);
    if (st != PB_OK && writer) unlink(out->tmp);
    pb_signals_part(NULL);
    free(out->tmp);
    out->tmp = NULL;
    return st;
}
