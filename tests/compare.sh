#!/bin/bash
# compare.sh BIN OUTDIR: end-to-end tests of `payback compare` (docs/cli.md,
# docs/output.md; the statistics of model.md §10.1).
#   1. a scenario against itself: Δ = 0 in every statistic of /diff;
#   2. against a small shift: /diff's mean and paired se equal NumPy's over
#      the per-path differences of two `run --store-paths` runs (same seed),
#      and the paired se is far below the unpaired one;
#   3. -t 1, 2 and 3 write the same file but for threads, created and argv;
#   4. bad arguments exit 2 naming the position, an unwritable -o exits 1,
#      and neither leaves a file.
# Prints one line per check, "ok - NAME" or "not ok - NAME" (with the
# difference below it); tests/all.sh counts them.
. "$(dirname "$0")/checks.sh" "$1" "$2" compare

# baseline has paybacks within its horizon, IRRs, and every kind of draw.
SC=scenarios/baseline.yaml
N=3000
SEED=11
# A small change: revenue's long-run growth 0.5 point higher, the same
# distribution shifted (its draws move by 0.005 on every path).
SHIFT='revenue.growth.long_run={dist: pert, min: 0.07, mode: 0.11, max: 0.15}'

# 1. A scenario against itself.
self_zero() {
    "$BIN" compare "$SC" "$SC" -n $N -s $SEED -t 2 --quiet -o "$OUT/self.h5" >"$OUT/self.txt" || return 1
    "$PY" - "$OUT/self.h5" <<'EOF'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
bad = []
counts = ("_both", "_only_a", "_only_b", "_neither")
for g in ("summary", "metrics"):
    for k, d in f["diff/" + g].items():
        if k in ("year", "quantile", "paths_used", "nonfinite_paths", "coarse_quantiles") or k.endswith(counts):
            continue
        v = np.asarray(d[()], dtype=float)
        if k.endswith(("_lo", "_hi")) and "_p_" in k:  # Wilson bounds of 0 successes: not 0
            continue
        # Statistics over no path (a year no path reaches in both) are NaN.
        if not np.all((v == 0) | np.isnan(v)): bad.append("%s/%s: %s" % (g, k, v.ravel()[:4]))
        if np.all(np.isnan(v)) and not k.startswith(("catchup", "discounted", "payback", "irr")):
            bad.append("%s/%s: all NaN" % (g, k))
a, m = f["a/metrics"], f["diff/metrics"]
n = int(f["a/summary/paths_used"][()])
for y in ("payback_year", "discounted_payback_year", "catchup_year_full_cost"):
    never = int(a[y + "_never"][()])
    want = {"both": n - never, "only_a": 0, "only_b": 0, "neither": never}
    got = {j: int(m["%s_%s" % (y, j)][()]) for j in want}
    if got != want: bad.append("%s: %s, want %s" % (y, got, want))
    if n - never > 0 and m[y + "_mean"][()] != 0: bad.append(y + "_mean not 0")
if int(m["payback_year_both"][()]) == 0: bad.append("no payback in both: the test sees no year metric")
irr_both = n - int(a["irr_none"][()]) - int(a["irr_multiple"][()])
if int(m["irr_both"][()]) != irr_both: bad.append("irr_both %d, want %d" % (m["irr_both"][()], irr_both))
for g in ("summary", "metrics"):
    for k, d in f["a/" + g].items():
        if not np.array_equal(d[()], f["b/%s/%s" % (g, k)][()], equal_nan=True): bad.append("/a and /b differ: " + k)
for k in ("scenario_b_name", "scenario_b_yaml", "overrides_b", "command", "argv"):
    if k not in f.attrs: bad.append("no root attribute " + k)
print("\n".join(bad) if bad else "n = %d, paybacks in both = %d" % (n, m["payback_year_both"][()]))
sys.exit(1 if bad else 0)
EOF
}
check "a scenario against itself: every /diff statistic is 0, joint counts = A's events" self_zero

# 2. Against a shift: the paired statistics equal NumPy's over the stored paths.
paired() {
    "$BIN" compare "$SC" --set-b "$SHIFT" -n $N -s $SEED -t 2 --quiet -o "$OUT/shift.h5" >"$OUT/shift.txt" || return 1
    "$BIN" run "$SC" -n $N -s $SEED -t 2 --quiet --store-paths $N -o "$OUT/run_a.h5" >/dev/null || return 1
    "$BIN" run "$SC" --set "$SHIFT" -n $N -s $SEED -t 2 --quiet --store-paths $N -o "$OUT/run_b.h5" >/dev/null || return 1
    "$PY" - "$OUT" <<'EOF'
import sys, h5py, numpy as np
out = sys.argv[1]
c, ra, rb = (h5py.File("%s/%s.h5" % (out, k), "r") for k in ("shift", "run_a", "run_b"))
pa, pb = ra["paths"], rb["paths"]
ok_rows = (pa["nonfinite"][()] == 0) & (pb["nonfinite"][()] == 0)
years = list(c["diff/summary/year"][()])
bad, report = [], []
def close(got, want, what, tol=1e-9):
    if not abs(got - want) <= tol * max(abs(want), 1e-300): bad.append("%s: %r, want %r" % (what, got, want))
def paired(name, a, b, rows):
    d = b[rows] - a[rows]
    return d, d.mean(), d.std(ddof=1) / np.sqrt(d.size)
# Series in a year and money metrics, over the paths finite in both.
for name, t in (("gap_full_cost", 2030), ("gap_bain", 2035), ("revenue", 2035), ("cumulative_cash_flow", 2040)):
    i = years.index(t)
    d, mean, se = paired(name, pa[name][:, i], pb[name][:, i], ok_rows)
    g = c["diff/summary"]
    close(g[name + "_mean"][i], mean, "%s@%d mean" % (name, t))
    close(g[name + "_se"][i], se, "%s@%d se" % (name, t))
    close(g[name + "_p_positive"][i], np.mean(d > 0), "%s@%d P(>0)" % (name, t))
    close(g[name + "_p_negative"][i], np.mean(d < 0), "%s@%d P(<0)" % (name, t))
m = c["diff/metrics"]
for name in ("npv", "levelised_required_full_cost", "peak_burn", "understated_depreciation"):
    d, mean, se = paired(name, pa[name][()], pb[name][()], ok_rows)
    close(m[name + "_mean"][()], mean, name + " mean")
    close(m[name + "_se"][()], se, name + " se")
    close(m[name + "_p_positive"][()], np.mean(d > 0), name + " P(>0)")
# IRR: paths where both have exactly one root.
both = ok_rows & (pa["irr_kind"][()] == 0) & (pb["irr_kind"][()] == 0)
d, mean, se = paired("irr", pa["irr"][()], pb["irr"][()], both)
close(m["irr_mean"][()], mean, "irr mean")
close(m["irr_se"][()], se, "irr se")
if int(m["irr_both"][()]) != both.sum(): bad.append("irr_both %d, want %d" % (m["irr_both"][()], both.sum()))
# Year metrics: joint counts, and Δ in years over paths where both have one.
for name in ("payback_year", "discounted_payback_year"):
    ea, eb = np.isfinite(pa[name][()]) & ok_rows, np.isfinite(pb[name][()]) & ok_rows
    want = {"both": (ea & eb).sum(), "only_a": (ea & ~eb).sum(), "only_b": (~ea & eb).sum(),
            "neither": (ok_rows & ~ea & ~eb).sum()}
    got = {j: int(m["%s_%s" % (name, j)][()]) for j in want}
    if got != want: bad.append("%s joint counts %s, want %s" % (name, got, want))
    d, mean, se = paired(name, pa[name][()], pb[name][()], ea & eb)
    close(m[name + "_mean"][()], mean, name + " mean")
    close(m[name + "_se"][()], se, name + " se")
    qs = list(m["quantile"][()])
    close(m[name + "_q"][qs.index(0.5)], np.quantile(d, 0.5, method="inverted_cdf"), name + " median")
    if want["both"] < 100: bad.append("%s: only %d paths with both" % (name, want["both"]))
# A and B as separate runs: /a and /b are the runs' statistics.
for side, r in (("a", ra), ("b", rb)):
    for k in ("npv_mean", "npv_se", "payback_year_never"):
        if not np.array_equal(c[side + "/metrics/" + k][()], r["metrics/" + k][()]): bad.append("/%s/metrics/%s differs from run" % (side, k))
# The paired se against the unpaired one.
for name in ("npv", "peak_burn"):
    sa, sb, sd = (c["%s/metrics/%s_se" % (g, name)][()] for g in ("a", "b", "diff"))
    ratio = np.hypot(sa, sb) / sd
    report.append("%s: paired se %.4g, unpaired %.4g, ratio %.1f" % (name, sd, np.hypot(sa, sb), ratio))
    if not ratio > 5: bad.append("%s: the paired se is not far below the unpaired (ratio %.2f)" % (name, ratio))
print("\n".join(bad + report))
sys.exit(1 if bad else 0)
EOF
}
check "against a shift: mean, paired se, P(>0), joint counts equal NumPy's over run --store-paths" paired
grep -q 'ratio' "$OUT/check.log" && sed -n '/ratio/p' "$OUT/check.log" | sed 's/^/# /'

# 3. The same bits for any thread count (3 blocks of 8,192, the last partial).
threads() {
    for t in 1 2 3; do
        "$BIN" compare "$SC" --set-b "$SHIFT" -n 20000 -s $SEED -t $t --quiet -o "$OUT/t$t.h5" >"$OUT/t$t.txt" || return 1
    done
    cmp "$OUT/t1.txt" "$OUT/t2.txt" && cmp "$OUT/t1.txt" "$OUT/t3.txt" || return 1
    "$PY" - "$OUT" <<'EOF'
import sys, h5py, numpy as np
out = sys.argv[1]
files = [h5py.File("%s/t%d.h5" % (out, t), "r") for t in (1, 2, 3)]
bad = []
def walk(g, path, acc):
    for k, v in g.attrs.items(): acc[path + "@" + k] = v
    for k, v in g.items():
        if isinstance(v, h5py.Group): walk(v, path + "/" + k, acc)
        else:
            acc[path + "/" + k] = v[()]
            for a, av in v.attrs.items():
                if a not in ("DIMENSION_LIST", "REFERENCE_LIST"): acc[path + "/" + k + "@" + a] = av
ref = {}
walk(files[0], "", ref)
for f in files[1:]:
    other = {}
    walk(f, "", other)
    if set(ref) != set(other): bad.append("different objects: %s" % (set(ref) ^ set(other)))
    for k in ref:
        if k in ("@threads", "@created", "@argv") or k not in other: continue
        a, b = np.asarray(ref[k]), np.asarray(other[k])
        same = np.array_equal(a, b, equal_nan=True) if a.dtype.kind == "f" else np.array_equal(a, b)
        if not same: bad.append("%s: %s differs" % (f.filename, k))
print("\n".join(bad[:20]) if bad else "%d objects identical" % len(ref))
sys.exit(1 if bad else 0)
EOF
}
check "-t 1, 2, 3: identical files but threads, created, argv" threads

# 4. Bad arguments: exit 2 with the position, no file; unwritable -o: exit 1.
expect() { # NAME STATUS PATTERN ARGS...: exit STATUS, stderr matches PATTERN, no file
    local name=$1 want=$2 pat=$3
    shift 3
    "$BIN" compare "$@" -n 50 --quiet >"$OUT/bad.out" 2>"$OUT/bad.err"
    local rc=$?
    local left
    left=$(ls "$OUT" | grep '^bad\.h5\(\.part.*\)\?$' || true)
    if [ $rc -eq "$want" ] && grep -q -- "$pat" "$OUT/bad.err" && [ -z "$left" ] && [ ! -s "$OUT/bad.out" ]; then ok "$name"
    else notok "$name" "exit $rc (want $want); files: $left" "$(cat "$OUT/bad.err")"; fi
}
O=(-o "$OUT/bad.h5")
expect "no B: usage error" 2 "needs B" "$SC" "${O[@]}"
expect "three files: usage error" 2 "one or two scenario files" "$SC" "$SC" "$SC" "${O[@]}"
expect "bad --set-b: its position" 2 "^--set-b:1:9: error: .*discount_rat" "$SC" --set-b finance.discount_rat=0.1 "${O[@]}"
expect "second --set-b after a --set: numbered among --set-b" 2 "^--set-b:2:23: error: found 'x'" "$SC" \
    --set finance.discount_rate=0.1 --set-b gpu.accounting_life=5 --set-b finance.discount_rate=x "${O[@]}"
expect "bad --set: its position" 2 "^--set:1:" "$SC" --set-b gpu.accounting_life=5 --set finance.discount_rate=-1 "${O[@]}"
expect "missing B file" 2 "cannot read scenario file 'nonexistent.yaml'" "$SC" nonexistent.yaml "${O[@]}"
expect "different years: names both" 2 "baseline.yaml.*2023-2040.*small.yaml.*2025-2027" "$SC" tests/data/small.yaml "${O[@]}"
expect "-n 0" 2 "\-n takes" "$SC" "$SC" -n 0 "${O[@]}"
expect "--quiet with --progress" 2 "exclude each other" "$SC" "$SC" --progress "${O[@]}"
expect "unknown option" 2 "unknown or incomplete option to 'compare'" "$SC" "$SC" --bogus "${O[@]}"
: >"$OUT/bad.h5.notdir"
expect "-o under a file: exit 1" 1 "error" "$SC" "$SC" -o "$OUT/bad.h5.notdir/x.h5"
ls "$OUT" | grep -q 'bad\.h5\.notdir\.' && notok "-o under a file leaves nothing" "$(ls "$OUT")"
mkdir -p "$OUT/bad.h5.dir"
"$BIN" compare "$SC" "$SC" -n 50 --quiet -o "$OUT/bad.h5.dir" >"$OUT/bad.out" 2>"$OUT/bad.err"
rc=$?
# A folder is refused before any path runs (cli.c): exit 2, nothing written.
if [ $rc -eq 2 ] && grep -q "is a folder; expected a file name" "$OUT/bad.err" && [ -z "$(ls "$OUT" | grep 'bad\.h5\.dir\.part')" ] && [ ! -s "$OUT/bad.out" ]; then ok "-o naming a folder: exit 2 before any path, no .part, no table"
else notok "-o naming a folder: exit 2 before any path, no .part, no table" "exit $rc; $(ls "$OUT")" "$(cat "$OUT/bad.err")"; fi
