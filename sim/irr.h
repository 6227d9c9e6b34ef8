/* irr.h: the IRR of a path's net flows (model.md §7), private to the path
 * model.  A scan of the NPV on a fixed grid of rates finds sign changes when
 * Descartes' rule allows more than one root; Brent's method (GSL) refines
 * the one bracket. */
#ifndef PB_IRR_H
#define PB_IRR_H

#include <gsl/gsl_roots.h>

#include "payback/path.h"

#define IRR_GRID_MAX 160 /* (ln 11 - ln 0.01)/0.05 + 2 = 142 points */

/* The IRR's scratch, part of a path workspace: the scan's grid in rho and
 * in v = 1/(1+rho), the NPVs on it, and the root solver. */
typedef struct {
    int n;
    double rho[IRR_GRID_MAX], v[IRR_GRID_MAX], f[IRR_GRID_MAX];
    gsl_root_fsolver *solver;
} irr_ws;

/* Fills the grid and allocates the solver; false when out of memory. */
bool irr_ws_init(irr_ws *w);
void irr_ws_free(irr_ws *w);

/* The IRR of net flows N[0..n-1]: PB_IRR_ONE with *rate the root, or
 * PB_IRR_NONE / PB_IRR_MULTIPLE with *rate = NaN. */
pb_irr_kind irr_solve(const double *N, int n, irr_ws *w, double *rate);

#endif
