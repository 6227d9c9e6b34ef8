/* failalloc.c: an LD_PRELOAD library for the out-of-memory tests
 * (tests/oom.sh).  With PB_FAIL_ALLOC=N in the environment, the N-th call
 * of malloc, calloc or realloc made after payback's main() has started
 * returns NULL (errno ENOMEM); every other call succeeds.  Calls are
 * counted from main's first statement (gsl_set_error_handler_off, wrapped
 * here), so that the libraries' own start-up, which is not payback's to
 * handle, is left alone.  With PB_FAIL_ALLOC_COUNT=FILE the number of
 * counted calls is written to FILE at exit. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);

static int armed;
static long calls, fail_at = -2;

static int fail_now(void)
{
    if (!armed) return 0;
    if (fail_at == -2) {
        const char *e = getenv("PB_FAIL_ALLOC");
        fail_at = e ? atol(e) : -1;
    }
    if (++calls != fail_at) return 0;
    errno = ENOMEM;
    return 1;
}

void *malloc(size_t n) { return fail_now() ? NULL : __libc_malloc(n); }
void *calloc(size_t n, size_t size) { return fail_now() ? NULL : __libc_calloc(n, size); }
void *realloc(void *p, size_t n) { return fail_now() ? NULL : __libc_realloc(p, n); }

/* main's first call: from here on, allocations are payback's. */
typedef void gsl_error_handler_t(const char *, const char *, int, int);
gsl_error_handler_t *gsl_set_error_handler_off(void)
{
    gsl_error_handler_t *(*real)(void) = (gsl_error_handler_t * (*)(void)) dlsym(RTLD_NEXT, "gsl_set_error_handler_off");
    armed = 1;
    return real();
}

__attribute__((destructor)) static void report(void)
{
    const char *f = getenv("PB_FAIL_ALLOC_COUNT");
    if (!f) return;
    armed = 0;
    FILE *out = fopen(f, "w");
    if (out) {
        fprintf(out, "%ld\n", calls);
        fclose(out);
    }
}
