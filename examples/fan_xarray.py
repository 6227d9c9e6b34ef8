#!/usr/bin/python3
"""The fan chart of a payback result with xarray (Debian: python3-xarray,
python3-netcdf4).  Prints, for each year, organic revenue's quantiles (every
level of the file) and each method's median required revenue, in B$/yr;
draws the chart to fan_xarray.png if matplotlib is installed.

    /usr/bin/python3 examples/fan_xarray.py results/baseline.h5
"""
import sys

import xarray as xr

path = sys.argv[1] if len(sys.argv) > 1 else "results/baseline.h5"
# Each group is a netCDF group with its own named dimensions year, quantile.
s = xr.open_dataset(path, group="summary")
fan = s["organic_revenue_q"]                       # dims (year, quantile)
methods = ["bain", "jpmorgan", "sequoia", "full_cost"]
bars = {m: s[f"required_{m}_q"].sel(quantile=0.5) for m in methods}

print("levels", " ".join(f"{q:g}" for q in fan["quantile"].values))
for y in fan["year"].values:
    row = fan.sel(year=y).values
    print("year", int(y), "organic_q", " ".join(f"{v:.10g}" for v in row),
          "required_median", " ".join(f"{float(bars[m].sel(year=y)):.10g}" for m in methods))

try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    sys.exit(0)
q = fan["quantile"].values
fig, ax = plt.subplots(figsize=(9, 5))
for i in range(len(q) // 2):                     # outer bands lightest
    ax.fill_between(fan["year"], fan.isel(quantile=i), fan.isel(quantile=-1 - i),
                    color="tab:blue", alpha=0.15 + 0.15 * i, lw=0)
for m in methods:
    ax.plot(fan["year"], bars[m], label=f"required ({m}), median")
ax.set_ylabel(f"B$ per year ({fan.attrs['units']})")
ax.legend()
fig.savefig("fan_xarray.png", dpi=150)
