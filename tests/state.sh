#!/bin/bash
# state.sh BIN OUTDIR: `payback merge` against damaged and foreign /state
# (issue 12, D1, D7/D11, D13) and large values in the statistics (D8).
#   1. genuine parts (as ../shared/repro/00_make_parts.sh makes them) merge
#      to the single run;
#   2. each tampered /state/acc (tests/acc_blob.py: a byte flipped, cut,
#      added, an old magic, another horizon's state, a window moved past
#      the buckets' end or start, a count or sum made impossible, another
#      plan than the other part's; the fuzzer's blobs of tests/data/acc_fuzz
#      as they are and with a valid magic and CRC) is refused: exit 2 (not
#      a crash), a message naming the part and what is wrong, no file left;
#   3. values past 1e154 (revenue growth volatility 50): sd of every year is
#      finite and equals NumPy's over the stored paths (scaled), with the
#      non-finite paths excluded by the rule of docs/model.md §9.
# Prints one line per check, "ok - NAME" or "not ok - NAME"; tests/all.sh
# counts them.
. "$(dirname "$0")/checks.sh" "$1" "$2" state

# 1. Genuine parts: bain, 20,000 paths split in two at 10,000 (a block cut
# in two); baseline's parts (another horizon) for the swapped state.
parts() {
    local b=(scenarios/bain.yaml -n 20000 -t 1 --quiet)
    "$BIN" run "${b[@]}" -o "$OUT/full.h5" >/dev/null &&
    "$BIN" run "${b[@]}" --paths 0:10000 -o "$OUT/A.h5" >/dev/null &&
    "$BIN" run "${b[@]}" --paths 10000:20000 -o "$OUT/B.h5" >/dev/null &&
    "$BIN" run scenarios/baseline.yaml -n 20000 -t 1 --quiet --paths 10000:20000 -o "$OUT/baseB.h5" >/dev/null &&
    "$BIN" merge "$OUT/A.h5" "$OUT/B.h5" -o "$OUT/merged.h5" >/dev/null || return 1
    for g in /summary /metrics; do h5diff "$OUT/full.h5" "$OUT/merged.h5" $g $g || return 1; done
}
check "untouched parts merge to the single run's /summary and /metrics" parts

# 2. Tampered states.  refused NAME MUTATION MESSAGE [ARG]: B.h5 changed by
# acc_blob.py MUTATION merges with A.h5: exit 2, MESSAGE on stderr, no file.
refused() {
    local name=$1 how=$2 msg=$3 arg=${4:-}
    "$PY" tests/acc_blob.py "$how" "$OUT/B.h5" "$OUT/t_$name.h5" $arg || { echo "acc_blob.py failed"; return 1; }
    "$BIN" merge "$OUT/A.h5" "$OUT/t_$name.h5" -o "$OUT/m_$name.h5" >/dev/null 2>"$OUT/m_$name.err"
    local rc=$?
    cat "$OUT/m_$name.err"
    [ $rc -eq 2 ] || { echo "exit $rc, expected 2"; return 1; }
    grep -qF "'$OUT/t_$name.h5'" "$OUT/m_$name.err" || { echo "the part is not named"; return 1; }
    grep -qF -- "$msg" "$OUT/m_$name.err" || { echo "expected: $msg"; return 1; }
    ! ls "$OUT/m_$name.h5"* 2>/dev/null || { echo "a file was left"; return 1; }
}
check "a flipped byte: checksum mismatch" refused flip flip "checksum mismatch"
check "the last byte cut: checksum mismatch" refused truncate truncate "checksum mismatch"
check "3 bytes added: checksum mismatch" refused trailing trailing "checksum mismatch"
check "the last byte cut, CRC recomputed: truncated" refused truncate-sealed truncate-sealed "is damaged: truncated"
check "3 bytes added, CRC recomputed: trailing bytes" refused trailing-sealed trailing-sealed "is damaged: 3 trailing bytes"
check "the previous format's magic: refused as another format" refused magic04 magic04 "is not a statistics state this payback writes (format PBACC05)"
check "the state of a run with another horizon (D1): years against the scenario" \
    refused horizon acc-of "is damaged: statistics of 18 years from 2023, but its scenario has 6 years from 2025" "$OUT/baseB.h5"
check "paths -1 (D7): refused" refused paths paths-sealed "is damaged: -1 paths"
check "a sketch window moved past the last bucket: refused" refused wend window-end-sealed "outside the buckets 0..539647"
check "a sketch window starting at 2^31-1 (D1b): refused" refused wlo window-lo-sealed "buckets from 2147483647, outside the buckets 0..539647"
check "a sketch window starting below 0: refused" refused wneg window-neg-sealed "from -512, outside"
check "a sketch count above the cell's values: refused" refused count count-sealed "its sketch counts more values than its"
check "a negative sum of squares: refused" refused sum sum-sealed "sums impossible"
check "a valid state with another plan than the other part's: refused" refused shift shift-sealed "has other sketch windows (cell"
fuzz() {
    local f bad=0
    for f in tests/data/acc_fuzz/*; do
        refused fuzz blob "is not a statistics state this payback writes" "$f" >"$OUT/fuzz.log" 2>&1 || { cat "$OUT/fuzz.log"; bad=1; }
        refused fuzzs reseal-blob "is damaged:" "$f" >"$OUT/fuzz.log" 2>&1 || { cat "$OUT/fuzz.log"; bad=1; }
    done
    [ $bad -eq 0 ] && [ -n "$(ls tests/data/acc_fuzz)" ]
}
check "the fuzzer's state blobs, as found and with magic and CRC made valid: refused (exit 2, no file)" fuzz

# 3. D8: revenue past 1e154 (1e300 in late years) from a growth volatility
# of 50.  Before the fix sd was 0 or inf.
large() {
    "$BIN" run scenarios/baseline.yaml -n 20000 -t 1 --store-paths 20000 --set revenue.growth.volatility=50 \
        -o "$OUT/v50.h5" --quiet >/dev/null || return 1
    "$PY" - "$OUT/v50.h5" <<'PY'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
ok = f["paths/nonfinite"][()] == 0
assert int(f["summary/nonfinite_paths"][()]) == int((~ok).sum()), "non-finite paths: the rule of model.md §9"
bad, big = [], 0
for name in ("revenue", "capacity"):
    x, sd, mean = f["paths/" + name][()][ok], f["summary/%s_sd" % name][()], f["summary/%s_mean" % name][()]
    for t in range(x.shape[1]):
        m = np.abs(x[:, t]).max()
        if m < 1e154: continue
        big += 1
        want_sd, want_mean = (x[:, t] / m).std(ddof=1) * m, (x[:, t] / m).mean() * m
        # Exact sums rounded once against NumPy's scaled float sums: 1e-9 is loose.
        if not (np.isfinite(sd[t]) and abs(sd[t] - want_sd) <= 1e-9 * want_sd and abs(mean[t] - want_mean) <= 1e-9 * abs(want_mean)):
            bad.append("%s[%d]: sd %r mean %r, NumPy %r %r" % (name, t, sd[t], mean[t], want_sd, want_mean))
assert big >= 5, "expected years past 1e154, found %d" % big
assert not bad, bad
PY
}
check "values past 1e154 (D8): finite sd and mean equal to NumPy's over the finite paths" large

# 3. A part declaring 2,000,000 edge paths it never wrote (repro D7/D11,
#    sparse_A): refused before anything is allocated (it took 4.5 GB, then
#    2 GB and 6 s), under a 1 GB address-space limit outside ASan.
sparse_edges() {
    cp "$OUT/A.h5" "$OUT/sparse.h5" || return 1
    "$PY" - "$OUT/sparse.h5" <<'PY' || return 1
import sys, h5py
with h5py.File(sys.argv[1], "r+") as f:
    g = f["state"]
    N = 2 * 10**6
    for name in [k for k in g if k.startswith("edge_")]:
        d = g[name]
        shape, dt = (N,) + d.shape[1:], d.dtype
        del g[name]
        g.create_dataset(name, shape=shape, dtype=dt, chunks=True)
PY
    local lim=""
    [ -z "${ASAN_OPTIONS:-}" ] && lim="ulimit -v 1000000;"
    bash -c "$lim exec '$BIN' merge '$OUT/sparse.h5' '$OUT/B.h5' -o '$OUT/m_sparse.h5'" >/dev/null 2>"$OUT/sparse.err"
    local rc=$?
    cat "$OUT/sparse.err"
    [ $rc -eq 2 ] && grep -q "has a damaged /state" "$OUT/sparse.err" && ! ls "$OUT"/m_sparse.h5* 2>/dev/null
}
check "2,000,000 declared, unwritten edge paths: exit 2 before any allocation" sparse_edges
