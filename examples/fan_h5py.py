#!/usr/bin/python3
"""The fan chart's numbers with h5py alone (Debian: python3-h5py): the same
lines as fan_xarray.py.  The dimension scales summary/year and
summary/quantile label the axes of every /summary dataset.

    /usr/bin/python3 examples/fan_h5py.py results/baseline.h5
"""
import sys

import h5py
import numpy as np

path = sys.argv[1] if len(sys.argv) > 1 else "results/baseline.h5"
with h5py.File(path, "r") as f:
    s = f["summary"]
    years, levels = s["year"][()], s["quantile"][()]
    fan = s["organic_revenue_q"][()]                 # (year, quantile)
    methods = ["bain", "jpmorgan", "sequoia", "full_cost"]
    mid = int(np.flatnonzero(levels == 0.5)[0])
    bars = {m: s[f"required_{m}_q"][:, mid] for m in methods}
    # Attributes are fixed-length text (bytes in h5py) or numbers.
    print("# seed", f.attrs["seed"].decode(), "paths", int(f.attrs["paths"]))
print("levels", " ".join(f"{q:g}" for q in levels))
for i, y in enumerate(years):
    print("year", int(y), "organic_q", " ".join(f"{v:.10g}" for v in fan[i]),
          "required_median", " ".join(f"{bars[m][i]:.10g}" for m in methods))
