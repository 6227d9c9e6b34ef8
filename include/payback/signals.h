/* signals.h: an interrupted payback leaves nothing behind (D9).
 *
 * SIGINT, SIGTERM and SIGHUP end the program at once: the handler removes
 * the result file being written (its .part name, if any), says
 * "interrupted" on stderr and exits 128 + the signal (130, 143, 129).
 * SIGXFSZ (a file size limit) is ignored, so that the write fails with
 * EFBIG and takes the ordinary error path: exit 1, no file. */
#ifndef PB_SIGNALS_H
#define PB_SIGNALS_H

/* Installs the handlers (main, once). */
void pb_signals_install(void);

/* The file being written, which the handler removes (NULL: none).  The
 * string must live until the next call. */
void pb_signals_part(const char *path);

/* While a result file someone sent is read (summary, merge): a SIGSEGV or
 * SIGBUS ends the program with "'PATH' is damaged", exit 2, instead of a
 * crash.  Debian's HDF5 1.10 can crash inside its own code on a crafted
 * file (a damaged global heap read for a string attribute: fuzz/README.md),
 * which payback cannot check for before reading.  NULL: back to the
 * previous handlers (sanitizers keep theirs outside reading). */
void pb_signals_reading(const char *path);

#endif
