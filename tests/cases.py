#!/usr/bin/python3
"""cases.py BIN OUTDIR: docs/model.md §11's v2 reference cases 10-14, each
written as a small scenario file and asserted in both implementations:
payback (--deterministic, the stored central path) and the NumPy model
(bench/numpy_model.py).  The C unit tests (tests/test_model.c) assert the
same cases on the path model directly.

Prints "ok - ..." / "not ok - ..." lines for tests/all.sh.
"""
import math
import os
import subprocess
import sys

import h5py
import numpy as np
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "bench"))
import numpy_model as nm  # noqa: E402

BIN, OUT = sys.argv[1], sys.argv[2]
os.makedirs(OUT, exist_ok=True)


def scenario(name, start, end, **blocks):
    doc = {"name": name, "years": {"start": start, "end": end},
           "finance": {"discount_rate": 0.10, "infra_share": 1.0},
           "capex": {"compute_share": 1.0}, "gpu": {}, "revenue": {"circular_share": 0}}
    for k, v in blocks.items():
        doc.setdefault(k, {}).update(v)
    return doc


def both(doc):
    """The central path's series and metrics from payback and from NumPy."""
    path = os.path.join(OUT, doc["name"] + ".yaml")
    with open(path, "w") as f:
        yaml.safe_dump(doc, f)
    h5 = os.path.join(OUT, doc["name"] + ".h5")
    subprocess.run([BIN, "run", path, "--deterministic", "--store-paths", "1", "-o", h5, "--quiet"],
                   check=True, stdout=subprocess.DEVNULL)
    with h5py.File(h5, "r") as f:
        c = {k: f["paths/" + k][0] for k in list(nm.SERIES) + list(nm.METRICS)}
    S, M = nm.deterministic(nm.load(path))
    n = {k: np.asarray(S[k])[0] for k in nm.SERIES}
    n.update({k: float(np.asarray(M[k]).ravel()[0]) for k in nm.METRICS})
    return {"payback": c, "numpy": n}


def check(name, got, want):
    bad = []
    for impl, v in got.items():
        for key, idx, value, tol in want:
            x = v[key] if idx is None else v[key][idx]
            if not (abs(float(x) - value) <= tol or (math.isinf(value) and float(x) == value)):
                bad.append("%s: %s%s = %.9g, expected %.9g" % (impl, key, "" if idx is None else "[%d]" % idx, x, value))
    print(("not ok - " if bad else "ok - ") + "reference case " + name + " in payback and in the NumPy model")
    for b in bad:
        print("#   " + b)


ONE_GEN = {"generations": [{"name": "A", "year": 2020, "cost": 1.0, "opex": 0.0}]}

# Case 10: observed history.  x_2026 = ln(150/80) - 0.1; g_2027 = 0.1 + 0.5 x_2026.
doc = scenario("case10", 2025, 2028, capex={"committed": {2025: 1}}, gpu=ONE_GEN,
               revenue={"base": 50, "observed": {2025: 80, 2026: 150},
                        "growth": {"long_run": 0.1, "persistence": 0.5, "volatility": 0}})
check("10 (observed history)", both(doc),
      [("revenue", 2, 215.927, 5e-4), ("revenue", 3, 272.351, 5e-4),
       ("revenue", 2, 150 * math.exp(0.1 + 0.5 * (math.log(150 / 80) - 0.1)), 1e-9)])

# Case 11: intensity with a floor: base_2030 1000, R_2030 400 -> 800; 4000 -> 1000.
for r2030, want in ((400, 800), (4000, 1000)):
    doc = scenario("case11_%d" % r2030, 2030, 2031, gpu=ONE_GEN,
                   capex={"committed": {2030: 1000}, "after": {"policy": "intensity", "ratio": 0.25, "max_decline": 0.2}},
                   revenue={"base": 100, "observed": {2030: r2030}})
    check("11 (intensity floor, R_2030 = %d)" % r2030, both(doc), [("capex", 1, want, 1e-9)])

# Case 12: ramp.  2026: 60 cu of N and 70 of P; 2027: 200 cu of N more.
doc = scenario("case12", 2026, 2027, finance={"discount_rate": 0.1},
               capex={"committed": {2026: 100, 2027: 100}},
               gpu={"physical_life": 5, "generations": [{"name": "P", "year": 2020, "cost": 1.0, "opex": 0.1},
                                                        {"name": "N", "year": 2026, "cost": 0.5, "opex": 0.05,
                                                         "ramp": 0.3}]},
               revenue={"base": 100})
check("12 (ramp)", both(doc), [("capacity", 0, 130, 1e-9), ("capacity", 1, 330, 1e-9), ("opex", 0, 10, 1e-9)])

# Case 13: on case 2's flows (Cc_0 = 100, L_p 4, L_a 5, r 0.10), R^o = 40.
doc = scenario("case13", 2025, 2028, capex={"committed": {2025: 100}},
               gpu={"physical_life": 4, "accounting_life": 5, **ONE_GEN},
               revenue={"base": 40, "observed": {2025: 40, 2026: 40, 2027: 40, 2028: 40}})
check("13 (levelised bar, discounted payback, window)", both(doc),
      [("levelised_required_full_cost", None, 100 / 3.169865446349292, 1e-9),
       ("levelised_required_full_cost", None, 31.5471, 5e-5),
       ("discounted_payback_year", None, 2028, 0), ("understated_depreciation_window", None, 15, 1e-9),
       ("peak_understated_depreciation", None, 15, 1e-9)])

# Case 14: JPMorgan catch-up judged from T_j = 2027: the bar is 0, 0, 2, 2, 2
# (capex 1 in 2027, r_j 0.1, mu 0.05); revenue 5, 3, ~0 (or 3), 3, 3.
for r2027, want in ((1e-9, 2028), (3, 2027)):
    doc = scenario("case14_%g" % r2027, 2025, 2029, gpu=ONE_GEN,
                   capex={"committed": {2025: 0, 2026: 0, 2027: 1}},
                   revenue={"base": 5, "observed": {2025: 5, 2026: 3, 2027: r2027, 2028: 3, 2029: 3}},
                   required={"jpmorgan": {"return": 0.1, "margin": 0.05, "from": 2025, "through": 2027}})
    check("14 (JPMorgan catch-up, 2027 gap %s)" % ("open" if r2027 < 1 else "closed"), both(doc),
          [("catchup_year_jpmorgan", None, want, 0)])
