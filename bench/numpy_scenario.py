#!/usr/bin/python3
"""numpy_scenario.py: numpy_model.py's scenario files and parameters.

The scenario file read with the defaults of docs/cli.md, each law's mean
(docs/model.md §2), its quantile and NumPy's draws of it, and Params: every
parameter of the model as arrays over a batch of paths (with the Gaussian
copula of model.md §2).  Imported by numpy_model.py, the entry point.
"""
import math

import numpy as np
import yaml
from scipy import special, stats

METHODS = ("bain", "jpmorgan", "sequoia", "full_cost")
SERIES = (["capex", "compute_capex", "revenue", "organic_revenue"]
          + ["required_" + m for m in METHODS] + ["gap_" + m for m in METHODS]
          + ["depreciation_accounting", "depreciation_economic", "writeoffs", "book_value",
             "economic_value", "opex", "cash_flow", "cumulative_cash_flow", "capacity",
             "obsolescence_gap"])
SERIES_INDEX = {k: i for i, k in enumerate(SERIES)}  # a series' row in the arrays of all series
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

# The revenue process's parameters: (key in its scenario block, attribute).
PROCESS_KEYS = {
    "growth": [("initial", "g_init"), ("long_run", "g_bar"), ("persistence", "phi"), ("volatility", "sigma")],
    "logistic": [("market", "market"), ("speed", "speed"), ("midpoint", "midpoint"),
                 ("persistence", "phi"), ("volatility", "sigma")],
}

# The attribute a correlated parameter's dotted path sets (capex.committed.Y
# aside), the process's from PROCESS_KEYS.
CORRELATED_ATTRS = dict(
    {"finance.discount_rate": "r", "finance.infra_share": "s_i", "capex.compute_share": "s_c",
     "gpu.physical_life": "L_p", "gpu.accounting_life": "L_a", "gpu.facility_life": "L_f",
     "opex.facility_rate": "phi_f", "revenue.base": "base",
     "required.bain.capex_ratio": "kappa", "required.jpmorgan.return": "r_j",
     "required.jpmorgan.margin": "mu", "required.sequoia.gpu_share": "s_gpu",
     "required.sequoia.gross_margin": "gm"},
    **{"revenue.%s.%s" % (proc, key): attr for proc, keys in PROCESS_KEYS.items() for key, attr in keys})


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
            self.base = par(sc["base"], "revenue.base")
        block = sc[self.process]
        for key, attr in PROCESS_KEYS[self.process]:
            setattr(self, attr, par(block[key], "revenue.%s.%s" % (self.process, key)))
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
        attr = CORRELATED_ATTRS.get(path)
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
