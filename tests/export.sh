#!/bin/bash
# export.sh BIN OUTDIR: `payback export` (docs/output.md "Export").
#   1. the CSV of a run holds exactly one row per value of every numeric
#      dataset but /paths and /state (counted with h5py), each value equal
#      to the file's to the bit, "never" noted for every +inf of a year
#      metric, and the variable/statistic split of the names;
#   2. JSON holds the same rows and the root attributes;
#   3. sweep, sensitivity and compare files: their dimensions as columns;
#      --paths adds /paths with its path and parameter columns;
#   4. R's read.csv reads it without a warning, value numeric;
#   5. bad input: not a payback file, a missing file, --format xml, an -o
#      that is neither an export nor absent (untouched), stdout full.
. "$(dirname "$0")/checks.sh" "$1" "$2" export

SC=tests/data/small.yaml
"$BIN" run $SC -n 3000 -s 5 --store-paths 4 --quiet -o "$OUT/r.h5" >/dev/null &&
"$BIN" export "$OUT/r.h5" -o "$OUT/r.csv" && "$BIN" export "$OUT/r.h5" --format json -o "$OUT/r.json" ||
    { notok "export of a run written"; exit 0; }

# 1 and 2: against h5py's reading of the same file.
against_h5py() {
    "$PY" - "$OUT/r.h5" "$OUT/r.csv" "$OUT/r.json" <<'EOF'
import csv, json, math, sys
import h5py, numpy as np
h5, csvf, jsf = sys.argv[1:]
f = h5py.File(h5, "r")
want = {}
def visit(name, obj):
    if isinstance(obj, h5py.Dataset) and obj.dtype.kind in "fiu" and not name.startswith(("state/", "paths/")) \
            and "CLASS" not in obj.attrs:
        want[name] = np.asarray(obj[()], dtype=float).ravel()
f.visititems(visit)
rows = list(csv.DictReader(open(csvf, newline="")))
n_want = sum(v.size for v in want.values())
assert len(rows) == n_want, (len(rows), n_want)
# Values, in the file's order (last dimension fastest), to the bit.
by = {}
for r in rows:
    by.setdefault((r["group"], r["variable"], r["statistic"]), []).append(r)
def key(name):
    g, n = name.rsplit("/", 1)
    if n.startswith("p_gap_closed_"):
        m = n[len("p_gap_closed_"):]
        st = "p_closed"
        if m.endswith(("_lo", "_hi")):
            st, m = "p_closed" + m[-3:], m[:-3]
        return (g, "gap_" + m, st)
    for s in ("_q_lo", "_q_hi", "_q", "_mean", "_sd", "_se", "_never", "_hist"):
        if n.endswith(s):
            return (g, n[: -len(s)], s[1:])
    return (g, n, "value")
nevers = 0
for name, v in want.items():
    got = by[key(name)]
    assert len(got) == v.size, (name, len(got), v.size)
    for x, r in zip(v, got):
        if math.isfinite(x):
            assert float(r["value"]) == x and r["note"] == "", (name, x, r)
        else:
            assert r["value"] == "" and r["note"] in ("never", "inf", "-inf", "nan"), (name, r)
            if x > 0 and "never" in f[name].attrs:
                assert r["note"] == "never", (name, r)
                nevers += 1
# The coordinates of one value: gap_full_cost's median in the last year.
years = f["summary/year"][()]
qs = f["summary/quantile"][()]
iq = list(qs).index(0.5)
x = f["summary/gap_full_cost_q"][len(years) - 1, iq]
r = [r for r in by[("summary", "gap_full_cost", "q")] if int(r["year"]) == years[-1] and float(r["quantile"]) == 0.5]
assert len(r) == 1 and float(r[0]["value"]) == x and r[0]["units"] == f["summary/gap_full_cost_q"].attrs["units"].decode()
j = json.load(open(jsf))
assert j["columns"] == list(rows[0].keys()), j["columns"]
assert len(j["rows"]) == len(rows)
assert j["attributes"]["seed"] == "5" and j["attributes"]["paths"] == 3000 and j["attributes"]["program"] == "payback"
for a, b in zip(rows, j["rows"]):
    for k, v in a.items():
        w = b[k]
        assert (v == "" and w is None) or (k in ("value", "year", "quantile") and float(v) == w) or v == w, (k, v, w)
print("rows", len(rows), "never", nevers)
EOF
}
check "CSV: one row per value, equal to the file's to the bit; never noted; JSON the same rows" against_h5py

dims() {
    "$BIN" sweep $SC --vary gpu.physical_life=4,6 -n 1000 --quiet -o "$OUT/sw.h5" >/dev/null &&
    "$BIN" export "$OUT/sw.h5" | head -1 | grep -qx 'group,variable,statistic,gpu.physical_life,year,quantile,value,note,units' &&
    [ "$("$BIN" export "$OUT/sw.h5" | grep -c '^metrics,npv,mean,')" = 2 ] &&
    "$BIN" sensitivity $SC -n 256 --method tornado,rank --quiet -o "$OUT/se.h5" >/dev/null &&
    "$BIN" export "$OUT/se.h5" | head -1 | grep -qx 'group,variable,statistic,factor,output,value,note,units' &&
    "$BIN" compare $SC --set-b gpu.accounting_life=3 -n 1000 --quiet -o "$OUT/cmp.h5" >/dev/null &&
    "$BIN" export "$OUT/cmp.h5" | grep -q '^diff/metrics,npv,p_positive,' &&
    "$BIN" export "$OUT/r.h5" --paths | head -1 | grep -qx 'group,variable,statistic,year,quantile,path,parameter,value,note,units' &&
    [ "$("$BIN" export "$OUT/r.h5" --paths | grep -c '^paths,npv,value,')" = 4 ]
}
check "sweep, sensitivity, compare: their dimensions as columns; --paths adds /paths" dims

r_reads() {
    command -v Rscript >/dev/null || { echo "no Rscript"; return 0; }
    Rscript -e 'options(warn = 2); x <- read.csv(commandArgs(TRUE)[1]); stopifnot(is.numeric(x$value), is.integer(x$year),
                 nrow(x) > 1000, any(x$note == "never")); cat(nrow(x), "rows\n")' "$OUT/r.csv"
}
check "R read.csv reads the CSV without a warning (value numeric, year integer)" r_reads

refusals() {
    local rc
    "$PY" -c "import h5py; h5py.File('$OUT/other.h5', 'w')['x'] = [1.0]" &&
    { "$BIN" export "$OUT/other.h5" >/dev/null 2>"$OUT/e1"; [ $? -eq 2 ] && grep -q "not a payback result" "$OUT/e1"; } &&
    { "$BIN" export "$OUT/missing.h5" >/dev/null 2>/dev/null; [ $? -eq 2 ]; } &&
    { "$BIN" export "$OUT/r.h5" --format xml >/dev/null 2>"$OUT/e2"; [ $? -eq 2 ] && grep -q "csv or json" "$OUT/e2"; } &&
    echo "keep me" >"$OUT/notes.csv" &&
    { "$BIN" export "$OUT/r.h5" -o "$OUT/notes.csv" 2>/dev/null; [ $? -eq 2 ] && [ "$(cat "$OUT/notes.csv")" = "keep me" ]; } &&
    "$BIN" export "$OUT/r.h5" -o "$OUT/r.csv" && ! ls "$OUT"/*.part* 2>/dev/null &&
    { "$BIN" export "$OUT/r.h5" -o "$OUT/r.h5" 2>/dev/null; [ $? -eq 2 ]; } && "$BIN" summary "$OUT/r.h5" >/dev/null &&
    if [ -w /dev/full ]; then "$BIN" export "$OUT/r.h5" >/dev/full 2>"$OUT/e3"; rc=$?; [ $rc -eq 1 ] && grep -q "cannot write" "$OUT/e3"; fi
}
check "refusals: not payback, missing, --format xml, -o over a non-export or the input; /dev/full exit 1" refusals
