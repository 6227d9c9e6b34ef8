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

The code is in three files: numpy_scenario.py (the scenario file, the laws
and Params: every parameter as arrays over a batch of paths), numpy_paths.py
(the path model and the IRR over a batch) and this one (Monte Carlo runs,
exact statistics, the command line).
"""
import argparse
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
from numpy_scenario import (METHODS, METRICS, SERIES, SERIES_INDEX, YEAR_METRICS, Params, draw,  # noqa: E402,F401
                            is_dist, load, mean, quantile, round_year)
from numpy_paths import irr, npv, run_into, simulate  # noqa: E402,F401


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
            M = run_into(batch.sliced(c0, c1), S)
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
