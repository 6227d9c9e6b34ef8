#!/usr/bin/python3
"""numpy_model.py: the payback model in NumPy, vectorised over paths.

A second implementation of docs/model.md, written the way a capable analyst
would write it for speed: every quantity is a float64 array with the paths
along its last axis (a year's values are one contiguous row); Python loops
run over years and generations only, and a year's work on all vintages is
a few whole-array operations; NumPy's own random numbers (Philox).  It reads
the same scenario files.  It serves two purposes:

* a check of payback: in deterministic mode both compute the same central
  path, to |a - b| <= 1e-9 max(1, |b|) on every series and metric
  (tests/agree.py); in Monte Carlo mode the means agree within their
  standard errors;
* the yardstick of bench/: how much faster payback is than this.

    /usr/bin/python3 bench/numpy_model.py SCENARIO.yaml [-n PATHS] [-s SEED]
                                          [--deterministic] [--chunk N]

prints as JSON the statistics of monte_carlo() (mean, sd, se and quantiles
of every series-year and metric, P(gap <= 0)), or with --deterministic the
central path.  Monte Carlo draws the parameters for blocks of 10,000 paths
and simulates them in chunks of --chunk paths (2,000: the working arrays
stay in cache; the results do not depend on it).  Every path's values are
kept and the statistics are exact: the quantiles are np.quantile's, taken
by partitioning each series-year in place on the ranks needed.
"""
import argparse
import functools
import json
import math
import os
import sys

# NumPy asks the kernel for transparent huge pages for its large arrays; on
# this machine taking them costs ~8 s of system time for the 3 GB of values
# kept at 10^6 paths (1.5-1.8 s with ordinary pages): wall 28.4-28.6 s
# against 21.6-22.1 s on the v1 baseline.  (Effective only when this module
# imports NumPy first, as from the command line: NumPy's documented
# switch, see numpy.org/doc/stable/reference/global_state.html.)
os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")
import numpy as np  # noqa: E402 - after the switch above
import yaml  # noqa: E402
from scipy import special, stats  # noqa: E402

METHODS = ("bain", "jpmorgan", "sequoia", "full_cost")
SERIES = (["capex", "compute_capex", "revenue", "organic_revenue"]
          + ["required_" + m for m in METHODS] + ["gap_" + m for m in METHODS]
          + ["depreciation_accounting", "depreciation_economic", "writeoffs", "book_value",
             "economic_value", "opex", "cash_flow", "cumulative_cash_flow", "capacity",
             "obsolescence_gap"])
METRICS = (["npv", "irr", "peak_burn", "understated_depreciation", "levelised_required_full_cost",
            "understated_depreciation_window", "peak_understated_depreciation", "payback_year",
            "discounted_payback_year"]
           + ["catchup_year_" + m for m in METHODS])
YEAR_METRICS = {"payback_year", "discounted_payback_year"} | {"catchup_year_" + m for m in METHODS}


# --------------------------------------------------------------------------
# Scenario: the file with the defaults of interfaces.md §1

def load(path):
    with open(path) as f:
        d = yaml.safe_load(f)
    g = lambda *keys, default=None: _get(d, keys, default)
    start, end = d["years"]["start"], d["years"]["end"]
    sc = {
        "name": d["name"], "start": start, "end": end, "H": end - start + 1,
        "paths": d.get("paths", 100000), "seed": d.get("seed", 1),
        "r": g("finance", "discount_rate", default=0.10),
        "s_i": g("finance", "infra_share", default=0.5),
        "committed": [v for _, v in sorted(d["capex"]["committed"].items())],
        "X": g("capex", "execution", default=1.0),
        "s_c": g("capex", "compute_share", default=0.6),
        "after": g("capex", "after", default={"policy": "none"}),
        "discipline": g("capex", "discipline"),
        "L_p": g("gpu", "physical_life", default=7), "L_a": g("gpu", "accounting_life", default=6),
        "L_f": g("gpu", "facility_life", default=25),
        "gens": d["gpu"]["generations"],
        "phi_f": g("opex", "facility_rate", default=0.0),
        "process": g("revenue", "process", default="growth"),
        "base": g("revenue", "base"),
        "growth": {"initial": 0.7, "long_run": 0.08, "persistence": 0.7, "volatility": 0.15,
                   **(g("revenue", "growth") or {})},
        "logistic": {"market": 2000, "speed": 0.5, "midpoint": 2030, "persistence": 0.5,
                     "volatility": 0.1, **(g("revenue", "logistic") or {})},
        "regime": g("revenue", "regime"),
        # model.md §5 [v2]: observed revenue and forced regime years, by year
        "observed": {int(k): float(v) for k, v in (g("revenue", "observed") or {}).items()},
        "forced": {int(k): v == "bust" for k, v in ((g("revenue", "regime") or {}).get("forced") or {}).items()},
        "chi": g("revenue", "circular_share", default=0.0),
        "kappa": g("required", "bain", "capex_ratio", default=0.25),
        "r_j": g("required", "jpmorgan", "return", default=0.10),
        "mu": g("required", "jpmorgan", "margin", default=1.0),
        "from": g("required", "jpmorgan", "from", default=start),
        "through": g("required", "jpmorgan", "through", default=end),
        "s_gpu": g("required", "sequoia", "gpu_share", default=0.5),
        "gm": g("required", "sequoia", "gross_margin", default=0.5),
        "dep": g("required", "full_cost", "depreciation", default="economic"),
        "correlations": d.get("correlations") or [],
        "target_years": g("output", "target_years", default=[end]),
        # model.md §7 [v2]: default the first three years of the horizon
        "window": (g("output", "depreciation_window", "from", default=start),
                   g("output", "depreciation_window", "through", default=min(start + 2, end))),
    }
    return sc


def _get(d, keys, default):
    for k in keys:
        if not isinstance(d, dict) or k not in d:
            return default
        d = d[k]
    return d


# --------------------------------------------------------------------------
# Parameters: means (deterministic mode), draws, inverse CDFs

def is_dist(p):
    return isinstance(p, dict)


def mean(p):
    """The mean of model.md §2's table, evaluated as written there."""
    if not is_dist(p):
        return float(p)
    d = p["dist"]
    if d == "fixed":
        return float(p["value"])
    if d == "normal":
        m, s = p["mean"], p["sd"]
        lo, hi = p.get("min", -math.inf), p.get("max", math.inf)
        if s == 0 or (math.isinf(lo) and math.isinf(hi)):
            return float(m)
        a, b = (lo - m) / s, (hi - m) / s
        pa = 0.0 if math.isinf(a) else stats.norm.pdf(a)
        pb = 0.0 if math.isinf(b) else stats.norm.pdf(b)
        mass = stats.norm.sf(a) - stats.norm.sf(b) if a > 0 else stats.norm.cdf(b) - stats.norm.cdf(a)
        return m + s * (pa - pb) / mass
    if d == "lognormal":
        return float(p["mean"])
    if d == "uniform":
        return (p["min"] + p["max"]) / 2
    if d == "triangular":
        return (p["min"] + p["mode"] + p["max"]) / 3
    if d == "pert":
        return (p["min"] + 4 * p["mode"] + p["max"]) / 6
    if d == "beta":
        lo, hi = p.get("min", 0.0), p.get("max", 1.0)
        return lo + (hi - lo) * p["a"] / (p["a"] + p["b"])
    if d == "gamma":
        return p["shape"] * p["scale"]
    if d == "discrete":
        return float(p["values"][int(np.argmax(p["p"]))])
    raise ValueError("unknown distribution " + d)


def quantile(p, u):
    """The inverse CDF at u (arrays), for the Gaussian copula."""
    d = p["dist"]
    if d == "normal":
        m, s = p["mean"], p["sd"]
        lo, hi = p.get("min", -math.inf), p.get("max", math.inf)
        return stats.truncnorm.ppf(u, (lo - m) / s, (hi - m) / s, loc=m, scale=s)
    if d == "lognormal":
        s2 = math.log1p((p["sd"] / p["mean"]) ** 2)
        return np.exp(math.log(p["mean"]) - s2 / 2 + math.sqrt(s2) * special.ndtri(u))
    if d == "uniform":
        return p["min"] + (p["max"] - p["min"]) * u
    if d == "triangular":
        a, c, b = p["min"], p["mode"], p["max"]
        return stats.triang.ppf(u, (c - a) / (b - a), loc=a, scale=b - a)
    if d in ("pert", "beta"):
        if d == "pert":
            lo, hi = p["min"], p["max"]
            al, be = 1 + 4 * (p["mode"] - lo) / (hi - lo), 1 + 4 * (hi - p["mode"]) / (hi - lo)
        else:
            lo, hi, al, be = p.get("min", 0.0), p.get("max", 1.0), p["a"], p["b"]
        return lo + (hi - lo) * special.betaincinv(al, be, u)
    if d == "gamma":
        return stats.gamma.ppf(u, p["shape"], scale=p["scale"])
    if d == "discrete":
        cum = np.cumsum(p["p"])
        return np.asarray(p["values"], float)[np.minimum(np.searchsorted(cum, u, side="right"), len(cum) - 1)]
    if d == "fixed":
        return np.full_like(u, p["value"], dtype=float)
    raise ValueError("unknown distribution " + d)


def draw(p, rng, shape):
    """Draws of p with NumPy's samplers (an array of `shape`)."""
    if not is_dist(p):
        return np.full(shape, float(p))
    d = p["dist"]
    if d == "fixed":
        return np.full(shape, float(p["value"]))
    if d == "normal":
        lo, hi = p.get("min", -math.inf), p.get("max", math.inf)
        if p["sd"] == 0:
            return np.full(shape, float(p["mean"]))
        if math.isinf(lo) and math.isinf(hi):
            return rng.normal(p["mean"], p["sd"], shape)
        return quantile(p, rng.random(shape))
    if d == "lognormal":
        if p["sd"] == 0:
            return np.full(shape, float(p["mean"]))
        s2 = math.log1p((p["sd"] / p["mean"]) ** 2)
        return rng.lognormal(math.log(p["mean"]) - s2 / 2, math.sqrt(s2), shape)
    if d == "uniform":
        return rng.uniform(p["min"], p["max"], shape)
    if d == "triangular":
        return rng.triangular(p["min"], p["mode"], p["max"], shape)
    if d == "pert":
        lo, hi = p["min"], p["max"]
        al, be = 1 + 4 * (p["mode"] - lo) / (hi - lo), 1 + 4 * (hi - p["mode"]) / (hi - lo)
        return lo + (hi - lo) * rng.beta(al, be, shape)
    if d == "beta":
        lo, hi = p.get("min", 0.0), p.get("max", 1.0)
        return lo + (hi - lo) * rng.beta(p["a"], p["b"], shape)
    if d == "gamma":
        return rng.gamma(p["shape"], p["scale"], shape)
    if d == "discrete":
        return rng.choice(np.asarray(p["values"], float), size=shape, p=p["p"])
    raise ValueError("unknown distribution " + d)


def round_year(x):
    return np.floor(np.asarray(x, float) + 0.5)


# --------------------------------------------------------------------------
# One batch of paths: parameter values (P,) or (P, H), then the model

class Params:
    """Every parameter of the model as arrays over P paths."""

    def __init__(self, sc, P, rng=None):
        H = sc["H"]
        det = rng is None
        refs = {}  # dotted path -> (parameter, per-year?)

        def par(p, path, per_year=False, year=False):
            if det:
                v = mean(p)
                v = np.full((P, H) if per_year else P, v)
            else:
                py = per_year and is_dist(p) and p.get("per_year", False)
                v = draw(p, rng, (P, H) if py else P)
                if per_year and v.ndim == 1:
                    v = np.repeat(v[:, None], H, axis=1)
            refs[path] = p
            return round_year(v) if year else v

        self.P, self.H, self.start = P, H, sc["start"]
        self.window = sc["window"]
        self.r = par(sc["r"], "finance.discount_rate")
        self.s_i = par(sc["s_i"], "finance.infra_share")
        self.committed = [par(v, "capex.committed.%d" % (sc["start"] + t)) for t, v in enumerate(sc["committed"])]
        self.X = par(sc["X"], "capex.execution", per_year=True)
        self.s_c = par(sc["s_c"], "capex.compute_share")
        self.after = sc["after"]["policy"]
        key = {"growth": "rate", "intensity": "ratio"}.get(self.after)
        self.after_value = par(sc["after"][key], "capex.after." + key) if key else None
        # model.md §3 [v2]: intensity's floor, lambda (default 1: none)
        self.max_decline = (par(sc["after"].get("max_decline", 1.0), "capex.after.max_decline")
                            if self.after == "intensity" else None)
        disc = sc["discipline"]
        self.discipline = disc is not None
        if disc:
            self.coverage = par(disc["coverage"], "capex.discipline.coverage")
            self.cut = par(disc["cut"], "capex.discipline.cut")
        self.L_p = par(sc["L_p"], "gpu.physical_life")
        self.L_a = par(sc["L_a"], "gpu.accounting_life")
        self.L_f = par(sc["L_f"], "gpu.facility_life")
        gens = sc["gens"]
        self.gyear = np.stack([par(g["year"], "gpu.generations.%s.year" % g["name"], year=True) for g in gens], 1)
        self.gcost = np.stack([par(g["cost"], "gpu.generations.%s.cost" % g["name"]) for g in gens], 1)
        self.gopex = np.stack([par(g["opex"], "gpu.generations.%s.opex" % g["name"]) for g in gens], 1)
        # model.md §4 [v2]: a generation's ramp share (default 1: no ramp)
        self.gramp = np.stack([np.broadcast_to(par(g.get("ramp", 1.0), "gpu.generations.%s.ramp" % g["name"]), (P,))
                               for g in gens], 1)
        self.phi_f = par(sc["phi_f"], "opex.facility_rate")
        self.process = sc["process"]
        if self.process == "growth":
            gr = sc["growth"]
            self.base = par(sc["base"], "revenue.base")
            self.g_init = par(gr["initial"], "revenue.growth.initial")
            self.g_bar = par(gr["long_run"], "revenue.growth.long_run")
            self.phi = par(gr["persistence"], "revenue.growth.persistence")
            self.sigma = par(gr["volatility"], "revenue.growth.volatility")
        else:
            lg = sc["logistic"]
            self.market = par(lg["market"], "revenue.logistic.market")
            self.speed = par(lg["speed"], "revenue.logistic.speed")
            self.midpoint = par(lg["midpoint"], "revenue.logistic.midpoint")
            self.phi = par(lg["persistence"], "revenue.logistic.persistence")
            self.sigma = par(lg["volatility"], "revenue.logistic.volatility")
        reg = sc["regime"]
        self.regime = reg is not None and not det
        self.observed = [sc["observed"][y] for y in sorted(sc["observed"])]
        self.forced = {y - sc["start"]: b for y, b in sc["forced"].items()}
        self.bust_shift = 0.0
        if reg is not None:
            self.p_bust = par(reg["p_bust"], "revenue.regime.p_bust")
            self.p_recover = par(reg["p_recover"], "revenue.regime.p_recover")
            self.bust_shift = par(reg["bust_shift"], "revenue.regime.bust_shift")
        self.chi = par(sc["chi"], "revenue.circular_share", per_year=True)
        self.kappa = par(sc["kappa"], "required.bain.capex_ratio")
        self.r_j = par(sc["r_j"], "required.jpmorgan.return")
        self.mu = par(sc["mu"], "required.jpmorgan.margin")
        self.jfrom = par(sc["from"], "required.jpmorgan.from", year=True)
        self.jthrough = par(sc["through"], "required.jpmorgan.through", year=True)
        self.s_gpu = par(sc["s_gpu"], "required.sequoia.gpu_share")
        self.gm = par(sc["gm"], "required.sequoia.gross_margin")
        self.dep = sc["dep"]
        if det:
            self.eps = np.zeros((P, H))
            self.u_regime = None
        else:
            self.eps = rng.standard_normal((P, H))
            self.u_regime = rng.random((P, H)) if self.regime else None
            if sc["correlations"]:
                self._correlate(sc, refs, rng)

    def _correlate(self, sc, refs, rng):
        """Gaussian copula: normals correlated with rho = 2 sin(pi rho_s / 6),
        then each marginal's inverse CDF (model.md §2)."""
        names = []
        for a, b, _ in sc["correlations"]:
            for n in (a, b):
                if n not in names:
                    names.append(n)
        C = np.eye(len(names))
        for a, b, rs in sc["correlations"]:
            i, j = names.index(a), names.index(b)
            C[i, j] = C[j, i] = 2 * math.sin(math.pi * rs / 6)
        z = rng.standard_normal((self.P, len(names))) @ np.linalg.cholesky(C).T
        u = special.ndtr(z)
        for k, n in enumerate(names):
            p = refs[n]
            if is_dist(p) and p["dist"] != "fixed":
                self._assign(n, quantile(p, u[:, k]))

    def _assign(self, path, v):
        if path.startswith("capex.committed."):
            self.committed[int(path.rsplit(".", 1)[1]) - self.start] = v
            return
        attr = {"finance.discount_rate": "r", "finance.infra_share": "s_i", "capex.compute_share": "s_c",
                "gpu.physical_life": "L_p", "gpu.accounting_life": "L_a", "gpu.facility_life": "L_f",
                "opex.facility_rate": "phi_f", "revenue.base": "base", "revenue.growth.initial": "g_init",
                "revenue.growth.long_run": "g_bar", "revenue.growth.persistence": "phi",
                "revenue.growth.volatility": "sigma", "revenue.logistic.market": "market",
                "revenue.logistic.speed": "speed", "revenue.logistic.midpoint": "midpoint",
                "required.bain.capex_ratio": "kappa", "required.jpmorgan.return": "r_j",
                "required.jpmorgan.margin": "mu", "required.sequoia.gpu_share": "s_gpu",
                "required.sequoia.gross_margin": "gm"}.get(path)
        if attr is None:
            raise NotImplementedError("correlation on " + path + " is not mirrored in numpy_model.py")
        setattr(self, attr, v)

    def sliced(self, a, b):
        """Paths a ... b-1 of this batch: a shallow copy whose per-path
        arrays (and lists of them) are views of rows a:b."""
        q = object.__new__(Params)
        for k, v in vars(self).items():
            if isinstance(v, np.ndarray) and v.ndim >= 1 and v.shape[0] == self.P:
                v = v[a:b]
            elif isinstance(v, list) and v and all(isinstance(e, np.ndarray) for e in v):
                v = [e[a:b] for e in v]
            setattr(q, k, v)
        q.P = b - a
        return q


# --------------------------------------------------------------------------
# The model over a batch of paths.  Inside, every array has the paths along
# its LAST axis (a year's values of a quantity are one contiguous row), so
# that a year's work is a few operations on whole rows.

SERIES_INDEX = {k: i for i, k in enumerate(SERIES)}


def _purchase_plan(p):
    """model.md §4: what each year's compute capex buys.  The frontier, the
    ramp and the second generation depend on the parameters only, not on the
    path's state, so they are found for all years at once: (H, P) arrays."""
    H, P = p.H, p.P
    years = (p.start + np.arange(H))[:, None]                 # (H, 1)
    gyear, gcost, gopex = (np.ascontiguousarray(a.T) for a in (p.gyear, p.gcost, p.gopex))  # (G, P)
    psi = p.r + 1.0 / p.L_p
    u = psi * gcost + gopex
    cols = np.arange(P)
    # Frontier: the available generation with the lowest u, else the earliest
    # (ties: the first listed, as argmin).
    f, u_f = _lowest(u, lambda g: gyear[g] <= years)
    f = np.where(np.isfinite(u_f), f, np.argmin(gyear, axis=0))
    at_f = f * P + cols        # flat indices of (f, path) in a (G, P) array
    u_f = u.take(at_f)
    # A ramp year: f is the frontier for the first time and released this
    # year with a share < 1; the rest buys the best older generation that
    # passes the retirement test (opex <= u_f).
    first = np.empty((H, P), bool)
    was_front = np.zeros(gyear.size, bool)
    for t in range(H):
        first[t] = ~was_front.take(at_f[t])
        was_front[at_f[t]] = True
    f2, u_f2 = _lowest(u, lambda g: (gyear[g] < years) & (gopex[g] <= u_f))
    at_f2 = f2 * P + cols
    sf = np.ascontiguousarray(p.gramp.T).take(at_f)
    has2 = first & (gyear.take(at_f) == years) & (sf < 1) & np.isfinite(u_f2)
    return {"psi": psi, "u_f": u_f, "cost_f": gcost.take(at_f), "opex_f": gopex.take(at_f),
            "cost_f2": gcost.take(at_f2), "opex_f2": gopex.take(at_f2), "has2": has2,
            "s": np.where(has2, sf, 1.0)}


def _lowest(u, ok):
    """Per year and path, the generation g with ok(g) of lowest u[g] (the
    first listed on ties; 0 when none) and that u (+inf when none): u (G, P),
    ok(g) an (H, P) mask.  A loop over generations on (H, P) arrays."""
    best = np.where(ok(0), u[0], np.inf)
    g_best = np.zeros(best.shape, np.intp)
    for g in range(1, u.shape[0]):
        ug = np.where(ok(g), u[g], np.inf)
        lower = ug < best
        np.copyto(g_best, g, where=lower)
        np.copyto(best, ug, where=lower)
    return g_best, best


def _revenue(p):
    """model.md §5: reported revenue R, (H, P).  Revenue is exogenous (no
    capex or capacity enters it), so it is computed before the fleet."""
    H, P = p.H, p.P
    R = np.empty((H, P))
    eps = p.eps.T
    R_prev = p.base if p.process == "growth" else np.full(P, np.nan)
    x = p.g_init - p.g_bar if p.process == "growth" else None
    z = np.zeros(P)
    bust = np.zeros(P, bool)
    for t in range(H):
        year = p.start + t
        if t < len(p.observed):
            # An observed year: the data, boom, and the process state from the data.
            R[t] = p.observed[t]
            bust = np.zeros(P, bool)
            if p.process == "growth":
                x = np.log(R[t] / R_prev) - p.g_bar
            else:
                z = np.log(R[t] * (1 + np.exp(-p.speed * (year - p.midpoint))) / p.market)
            R_prev = R[t]
            continue
        if p.regime:
            ut = p.u_regime[:, t]
            bust = np.where(bust, ~(ut < p.p_recover), ut < p.p_bust)
        else:
            bust = np.zeros(P, bool)  # without the chain, a year that is not forced is boom
        if t in p.forced:
            bust = np.full(P, p.forced[t])
        shift = np.where(bust, p.bust_shift, 0.0)
        if p.process == "growth":
            x = p.phi * x + p.sigma * eps[t]
            R[t] = R_prev * np.exp(p.g_bar + x + shift)
        else:
            z = p.phi * z + p.sigma * eps[t]
            R[t] = p.market / (1 + np.exp(-p.speed * (year - p.midpoint))) * np.exp(z + shift)
        R_prev = R[t]
    return R


class _Fleet:
    """The vintages of model.md §4 on P paths.  A vintage has two parts (its
    generation f and, in a ramp year, the older f'), stored as (vintage,
    part, path) arrays of shape (H, 2, P): the vintages bought so far are
    the rows [:t+1], reduced over (vintage, part) in the order v = 0, 1, ...
    (part f, then part f'), as the year loop of model.md §4 sums.  A part
    that is retired, or was never bought, has Q = B = 0, so sums over parts
    need no mask; until the first ramp year of any path only parts f are
    visited.  Facilities are per vintage, (H, P)."""

    def __init__(self, p, plan):
        H, P = p.H, p.P
        self.Q, self.opex, self.B = np.zeros((H, 2, P)), np.zeros((H, 2, P)), np.zeros((H, 2, P))
        self.dA, self.tol = np.zeros((H, 2, P)), np.zeros((H, 2, P))
        self.alive = np.zeros((H, 2, P), bool)
        self.F, self.dF, self.tolF = np.zeros((H, P)), np.zeros((H, P)), np.zeros((H, P))
        self.L_p, self.L_a, self.L_f, self.psi = p.L_p, p.L_a, p.L_f, plan["psi"]
        # Parts in use in year t: 2 from the first ramp year of any path on.
        self.parts = np.where(np.logical_or.accumulate(plan["has2"].any(axis=1)), 2, 1)
        # Depreciation of year t: facility and parts interleaved per vintage
        # (vintage v: facility, part f, part f'), the order of the sum.
        self.dep = np.zeros((H, 3, P))
        self.opx = np.zeros((2 * H + 1, P))  # row 0: facility upkeep, then the parts' opex
        # wear[a] = 1 - a/L_p and the age test a >= L_p, for ages a = 0 ... H
        ages = np.arange(H + 1)[:, None]
        self.wear = 1 - ages / p.L_p
        self.old = ages >= p.L_p
        self.lo = 0  # vintages before lo have no part in service on any path

    def buy(self, t, Cc1, Cc2, Cf, plan):
        """Vintage t: part f with Cc1, part f' (ramp years) with Cc2, facilities Cf."""
        has2 = plan["has2"][t]
        self.Q[t, 0] = Cc1 / plan["cost_f"][t]
        self.Q[t, 1] = np.where(has2, Cc2 / plan["cost_f2"][t], 0.0)
        self.opex[t, 0], self.opex[t, 1] = plan["opex_f"][t], plan["opex_f2"][t]
        self.B[t, 0], self.B[t, 1] = Cc1, Cc2
        self.dA[t, 0], self.dA[t, 1] = Cc1 / self.L_a, Cc2 / self.L_a
        self.tol[t, 0], self.tol[t, 1] = 1e-12 * Cc1, 1e-12 * Cc2
        self.alive[t, 0], self.alive[t, 1] = True, has2
        self.F[t], self.dF[t], self.tolF[t] = Cf, Cf / self.L_f, 1e-12 * Cf

    def serve(self, t, upkeep, u_f, cost_f, opex_f):
        """Year t of every vintage bought so far: capacity, opex (upkeep +
        the parts'), depreciation before write-offs, write-offs, book and
        economic value, the cu retired at the end of the year."""
        n, k, both = t + 1, self.parts[t], (0, 1)
        # Parts of vintages [lo, n): earlier ones are retired on every path
        # and add only zeros (their depreciation rows are zeroed once).
        lo = self.lo
        while lo < t and not self.alive[lo].any():
            lo += 1
        self.dep[self.lo:lo, 1:] = 0.0
        self.lo = lo
        Q, ox, B, alive = self.Q[lo:n, :k], self.opex[lo:n, :k], self.B[lo:n, :k], self.alive[lo:n, :k]
        K = Q.sum(axis=both)
        opx = self.opx[:1 + k * (n - lo)]
        opx[0] = upkeep
        np.multiply(Q, ox, out=opx[1:].reshape(n - lo, k, -1))
        O = opx.sum(axis=0)
        # Straight line; the last step takes the residue (model.md §12).
        F, dF, dep = self.F[:n], self.dF[:n], self.dep[:n, :1 + k]
        Df, Da_v = dep[:, 0], dep[lo:, 1:]
        np.subtract(F, dF, out=Df)
        last = Df < self.tolF[:n]
        np.copyto(Df, dF)
        np.copyto(Df, F, where=last)
        F -= Df
        np.subtract(B, self.dA[lo:n, :k], out=Da_v)
        last = Da_v < self.tol[lo:n, :k]
        np.copyto(Da_v, self.dA[lo:n, :k])
        np.copyto(Da_v, B, where=last)
        B -= Da_v
        Da = dep.sum(axis=both)
        # Retirement at the end of the year: age >= L_p, or opex above u_f.
        age = slice(n - lo, 0, -1)  # the ages t - v + 1 of vintages v = lo ... t
        ret = (ox > u_f) | self.old[age][:, None, :]
        ret &= alive
        W = np.where(ret, B, 0.0).sum(axis=both)
        q_ret = np.where(ret, Q, 0.0).sum(axis=both)
        np.copyto(B, 0.0, where=ret)
        np.copyto(Q, 0.0, where=ret)
        alive ^= ret
        Ft = F.sum(axis=0)
        Bt = B.sum(axis=both) + Ft
        repl = cost_f - (ox - opex_f) / self.psi
        val = Q * self.wear[age][:, None, :] * repl
        V = np.where(repl > 0, val, 0.0).sum(axis=both) + Ft
        return K, O, Da + W, W, V, Bt, Ft, q_ret


def _capex_base(p, t, plan, R_prev, base_prev, q_ret_prev):
    """model.md §3: base_t, inside the committed window or by the policy after it."""
    if t < len(p.committed):
        return p.committed[t]
    if p.after == "growth":
        return base_prev * (1 + p.after_value)
    if p.after == "intensity":
        return np.maximum(p.after_value * R_prev, (1 - p.max_decline) * base_prev)
    if p.after == "hold_capacity":
        has2, s, cost_f = plan["has2"][t], plan["s"][t], plan["cost_f"][t]
        return np.where(has2, q_ret_prev / (s / cost_f + (1 - s) / plan["cost_f2"][t]) / p.s_c,
                        cost_f * q_ret_prev / p.s_c)
    return np.zeros(p.P)


def _run(p, S):
    """Every series of the P paths into S, an (len(SERIES), H, P) array;
    returns the metrics (dict of (P,) arrays, and "irr_kind")."""
    H, P = p.H, p.P
    r = p.r
    plan = _purchase_plan(p)
    R = _revenue(p)
    Ro = (1 - p.chi.T) * R
    X = p.X.T
    fleet = _Fleet(p, plan)
    base_prev, q_ret_prev, Rfc_prev = np.zeros(P), np.zeros(P), np.zeros(P)
    V_prev, B_prev, F_prev, I = np.zeros(P), np.zeros(P), np.zeros(P), np.zeros(P)
    cum, min_cum, npv, disc = np.zeros(P), np.full(P, np.inf), np.zeros(P), np.ones(P)
    dpb, pv_cost, annuity = np.full(P, np.inf), np.zeros(P), np.zeros(P)
    net = np.zeros((H + 1, P))  # the IRR's flows N_tau (model.md §7)
    ix = SERIES_INDEX
    for t in range(H):
        year = p.start + t
        base = _capex_base(p, t, plan, R[t - 1] if t else None, base_prev, q_ret_prev)
        cut = np.where(Ro[t - 1] < p.coverage * Rfc_prev, 1 - p.cut, 1.0) if p.discipline and t >= 1 else 1.0
        C = base * X[t] * cut
        Cc, Cf = p.s_c * C, (1 - p.s_c) * C
        s = plan["s"][t]
        Cc1, Cc2 = np.where(plan["has2"][t], s * Cc, Cc), (1 - s) * Cc
        fleet.buy(t, Cc1, Cc2, Cf, plan)
        K, O, Da, W, V, Bt, Ft, q_ret = fleet.serve(t, p.phi_f * (F_prev + Cf), plan["u_f"][t],
                                                    plan["cost_f"][t], plan["opex_f"][t])
        De, Ae, Aa = V_prev + C - V, V_prev + C, B_prev + C
        I += np.where((year >= p.jfrom) & (year <= p.jthrough), C, 0.0)
        req = {"bain": C / p.kappa, "jpmorgan": p.r_j * I / p.mu, "sequoia": Cc / (p.s_gpu * (1 - p.gm)),
               "full_cost": (De + O + r * Ae) / p.s_i if p.dep == "economic" else (Da + O + r * Aa) / p.s_i}
        inflow = p.s_i * Ro[t] - O
        CF = inflow - C
        cum = cum + CF
        min_cum = np.minimum(min_cum, cum)
        npv += inflow * disc / (1 + r) - C * disc
        # model.md §7 [v2]: the NPV so far is the cumulative discounted cash flow
        dpb = np.where(np.isinf(dpb) & (npv >= 0), float(year), dpb)
        # model.md §6 item 5 [v2]: the levelised bar's present values
        pv_cost += C * disc + O * disc / (1 + r)
        annuity += disc / (1 + r)
        net[t] -= C
        net[t + 1] = inflow
        for k, val in (("capex", C), ("compute_capex", Cc), ("revenue", R[t]), ("organic_revenue", Ro[t]),
                       ("depreciation_accounting", Da), ("depreciation_economic", De), ("writeoffs", W),
                       ("book_value", Bt), ("economic_value", V), ("opex", O), ("cash_flow", CF),
                       ("cumulative_cash_flow", cum), ("capacity", K), ("obsolescence_gap", Bt - V)):
            S[ix[k], t] = val
        for m in METHODS:
            S[ix["required_" + m], t] = req[m]
            S[ix["gap_" + m], t] = req[m] - Ro[t]
        Rfc_prev, base_prev, q_ret_prev = req["full_cost"], base, q_ret
        V_prev, B_prev, F_prev = V, Bt, Ft
        disc = disc / (1 + r)
    return _metrics(p, S, net, npv, disc, min_cum, pv_cost, annuity, dpb)


def _metrics(p, S, net, npv, disc, min_cum, pv_cost, annuity, dpb):
    """model.md §6 item 5 and §7: the per-path metrics from the series and
    the running sums of _run."""
    H, ix = p.H, SERIES_INDEX
    V_end = S[ix["economic_value"], H - 1]
    U = S[ix["obsolescence_gap"]]
    w0, w1 = p.window[0] - p.start, p.window[1] - p.start
    M = {"npv": npv + V_end * disc, "peak_burn": np.maximum(0, -min_cum),
         "understated_depreciation": U[H - 1].copy(),
         "levelised_required_full_cost": (pv_cost - V_end * disc) / (p.s_i * annuity),
         "understated_depreciation_window": U[w1] - (U[w0 - 1] if w0 > 0 else 0.0),
         "peak_understated_depreciation": np.maximum(0, U.max(axis=0)),
         "discounted_payback_year": dpb}
    net[H] += V_end
    M["irr"], M["irr_kind"] = _irr_rows(net)
    paid = S[ix["cumulative_cash_flow"]] >= 0
    M["payback_year"] = np.where(paid.any(axis=0), p.start + np.argmax(paid, axis=0), np.inf)
    for m in METHODS:
        # The first year from which the gap stays closed: stays[t] is true
        # when every year from t on is closed; it is closed under suffixes.
        closed = S[ix["gap_" + m]] <= 0
        stays = np.logical_and.accumulate(closed[::-1], axis=0)[::-1]
        first = H - stays.sum(axis=0)
        if m == "jpmorgan":  # model.md §7 [v2]: judged from T_j on
            first = np.maximum(first, np.asarray(p.jthrough - p.start).astype(int))
        M["catchup_year_" + m] = np.where(stays[H - 1], p.start + first, np.inf)
    return M


def simulate(p):
    """Every series (dict of (P, H) arrays) and metric (dict of (P,) arrays)."""
    S = np.empty((len(SERIES), p.H, p.P))
    M = _run(p, S)
    return {k: S[i].T for i, k in enumerate(SERIES)}, M


# --------------------------------------------------------------------------
# IRR (model.md §7)

def _scan_rates():
    """The scan's rates: x = ln(1+rho) from ln 0.01 by 0.05 while below
    ln 11, then ln 11 itself."""
    xs = []
    k = 0
    while True:
        x = math.log(0.01) + 0.05 * k
        if not x < math.log(11):
            xs.append(math.log(11))
            break
        xs.append(x)
        k += 1
    return np.exp(np.array(xs)) - 1


SCAN = _scan_rates()


def irr(net):
    """model.md §7 for flows net of shape (P, H+1): the rates (NaN without
    exactly one root) and the kind (0 one root, 1 none, 2 several)."""
    return _irr_rows(np.ascontiguousarray(np.asarray(net, float).T))


def npv(net, rho):
    """sum_k net[:, k] (1+rho)^-k for net (P, T) and rho (P, m), by Horner."""
    v = 1 / (1 + rho)
    acc = np.repeat(net[:, -1:], rho.shape[1], axis=1)
    for k in range(net.shape[1] - 2, -1, -1):
        acc = acc * v + net[:, k:k + 1]
    return acc


def _horner(N, v):
    """sum_k N[k] v^k over the rows of N (T, P), v of shape (P,) or (m, 1)."""
    acc = N[-1] * np.ones_like(v)
    for k in range(N.shape[0] - 2, -1, -1):
        acc = acc * v + N[k]
    return acc


@functools.lru_cache(maxsize=None)
def _scan_powers(T):
    """(1+rho_k)^-tau for the scan's rates rho_k and tau = 0 ... T-1, each
    row divided by its sum: NPV at every scan rate, over that sum, is this
    matrix times the flows."""
    W = (1 / (1 + SCAN))[:, None] ** np.arange(T)
    return W / W.sum(axis=1)[:, None]


def _scan(N):
    """NPV of flows N (T, P) at every scan rate, up to a positive factor per
    rate, (rates, P), as one matrix product.  Its signs are those Horner's
    rule gives (old numpy_model.py, payback): where a value is within 1e-12
    of the size of its terms (<= max |N|), a rounding error could flip it,
    and that path is evaluated by Horner."""
    F = _scan_powers(N.shape[0]) @ N
    size = np.abs(N).max(axis=0)
    unsure = np.flatnonzero(~(np.abs(F).min(axis=0) > 1e-12 * size))   # NaN too
    if unsure.size:
        F[:, unsure] = _horner(N[:, unsure], (1 / (1 + SCAN))[:, None])
    return F


def _irr_rows(N):
    """The IRR of flows N (T, P), paths along the last axis: the scan of
    model.md §7 (a root where NPV changes sign between consecutive scan
    rates; several changes are "multiple"), then Newton in the scan interval
    of the one change."""
    P = N.shape[1]
    s = np.sign(_scan(N))
    change = s[1:] * s[:-1] < 0
    n_change = change.sum(axis=0)
    kind = np.where(n_change == 1, 0, np.where(n_change == 0, 1, 2))
    out = np.full(P, np.nan)
    one = np.flatnonzero(kind == 0)
    if one.size:
        j = np.argmax(change[:, one], axis=0)
        out[one] = _root(N[:, one], SCAN[j], SCAN[j + 1])
    return out, kind


def _root(N, lo, hi, tol=1e-13):
    """The root in [lo, hi] (a sign change of NPV) of every column of N:
    Newton's method on rho, kept inside a shrinking bracket (a step that
    would leave it bisects instead), until |drho| < tol; converged paths
    leave the working set.  Typically 4-7 steps from a scan interval."""
    N = np.ascontiguousarray(N)
    flo = _horner(N, 1 / (1 + lo))
    neg, pos = np.where(flo < 0, lo, hi), np.where(flo < 0, hi, lo)   # f(neg) < 0 < f(pos)
    x = 0.5 * (lo + hi)
    out = np.empty(lo.size)
    todo = np.arange(lo.size)
    for _ in range(200):
        v = 1 / (1 + x)  # x stays inside (lo, hi), so > -1
        f, dp = N[-1].copy(), np.zeros(x.size)
        for k in range(N.shape[0] - 2, -1, -1):
            dp = dp * v + f
            f = f * v + N[k]
        df = -dp * v * v
        neg = np.where(f < 0, x, neg)
        pos = np.where(f < 0, pos, x)
        step = f / df
        new = x - step
        lo, hi = np.minimum(neg, pos), np.maximum(neg, pos)
        # Converged: a Newton step below the tolerance (f == 0 gives 0).
        done = np.abs(step) < tol
        # A step that would leave the bracket (or a NaN step) bisects instead.
        bad = ~done & ~((new > lo) & (new < hi))
        new = np.where(bad, 0.5 * (lo + hi), new)
        done |= bad & (hi - lo < tol)
        out[todo[done]] = new[done]
        keep = ~done
        if not keep.any():
            return out
        todo, N, x, neg, pos = todo[keep], N[:, keep], new[keep], neg[keep], pos[keep]
    out[todo] = x
    return out


# --------------------------------------------------------------------------
# Runs

LEVELS = (0.01, 0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95, 0.99)
# Parameters are drawn for blocks of this many paths (one Params each), so
# the random numbers a path gets do not depend on the chunk size below.
DRAW_BLOCK = 10000
# Paths simulated at once: a chunk's working arrays then stay near the 2 MiB
# L2 cache of this machine.  Measured (simulation only, 2x10^5 paths, one
# core): 2,000 and 3,000 equally fastest on both baselines, 1,500 3 % and
# 4,000 3-7 % slower; at 10^5 paths, 500 was 45 % and 10,000 6 % slower (v1).
CHUNK = 2000
# Metrics that make a path non-finite when not finite (model.md §9).
FINITE_METRICS = ("npv", "peak_burn", "understated_depreciation", "levelised_required_full_cost",
                  "understated_depreciation_window", "peak_understated_depreciation")


def deterministic(sc):
    return simulate(Params(sc, 1))


def _simulate_all(sc, n, seed, chunk):
    """Every path's series (len(SERIES), H, n), metrics (len(METRICS), n),
    IRR kinds (n,) and finiteness (n,): the values an analyst keeps to take
    exact quantiles."""
    rng = np.random.Generator(np.random.Philox(seed))
    H = sc["H"]
    vals = np.empty((len(SERIES), H, n))
    mets = np.empty((len(METRICS), n))
    # Touch the memory once, in order, before the chunks below write a narrow
    # band of every row each.  Measured at 10^6 v1 paths: 1.8 s of system
    # time against 2.3-2.5 s without (with huge pages, 14.6-14.9 s of
    # simulation against 22.0-22.5 s).
    vals.fill(0.0)
    mets.fill(0.0)
    kinds = np.empty(n, np.int64)
    ok = np.empty(n, bool)
    core = [METRICS.index(k) for k in FINITE_METRICS]
    chunk = max(1, min(chunk, DRAW_BLOCK))
    for b0 in range(0, n, DRAW_BLOCK):
        batch = Params(sc, min(DRAW_BLOCK, n - b0), rng)
        for c0 in range(0, batch.P, chunk):
            c1 = min(c0 + chunk, batch.P)
            a, b = b0 + c0, b0 + c1
            S = vals[:, :, a:b]
            M = _run(batch.sliced(c0, c1), S)
            for i, k in enumerate(METRICS):
                mets[i, a:b] = M[k]
            kinds[a:b] = M["irr_kind"]
            ok[a:b] = np.isfinite(S).all(axis=(0, 1)) & np.isfinite(mets[core, a:b]).all(axis=0)
    return vals, mets, kinds, ok


def _keep(x, ok):
    """The columns of x (rows, n) where ok, moved to the front in place
    (one row at a time, so no second copy of x): a (rows, m) view."""
    if ok.all():
        return x
    idx = np.flatnonzero(ok)
    for row in x:
        row[:idx.size] = row[idx]
    return x[:, :idx.size]


def _quantiles(x, levels, method="linear"):
    """np.quantile(x, levels, method=method) for a 1-D array x without NaN,
    the same values to the bit (NumPy's own index and interpolation
    formulas), but partitioning x IN PLACE on only the ranks needed.
    method: "linear" (type 7) or "inverted_cdf" (type 1)."""
    n = x.size
    q = np.asarray(levels, float)
    if method == "inverted_cdf":
        index = n * q - 1
        prev = np.floor(index)
        k = np.where(index - prev == 0, prev, prev + 1).astype(np.intp)
        k[k < 0] = 0
        x.partition(np.unique(k))
        return x[k]
    vi = (n - 1) * q
    prev, nxt = np.floor(vi), np.floor(vi) + 1
    prev[vi >= n - 1], nxt[vi >= n - 1] = n - 1, n - 1
    gamma = vi - np.where(vi >= n - 1, -1, prev)   # NumPy's gamma for the top index
    prev, nxt = prev.astype(np.intp), nxt.astype(np.intp)
    x.partition(np.unique(np.concatenate((prev, nxt))))
    a, b = x[prev], x[nxt]
    diff = b - a
    out = a + diff * gamma
    np.subtract(b, diff * (1 - gamma), out=out, where=gamma >= 0.5)
    return out


def _series_stats(vals, levels):
    """Mean, sd, se, quantiles of every series-year (rows of vals, paths
    along the last axis; vals is partitioned in place) and P(gap <= 0)."""
    H, m = vals.shape[1], vals.shape[2]
    X = vals.reshape(-1, m)
    closed = {meth: (vals[SERIES_INDEX["gap_" + meth]] <= 0).mean(axis=1) for meth in METHODS}
    mean_, sd, q = np.empty(X.shape[0]), np.empty(X.shape[0]), np.empty((X.shape[0], len(levels)))
    dev = np.empty(m)
    for i, row in enumerate(X):  # one row at a time, while it is in cache
        # np.mean and np.std(ddof=1)'s own operations, with one buffer
        mean_[i] = row.sum() / m
        np.subtract(row, mean_[i], out=dev)
        np.multiply(dev, dev, out=dev)
        sd[i] = np.sqrt(dev.sum() / (m - 1))
        q[i] = _quantiles(row, levels)  # after the sums: it reorders the row
    out = {}
    for i, k in enumerate(SERIES):
        rows = slice(i * H, (i + 1) * H)
        out[k] = {"mean": mean_[rows].tolist(), "sd": sd[rows].tolist(),
                  "se": (sd[rows] / math.sqrt(m)).tolist(), "q": q[rows].tolist()}
    for meth in METHODS:
        out["gap_" + meth]["p_closed"] = closed[meth].tolist()
    return out


def _metric_stats(mets, kinds, levels):
    """Mean, sd, se, quantiles of every metric over the kept paths: year
    metrics' quantiles type 1 with "never" (+inf) last and their moments
    over the paths with an event; the IRR over the paths with one root."""
    out = {}
    for i, k in enumerate(METRICS):
        x = mets[i]
        if k in YEAR_METRICS:
            fin = x[np.isfinite(x)]
            qs = _quantiles(x.copy(), levels, "inverted_cdf")  # +inf (never) ranks last
            x = fin
        elif k == "irr":
            x = x[kinds == 0]
            qs = _quantiles(x.copy(), levels) if x.size else None
        else:
            x = np.ascontiguousarray(x)
            qs = _quantiles(x.copy(), levels)
        if x.size < 2:
            out[k] = {"mean": None, "se": None}
            continue
        out[k] = {"mean": float(x.mean()), "sd": float(x.std(ddof=1)),
                  "se": float(x.std(ddof=1) / math.sqrt(x.size)),
                  "q": None if qs is None else [float(y) for y in qs]}
    return out


def monte_carlo(sc, n, seed, chunk=CHUNK, levels=LEVELS):
    """The statistics payback reports, over n paths (NumPy's Philox, seeded
    by `seed`, parameters drawn DRAW_BLOCK paths at a time, simulated
    `chunk` paths at a time): for every series-year and metric the mean, sd
    and se, and exact quantiles (the values np.quantile gives over all
    paths: type 7, type 1 for year metrics); P(gap <= 0) per method and
    year.  Every path's values are kept, as an analyst would to take exact
    quantiles; paths with a non-finite series or core metric are left out."""
    vals, mets, kinds, ok = _simulate_all(sc, n, seed, chunk)
    H = sc["H"]
    X = _keep(vals.reshape(-1, n), ok)
    m = X.shape[1]
    mets = _keep(mets, ok)
    kinds = kinds[ok]
    return {"series": _series_stats(X.reshape(len(SERIES), H, m), levels),
            "metrics": _metric_stats(mets, kinds, levels), "paths_used": int(m)}


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("scenario")
    ap.add_argument("-n", type=int)
    ap.add_argument("-s", type=int)
    ap.add_argument("--deterministic", action="store_true")
    ap.add_argument("--chunk", type=int, default=CHUNK,
                    help="paths simulated at once (at most %d; the results do not depend on it)" % DRAW_BLOCK)
    a = ap.parse_args(argv)
    sc = load(a.scenario)
    if a.deterministic:
        S, M = deterministic(sc)
        json.dump({"series": {k: v[0].tolist() for k, v in S.items()},
                   "metrics": {k: float(v[0]) for k, v in M.items()}}, sys.stdout)
    else:
        json.dump(monte_carlo(sc, a.n or sc["paths"], a.s if a.s is not None else sc["seed"], a.chunk), sys.stdout)
    print()


if __name__ == "__main__":
    main(sys.argv[1:])
