#!/bin/bash
# readers.sh BIN OUTDIR: the result-file readers refuse damaged files
# (issue 12, D2, D7, D11, D14; docs/output.md "Reading a result file").
#   1. an untouched result (whole, and a part of --paths A:B with stored
#      paths) is read by `summary`, and the two parts by `merge`;
#   2. each damaged copy (tests/damage.py: an attribute as a vector of 300
#      values, a wrong type, paths -1 or 0, a transposed dataset, a wrong
#      year count, quantile levels out of order, a probability of 1.7, a
#      negative or impossible count, a NaN, a missing dataset, 2 million
#      unwritten rows in /paths, ...) makes `summary` exit 2 with a message
#      naming the file and the damaged item, print no table and not crash;
#   3. `merge` refuses a damaged part the same way;
#   4. `summary > /dev/full` exits 1 with a message.
# Prints one line per check, "ok - NAME" or "not ok - NAME"; tests/all.sh
# counts them.
. "$(dirname "$0")/checks.sh" "$1" "$2" readers

SC=scenarios/bain.yaml
"$BIN" run $SC -n 2000 -s 3 -t 2 --store-paths 40 --quiet -o "$OUT/good.h5" >/dev/null &&
"$BIN" run $SC -n 4000 -s 3 -t 2 --paths 0:2000 --store-paths 40 --quiet -o "$OUT/partA.h5" >/dev/null &&
"$BIN" run $SC -n 4000 -s 3 -t 2 --paths 2000:4000 --store-paths 40 --quiet -o "$OUT/partB.h5" >/dev/null ||
    { notok "genuine results written"; exit 0; }

# 1. Untouched files.
check "summary of an untouched result" "$BIN" summary "$OUT/good.h5"
check "summary of an untouched part" "$BIN" summary "$OUT/partA.h5"
check "merge of untouched parts" "$BIN" merge "$OUT/partA.h5" "$OUT/partB.h5" -o "$OUT/merged.h5"

# 2. Damaged copies: one line "NAME ITEM" each.
"$PY" tests/damage.py "$OUT/good.h5" "$OUT/bad" >"$OUT/cases.txt" 2>"$OUT/damage.log" ||
    { notok "damaged copies written" "$(tail -5 "$OUT/damage.log")"; exit 0; }
refused() { # LABEL FILE ITEM CMD...: exit 2, FILE and ITEM named, no table, no crash
    local label=$1 file=$2 item=$3 rc
    shift 3
    "$@" >"$OUT/stdout.txt" 2>"$OUT/stderr.txt"
    rc=$?
    if [ $rc -ne 2 ] || ! grep -qF "$(basename "$file")" "$OUT/stderr.txt" || ! grep -qF "$item" "$OUT/stderr.txt" ||
        [ -s "$OUT/stdout.txt" ]; then
        notok "$label" "exit $rc (want 2, a message naming the file and '$item', nothing on stdout)" \
            "$(head -c 600 "$OUT/stderr.txt")" "$(head -3 "$OUT/stdout.txt")"
    else
        ok "$label"
    fi
}
while read -r name item; do
    refused "summary refuses $name" "$OUT/bad/$name.h5" "$item" "$BIN" summary "$OUT/bad/$name.h5"
done <"$OUT/cases.txt"

# 3. merge: a damaged part (the checks are shared).
"$PY" - "$OUT/partA.h5" "$OUT/bad" <<'EOF' || notok "damaged parts written"
import sys, shutil, h5py, numpy as np
src, d = sys.argv[1], sys.argv[2]
shutil.copy(src, d + "/part_vec.h5")
with h5py.File(d + "/part_vec.h5", "r+") as f:
    del f.attrs["paths_end"]; f.attrs.create("paths_end", np.full(300, 2000, dtype=np.int64))
shutil.copy(src, d + "/part_rows.h5")
with h5py.File(d + "/part_rows.h5", "r+") as f:
    for k in list(f["paths"].keys()):
        shape = f["paths"][k].shape
        if k == "year" or k in ("parameter", "yearly_parameter"): continue
        dt = f["paths"][k].dtype
        if dt.kind in "OS": continue
        del f["paths"][k]
        f["paths"].create_dataset(k, shape=(2000000,) + shape[1:], dtype=dt, chunks=True)
EOF
refused "merge refuses a part with paths_end a vector of 300" "$OUT/bad/part_vec.h5" paths_end \
    "$BIN" merge "$OUT/bad/part_vec.h5" "$OUT/partB.h5" -o "$OUT/m1.h5"
# 2 million declared rows: refused before anything is allocated (ulimit -v: 1 GB would not hold them;
# not under ASan, whose shadow memory needs more address space).
LIMIT=1000000
ldd "$BIN" 2>/dev/null | grep -q libasan && LIMIT=unlimited
refused "merge refuses a part declaring 2 million /paths rows" "$OUT/bad/part_rows.h5" /paths/path \
    bash -c 'ulimit -v "$0" 2>/dev/null; exec "$@"' "$LIMIT" "$BIN" merge "$OUT/bad/part_rows.h5" "$OUT/partB.h5" -o "$OUT/m2.h5"
if ls "$OUT"/m1.h5* "$OUT"/m2.h5* >/dev/null 2>&1; then notok "merge of a damaged part leaves no file"; else
    ok "merge of a damaged part leaves no file"; fi

# 4. A full standard output.
if [ -w /dev/full ]; then
    "$BIN" summary "$OUT/good.h5" >/dev/full 2>"$OUT/full.txt"
    rc=$?
    if [ $rc -eq 1 ] && grep -q "standard output" "$OUT/full.txt"; then ok "summary > /dev/full: exit 1 with a message"
    else notok "summary > /dev/full: exit 1 with a message" "exit $rc" "$(cat "$OUT/full.txt")"; fi
fi

# A file found by fuzz/fuzz_result on which Debian's HDF5 1.10 crashes
# inside its own code (a damaged global heap read for a string attribute,
# H5Aread <- H5HG_read): summary and merge end with exit 2 and a message
# instead of a segmentation fault (signals.h), and leave no file.
hdf5_crash() {
    local rc1 rc2
    "$BIN" summary tests/data/hdf5_heap_crash.h5 >"$OUT/hc.out" 2>"$OUT/hc.err"; rc1=$?
    "$BIN" merge tests/data/hdf5_heap_crash.h5 -o "$OUT/hc.h5" >/dev/null 2>>"$OUT/hc.err"; rc2=$?
    cat "$OUT/hc.err"
    [ $rc1 -eq 2 ] && [ $rc2 -eq 2 ] && [ ! -s "$OUT/hc.out" ] && grep -q "is damaged" "$OUT/hc.err" && ! ls "$OUT"/hc.h5* 2>/dev/null
}
check "a file on which HDF5 itself crashes: summary and merge exit 2, no crash" hdf5_crash

# A file found by fuzz/fuzz_result on which Debian's HDF5 1.10 loops without
# end inside its own code (the same global-heap read, H5C_protect): summary
# and merge stop after the CPU-time bound of signals.h (10 s for this 0.3 MB
# file) with exit 2 and a message, and leave no file.  Before the bound,
# summary had not returned after an hour.
hdf5_hang() {
    local rc1 rc2
    timeout 120 "$BIN" summary tests/data/hdf5_heap_hang.h5 >"$OUT/hh.out" 2>"$OUT/hh.err"; rc1=$?
    timeout 120 "$BIN" merge tests/data/hdf5_heap_hang.h5 -o "$OUT/hh.h5" >/dev/null 2>>"$OUT/hh.err"; rc2=$?
    cat "$OUT/hh.err"
    [ $rc1 -eq 2 ] && [ $rc2 -eq 2 ] && [ ! -s "$OUT/hh.out" ] && [ "$(grep -c "did not finish reading it" "$OUT/hh.err")" = 2 ] &&
        ! ls "$OUT"/hh.h5* 2>/dev/null
}
check "a file on which HDF5 itself loops: summary and merge exit 2 after the CPU bound, no hang" hdf5_hang

# Files written by payback 0.1 (variable-length string attributes, 64-bit
# integer counts, the seed as uint64: fuzz/corpus/result/) still read: the
# summary names its 20 paths and seed 7, and a part of 0.1 merges into a
# file of today's types (the seed as text, paths as a float64).
old_files() {
    "$BIN" summary tests/data/result_v01.h5 >"$OUT/v01.txt" && grep -q "^20 paths, seed 7" "$OUT/v01.txt" &&
    "$BIN" merge tests/data/part_v01.h5 -o "$OUT/v01m.h5" >/dev/null && grep -q "^8200 paths, seed 7" <("$BIN" summary "$OUT/v01m.h5") &&
    h5dump -a /seed "$OUT/v01m.h5" | grep -q '"7"' && h5dump -a /paths "$OUT/v01m.h5" | grep -q 'H5T_IEEE_F64LE'
}
check "files of payback 0.1 (vlen strings, int64 counts) still read and merge" old_files
# summary of an analysis file (here a sweep's) names what it is instead of
# calling it damaged.
analysis_file() {
    "$BIN" sweep tests/data/small.yaml --vary gpu.physical_life=4,5 -n 500 --quiet -o "$OUT/sw.h5" >/dev/null &&
    { "$BIN" summary "$OUT/sw.h5" >/dev/null 2>"$OUT/sw.err"; [ $? -eq 2 ]; } && grep -q "is a file of payback sweep" "$OUT/sw.err"
}
check "summary of a sweep file: exit 2, 'a file of payback sweep', not 'damaged'" analysis_file
