#!/bin/bash
# profile.sh [PATHS] [SCENARIO]: where one thread's time goes in a run
# (perf record, cpu-clock samples), by symbol and grouped: random draws,
# path model, IRR, statistics, libm (exp and log, called by the model and
# the draws), the rest.  The issue-14 profile of bench/README.md is this
# script's output (default: 300,000 baseline paths, about 2 s).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-300000}
SC=${2:-scenarios/baseline.yaml}
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
perf record -q -o "$D/perf.data" ./payback run "$SC" -n "$N" -t 1 --quiet -o "$D/r.h5" >/dev/null 2>&1
perf report -i "$D/perf.data" --no-children --sort dso,sym --stdio 2>/dev/null | /usr/bin/python3 -c '
import re, sys
groups = [
    ("statistics", r"^(pb_acc_|drain|scan_planned|count_planned|sketch_|block_scan|cell_add|tile_out|exact_add|values_exact|__gmp|mpz_)"),
    ("IRR", r"^(npv_|irr_|gsl_root_|brent)"),
    ("draws", r"^(pb_draw_path|pb_philox|philox_|pb_rng_|pb_param_sample|pb_qtable_|pb_uniform53|pb_slot_sample|pb_copula|gsl_ran_|gsl_cdf_|gsl_sf_|gsl_rng_)"),
    ("path model", r"^(pb_path_|vintage|frontier)"),
]
share, top = {}, []
for line in sys.stdin:
    m = re.match(r"\s+([\d.]+)%\s+(\S+)\s+\[.\]\s+(\S+)", line)
    if not m:
        continue
    p, dso, sym = float(m.group(1)), m.group(2), m.group(3)
    g = next((name for name, rx in groups if re.match(rx, sym)), None)
    if g is None:
        g = "libm (exp, log)" if dso.startswith("libm") else "draws" if dso.startswith("libgsl") else "statistics" if dso.startswith("libgmp") else "other"
    share[g] = share.get(g, 0) + p
    top.append((p, sym, g))
print("largest symbols:")
for p, sym, g in sorted(top, reverse=True)[:12]:
    print("  %5.1f %%  %-34s %s" % (p, sym, g))
print("by group:")
for g, p in sorted(share.items(), key=lambda kv: -kv[1]):
    print("  %5.1f %%  %s" % (p, g))
'
