/* param.c: distributions' names, means, supports and parameter checks
 * (model.md §2).  GSL supplies the normal pdf and cdf for the truncated mean. */
#include "payback/param.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>

static const char *const dist_names[PB_N_DIST] = {
    "fixed", "normal", "lognormal", "uniform", "triangular", "pert", "beta", "gamma", "discrete"};

const char *pb_dist_name(pb_dist d) { return d < PB_N_DIST ? dist_names[d] : "?"; }

pb_dist pb_dist_from_name(const char *name)
{
    for (int d = 0; d < PB_N_DIST; d++)
        if (strcmp(name, dist_names[d]) == 0) return (pb_dist)d;
    return PB_N_DIST;
}

pb_param pb_param_fixed(double x)
{
    pb_param p;
    memset(&p, 0, sizeof p);
    p.dist = PB_DIST_FIXED;
    p.v[0] = x;
    return p;
}

/* Probability mass of a normal law between its truncation points, computed
 * on the side of the mean where it does not cancel. */
static double normal_mass(double alpha, double beta)
{
    if (alpha > 0) return gsl_cdf_ugaussian_Q(alpha) - gsl_cdf_ugaussian_Q(beta);
    return gsl_cdf_ugaussian_P(beta) - gsl_cdf_ugaussian_P(alpha);
}

double pb_param_mean(const pb_param *p)
{
    const double *v = p->v;
    switch (p->dist) {
    case PB_DIST_FIXED: return v[0];
    case PB_DIST_NORMAL: {
        if (v[1] == 0 || (isinf(v[2]) && isinf(v[3]))) return v[0];
        double alpha = (v[2] - v[0]) / v[1], beta = (v[3] - v[0]) / v[1];
        double pa = isinf(alpha) ? 0.0 : gsl_ran_ugaussian_pdf(alpha);
        double pbeta = isinf(beta) ? 0.0 : gsl_ran_ugaussian_pdf(beta);
        return v[0] + v[1] * (pa - pbeta) / normal_mass(alpha, beta);
    }
    case PB_DIST_LOGNORMAL: return v[0];
    case PB_DIST_UNIFORM: return (v[0] + v[1]) / 2;
    case PB_DIST_TRIANGULAR: return (v[0] + v[1] + v[2]) / 3;
    case PB_DIST_PERT: return (v[0] + 4 * v[1] + v[2]) / 6;
    case PB_DIST_BETA: return v[2] + (v[3] - v[2]) * v[0] / (v[0] + v[1]);
    case PB_DIST_GAMMA: return v[0] * v[1];
    case PB_DIST_DISCRETE: {
        int best = 0;
        for (int i = 1; i < p->n; i++)
            if (p->p[i] > p->p[best]) best = i;
        return p->values[best];
    }
    default: return NAN;
    }
}

void pb_param_support(const pb_param *p, double *lo, double *hi, bool *lo_open, bool *hi_open)
{
    const double *v = p->v;
    *lo_open = *hi_open = false;
    switch (p->dist) {
    case PB_DIST_FIXED: *lo = *hi = v[0]; return;
    case PB_DIST_NORMAL:
        if (v[1] == 0) { *lo = *hi = v[0]; return; }
        *lo = v[2]; *hi = v[3];
        break;
    case PB_DIST_LOGNORMAL:
        if (v[1] == 0) { *lo = *hi = v[0]; return; }
        *lo = 0; *hi = INFINITY; *lo_open = true;
        break;
    case PB_DIST_UNIFORM: *lo = v[0]; *hi = v[1]; return;
    case PB_DIST_TRIANGULAR:
    case PB_DIST_PERT: *lo = v[0]; *hi = v[2]; return;
    case PB_DIST_BETA: *lo = v[2]; *hi = v[3]; return;
    case PB_DIST_GAMMA: *lo = 0; *hi = INFINITY; *lo_open = true; break;
    case PB_DIST_DISCRETE:
        *lo = INFINITY; *hi = -INFINITY;
        for (int i = 0; i < p->n; i++) {
            if (p->p[i] <= 0) continue; /* a value of probability 0 is never drawn */
            if (p->values[i] < *lo) *lo = p->values[i];
            if (p->values[i] > *hi) *hi = p->values[i];
        }
        return;
    default: *lo = *hi = NAN; return;
    }
    if (isinf(*lo)) *lo_open = true;
    if (isinf(*hi)) *hi_open = true;
}

bool pb_param_check(const pb_param *p, char *msg, int len)
{
    const double *v = p->v;
    char law[160];
    pb_param_describe(p, law, sizeof law);
#define FAIL(...) do { snprintf(msg, (size_t)len, __VA_ARGS__); return false; } while (0)
    switch (p->dist) {
    case PB_DIST_FIXED: return true;
    case PB_DIST_NORMAL:
        if (v[1] < 0) FAIL("found sd %g in %s; expected sd >= 0", v[1], law);
        if (!(v[2] < v[3])) FAIL("found min %g >= max %g in %s; expected min < max", v[2], v[3], law);
        if (v[1] > 0 && !(normal_mass((v[2] - v[0]) / v[1], (v[3] - v[0]) / v[1]) > 1e-12))
            FAIL("found a truncation interval with probability %.3g in %s; expected [min, max] "
                 "to hold some of the law's mass", normal_mass((v[2] - v[0]) / v[1], (v[3] - v[0]) / v[1]), law);
        if (v[1] == 0 && !(v[0] >= v[2] && v[0] <= v[3]))
            FAIL("found mean %g outside [min, max] with sd 0 in %s; expected min <= mean <= max", v[0], law);
        return true;
    case PB_DIST_LOGNORMAL:
        if (v[1] < 0) FAIL("found sd %g in %s; expected sd >= 0", v[1], law);
        if (!(v[0] > 0)) FAIL("found mean %g in %s; expected mean > 0 (a lognormal variable is positive)", v[0], law);
        return true;
    case PB_DIST_UNIFORM:
        if (!(v[0] <= v[1])) FAIL("found min %g > max %g in %s; expected min <= max", v[0], v[1], law);
        return true;
    case PB_DIST_TRIANGULAR:
    case PB_DIST_PERT:
        if (!(v[0] <= v[1] && v[1] <= v[2]))
            FAIL("found %s; expected min <= mode <= max", law);
        if (!(v[0] < v[2])) FAIL("found min = max in %s; expected min < max (use a number for a fixed value)", law);
        return true;
    case PB_DIST_BETA:
        if (!(v[0] > 0 && v[1] > 0)) FAIL("found %s; expected a > 0 and b > 0", law);
        if (!(v[2] < v[3])) FAIL("found min %g >= max %g in %s; expected min < max", v[2], v[3], law);
        return true;
    case PB_DIST_GAMMA:
        if (!(v[0] > 0 && v[1] > 0)) FAIL("found %s; expected shape > 0 and scale > 0", law);
        return true;
    case PB_DIST_DISCRETE: {
        double sum = 0;
        for (int i = 0; i < p->n; i++) {
            if (!(p->p[i] >= 0 && p->p[i] <= 1)) FAIL("found p %g in %s; expected probabilities in [0, 1]", p->p[i], law);
            sum += p->p[i];
        }
        if (!(fabs(sum - 1) <= 1e-9)) FAIL("found p summing to %.10g in %s; expected p to sum to 1", sum, law);
        return true;
    }
    default: FAIL("found an unknown distribution; expected one of model.md §2");
    }
#undef FAIL
}

bool pb_param_in_domain(const pb_param *p, const pb_domain *d)
{
    double lo, hi;
    bool lo_open, hi_open;
    pb_param_support(p, &lo, &hi, &lo_open, &hi_open);
    if (isnan(lo) || isnan(hi)) return false;
    bool lo_ok = lo > d->lo || (lo == d->lo && (!d->lo_open || lo_open));
    bool hi_ok = hi < d->hi || (hi == d->hi && (!d->hi_open || hi_open));
    return lo_ok && hi_ok;
}

double pb_round_year(double x) { return floor(x + 0.5); }

void pb_param_describe(const pb_param *p, char *buf, int len)
{
    const double *v = p->v;
    size_t n = (size_t)len;
    switch (p->dist) {
    case PB_DIST_FIXED: snprintf(buf, n, "%g", v[0]); break;
    case PB_DIST_NORMAL:
        if (isinf(v[2]) && isinf(v[3])) snprintf(buf, n, "normal(mean %g, sd %g)", v[0], v[1]);
        else snprintf(buf, n, "normal(mean %g, sd %g, min %g, max %g)", v[0], v[1], v[2], v[3]);
        break;
    case PB_DIST_LOGNORMAL: snprintf(buf, n, "lognormal(mean %g, sd %g)", v[0], v[1]); break;
    case PB_DIST_UNIFORM: snprintf(buf, n, "uniform(%g, %g)", v[0], v[1]); break;
    case PB_DIST_TRIANGULAR: snprintf(buf, n, "triangular(%g, %g, %g)", v[0], v[1], v[2]); break;
    case PB_DIST_PERT: snprintf(buf, n, "pert(%g, %g, %g)", v[0], v[1], v[2]); break;
    case PB_DIST_BETA: snprintf(buf, n, "beta(a %g, b %g, min %g, max %g)", v[0], v[1], v[2], v[3]); break;
    case PB_DIST_GAMMA: snprintf(buf, n, "gamma(shape %g, scale %g)", v[0], v[1]); break;
    case PB_DIST_DISCRETE: snprintf(buf, n, "discrete(%d values)", p->n); break;
    default: snprintf(buf, n, "?"); break;
    }
}

void pb_lognormal_params(double mean, double sd, double *mu_ln, double *sigma_ln)
{
    double s2 = log1p((sd / mean) * (sd / mean));
    *sigma_ln = sqrt(s2);
    *mu_ln = log(mean) - s2 / 2;
}

double pb_spearman_to_pearson(double rho_s) { return 2 * sin(3.14159265358979323846 * rho_s / 6); }
