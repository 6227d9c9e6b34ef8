#!/usr/bin/python3
"""variant.py BASE.yaml OUT.yaml YEARS GENERATIONS: the base scenario with a
horizon of YEARS years from its start and its first GENERATIONS GPU
generations (target years clamped to the horizon), for bench/run.sh's cost
curves."""
import sys

import yaml

base, out, years, gens = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
with open(base) as f:
    d = yaml.safe_load(f)
start = d["years"]["start"]
end = start + years - 1
d["name"] = "%s_h%d_g%d" % (d["name"], years, gens)
d["years"]["end"] = end
d["capex"]["committed"] = {y: v for y, v in d["capex"]["committed"].items() if y <= end}
d["gpu"]["generations"] = [g for g in d["gpu"]["generations"][:gens]
                           if not isinstance(g["year"], (int, float)) or g["year"] <= end]
for g in d["gpu"]["generations"]:
    if isinstance(g["year"], dict):  # a discrete year law past the horizon: keep its years inside
        g["year"]["values"] = [min(v, end) for v in g["year"]["values"]]
jp = d.get("required", {}).get("jpmorgan", {})
for k in ("from", "through"):
    if k in jp:
        jp[k] = min(jp[k], end)
d.setdefault("output", {})["target_years"] = sorted({min(y, end) for y in d.get("output", {}).get("target_years", [end])})
with open(out, "w") as f:
    yaml.safe_dump(d, f, sort_keys=False)
