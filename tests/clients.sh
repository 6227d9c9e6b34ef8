#!/bin/bash
# clients.sh BIN OUTDIR: the result file opens in the clients the README
# names, as it is, and each example of examples/ prints the same fan chart
# numbers (organic revenue's quantiles per year, the methods' median bars),
# equal to `payback export`'s values (to the 10 digits they print).
#   Python xarray and h5py, R ncdf4 (no warning) and hdf5r, GNU Octave's
#   netcdf (ncread, ncreadatt, ncinfo), ncdump, gnuplot through the CSV
#   export (a PNG that is not blank).
# A client Debian lacks on this machine is a skipped line ("ok - ... # SKIP").
. "$(dirname "$0")/checks.sh" "$1" "$2" clients

R=$OUT/r.h5
"$BIN" run tests/data/small.yaml -n 4000 -s 11 --quiet -o "$R" >/dev/null && "$BIN" export "$R" -o "$OUT/r.csv" ||
    { notok "result and export written"; exit 0; }
# The expected lines, from the export: one per year.
"$PY" - "$OUT/r.csv" >"$OUT/want.txt" <<'EOF' || notok "expected lines from the export"
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["group"] == "summary" and r["statistic"] == "q"]
years = sorted({int(r["year"]) for r in rows})
levels = sorted({float(r["quantile"]) for r in rows})
val = {(r["variable"], int(r["year"]), float(r["quantile"])): float(r["value"]) for r in rows}
for y in years:
    fan = [val[("organic_revenue", y, q)] for q in levels]
    bars = [val[(f"required_{m}", y, 0.5)] for m in ("bain", "jpmorgan", "sequoia", "full_cost")]
    print(y, " ".join(f"{v:.10g}" for v in fan + bars))
EOF

# same LOG: the "year" lines of an example's output match want.txt.
same() {
    "$PY" - "$OUT/want.txt" "$1" <<'EOF'
import sys
want = [l.split() for l in open(sys.argv[1])]
got = [l.replace("organic_q", "").replace("required_median", "").split()[1:]
       for l in open(sys.argv[2]) if l.startswith("year ")]
assert len(got) == len(want), (len(got), len(want))
for w, g in zip(want, got):
    assert int(g[0]) == int(w[0]) and len(g) == len(w), (w, g)
    for a, b in zip(w[1:], g[1:]):
        assert abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(a))), (w[0], a, b)
print(len(got), "years match")
EOF
}
have() { command -v "$1" >/dev/null 2>&1; }
skip() { echo "ok - clients: $1 # SKIP $2"; }
run_example() { # NAME LOGFILE CMD...: the example's output matches, and its stderr is empty
    local name=$1 log=$2
    shift 2
    # ncdf4 prints its ">>>> WARNING <<<" on standard output, not as an R warning.
    if "$@" >"$log" 2>"$log.err" && [ ! -s "$log.err" ] && ! grep -q "WARNING" "$log" &&
        same "$log" >"$log.cmp" 2>&1; then ok "$name"
    else notok "$name" "$(head -5 "$log.err")" "$(tail -3 "$log.cmp" 2>/dev/null)" "$(head -3 "$log")"; fi
}

cd "$OUT"   # the examples draw their pictures into the working folder
EX=$OLDPWD/examples
if "$PY" -c "import xarray, netCDF4" 2>/dev/null; then
    run_example "Python xarray (examples/fan_xarray.py)" "$OUT/xarray.txt" "$PY" "$EX/fan_xarray.py" "$R"
else skip "Python xarray" "python3-xarray or python3-netcdf4 missing"; fi
if "$PY" -c "import h5py" 2>/dev/null; then
    run_example "Python h5py (examples/fan_h5py.py)" "$OUT/h5py.txt" "$PY" "$EX/fan_h5py.py" "$R"
else skip "Python h5py" "python3-h5py missing"; fi
if have Rscript && Rscript -e 'library(ncdf4)' >/dev/null 2>&1; then
    # warn = 2: any warning (ncdf4's "R does not support this data type" on
    # a 64-bit integer attribute) is an error.
    run_example "R ncdf4 (examples/fan_ncdf4.R): dimensions named, no warning, a PNG" "$OUT/ncdf4.txt" \
        Rscript -e 'options(warn = 2); source(commandArgs(TRUE)[1])' "$EX/fan_ncdf4.R" "$R"
    [ -s "$OUT/fan_ncdf4.png" ] || notok "R ncdf4 drew fan_ncdf4.png"
else skip "R ncdf4" "r-cran-ncdf4 missing"; fi
if have Rscript && Rscript -e 'library(hdf5r)' >/dev/null 2>&1; then
    run_example "R hdf5r (examples/fan_hdf5r.R): dimensions named from the scales" "$OUT/hdf5r.txt" \
        Rscript -e 'options(warn = 2); source(commandArgs(TRUE)[1])' "$EX/fan_hdf5r.R" "$R"
else skip "R hdf5r" "r-cran-hdf5r missing"; fi
if have octave-cli && octave-cli --no-history --norc -q --eval 'pkg load netcdf' >/dev/null 2>&1; then
    # Octave 7 in a container prints "ignoring const execution_exception&
    # while preparing to exit" at every exit: not the script's.
    octave() {
        octave-cli --no-history --norc -q "$EX/fan_octave.m" "$R" 2> >(grep -v "preparing to exit" >&2)
    }
    run_example "GNU Octave netcdf (examples/fan_octave.m): ncread, ncreadatt, ncinfo" "$OUT/octave.txt" octave
else skip "GNU Octave netcdf" "octave or octave-netcdf missing"; fi
if have ncdump; then
    ncd() { ncdump -h "$R" | grep -q 'string\|NC_STRING' && return 1; ncdump -h "$R" | grep -q ':seed = "11"' &&
            ncdump -v organic_revenue_q -g summary "$R" | grep -q 'organic_revenue_q ='; }
    check "ncdump: header (text attributes as char, not string) and a variable of a group" ncd
else skip "ncdump" "netcdf-bin missing"; fi
if have gnuplot; then
    gp() {
        gnuplot -e "csv='$OUT/r.csv'; out='$OUT/fan_gp.png'" "$EX/fan.gp" &&
        "$PY" - "$OUT/fan_gp.png" <<'EOF'
import sys, zlib, struct
b = open(sys.argv[1], "rb").read()
assert b[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
w, h = struct.unpack(">II", b[16:24])
assert (w, h) == (1400, 800), (w, h)
# Not blank: the decompressed pixel rows hold more than a handful of byte values.
data = b"".join(b[i + 8:i + 8 + struct.unpack(">I", b[i:i + 4])[0]] for i in range(8, len(b) - 12)
                if b[i + 4:i + 8] == b"IDAT")
raw = zlib.decompress(data)
assert len(set(raw)) > 20, len(set(raw))
print("png", w, h, "distinct bytes", len(set(raw)))
EOF
    }
    check "gnuplot through the CSV export (examples/fan.gp): a 1400x800 PNG, not blank" gp
else skip "gnuplot" "gnuplot-nox missing"; fi
