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
 * crash, and so does reading for longer than CPU_SECONDS of the process's
 * CPU time (user and system, ITIMER_PROF; <= 0: no bound).  Debian's HDF5
 * 1.10 can crash, or loop without end, inside its own code on a crafted
 * file (a damaged global heap read for a string attribute: fuzz/README.md),
 * which payback cannot check for before reading.  CPU time, not wall time:
 * slow or busy storage does not count against the bound, HDF5 spinning
 * does.  NULL: back to the previous handlers, timer off (sanitizers keep
 * theirs outside reading). */
void pb_signals_reading(const char *path, double cpu_seconds);

/* The CPU-time bound for reading the files PATHS[0..N): PB_READ_CPU_BASE
 * seconds plus one second per PB_READ_CPU_RATE bytes of their total size.
 * A sound result reads in well under a second per 100 MB (HDF5 copies at
 * hundreds of MB/s; a 1 MB result takes about 30 ms), so the bound is
 * hundreds of times what a sound file needs and still ends a hang. */
#define PB_READ_CPU_BASE 10.0
#define PB_READ_CPU_RATE (4.0 * 1024 * 1024)
double pb_read_budget(const char *const *paths, int n);

#endif
