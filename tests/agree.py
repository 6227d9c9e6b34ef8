#!/usr/bin/python3
"""agree.py BIN OUTDIR: payback against the NumPy implementation
(bench/numpy_model.py), two implementations of docs/model.md.

* Deterministic mode, every file in scenarios/: every series in every year
  and every metric agree to |a - b| <= 1e-9 max(1, |b|) (years and "never"
  exactly; an IRR is NaN in both or in neither).
* Monte Carlo, the baseline at 20,000 paths each (their own random numbers):
  the mean of every series at the target years and of every metric agree
  within 4 sqrt(se_payback^2 + se_numpy^2) (or 1e-9 relative where both se
  are 0).

Prints "ok - ..." / "not ok - ..." lines for tests/all.sh.
"""
import glob
import json
import math
import os
import subprocess
import sys

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
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


for path in sorted(glob.glob(os.path.join(HERE, "..", "scenarios", "*.yaml"))):
    name = os.path.basename(path)
    out = os.path.join(OUT, name + ".h5")
    subprocess.run([BIN, "run", path, "--deterministic", "--store-paths", "1", "-o", out],
                   check=True, stdout=subprocess.DEVNULL)
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
    report("deterministic %s: every series and metric agrees with NumPy to 1e-9" % name, bad)

# Monte Carlo: the baseline.
path = os.path.join(HERE, "..", "scenarios", "baseline.yaml")
n = 20000
out = os.path.join(OUT, "baseline_mc.h5")
subprocess.run([BIN, "run", path, "-n", str(n), "-s", "11", "--quiet", "-o", out], check=True, stdout=subprocess.DEVNULL)
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
report("Monte Carlo baseline, %d paths each: %d means agree within 4 combined standard errors" % (n, checked), bad)
