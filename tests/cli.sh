#!/bin/bash
# cli.sh BIN OUTDIR: end-to-end tests of the payback command line.
# Prints one line per check, "ok - NAME" or "not ok - NAME" (with the
# difference below it); tests/all.sh counts them.
. "$(dirname "$0")/checks.sh" "$1" "$2"

# 1. Malformed scenarios: the exact stderr and exit status of `validate`
#    (tests/bad/NAME.err), and `run` exits 2 leaving no output file.
for f in tests/bad/*.yaml; do
    name=$(basename "$f" .yaml)
    { "$BIN" validate "$f" 2>&1 >/dev/null; echo "exit $?"; } >"$OUT/$name.err"
    if diff -u "tests/bad/$name.err" "$OUT/$name.err" >"$OUT/diff.txt"; then ok "bad/$name: message and exit status"
    else notok "bad/$name: message and exit status" "$(cat "$OUT/diff.txt")"; fi
    "$BIN" run "$f" --deterministic -o "$OUT/bad_$name.h5" >/dev/null 2>&1
    rc=$?
    if [ $rc -eq 2 ] && ! ls "$OUT"/bad_"$name".h5* >/dev/null 2>&1; then ok "bad/$name: run exits 2, no file"
    else notok "bad/$name: run exits 2, no file" "exit $rc; files: $(ls "$OUT" | grep "bad_$name" | tr '\n' ' ')"; fi
done

# 2. --set errors and usage errors (tests/golden/cli_errors.txt).
e() { echo "\$ payback $*"; "$BIN" "$@" 2>&1 >/dev/null; echo "exit $?"; }
errors() {
    local o=(-o "$OUT/set.h5")
    e run scenarios/bain.yaml --deterministic "${o[@]}" --set finance.discount_rate=-0.1
    e run scenarios/bain.yaml --deterministic "${o[@]}" --set finance.discount_rate
    e run scenarios/bain.yaml --deterministic "${o[@]}" --set finance.discount_rat=0.1
    e run scenarios/bain.yaml --deterministic "${o[@]}" --set gpu.generations.Volta.cost=0.5
    e run scenarios/bain.yaml --deterministic "${o[@]}" --set capex.committed.2025.x=1
    e run scenarios/bain.yaml --deterministic "${o[@]}" --set 'revenue.base=[1,'
    e run scenarios/bain.yaml --deterministic "${o[@]}" --set finance.discount_rate=0.1 --set 'capex.execution={dist: normal}'
    e run scenarios/bain.yaml --deterministic "${o[@]}" --set 'finance.infra_share={dist: pert, min: 0.6, mode: 0.5, max: 0.7}'
    e run scenarios/bain.yaml --deterministic "${o[@]}" --set 'capex.execution={dist: uniform, min: 0.9, max: 1.1, per_year: true}' --set 'correlations=[[capex.execution, capex.compute_share, 0.5]]'
    e run scenarios/bain.yaml --deterministic "${o[@]}" --set 'x=&a [*a]'
    e run scenarios/bain.yaml --deterministic "${o[@]}" --set 'required.bain=&a {x: *a}'
    e run scenarios/bain.yaml --deterministic "${o[@]}" --set 'x=[&a [1,2,3,4,5,6,7,8,9], &b [*a,*a,*a,*a,*a,*a,*a,*a,*a], &c [*b,*b,*b,*b,*b,*b,*b,*b,*b], &d [*c,*c,*c,*c,*c,*c,*c,*c,*c], &e [*d,*d,*d,*d,*d,*d,*d,*d,*d], &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]]'
    e run scenarios/bain.yaml --deterministic "${o[@]}" --set "x=$(printf '[%.0s' $(seq 70))$(printf ']%.0s' $(seq 70))"
    e run scenarios/bain.yaml --deterministic "${o[@]}" --set $'required.bain.capex_ratio=0.3\n---\n0.5'
    e run scenarios/bain.yaml --deterministic "${o[@]}" --set $'description="a \xff"'
    e run scenarios/bain.yaml --deterministic "${o[@]}" --set finance.discount_rate=10
    e run scenarios/bain.yaml --deterministic "${o[@]}" --set 'revenue.growth.long_run={dist: uniform, min: 5, max: 9}'
    e run tests/data/corr.yaml -n 100 --quiet "${o[@]}" --set revenue.base=50
    e run scenarios/bain.yaml -n 100 --quiet "${o[@]}" --set 'revenue.growth={initial: 200, long_run: 200, persistence: 0.5, volatility: 0}'
    e run scenarios/nonexistent.yaml --deterministic
    e run
    e run scenarios/bain.yaml -n 0
    e run scenarios/bain.yaml -t x
    e run scenarios/bain.yaml --quiet --progress
    e frobnicate
    e summary
    e summary scenarios/bain.yaml
    e validate
}
errors | sed -e "s#$OUT#OUT#g" >"$OUT/cli_errors.txt"
if diff -u tests/golden/cli_errors.txt "$OUT/cli_errors.txt" >"$OUT/diff.txt"; then ok "command-line and --set errors"
else notok "command-line and --set errors" "$(cat "$OUT/diff.txt")"; fi
rm -f "$OUT/set.h5" # written by the runs that only warn
if ls "$OUT"/set.h5* >/dev/null 2>&1; then notok "failed runs leave no file" "$(ls "$OUT")"; else ok "failed runs leave no file"; fi

# 3. The four headline figures as the command line prints them (model.md §8).
headline() { # scenario, method, year, published figure
    "$BIN" run "scenarios/$1.yaml" --deterministic -o "$OUT/$1.h5" >"$OUT/$1.txt" || return 1
    awk -v m="required, $2" -v y="$3" -v want="$4" '
        $1 == y { inyear = 1; next } /^[0-9][0-9][0-9][0-9]$/ { inyear = 0 }
        inyear && index($0, m) { v = $(NF-1); gsub(",", "", v); found = 1
            if (v + 0 < want * 0.99 || v + 0 > want * 1.01) { print "got " v ", published " want; exit 1 } }
        END { if (!found) { print "no line for " m " in " y; exit 1 } }' "$OUT/$1.txt"
}
check "headline: Bain 2,000 B\$ in 2030" headline bain bain 2030 2000
check "headline: JPMorgan 650 B\$ from 2030" headline jpmorgan jpmorgan 2030 650
check "headline: JPMorgan 650 B\$ in 2035 (perpetuity)" headline jpmorgan jpmorgan 2035 650
check "headline: Sequoia 200 B\$ (2023)" headline sequoia_2023 sequoia 2023 200
check "headline: Sequoia 600 B\$ (2024)" headline sequoia_2024 sequoia 2024 600

# 4. --set on the command line changes the run: Bain's bar at ratio 0.5 is 1,000.
set_run() {
    "$BIN" run scenarios/bain.yaml --deterministic -o "$OUT/bain_set.h5" --set required.bain.capex_ratio=0.5 >"$OUT/bain_set.txt" &&
    grep -q "required, bain  *1000.0  *1000.0  *1000.0" "$OUT/bain_set.txt" &&
    h5dump -a /overrides "$OUT/bain_set.h5" | grep -q 'required.bain.capex_ratio=0.5' &&
    h5dump -a /scenario_yaml "$OUT/bain_set.h5" | grep -q 'capex_ratio: 0.5' &&
    grep -qx 'with --set required.bain.capex_ratio=0.5' "$OUT/bain_set.txt" &&
    "$BIN" summary "$OUT/bain_set.h5" | grep -qx 'with --set required.bain.capex_ratio=0.5'
}
check "--set: result, overrides and scenario_yaml attributes; the table's header names the overrides" set_run

# 5. The output layout: h5dump -H of a small deterministic run against the
#    golden file; `summary` prints what `run` printed; netCDF readers.
layout() {
    "$BIN" run tests/data/small.yaml --deterministic -o "$OUT/small.h5" >"$OUT/small_run.txt" || return 1
    # Text attributes are fixed-length strings as long as their text (the
    # build string differs between builds): the size is not the layout.
    h5dump -H "$OUT/small.h5" | sed -e "s#$OUT/##" -e 's/STRSIZE [0-9][0-9]*;/STRSIZE <n>;/' >"$OUT/small.h5dump"
    diff -u tests/golden/small.h5dump "$OUT/small.h5dump"
}
check "layout: h5dump -H matches tests/golden/small.h5dump" layout
summary_same() {
    "$BIN" summary "$OUT/small.h5" >"$OUT/small_summary.txt" && diff -u "$OUT/small_run.txt" "$OUT/small_summary.txt"
}
check "summary reprints the table of run" summary_same
attrs() {
    local f=$OUT/small.h5
    h5dump -a /created "$f" | grep -Eq '"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z"' &&
    h5dump -a /deterministic "$f" | grep -q '(0): 1' &&
    h5dump -a /paths "$f" | grep -q '(0): 1' &&
    h5dump -a /program "$f" | grep -q '"payback"' &&
    h5dump -a /units_money "$f" | grep -q 'billion USD, nominal' &&
    h5dump -d /summary/capex_sd "$f" | grep -q '(0): 0, 0, 0' &&
    h5dump -d /summary/capex_mean "$f" | grep -q '(0): 100, 50, 0'
}
check "root attributes; deterministic sd = 0, mean = the path" attrs
check "ncdump -h reads the file" ncdump -h "$OUT/small.h5"
xr() {
    "$PY" - "$OUT/small.h5" <<'PY'
import sys, math, xarray as xr
f = sys.argv[1]
s = xr.open_dataset(f, group="summary")
assert dict(s.sizes) == {"year": 3, "quantile": 5}, dict(s.sizes)
assert list(s["year"].values) == [2025, 2026, 2027]
assert s["revenue_q"].dims == ("year", "quantile")
assert abs(float(s["revenue_mean"].sel(year=2027)) - 135.0) < 1e-9
for v in s.data_vars:
    assert "units" in s[v].attrs and "long_name" in s[v].attrs, v
m = xr.open_dataset(f, group="metrics")
assert math.isinf(float(m["payback_year_q"].sel(quantile=0.5)))
assert abs(float(m["npv_mean"]) + 37.090265) < 1e-5
print("xarray ok")
PY
}
check "xarray.open_dataset(group=...) sees year and quantile" xr

# 5b. /paths stores the drawn inputs (interfaces.md §3): with committed
#     capex 2025 drawn per path and execution drawn per year, capex in 2025
#     is their product on every stored path (model.md §3: C_t = committed_t
#     X_t in the window); deterministic mode stores the means.
path_params() {
    local s=(--set 'capex.committed.2025={dist: uniform, min: 80, max: 120}'
             --set 'capex.execution={dist: uniform, min: 0.9, max: 1.1, per_year: true}')
    "$BIN" run tests/data/small.yaml -n 300 --store-paths 40 -t 2 "${s[@]}" -o "$OUT/pp.h5" --quiet >/dev/null &&
    "$BIN" run tests/data/small.yaml --deterministic --store-paths 1 "${s[@]}" -o "$OUT/pp_det.h5" >/dev/null || return 1
    "$PY" - "$OUT/pp.h5" "$OUT/pp_det.h5" <<'PY'
import sys, numpy as np, xarray as xr
p = xr.open_dataset(sys.argv[1], group="paths")
names = [str(x) for x in p["parameter"].values]
assert names == ["finance.infra_share", "gpu.physical_life", "capex.committed.2025"], names
assert p["parameters"].dims == ("path", "parameter") and p["parameters"].shape == (40, 3)
assert p["yearly_parameters"].dims == ("path", "year", "yearly_parameter")
assert [str(x) for x in p["yearly_parameter"].values] == ["capex.execution"]
c = p["parameters"].sel(parameter="capex.committed.2025").values
x = p["yearly_parameters"].sel(yearly_parameter="capex.execution", year=2025).values
cap = p["capex"].sel(year=2025).values
assert np.allclose(cap, c * x, rtol=1e-12, atol=0), np.abs(cap - c * x).max()
assert c.std() > 5 and x.std() > 0.03            # drawn, not constant
d = xr.open_dataset(sys.argv[2], group="paths")
assert np.allclose(d["parameters"].values[0], [0.5, 4.0, 100.0]), d["parameters"].values
assert np.allclose(d["yearly_parameters"].values[0, :, 0], 1.0)
print("parameters ok")
PY
}
check "/paths/parameters and yearly_parameters: the drawn inputs (capex 2025 = committed x execution)" path_params

# 6. Runtime failures exit 1 and leave no file.
touch "$OUT/not_a_dir"
io_fail() {
    "$BIN" run tests/data/small.yaml --deterministic -o "$OUT/not_a_dir/x.h5" >/dev/null 2>"$OUT/io.err"
    [ $? -eq 1 ] && ! ls "$OUT"/not_a_dir?* >/dev/null 2>&1 && grep -q "payback: error:" "$OUT/io.err"
}
check "unwritable output: exit 1, an error line, no file" io_fail
check "--help exits 0" "$BIN" --help
check "--version exits 0" "$BIN" --version
check "validate accepts every scenario in scenarios/" "$BIN" validate scenarios/*.yaml

# 6b. -o is checked before any path runs, for every command that writes:
#     an empty name or a folder is exit 2, with nothing written.
out_checked() {
    mkdir -p "$OUT/adir"
    local cmd
    for cmd in "run tests/data/corr.yaml -n 100000000" "sensitivity tests/data/corr.yaml -n 100000000" \
               "sweep tests/data/corr.yaml --vary finance.discount_rate=0.1,0.2 -n 100000000" \
               "solve tests/data/corr.yaml --vary finance.discount_rate=0.05:0.2 --target mean(npv)=0 -n 100000000" \
               "compare tests/data/corr.yaml --set-b finance.discount_rate=0.2 -n 100000000"; do
        for o in "$OUT/adir" ""; do
            timeout 20 "$BIN" $cmd --quiet -o "$o" >"$OUT/o.out" 2>"$OUT/o.err"
            local rc=$?
            [ $rc -eq 2 ] && grep -Eq "is a folder|takes a file name" "$OUT/o.err" && [ ! -s "$OUT/o.out" ] ||
                { echo "$cmd -o '$o': exit $rc"; cat "$OUT/o.err"; return 1; }
        done
    done
    [ -z "$(ls "$OUT" | grep part)" ]
}
check "-o naming a folder or empty: exit 2 before any path, for run and every analysis command" out_checked

# 6c. -o never replaces its input, a non-regular file (a FIFO here: a
#     device would be unsafe to test as root), or a file that is not a
#     payback result unless --force; summary and merge refuse a FIFO input
#     at once instead of blocking (D6, D12).
no_clobber() {
    cp scenarios/bain.yaml "$OUT/in.yaml" && mkfifo "$OUT/fifo" && echo notes >"$OUT/notes.txt" || return 1
    local rc
    "$BIN" run "$OUT/in.yaml" -n 100 --quiet -o "$OUT/in.yaml" 2>"$OUT/c.err"; rc=$?
    [ $rc -eq 2 ] && grep -q "is the input" "$OUT/c.err" && cmp -s scenarios/bain.yaml "$OUT/in.yaml" || { echo "input: $rc"; return 1; }
    "$BIN" run "$OUT/in.yaml" -n 100 --quiet --force -o "$OUT/in.yaml" 2>/dev/null; [ $? -eq 2 ] || { echo "input with --force"; return 1; }
    timeout 10 "$BIN" run scenarios/bain.yaml -n 100 --quiet -o "$OUT/fifo" 2>"$OUT/c.err"; rc=$?
    [ $rc -eq 2 ] && grep -q "not a regular file" "$OUT/c.err" && [ -p "$OUT/fifo" ] || { echo "fifo: $rc"; return 1; }
    "$BIN" run scenarios/bain.yaml -n 100 --quiet -o "$OUT/notes.txt" 2>"$OUT/c.err"; rc=$?
    [ $rc -eq 2 ] && grep -q "not a payback result" "$OUT/c.err" && grep -q notes "$OUT/notes.txt" || { echo "notes: $rc"; return 1; }
    "$BIN" run scenarios/bain.yaml -n 100 --quiet --force -o "$OUT/notes.txt" >/dev/null || { echo "--force"; return 1; }
    "$BIN" run scenarios/bain.yaml -n 100 --quiet -o "$OUT/notes.txt" >/dev/null || { echo "a result is replaced"; return 1; }
    timeout 10 "$BIN" summary "$OUT/fifo" 2>"$OUT/c.err"; rc=$?
    [ $rc -eq 2 ] && grep -q "not a regular file" "$OUT/c.err" || { echo "summary fifo: $rc"; return 1; }
    timeout 10 "$BIN" merge "$OUT/fifo" -o "$OUT/m.h5" 2>"$OUT/c.err"; rc=$?
    [ $rc -eq 2 ] && grep -q "not a regular file" "$OUT/c.err" && [ ! -e "$OUT/m.h5" ] || { echo "merge fifo: $rc"; return 1; }
}
check "-o refuses the input, a FIFO, a non-result without --force; summary/merge refuse a FIFO (exit 2)" no_clobber

# 7. Monte Carlo runs: bit-identical files for 1, 2, 3, 4 and 8 threads
#    (model.md §9; the README says how), /paths, netCDF readers, progress.
mc_threads() {
    local t
    for t in 1 2 3 4 8; do
        "$BIN" run tests/data/corr.yaml -n 20000 -s 3 -t $t --store-paths 50 --quiet -o "$OUT/mc_t$t.h5" >"$OUT/mc_t$t.txt" || return 1
    done
    for t in 2 3 4 8; do
        for g in /summary /metrics /paths; do
            h5diff "$OUT/mc_t1.h5" "$OUT/mc_t$t.h5" $g $g || { echo "threads $t differ in $g"; return 1; }
        done
        diff "$OUT/mc_t1.txt" "$OUT/mc_t$t.txt" || return 1
    done
}
check "Monte Carlo: -t 1, 2, 3, 4, 8 give bit-identical /summary, /metrics, /paths" mc_threads
mc_attrs() {
    local f=$OUT/mc_t1.h5
    # Types every netCDF client reads (docs/output.md): paths a float64,
    # the seed as text, small counts int32.
    h5dump -a /paths "$f" | grep -q '(0): 20000$' && h5dump -a /paths "$f" | grep -q H5T_IEEE_F64LE &&
    h5dump -a /seed "$f" | grep -q '(0): "3"' && h5dump -a /threads "$f" | grep -q H5T_STD_I32LE &&
    h5dump -a /deterministic "$f" | grep -q '(0): 0' && h5dump -a /threads "$f" | grep -q '(0): 1' &&
    h5dump -a /ranks "$f" | grep -q '(0): 1'
}
check "Monte Carlo: root attributes paths, seed, threads, ranks" mc_attrs
check "Monte Carlo: ncdump -h reads /summary, /metrics and /paths" bash -c "ncdump -h '$OUT/mc_t1.h5' | grep -q 'group: paths'"
mc_xr() {
    "$PY" - "$OUT/mc_t1.h5" <<'PY'
import sys, math, numpy as np, xarray as xr
f = sys.argv[1]
s = xr.open_dataset(f, group="summary")
assert dict(s.sizes) == {"year": 10, "quantile": 9}, dict(s.sizes)
assert list(s["quantile"].values) == [0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99]
lo, q, hi = (s[v].sel(year=2030, quantile=0.5).item() for v in ("revenue_q_lo", "revenue_q", "revenue_q_hi"))
assert lo <= q <= hi, (lo, q, hi)
assert 0 < s["revenue_se"].sel(year=2030).item() < s["revenue_sd"].sel(year=2030).item()
p = xr.open_dataset(f, group="paths")
assert dict(p.sizes) == {"path": 50, "year": 10, "parameter": 5}, dict(p.sizes)  # corr.yaml draws 5 per-path parameters
assert p["revenue"].dims == ("path", "year")
assert list(p["path_index"].values) == list(range(50))
m = xr.open_dataset(f, group="metrics")
n = int(m["payback_year_never"]) + int(m["payback_year_hist"].sum())
assert n == 20000 - int(s["nonfinite_paths"]), n
print("ok")
PY
}
check "Monte Carlo: xarray sees year, quantile and path; counts add up" mc_xr
mc_progress() {
    "$BIN" run tests/data/small.yaml -n 3000 -t 2 --progress -o "$OUT/prog.h5" >/dev/null 2>"$OUT/prog.err" &&
    grep -q "3000/3000 paths, [0-9]* paths/s, took" "$OUT/prog.err" &&
    "$BIN" run tests/data/small.yaml -n 3000 -t 2 --quiet -o "$OUT/prog.h5" >/dev/null 2>"$OUT/quiet.err" &&
    [ ! -s "$OUT/quiet.err" ] &&
    "$BIN" run tests/data/small.yaml -n 3000 -t 2 -o "$OUT/prog.h5" >/dev/null 2>"$OUT/notty.err" &&
    [ ! -s "$OUT/notty.err" ]
}
check "progress on stderr with --progress; none with --quiet or when stderr is not a terminal" mc_progress
mc_summary() {
    "$BIN" summary "$OUT/mc_t1.h5" >"$OUT/mc_sum.txt" && diff -u "$OUT/mc_t1.txt" "$OUT/mc_sum.txt"
}
check "Monte Carlo: summary reprints the table of run" mc_summary

# 8. Split and merge (--paths A:B, payback merge): bit-identical to the
#    single run for parts that cut blocks anywhere, in any order given.
split_merge() {
    local a=(tests/data/corr.yaml -n 20000 -s 4 --store-paths 9000 --quiet)
    "$BIN" run "${a[@]}" -t 2 -o "$OUT/whole.h5" >"$OUT/whole.txt" || return 1
    "$BIN" run "${a[@]}" -t 1 --paths 0:3 -o "$OUT/s1.h5" >/dev/null &&
    "$BIN" run "${a[@]}" -t 2 --paths 3:8200 -o "$OUT/s2.h5" >/dev/null &&
    "$BIN" run "${a[@]}" -t 2 --paths 8200:8300 -o "$OUT/s3.h5" >/dev/null &&
    "$BIN" run "${a[@]}" -t 1 --paths 8300:20000 -o "$OUT/s4.h5" >/dev/null || return 1
    "$BIN" merge "$OUT/s3.h5" "$OUT/s1.h5" "$OUT/s4.h5" "$OUT/s2.h5" -o "$OUT/merged.h5" >"$OUT/merged.txt" || return 1
    for g in /summary /metrics /paths; do h5diff "$OUT/whole.h5" "$OUT/merged.h5" $g $g || return 1; done
    diff "$OUT/whole.txt" "$OUT/merged.txt" &&
    h5dump -a /paths_first "$OUT/s2.h5" | grep -q '(0): 3' && h5dump -a /paths "$OUT/s2.h5" | grep -q '(0): 20000'
}
check "split and merge: 4 parts cutting blocks, merged in any order, give the single run's /summary, /metrics, /paths" split_merge
merge_errors() {
    local a=(tests/data/corr.yaml -n 20000 -s 4 --quiet)
    "$BIN" run "${a[@]}" -t 2 --paths 0:9000 -s 5 -o "$OUT/seed5.h5" >/dev/null || return 1
    "$BIN" merge "$OUT/s1.h5" "$OUT/s3.h5" "$OUT/s4.h5" -o "$OUT/gap.h5" 2>"$OUT/gap.err"; [ $? -eq 2 ] || return 1
    grep -q "paths 3..8199 are in no part" "$OUT/gap.err" || return 1
    "$BIN" merge "$OUT/s1.h5" "$OUT/s2.h5" "$OUT/s2.h5" "$OUT/s3.h5" "$OUT/s4.h5" -o "$OUT/overlap.h5" 2>"$OUT/overlap.err"; [ $? -eq 2 ] || return 1
    grep -q "paths 3..8199 are in two parts, '$OUT/s2.h5' (paths 3..8199) and '$OUT/s2.h5' (paths 3..8199)" "$OUT/overlap.err" || return 1
    "$BIN" merge "$OUT/s1.h5" "$OUT/seed5.h5" -o "$OUT/seed.h5" 2>"$OUT/seed.err"; [ $? -eq 2 ] || return 1
    grep -q "has another seed (5 against 4) than" "$OUT/seed.err" || return 1
    "$BIN" merge "$OUT/whole.h5" -o "$OUT/whole2.h5" 2>"$OUT/whole.err"; [ $? -eq 2 ] || return 1
    grep -q "is not a partial result" "$OUT/whole.err" || return 1
    "$BIN" merge "$OUT/s1.h5" "$OUT/s2.h5" -o "$OUT/short.h5" 2>"$OUT/short.err"; [ $? -eq 2 ] || return 1
    ! ls "$OUT"/gap.h5* "$OUT"/overlap.h5* "$OUT"/seed.h5* "$OUT"/whole2.h5* "$OUT"/short.h5* >/dev/null 2>&1
}
check "merge refuses a gap, an overlap, another seed, a whole result, a short cover (exit 2, no file)" merge_errors
# Damaged or foreign parts: copies of part s1 changed with h5py (its
# /version attribute; its statistics state /state/acc with 3 bytes added or
# its last byte cut, which its CRC-32 catches).  merge exits 2 with the
# message and leaves no file; an untouched copy merges, so that the change is
# what merge refuses.  tests/state.sh tampers with /state in more ways.
damage() {
    cp "$OUT/s1.h5" "$OUT/copy.h5" && cp "$OUT/s1.h5" "$OUT/version.h5" &&
    cp "$OUT/s1.h5" "$OUT/trailing.h5" && cp "$OUT/s1.h5" "$OUT/truncated.h5" || return 1
    "$PY" - "$OUT" <<'PY'
import sys, h5py, numpy as np
out = sys.argv[1]
with h5py.File(out + "/version.h5", "r+") as f:
    assert f.attrs["version"] != "0.0.0-other"
    f.attrs["version"] = "0.0.0-other"
for name, change in (("trailing", lambda b: np.concatenate([b, np.zeros(3, np.uint8)])), ("truncated", lambda b: b[:-1])):
    with h5py.File("%s/%s.h5" % (out, name), "r+") as f:
        b = f["state/acc"][...]
        assert b.dtype == np.uint8 and b.size > 8, (b.dtype, b.size)
        del f["state/acc"]
        f["state/acc"] = change(b)
PY
}
merge_part() { # PART: merge PART (paths 0..2) with s2, s3, s4; exit status, stderr in $OUT/m.err
    "$BIN" merge "$OUT/$1.h5" "$OUT/s2.h5" "$OUT/s3.h5" "$OUT/s4.h5" -o "$OUT/m_$1.h5" >/dev/null 2>"$OUT/m.err"
}
merge_refuses() { # PART MESSAGE
    merge_part "$1"
    local rc=$?
    if [ $rc -ne 2 ] || ! grep -qF "$2" "$OUT/m.err" || ls "$OUT/m_$1.h5"* >/dev/null 2>&1; then
        echo "exit $rc (expected 2), files: $(ls "$OUT" | grep "m_$1" | tr '\n' ' ')"; cat "$OUT/m.err"; return 1
    fi
}
damage_then_copy() { damage && merge_part copy; }
check "merge: copies of a part damaged with h5py; an untouched copy merges" damage_then_copy
check "merge refuses a part of another payback version (exit 2, no file)" merge_refuses version "has another payback version"
check "merge refuses a statistics state with trailing bytes (exit 2, no file)" merge_refuses trailing "checksum mismatch"
check "merge refuses a truncated statistics state (exit 2, no file)" merge_refuses truncated "checksum mismatch"
check "--paths past the run's end is a usage error" bash -c "'$BIN' run tests/data/corr.yaml -n 100 --paths 50:200 -o '$OUT/past.h5' 2>/dev/null; [ \$? -eq 2 ]"
