#!/bin/bash
# sweep.sh BIN OUTDIR: end-to-end tests of `payback sweep` and `payback
# solve` (interfaces.md §4, docs/model.md §10 "Solve", §11 case 9).
# Prints "ok - NAME" / "not ok - NAME" lines for tests/all.sh.
. "$(dirname "$0")/checks.sh" "$1" "$2"

S=tests/data/solve_growth.yaml
G=revenue.growth.long_run
VOL=(--set revenue.growth.volatility=0.2)

# 1. model.md §11 case 9: R_2024 = 50, phi = sigma = 0, Bain R*_2030 =
#    500 / 0.25 = 2000; gap_bain@2030 = 0 at g = ln(2000 / ((1 - chi) 50)) / 6.
case9() { # chi
    "$BIN" solve "$S" --vary "$G=0:2" --target gap_bain@2030=0 --set "revenue.circular_share=$1" \
        -o "$OUT/case9_$1.h5" --quiet >"$OUT/case9_$1.txt" || return 1
    "$PY" - "$OUT/case9_$1.h5" "$1" <<'EOF'
import math, sys, h5py
f = h5py.File(sys.argv[1], "r")
chi = float(sys.argv[2])
want = math.log(2000 / ((1 - chi) * 50)) / 6
got = float(f.attrs["solve_root"])
print("root %.15g, closed form %.15g, relative error %.2e" % (got, want, abs(got - want) / want))
assert abs(got - want) <= 1e-9 * want
lo, hi = f.attrs["solve_bracket"]
assert lo <= got <= hi and hi - lo <= 1e-9 * (1 + abs(got)), (lo, hi)  # Brent's stopping rule, model.md §10
assert f.attrs["command"] == b"solve" and f.attrs["solve_target"] == b"gap_bain@2030=0"  # fixed-length text: bytes
assert f.attrs["deterministic"] == 1 and f["summary/revenue_mean"].shape == (6,)
EOF
}
check "solve: case 9, chi = 0: ln 40 / 6 = 0.614813 to 1e-9" case9 0
grep -h relative "$OUT/check.log" | sed 's/^/# /'
check "solve: case 9, chi = 0.1: 0.632373 to 1e-9" case9 0.1
grep -h relative "$OUT/check.log" | sed 's/^/# /'

# 2. Monte Carlo solves: a run at each end of the final bracket puts the
#    target between them, and the run at the root is within the
#    tolerance's reach of it.
mc_mean() {
    "$BIN" solve "$S" --vary "$G=0:2" --target 'mean(npv)=-500' "${VOL[@]}" -n 3000 -o "$OUT/mean.h5" --quiet \
        >"$OUT/mean.txt" || return 1
    "$PY" - "$BIN" "$S" "$OUT" <<'EOF'
import subprocess, sys, h5py
b, s, out = sys.argv[1:4]
f = h5py.File(out + "/mean.h5", "r")
lo, hi = f.attrs["solve_bracket"]
root = f.attrs["solve_root"]
assert hi - lo <= 1e-6 * (1 + abs(root)), (lo, hi)
def mean_at(x, name):
    subprocess.run([b, "run", s, "--set", "revenue.growth.volatility=0.2", "--set", "revenue.growth.long_run=%r" % x,
                    "-n", "3000", "-o", out + "/" + name, "--quiet"], check=True, stdout=subprocess.DEVNULL)
    return float(h5py.File(out + "/" + name, "r")["metrics/npv_mean"][()])
m_lo, m_root, m_hi = mean_at(lo, "lo.h5"), mean_at(root, "root.h5"), mean_at(hi, "hi.h5")
print("mean(npv) at lo %.9g, root %.9g, hi %.9g" % (m_lo, m_root, m_hi))
assert min(m_lo, m_hi) <= -500 <= max(m_lo, m_hi)
assert abs(m_root + 500) <= abs(m_hi - m_lo) + 1e-9 * 500
assert m_root == float(f["metrics/npv_mean"][()])  # the file is the run at the root
EOF
}
check "solve: mean(npv)=c by Brent, run --set at the bracket's ends straddles c" mc_mean
mc_prob() {
    "$BIN" solve "$S" --vary "$G=0:2" --target 'P(gap_full_cost@2030<=0)=0.3' "${VOL[@]}" -n 2000 \
        -o "$OUT/prob.h5" --quiet >"$OUT/prob.txt" || return 1
    "$PY" - "$BIN" "$S" "$OUT" <<'EOF'
import subprocess, sys, h5py, numpy as np
b, s, out = sys.argv[1:4]
f = h5py.File(out + "/prob.h5", "r")
lo, hi = f.attrs["solve_bracket"]
root = f.attrs["solve_root"]
assert hi - lo <= 1e-6 * (1 + abs(root)), (lo, hi)
def p_at(x, name):  # P(gap <= 0) from the paths themselves
    subprocess.run([b, "run", s, "--set", "revenue.growth.volatility=0.2", "--set", "revenue.growth.long_run=%r" % x,
                    "-n", "2000", "--store-paths", "2000", "-o", out + "/" + name, "--quiet"],
                   check=True, stdout=subprocess.DEVNULL)
    return float(np.mean(h5py.File(out + "/" + name, "r")["paths/gap_full_cost"][:, 5] <= 0))
p_lo, p_hi = p_at(lo, "plo.h5"), p_at(hi, "phi.h5")
print("P at lo %.6f, hi %.6f, value at root %.6f" % (p_lo, p_hi, f.attrs["solve_value"]))
assert (p_lo - 0.3) * (p_hi - 0.3) <= 0
assert p_lo <= 0.3 <= p_hi
EOF
}
check "solve: P(Y<=c)=q by bisection, run --set at the bracket's ends straddles q" mc_prob
det_mc() { # the same answer for 1 and 2 threads
    "$BIN" solve "$S" --vary "$G=0:2" --target 'q0.5(npv)=-800' "${VOL[@]}" -n 2000 -t 1 -o "$OUT/q1.h5" --quiet \
        >"$OUT/q1.txt" &&
        "$BIN" solve "$S" --vary "$G=0:2" --target 'q0.5(npv)=-800' "${VOL[@]}" -n 2000 -t 2 -o "$OUT/q2.h5" --quiet \
            >"$OUT/q2.txt" && diff "$OUT/q1.txt" "$OUT/q2.txt"
}
check "solve: a quantile target gives the same root for 1 and 2 threads" det_mc

# 3. No sign change: exit 2, both values in the message, no file.
nosign() {
    "$BIN" solve "$S" --vary "$G=0:0.3" --target gap_bain@2030=0 -o "$OUT/nosign.h5" >/dev/null 2>"$OUT/nosign.err"
    local rc=$?
    cat "$OUT/nosign.err"
    [ $rc -eq 2 ] && ! ls "$OUT"/nosign.h5* >/dev/null 2>&1 &&
        grep -q -- '--vary:1:25: error: found no sign change on \[0, 0.3\]: gap_bain@2030 is 1950 at 0 and 1697.5.* at 0.3' \
            "$OUT/nosign.err"
}
check "solve: no sign change exits 2 stating both values, no file" nosign
usage2() { # CMD... must exit 2 with MESSAGE (the last argument) on stderr
    local want=${*: -1}
    "$BIN" "${@:1:$#-1}" >/dev/null 2>"$OUT/u.err"
    local rc=$?
    cat "$OUT/u.err"
    [ $rc -eq 2 ] && grep -q -- "$want" "$OUT/u.err"
}
check "solve: mean() with --deterministic is refused" \
    usage2 solve "$S" --vary "$G=0:2" --target 'mean(npv)=0' --deterministic -o "$OUT/x.h5" '--target:1:1: error'

# 4. Sweep.
SW=(--vary "$G=0.3:0.5:0.1" --vary gpu.physical_life=4,6 -n 1500 -s 5 "${VOL[@]}" --quiet)
check "sweep: runs, -t 1" "$BIN" sweep "$S" "${SW[@]}" -t 1 -o "$OUT/sw1.h5"
check "sweep: runs, -t 2" "$BIN" sweep "$S" "${SW[@]}" -t 2 -o "$OUT/sw2.h5"
check "sweep: bit-identical for 1 and 2 threads" h5diff "$OUT/sw1.h5" "$OUT/sw2.h5" /summary /summary
check "sweep: /metrics bit-identical for 1 and 2 threads" h5diff "$OUT/sw1.h5" "$OUT/sw2.h5" /metrics /metrics
points() {
    "$PY" - "$BIN" "$S" "$OUT" <<'EOF'
import subprocess, sys, h5py, numpy as np, xarray as xr
b, s, out = sys.argv[1:4]
f = h5py.File(out + "/sw1.h5", "r")
g = "revenue.growth.long_run"
xs, ls = f["summary/" + g][:], f["summary/gpu.physical_life"][:]
assert list(xs) == [0.3, 0.4, 0.5], xs  # HI included; 0.3 + 2 * 0.1 is 0.5 exactly
assert list(ls) == [4, 6] and f.attrs["command"] == b"sweep"
assert f["summary/revenue_q"].shape == (3, 2, 6, 3) and f["metrics/npv_mean"].shape == (3, 2)
n = 0
for i, x in enumerate(xs):
    for j, l in enumerate(ls):
        r = out + "/pt.h5"
        subprocess.run([b, "run", s, "--set", "revenue.growth.volatility=0.2", "--set", "%s=%r" % (g, x),
                        "--set", "gpu.physical_life=%r" % l, "-n", "1500", "-s", "5", "-o", r, "--quiet"], check=True,
                       stdout=subprocess.DEVNULL)
        with h5py.File(r, "r") as p:
            for grp in ("summary", "metrics"):
                for k, d in p[grp].items():
                    if k in ("year", "quantile"):
                        continue
                    a, w = np.asarray(f[grp][k][i, j]), np.asarray(d[()])
                    assert a.shape == w.shape and np.array_equal(a, w, equal_nan=True), (grp, k, x, l)
                    n += 1
print("%d datasets compared" % n)
ds = xr.open_dataset(out + "/sw1.h5", group="summary")
sel = ds.sel({g: 0.4, "gpu.physical_life": 6})
assert float(sel["revenue_mean"].sel(year=2030)) == float(f["summary/revenue_mean"][1, 1, 5])
m = xr.open_dataset(out + "/sw1.h5", group="metrics")
assert float(m["npv_mean"].sel({g: 0.5, "gpu.physical_life": 4})) == float(f["metrics/npv_mean"][2, 0])
EOF
}
check "sweep: every point equals run --set with the same seed and N (all of /summary, /metrics); xarray sel" points
accounting() { # the interface's own example
    "$BIN" sweep "$S" --vary gpu.accounting_life=3:5:1 -n 500 -o "$OUT/acc.h5" --quiet >"$OUT/acc.txt" &&
        "$PY" -c "
import sys, xarray as xr
ds = xr.open_dataset(sys.argv[1], group='summary')
assert ds['revenue_q'].dims == ('gpu.accounting_life', 'year', 'quantile'), ds['revenue_q'].dims
print(ds.sel({'gpu.accounting_life': 3})['revenue_q'].shape)" "$OUT/acc.h5" &&
        [ "$(grep -c . "$OUT/acc.txt")" -eq 5 ]
}
check "sweep: gpu.accounting_life=3:5:1 is 3 points; sel({'gpu.accounting_life': 3}); a table row each" accounting
snap() {
    "$BIN" sweep "$S" --vary "$G=0.1:0.3:0.1" -n 100 -o "$OUT/snap.h5" --quiet >/dev/null &&
        "$PY" -c "
import sys, h5py
v = list(h5py.File(sys.argv[1], 'r')['metrics/revenue.growth.long_run'][:])
assert v == [0.1, 0.2, 0.3], v  # 0.1 + 2 * 0.1 = 0.30000000000000004 lands within 1e-9 STEP of HI: HI itself" "$OUT/snap.h5"
}
check "sweep: HI is a grid point when the grid lands within 1e-9 STEP of it" snap
check "sweep: more than 10000 points exit 2" \
    usage2 sweep "$S" --vary "$G=0:1:0.01" --vary gpu.physical_life=1:100:1 -o "$OUT/big.h5" \
    'expected at most 10000'
check "sweep: 10001 points on one --vary exit 2" usage2 sweep "$S" --vary "$G=0:1:0.0001" -o "$OUT/big.h5" '--vary:1:25:'
check "sweep: a bad number exits 2 at its column" usage2 sweep "$S" --vary "$G=0.1,x" -o "$OUT/bad.h5" '--vary:1:29: error'
check "sweep: a value outside the domain exits 2 at its column" \
    usage2 sweep "$S" --vary "$G=0.1" --vary gpu.physical_life=4,-1 -o "$OUT/bad.h5" '--vary:2:21: error'
check "sweep: an unknown parameter exits 2" usage2 sweep "$S" --vary gpu.physical_lif=4 -o "$OUT/bad.h5" '--vary:1:1: error'
check "sweep: a parameter the scenario does not use exits 2" \
    usage2 sweep "$S" --vary revenue.logistic.market=100 -o "$OUT/bad.h5" '--vary:1:1: error'
check "sweep: a parameter varied twice exits 2" \
    usage2 sweep "$S" --vary "$G=0.1" --vary "$G=0.2" -o "$OUT/bad.h5" '--vary:2:1: error'
check "sweep: STEP <= 0 exits 2" usage2 sweep "$S" --vary "$G=0:1:0" -o "$OUT/bad.h5" '--vary:1:29: error'
check "sweep: a value given twice exits 2 (the coordinate must select)" \
    usage2 sweep "$S" --vary "$G=0.1,0.2,0.1" -o "$OUT/bad.h5" '--vary:1:33: error: found 0.10000000000000001 for revenue.growth.long_run a second time'
check "solve: a bound past 1e12 exits 2 at its --vary position" \
    usage2 solve "$S" --vary "$G=0:1e300" --target gap_bain@2030=0 -o "$OUT/bad.h5" '--vary:1:27: error: found 1.0000000000000001e+300'
# P(Y<=c) is a step function of x: a flat stretch at exactly q does not
# collapse the bracket (the root is the stretch's edge nearest LO).
solve_flat() {
    "$BIN" solve tests/data/corr.yaml --vary revenue.growth.persistence=0.3:0.95 --target 'P(gap_full_cost@2030<=0)=0.95' \
        -n 2000 -o "$OUT/flat.h5" --quiet >"$OUT/flat.txt" || return 1
    "$PY" - "$OUT/flat.h5" <<'PY'
import sys, h5py
f = h5py.File(sys.argv[1])
lo, hi = f.attrs["solve_bracket"]
assert 0 < hi - lo <= 1e-6 * (1 + abs(hi)) * 1.0000001, (lo, hi)
print(lo, hi, f.attrs["solve_value"])
PY
}
check "solve: a probability target keeps a bracket of positive width" solve_flat
if ls "$OUT"/bad.h5* "$OUT"/big.h5* >/dev/null 2>&1; then notok "sweep: failed sweeps leave no file"; else ok "sweep: failed sweeps leave no file"; fi
