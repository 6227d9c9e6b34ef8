/* irr.c: the IRR of a path's net flows (irr.h, model.md §7). */
#include "irr.h"

#include <math.h>
#include <stdbool.h>

#include <gsl/gsl_errno.h>

#define IRR_X0 (-4.605170185988091)   /* ln 0.01: rho = -0.99 */
#define IRR_XEND 2.3978952727983707    /* ln 11: rho = 10 */
#define IRR_DX 0.05

typedef struct { const double *N; int n; } npv_args;

/* NPV(rho) = sum_tau N_tau (1+rho)^-tau, in v = 1/(1+rho): Horner in v^2
 * on the even and the odd terms, two chains side by side (Brent's method
 * calls this a dozen times a path; one chain of 16 dependent steps is
 * twice as slow). */
static double npv_at(double rho, void *p)
{
    const npv_args *a = p;
    const double v = 1.0 / (1.0 + rho), v2 = v * v;
    const int n = a->n;
    double even = 0, odd = 0;
    int top = n - 1;
    if (top % 2 == 0) { even = a->N[top]; top--; }
    for (int k = top; k >= 1; k -= 2) {
        odd = odd * v2 + a->N[k];
        even = even * v2 + a->N[k - 1];
    }
    return even + v * odd;
}

/* w(rho) = (1+rho)^(n-1) NPV(rho) = sum_tau N_tau (1+rho)^(n-1-tau), by
 * Horner in 1+rho: the same sign and the same roots as the NPV for
 * rho > -1, and finite where the NPV overflows toward rho = -0.99 over a
 * long horizon (the flows times 100^tau; here (1+rho)^(n-1) <= 11^200).
 * Used only where the NPV is not finite, so that other paths keep their
 * bits. */
static double scaled_npv_at(double rho, void *p)
{
    const npv_args *a = p;
    const double x = 1.0 + rho;
    double w = a->N[0];
    for (int k = 1; k < a->n; k++) w = w * x + a->N[k];
    return w;
}

static int sign_of(double x) { return (x > 0) - (x < 0); }

/* The NPV's sign at rho, given its value f there (w's sign where f is
 * not finite). */
static int npv_sign(double f, double rho, npv_args *a) { return sign_of(isfinite(f) ? f : scaled_npv_at(rho, a)); }

/* GSL's Brent on fn over [lo, hi] until the bracket is narrower than
 * 1e-10; NaN if it fails (fn not finite, or no sign change). */
static double brent_on(irr_ws *ws, double (*fn)(double, void *), npv_args *a, double lo, double hi)
{
    gsl_function f = {fn, a};
    if (gsl_root_fsolver_set(ws->solver, &f, lo, hi) != GSL_SUCCESS) return NAN;
    for (int it = 0; it < 200; it++) {
        if (gsl_root_fsolver_iterate(ws->solver) != GSL_SUCCESS) return NAN;
        double a_lo = gsl_root_fsolver_x_lower(ws->solver), a_hi = gsl_root_fsolver_x_upper(ws->solver);
        if (gsl_root_test_interval(a_lo, a_hi, 1e-10, 0) == GSL_SUCCESS) return gsl_root_fsolver_root(ws->solver);
    }
    return gsl_root_fsolver_root(ws->solver);
}

/* The root in [lo, hi], where the NPV is f_lo and f_hi: Brent on the NPV,
 * or on w where the NPV is not finite at an end or on the way. */
static double brent(irr_ws *ws, npv_args *a, double lo, double hi, double f_lo, double f_hi)
{
    if (f_lo == 0) return lo;
    if (f_hi == 0) return hi;
    const double r = isfinite(f_lo) && isfinite(f_hi) ? brent_on(ws, npv_at, a, lo, hi) : NAN;
    return isnan(r) ? brent_on(ws, scaled_npv_at, a, lo, hi) : r;
}


/* The scan's grid in v = 1/(1+rho): x_k = ln 0.01 + 0.05 k while x_k < ln 11,
 * then ln 11 (model.md §7).  Computed once per workspace. */
static int irr_grid(double *rho, double *v)
{
    int n = 0;
    for (int k = 0;; k++) {
        double x = IRR_X0 + IRR_DX * k;
        bool end = !(x < IRR_XEND);
        if (end) x = IRR_XEND;
        rho[n] = exp(x) - 1;
        v[n] = 1.0 / (1.0 + rho[n]);
        n++;
        if (end) return n;
    }
}

/* f[j] = NPV at the grid point v[j], for j < G.  Compiled twice (AVX2 and
 * the baseline), the fastest chosen at load time: the same operations per
 * point either way (no fused multiply-add in ISO C mode), so the same bits. */
__attribute__((target_clones("avx2", "default")))
static void npv_grid(const double *N, int n, const double *v, int G, double *f)
{
    for (int j = 0; j < G; j++) f[j] = N[n - 1];
    for (int k = n - 2; k >= 0; k--)
        for (int j = 0; j < G; j++) f[j] = f[j] * v[j] + N[k];
}

pb_irr_kind irr_solve(const double *N, int n, irr_ws *ws, double *rate)
{
    npv_args a = {N, n};
    *rate = NAN;
    /* Descartes' rule of signs in v = 1/(1+rho) > 0: with at most one sign
     * change in N there is at most one root on rho > -1, so the two ends of
     * the scan decide.  (Norström's rule on the running sums bounds only the
     * roots with rho > 0, so it cannot stand in for the scan on (-0.99, 0).) */
    int changes = 0, last = 0;
    for (int k = 0; k < n; k++) {
        int s = sign_of(N[k]);
        if (s && last && s != last) changes++;
        if (s) last = s;
    }
    const int G = ws->n;
    const double *grid_rho = ws->rho, *grid_v = ws->v;
    if (changes <= 1) {
        /* One root at most: where the two ends differ in sign, halve the
         * grid's cells down to the one whose ends do (8 evaluations for
         * the 142 points), and Brent there, as after a full scan (model.md
         * §7).  Brent from a cell 0.05 wide in ln(1+rho) takes about 8
         * steps on the baseline; from the whole range it took 17. */
        int i0 = 0, i1 = G - 1;
        double f0 = npv_at(grid_rho[i0], &a), f1 = npv_at(grid_rho[i1], &a);
        const int s0 = npv_sign(f0, grid_rho[i0], &a), s1 = npv_sign(f1, grid_rho[i1], &a);
        if (s0 != 0 && s1 != 0 && s0 == s1) return PB_IRR_NONE;
        while (s0 != 0 && s1 != 0 && i1 - i0 > 1) {
            const int mid = (i0 + i1) / 2;
            const double fm = npv_at(grid_rho[mid], &a);
            if (npv_sign(fm, grid_rho[mid], &a) == s0) i0 = mid, f0 = fm;
            else i1 = mid, f1 = fm; /* a zero at mid: Brent returns it */
        }
        *rate = brent(ws, &a, grid_rho[i0], grid_rho[i1], f0, f1);
        return isfinite(*rate) ? PB_IRR_ONE : PB_IRR_NONE;
    }
    /* NPV at every grid point, by Horner in v with the points side by side
     * (independent chains the compiler vectorises; the same operations per
     * point as npv_at, so the same signs). */
    double *f = ws->f;
    npv_grid(N, n, grid_v, G, f);
    for (int j = 0; j < G; j++)
        if (!isfinite(f[j])) f[j] = scaled_npv_at(grid_rho[j], &a); /* its sign is the NPV's */
    int roots = 0, prev_sign = 0;
    double prev_rho = grid_rho[0], lo = 0, hi = 0;
    for (int j = 0; j < G && roots < 2; j++) {
        int s = sign_of(f[j]);
        if (s == 0) continue;
        if (prev_sign != 0 && s != prev_sign && ++roots == 1) { lo = prev_rho; hi = grid_rho[j]; }
        prev_sign = s;
        prev_rho = grid_rho[j];
    }
    if (roots == 0) return PB_IRR_NONE;
    if (roots > 1) return PB_IRR_MULTIPLE;
    *rate = brent(ws, &a, lo, hi, npv_at(lo, &a), npv_at(hi, &a));
    return isfinite(*rate) ? PB_IRR_ONE : PB_IRR_NONE;
}

bool irr_ws_init(irr_ws *w)
{
    w->n = irr_grid(w->rho, w->v);
    w->solver = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
    return w->solver != NULL;
}

void irr_ws_free(irr_ws *w)
{
    if (w->solver) gsl_root_fsolver_free(w->solver);
    w->solver = NULL;
}
