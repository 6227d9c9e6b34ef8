#!/bin/bash
# precision.sh BIN OUTDIR: run --precision (docs/model.md §10.5).  Batches of
# 8,192 paths of tests/data/corr.yaml until the targets' 95 % intervals are
# within their tolerances.  Prints "ok - ..." / "not ok - ..." lines.
. "$(dirname "$0")/checks.sh" "$1" "$2" precision

S=tests/data/corr.yaml
T=(--precision 'mean(npv)~25' --precision 'q0.9(revenue@2030)~2%' --precision 'P(gap_full_cost@2030<=0)~0.01')
A=(-n 200000 -s 3 --batch 8192 --quiet)
attr() { h5dump -a "/$2" "$1" | sed -n 's/^ *(0): //p' | head -1; }

# 1. The stop is the same for 1, 2 and 3 threads, and the files are
#    identical (but for threads and created).
threads() {
    for t in 1 2 3; do "$BIN" run $S "${A[@]}" "${T[@]}" -t $t --store-paths 20000 -o "$OUT/t$t.h5" >"$OUT/t$t.txt" || return 1; done
    for t in 2 3; do
        for g in /summary /metrics /paths; do h5diff "$OUT/t1.h5" "$OUT/t$t.h5" $g $g || return 1; done
        diff "$OUT/t1.txt" "$OUT/t$t.txt" || return 1
    done
    local n; n=$(attr "$OUT/t1.h5" paths)
    [ "$(attr "$OUT/t1.h5" precision_reached)" = 1 ] && [ $((n % 8192)) -eq 0 ] && [ "$n" -gt 8192 ] && [ "$n" -lt 200000 ] &&
    [ "$(attr "$OUT/t3.h5" paths)" = "$n" ] || { echo "paths $n"; return 1; }
}
check "-t 1, 2, 3 stop at the same batch with identical files" threads

# 2. The result at the stop is exactly `run -n PATHS` (same pilot and
#    blocks), and the batch before did not meet every target: its half-width
#    (from that run's file) is above a tolerance.
same_as_run() {
    local n; n=$(attr "$OUT/t1.h5" paths)
    "$BIN" run $S -n "$n" -s 3 -t 2 --quiet --store-paths 20000 -o "$OUT/plain.h5" >/dev/null || return 1
    "$BIN" run $S -n $((n - 8192)) -s 3 -t 2 --quiet -o "$OUT/before.h5" >/dev/null || return 1
    for g in /summary /metrics /paths; do h5diff "$OUT/t1.h5" "$OUT/plain.h5" $g $g || return 1; done
    "$PY" - "$OUT/t1.h5" "$OUT/before.h5" <<'PY'
import sys, h5py, numpy as np
from math import sqrt
f, b = h5py.File(sys.argv[1]), h5py.File(sys.argv[2])
est, half, tol, met = (f.attrs[k] for k in ("precision_estimate", "precision_half_width", "precision_tolerance", "precision_met"))
assert list(met) == [1, 1, 1] and all(half <= tol), (half, tol)
# mean(npv): z * se, tolerance 25
m = f["metrics/npv_mean"][()]; se = f["metrics/npv_se"][()]
assert abs(est[0] - m) < 1e-12 and abs(half[0] - 1.959964 * se) < 1e-12, (est[0], m, half[0], se)
# q0.9(revenue@2030): the larger side of the interval, 2 % of the estimate
s = f["summary"]; yr = list(s["year"][:]).index(2030); j = list(s["quantile"][:]).index(0.9)
q, lo, hi = (s[v][yr, j] for v in ("revenue_q", "revenue_q_lo", "revenue_q_hi"))
assert abs(est[1] - q) < 1e-12 and abs(half[1] - max(hi - q, q - lo, 2**-10 * abs(q))) < 1e-12 and abs(tol[1] - 0.02 * q) < 1e-9
# P(gap<=0) in 2030: the file's p_gap_closed_full_cost (same paths), Wilson's larger side
p = s["p_gap_closed_full_cost"][yr]; plo = s["p_gap_closed_full_cost_lo"][yr]; phi = s["p_gap_closed_full_cost_hi"][yr]
assert abs(est[2] - p) < 1e-12 and abs(half[2] - max(p - plo, phi - p)) < 1e-12, (est[2], p, half[2])
# The batch before: some target not met.
bs = b["summary"]; bm = b["metrics"]
h0 = 1.959964 * bm["npv_se"][()]
q, lo, hi = (bs[v][yr, j] for v in ("revenue_q", "revenue_q_lo", "revenue_q_hi"))
h1 = max(hi - q, q - lo) / (0.02 * q)
p, plo, phi = (bs[v][yr] for v in ("p_gap_closed_full_cost", "p_gap_closed_full_cost_lo", "p_gap_closed_full_cost_hi"))
h2 = max(p - plo, phi - p)
assert h0 > 25 or h1 > 1 or h2 > 0.01, (h0, h1, h2)
print("ok", f.attrs["paths"], half, tol, "before:", h0, h1, h2)
PY
}
check "the stop is the first batch whose intervals are within tolerance, and equals run -n PATHS" same_as_run

# 3. A limit that comes first: exit 0, a warning naming the unmet target,
#    precision_reached 0, paths = the limit (not a multiple of the batch).
limit() {
    "$BIN" run $S -n 20000 -s 3 --batch 8192 --quiet --precision 'mean(npv)~0.01' -o "$OUT/limit.h5" >"$OUT/limit.txt" 2>"$OUT/limit.err" || return 1
    grep -q "warning: the path limit (20000) came before the targets: mean(npv)~0.01" "$OUT/limit.err" &&
    [ "$(attr "$OUT/limit.h5" precision_reached)" = 0 ] && [ "$(attr "$OUT/limit.h5" paths)" = 20000 ] &&
    grep -q "NOT met" "$OUT/limit.txt"
}
check "the path limit first: exit 0, a warning naming the target, precision_reached 0" limit

# 4. Bad arguments: exit 2 with the position, no file.
bad() { # EXPECTED-STDERR ARGS...
    local want=$1; shift
    "$BIN" run $S -n 20000 -o "$OUT/bad.h5" "$@" >/dev/null 2>"$OUT/bad.err"
    local rc=$?
    [ $rc -eq 2 ] && grep -qF -- "$want" "$OUT/bad.err" && [ ! -e "$OUT/bad.h5" ] || { echo "exit $rc"; cat "$OUT/bad.err"; return 1; }
}
check "a target without a tolerance" bad "--precision:1:10: error: found '=5'; expected '~TOL'" --precision 'mean(npv)=5'
check "an unknown output" bad "--precision:2:6: error: found 'nvp'" --precision 'mean(npv)~1' --precision 'mean(nvp)~1'
check "a year outside the horizon" bad "--precision:1:14: error: found '2050'; expected a year from 2025 to 2034" --precision 'mean(revenue@2050)~1'
check "the mean of a year metric" bad "'never' has no mean" --precision 'mean(payback_year)~1'
check "a tolerance <= 0" bad "expected a tolerance > 0" --precision 'P(npv<=0)~0'
check "--batch not a multiple of 8192" bad "--batch takes a number of paths, a positive multiple of 8192" --precision 'mean(npv)~1' --batch 10000
check "--batch without --precision" bad "--batch sets the batches of --precision" --batch 8192
check "--precision with --deterministic" bad "it excludes --deterministic" --precision 'mean(npv)~1' --deterministic
check "a probability tolerance of 0.5 or more" bad "expected a tolerance below 0.5" --precision 'P(npv<=0)~0.5'
# One path has intervals of width 0 (model.md §9): never "met".
one_path() {
    "$BIN" run $S -n 1 --quiet --precision 'P(npv<=0)~0.01' --precision 'mean(npv)~5' -o "$OUT/one.h5" >"$OUT/one.txt" 2>"$OUT/one.err" &&
    [ "$(attr "$OUT/one.h5" precision_reached)" = 0 ] && [ "$(grep -c "NOT met" "$OUT/one.txt")" = 2 ]
}
check "one path meets no target" one_path
