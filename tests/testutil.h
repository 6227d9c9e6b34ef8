/* testutil.h: shared helpers of the cmocka test programs. */
#ifndef PB_TESTUTIL_H
#define PB_TESTUTIL_H

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* Fails unless |got - want| <= tol.  Written as !(... <= tol) so that a NaN
 * fails (cmocka 1.1 cannot compare doubles). */
#define assert_close(got, want, tol)                                                               \
    do {                                                                                           \
        double g_ = (got), w_ = (want), t_ = (tol);                                                \
        if (!(fabs(g_ - w_) <= t_))                                                                \
            fail_msg("%s = %.12g, expected %.12g (tol %g)", #got, g_, w_, t_);                     \
    } while (0)

/* Relative version: |got - want| <= rel * max(1, |want|). */
#define assert_rel(got, want, rel) assert_close(got, want, (rel) * fmax(1.0, fabs((double)(want))))

#endif
