#!/usr/bin/python3
"""agree.py BIN OUTDIR: payback against the NumPy implementation
(bench/numpy_model.py), two implementations of docs/model.md.

* The NumPy model's beta and gamma means against scipy.stats' own
  (a third computation of model.md §2's closed forms), with and without
  beta's optional min and max.
* Deterministic mode, every file in scenarios/ and tests/data/: every series
  in every year and every metric agree to |a - b| <= 1e-9 max(1, |b|) (years
  and "never" exactly; an IRR is NaN in both or in neither).
  tests/data/beta_gamma.yaml puts beta and gamma laws on parameters whose
  mean moves the path.
* Monte Carlo, the baseline at 20,000 paths each (their own random numbers):
  the mean of every series at the target years and of every metric agree
  within 4 sqrt(se_payback^2 + se_numpy^2) (or 1e-9 relative where both se
  are 0).

Prints "ok - ..." / "not ok - ..." lines for tests/all.sh; a run that
fails, or an exception, is a "not ok" line too (never a silent stop).
"""
import glob
import json
import math
import os
import subprocess
import sys

import h5py
import numpy as np
from scipy import stats

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(HERE, "..", "bench"))
import numpy_model as nm  # noqa: E402

BIN, OUT = sys.argv[1], sys.argv[2]
os.makedirs(OUT, exist_ok=True)


def close(a, b, tol_rel=1e-9):
    if isinstance(b, float) and math.isnan(b):
        return isinstance(a, float) and math.isnan(a)
    if math.isinf(b) or math.isinf(a):
        return a == b
    return abs(a - b) <= tol_rel * max(1.0, abs(b))


def report(name, bad):
    if bad:
        print("not ok - " + name)
        for line in bad[:10]:
            print("#   " + line)
    else:
        print("ok - " + name)


def check(name, fn):
    """Runs fn() -> list of differences; an exception is a failure too."""
    try:
        bad = fn()
    except Exception as e:  # noqa: BLE001 - any failure is a "not ok"
        bad = ["%s: %s" % (type(e).__name__, e)]
    report(name, bad)


def numpy_means():
    """nm.mean of beta and gamma laws against scipy.stats' means."""
    bad = []
    laws = [
        ({"dist": "beta", "a": 2, "b": 6, "min": 0.2, "max": 0.9}, stats.beta(2, 6, loc=0.2, scale=0.7)),
        ({"dist": "beta", "a": 3, "b": 7}, stats.beta(3, 7)),                # default min 0, max 1
        ({"dist": "beta", "a": 7, "b": 3, "min": -0.5, "max": 1}, stats.beta(7, 3, loc=-0.5, scale=1.5)),
        ({"dist": "gamma", "shape": 4, "scale": 0.025}, stats.gamma(4, scale=0.025)),
        ({"dist": "gamma", "shape": 12, "scale": 0.5}, stats.gamma(12, scale=0.5)),
    ]
    for p, ref in laws:
        if not close(nm.mean(p), float(ref.mean()), 1e-12):
            bad.append("%s: numpy_model %.15g, scipy.stats %.15g" % (p, nm.mean(p), ref.mean()))
    return bad


def deterministic(path):
    name = os.path.basename(path)
    out = os.path.join(OUT, name + ".h5")
    run = subprocess.run([BIN, "run", path, "--deterministic", "--store-paths", "1", "-o", out],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if run.returncode != 0:
        return ["payback run exited %d: %s" % (run.returncode, run.stderr.strip()[:300])]
    S, M = nm.deterministic(nm.load(path))
    bad = []
    with h5py.File(out, "r") as f:
        years = f["paths/year"][:]
        for k in nm.SERIES:
            got = f["paths/" + k][0]
            for t, y in enumerate(years):
                if not close(float(got[t]), float(S[k][0, t])):
                    bad.append("%s[%d]: payback %.15g, numpy %.15g" % (k, y, got[t], S[k][0, t]))
        for k in nm.METRICS:
            got = float(f["paths/" + k][0])
            want = float(M[k][0])
            if not close(got, want):
                bad.append("%s: payback %.15g, numpy %.15g" % (k, got, want))
        if int(f["paths/irr_kind"][0]) != int(M["irr_kind"][0]):
            bad.append("irr_kind: payback %d, numpy %d" % (f["paths/irr_kind"][0], M["irr_kind"][0]))
    return bad


check("numpy_model: beta (with and without min, max) and gamma means equal scipy.stats' to 1e-12", numpy_means)
files = [os.path.join("scenarios", os.path.basename(p))
         for p in sorted(glob.glob(os.path.join(HERE, "..", "scenarios", "*.yaml")))]
files += [os.path.join("tests", "data", os.path.basename(p))
          for p in sorted(glob.glob(os.path.join(HERE, "data", "*.yaml")))]
for rel in files:
    check("deterministic %s: every series and metric agrees with NumPy to 1e-9" % rel,
          lambda rel=rel: deterministic(os.path.join(ROOT, rel)))

def monte_carlo(n):
    """The baseline at n paths each: every mean at the target years, every
    metric's mean.  Returns (differences, number of means compared)."""
    path = os.path.join(HERE, "..", "scenarios", "baseline.yaml")
    out = os.path.join(OUT, "baseline_mc.h5")
    subprocess.run([BIN, "run", path, "-n", str(n), "-s", "11", "--quiet", "-o", out], check=True,
                   stdout=subprocess.DEVNULL)
    sc = nm.load(path)
    ref = nm.monte_carlo(sc, n, 12)
    bad = []
    checked = 0
    with h5py.File(out, "r") as f:
        years = list(f["summary/year"][:])
        for k in nm.SERIES:
            for y in sc["target_years"]:
                t = years.index(y)
                a, sa = float(f["summary/%s_mean" % k][t]), float(f["summary/%s_se" % k][t])
                b, sb = ref["series"][k]["mean"][t], ref["series"][k]["se"][t]
                tol = 4 * math.hypot(sa, sb) if sa > 0 or sb > 0 else 1e-9 * max(1, abs(b))
                checked += 1
                if not abs(a - b) <= tol:
                    bad.append("%s[%d]: payback %.6g +/- %.3g, numpy %.6g +/- %.3g" % (k, y, a, sa, b, sb))
        for k in nm.METRICS:
            a, sa = float(f["metrics/%s_mean" % k][()]), float(f["metrics/%s_se" % k][()])
            b, sb = ref["metrics"][k]["mean"], ref["metrics"][k]["se"]
            if b is None or math.isnan(a):
                if not (b is None and math.isnan(a)):
                    bad.append("%s: payback %s, numpy %s" % (k, a, b))
                continue
            tol = 4 * math.hypot(sa, sb) if sa > 0 or sb > 0 else 1e-9 * max(1, abs(b))
            checked += 1
            if not abs(a - b) <= tol:
                bad.append("%s: payback %.6g +/- %.3g, numpy %.6g +/- %.3g" % (k, a, sa, b, sb))
    return bad, checked


N_MC = 20000
try:
    bad, checked = monte_carlo(N_MC)
except Exception as e:  # noqa: BLE001
    bad, checked = ["%s: %s" % (type(e).__name__, e)], 0
report("Monte Carlo baseline, %d paths each: %d means agree within 4 combined standard errors" % (N_MC, checked), bad)
