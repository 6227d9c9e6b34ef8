/* param.c: distributions' names, means, supports and parameter checks
 * (model.md §2).  GSL supplies the normal pdf and cdf for the truncated mean. */
#include "payback/param.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>

const pb_dist_info pb_dist_table[PB_N_DIST] = {
#define ROW_(id, name, n_req, k0, k1, k2, k3, o2, o3) [PB_DIST_##id] = {name, n_req, {k0, k1, k2, k3}, {o2, o3}},
    PB_DISTRIBUTIONS(ROW_)
#undef ROW_
};

const char *pb_dist_name(pb_dist d) { return (unsigned)d < PB_N_DIST ? pb_dist_table[d].name : "?"; }

pb_dist pb_dist_from_name(const char *name)
{
    for (int d = 0; d < PB_N_DIST; d++)
        if (strcmp(name, pb_dist_table[d].name) == 0) return (pb_dist)d;
    return (pb_dist)PB_N_DIST;
}

static const pb_domain domain_table[PB_N_DOM] = {
#define ROW_(id, lo, hi, lo_open, hi_open, plausible, text) [PB_DOM_##id] = {lo, hi, lo_open, hi_open, plausible, text},
    PB_DOMAINS(ROW_)
#undef ROW_
};

const pb_domain *pb_domain_of(pb_domain_id id)
{
    return id > PB_DOM_NONE && id < PB_N_DOM ? &domain_table[id] : NULL;
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
    }
    return NAN; /* not reached: every law returns above */
}

void pb_param_support(const pb_param *p, double *lo, double *hi, bool *lo_open, bool *hi_open)
{
    const double *v = p->v;
    *lo_open = *hi_open = false;
    *lo = *hi = NAN;
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
    }
    FAIL("found an unknown distribution; expected one of model.md §2");
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
    }
}

void pb_lognormal_params(double mean, double sd, double *mu_ln, double *sigma_ln)
{
    double s2 = log1p((sd / mean) * (sd / mean));
    *sigma_ln = sqrt(s2);
    *mu_ln = log(mean) - s2 / 2;
}

double pb_spearman_to_pearson(double rho_s) { return 2 * sin(3.14159265358979323846 * rho_s / 6); }

void pb_pert_shape(const pb_param *p, double *alpha, double *beta)
{
    double range = p->v[2] - p->v[0];
    *alpha = 1 + 4 * (p->v[1] - p->v[0]) / range;
    *beta = 1 + 4 * (p->v[2] - p->v[1]) / range;
}

double pb_uniform53(gsl_rng *r)
{
    const uint32_t x0 = (uint32_t)gsl_rng_get(r), x1 = (uint32_t)gsl_rng_get(r);
    return pb_uniform53_of(x0, x1);
}

static double triangular_quantile(const double *v, double u)
{
    double a = v[0], c = v[1], b = v[2];
    double fc = (c - a) / (b - a);
    return u < fc ? a + sqrt(u * (b - a) * (c - a)) : b - sqrt((1 - u) * (b - a) * (b - c));
}

/* Truncated normal by its inverse CDF, on the side of the mean where the
 * tail probabilities do not cancel. */
static double truncnormal_quantile(const double *v, double u)
{
    double alpha = (v[2] - v[0]) / v[1], beta = (v[3] - v[0]) / v[1];
    double z;
    if (alpha > 0) {
        double qa = gsl_cdf_ugaussian_Q(alpha), qb = gsl_cdf_ugaussian_Q(beta);
        z = gsl_cdf_ugaussian_Qinv(qa - u * (qa - qb));
    } else {
        double pa = gsl_cdf_ugaussian_P(alpha), pb = gsl_cdf_ugaussian_P(beta);
        z = gsl_cdf_ugaussian_Pinv(pa + u * (pb - pa));
    }
    double x = v[0] + v[1] * z;
    return x < v[2] ? v[2] : x > v[3] ? v[3] : x; /* rounding at the very ends */
}

static double discrete_quantile(const pb_param *p, double u)
{
    double cum = 0;
    for (int i = 0; i < p->n; i++) {
        cum += p->p[i];
        if (u < cum && p->p[i] > 0) return p->values[i];
    }
    for (int i = p->n - 1; i >= 0; i--) /* u beyond the rounded sum of p */
        if (p->p[i] > 0) return p->values[i];
    return p->values[p->n - 1];
}

void pb_param_prepare(pb_param *p)
{
    if (p->dist == PB_DIST_LOGNORMAL && p->v[1] > 0) pb_lognormal_params(p->v[0], p->v[1], &p->aux[0], &p->aux[1]);
    if (p->dist == PB_DIST_PERT) pb_pert_shape(p, &p->aux[0], &p->aux[1]);
    p->prepared = true;
}

/* The shape constants of a lognormal (mu_ln, sigma_ln) or PERT (alpha,
 * beta) law: from pb_param_prepare when it ran, else computed here. */
static void shape(const pb_param *p, double *a, double *b)
{
    if (p->prepared) { *a = p->aux[0]; *b = p->aux[1]; }
    else if (p->dist == PB_DIST_LOGNORMAL) pb_lognormal_params(p->v[0], p->v[1], a, b);
    else pb_pert_shape(p, a, b);
}

double pb_param_sample(const pb_param *p, gsl_rng *r)
{
    const double *v = p->v;
    double a, b;
    switch (p->dist) {
    case PB_DIST_FIXED: return v[0];
    case PB_DIST_NORMAL:
        if (v[1] == 0) return v[0];
        if (isinf(v[2]) && isinf(v[3])) return v[0] + v[1] * gsl_ran_gaussian_ziggurat(r, 1.0);
        return truncnormal_quantile(v, pb_uniform53(r));
    case PB_DIST_LOGNORMAL:
        if (v[1] == 0) return v[0];
        shape(p, &a, &b);
        return exp(a + b * gsl_ran_gaussian_ziggurat(r, 1.0));
    case PB_DIST_UNIFORM: return v[0] + (v[1] - v[0]) * pb_uniform53(r);
    case PB_DIST_TRIANGULAR: return triangular_quantile(v, pb_uniform53(r));
    case PB_DIST_PERT:
        shape(p, &a, &b);
        return v[0] + (v[2] - v[0]) * gsl_ran_beta(r, a, b);
    case PB_DIST_BETA: return v[2] + (v[3] - v[2]) * gsl_ran_beta(r, v[0], v[1]);
    case PB_DIST_GAMMA: return gsl_ran_gamma(r, v[0], v[1]);
    case PB_DIST_DISCRETE: return discrete_quantile(p, pb_uniform53(r));
    }
    return NAN; /* not reached: every law returns above */
}

double pb_param_quantile(const pb_param *p, double u)
{
    const double *v = p->v;
    double a, b;
    switch (p->dist) {
    case PB_DIST_FIXED: return v[0];
    case PB_DIST_NORMAL:
        if (v[1] == 0) return v[0];
        if (isinf(v[2]) && isinf(v[3])) return v[0] + v[1] * gsl_cdf_ugaussian_Pinv(u);
        return truncnormal_quantile(v, u);
    case PB_DIST_LOGNORMAL:
        if (v[1] == 0) return v[0];
        shape(p, &a, &b);
        return gsl_cdf_lognormal_Pinv(u, a, b);
    case PB_DIST_UNIFORM: return v[0] + (v[1] - v[0]) * u;
    case PB_DIST_TRIANGULAR: return triangular_quantile(v, u);
    case PB_DIST_PERT:
        shape(p, &a, &b);
        return v[0] + (v[2] - v[0]) * gsl_cdf_beta_Pinv(u, a, b);
    case PB_DIST_BETA: return v[2] + (v[3] - v[2]) * gsl_cdf_beta_Pinv(u, v[0], v[1]);
    case PB_DIST_GAMMA: return gsl_cdf_gamma_Pinv(u, v[0], v[1]);
    case PB_DIST_DISCRETE: return discrete_quantile(p, u);
    }
    return NAN; /* not reached: every law returns above */
}

/* The truncated normal's quantile at the normal score y, each half through
 * its own tail: with M the law's mass, Phi(z) = Phi(alpha) + Phi(y) M below
 * the median score and Q(z) = Q(beta) + Q(y) M above (in the other tail's
 * form when the whole law lies in one tail), so that no probability is
 * rounded near 1. */
static double truncnormal_quantile_z(const double *v, double y)
{
    const double alpha = (v[2] - v[0]) / v[1], beta = (v[3] - v[0]) / v[1], M = normal_mass(alpha, beta);
    double z;
    if (y <= 0) {
        const double pm = gsl_cdf_ugaussian_P(y) * M;
        z = alpha > 0 ? gsl_cdf_ugaussian_Qinv(gsl_cdf_ugaussian_Q(alpha) - pm) : gsl_cdf_ugaussian_Pinv(gsl_cdf_ugaussian_P(alpha) + pm);
    } else {
        const double qm = gsl_cdf_ugaussian_Q(y) * M;
        z = beta < 0 ? gsl_cdf_ugaussian_Pinv(gsl_cdf_ugaussian_P(beta) - qm) : gsl_cdf_ugaussian_Qinv(gsl_cdf_ugaussian_Q(beta) + qm);
    }
    const double x = v[0] + v[1] * z;
    return x < v[2] ? v[2] : x > v[3] ? v[3] : x; /* rounding at the very ends */
}

double pb_param_quantile_z(const pb_param *p, double y)
{
    const double *v = p->v;
    double a, b;
    switch (p->dist) {
    case PB_DIST_NORMAL:
        if (v[1] == 0) return v[0];
        if (isinf(v[2]) && isinf(v[3])) return v[0] + v[1] * y;
        return truncnormal_quantile_z(v, y);
    case PB_DIST_LOGNORMAL:
        if (v[1] == 0) return v[0];
        shape(p, &a, &b);
        return exp(a + b * y);
    /* The upper half through the upper tail: 1 - Phi(y) rounded to a
     * double loses the tail's digits, Q(y) keeps them. */
    case PB_DIST_PERT:
        shape(p, &a, &b);
        return v[0] + (v[2] - v[0]) * (y <= 0 ? gsl_cdf_beta_Pinv(gsl_cdf_ugaussian_P(y), a, b)
                                              : gsl_cdf_beta_Qinv(gsl_cdf_ugaussian_Q(y), a, b));
    case PB_DIST_BETA:
        return v[2] + (v[3] - v[2]) * (y <= 0 ? gsl_cdf_beta_Pinv(gsl_cdf_ugaussian_P(y), v[0], v[1])
                                              : gsl_cdf_beta_Qinv(gsl_cdf_ugaussian_Q(y), v[0], v[1]));
    case PB_DIST_GAMMA:
        return y <= 0 ? gsl_cdf_gamma_Pinv(gsl_cdf_ugaussian_P(y), v[0], v[1])
                      : gsl_cdf_gamma_Qinv(gsl_cdf_ugaussian_Q(y), v[0], v[1]);
    default: break;
    }
    double u = y < 0 ? gsl_cdf_ugaussian_P(y) : 1 - gsl_cdf_ugaussian_Q(y);
    if (!(u > 0)) u = 1e-300;
    if (!(u < 1)) u = 1 - 0x1p-53;
    return pb_param_quantile(p, u);
}

double pb_param_cdf(const pb_param *p, double x)
{
    const double *v = p->v;
    double a, b;
    switch (p->dist) {
    case PB_DIST_FIXED: return x >= v[0];
    case PB_DIST_NORMAL: {
        if (x <= v[2]) return 0;
        if (x >= v[3]) return 1;
        double alpha = (v[2] - v[0]) / v[1], beta = (v[3] - v[0]) / v[1], z = (x - v[0]) / v[1];
        return (gsl_cdf_ugaussian_P(z) - gsl_cdf_ugaussian_P(alpha)) / normal_mass(alpha, beta);
    }
    case PB_DIST_LOGNORMAL:
        shape(p, &a, &b);
        return gsl_cdf_lognormal_P(x, a, b);
    case PB_DIST_UNIFORM: return x <= v[0] ? 0 : x >= v[1] ? 1 : (x - v[0]) / (v[1] - v[0]);
    case PB_DIST_TRIANGULAR: {
        double lo = v[0], c = v[1], hi = v[2];
        if (x <= lo) return 0;
        if (x >= hi) return 1;
        return x <= c ? (x - lo) * (x - lo) / ((hi - lo) * (c - lo)) : 1 - (hi - x) * (hi - x) / ((hi - lo) * (hi - c));
    }
    case PB_DIST_PERT:
        shape(p, &a, &b);
        return gsl_cdf_beta_P((x - v[0]) / (v[2] - v[0]), a, b);
    case PB_DIST_BETA: return gsl_cdf_beta_P((x - v[2]) / (v[3] - v[2]), v[0], v[1]);
    case PB_DIST_GAMMA: return gsl_cdf_gamma_P(x, v[0], v[1]);
    case PB_DIST_DISCRETE: {
        double cum = 0;
        for (int i = 0; i < p->n; i++)
            if (p->values[i] <= x) cum += p->p[i];
        return cum;
    }
    }
    return NAN; /* not reached: every law returns above */
}

void pb_param_moments(const pb_param *p, double *mean, double *var)
{
    const double *v = p->v;
    double a, b, r;
    *mean = *var = NAN;
    switch (p->dist) {
    case PB_DIST_FIXED: *mean = v[0]; *var = 0; return;
    case PB_DIST_NORMAL: {
        *mean = pb_param_mean(p);
        if (v[1] == 0) { *var = 0; return; }
        double alpha = (v[2] - v[0]) / v[1], beta = (v[3] - v[0]) / v[1];
        double pa = isinf(alpha) ? 0 : gsl_ran_ugaussian_pdf(alpha), pbt = isinf(beta) ? 0 : gsl_ran_ugaussian_pdf(beta);
        double aa = isinf(alpha) ? 0 : alpha * pa, bb = isinf(beta) ? 0 : beta * pbt, z = normal_mass(alpha, beta);
        double d = (pa - pbt) / z;
        *var = v[1] * v[1] * (1 + (aa - bb) / z - d * d);
        return;
    }
    case PB_DIST_LOGNORMAL: *mean = v[0]; *var = v[1] * v[1]; return;
    case PB_DIST_UNIFORM: *mean = (v[0] + v[1]) / 2; *var = (v[1] - v[0]) * (v[1] - v[0]) / 12; return;
    case PB_DIST_TRIANGULAR:
        *mean = (v[0] + v[1] + v[2]) / 3;
        *var = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2] - v[0] * v[1] - v[0] * v[2] - v[1] * v[2]) / 18;
        return;
    case PB_DIST_PERT:
        shape(p, &a, &b);
        r = v[2] - v[0];
        *mean = (v[0] + 4 * v[1] + v[2]) / 6;
        *var = r * r * a * b / ((a + b) * (a + b) * (a + b + 1));
        return;
    case PB_DIST_BETA:
        r = v[3] - v[2];
        *mean = v[2] + r * v[0] / (v[0] + v[1]);
        *var = r * r * v[0] * v[1] / ((v[0] + v[1]) * (v[0] + v[1]) * (v[0] + v[1] + 1));
        return;
    case PB_DIST_GAMMA: *mean = v[0] * v[1]; *var = v[0] * v[1] * v[1]; return;
    case PB_DIST_DISCRETE: {
        double m = 0, m2 = 0;
        for (int i = 0; i < p->n; i++) { m += p->p[i] * p->values[i]; m2 += p->p[i] * p->values[i] * p->values[i]; }
        *mean = m;
        *var = m2 - m * m;
        return;
    }
    }
}
