#!/bin/bash
# faults.sh BIN OUTDIR: runtime faults end cleanly (issue 12: D5, D9).
#   - SIGINT, SIGTERM, SIGHUP while the result file is being written: the
#     .part file is removed, "interrupted" on stderr, exit 130, 143, 129;
#   - a file size limit (SIGXFSZ): exit 1, an error line, no file;
#   - a full file system (a 64 kB tmpfs, where mounting is allowed): exit 1,
#     an error line, no file, no crash in HDF5's shutdown (it was exit 139).
. "$(dirname "$0")/checks.sh" "$1" "$2" faults

# Starts a run whose write takes a while (every path stored), waits for its
# .part file, then sends SIGNAL.
interrupt() { # SIGNAL EXPECTED-EXIT
    local d="$OUT/sig_$1"
    mkdir -p "$d"
    "$BIN" run scenarios/baseline.yaml -n 200000 -t 2 --store-paths 200000 -o "$d/r.h5" --quiet 2>"$d/err" &
    local pid=$! i
    for i in $(seq 600); do ls "$d"/r.h5.part* >/dev/null 2>&1 && break; sleep 0.05; done
    ls "$d"/r.h5.part* >/dev/null 2>&1 || { echo "no .part appeared"; wait $pid; return 1; }
    kill -s "$1" $pid
    wait $pid
    local rc=$?
    [ $rc -eq "$2" ] && grep -q "payback: interrupted" "$d/err" && [ -z "$(ls "$d" | grep 'r\.h5')" ] ||
        { echo "exit $rc (expected $2); files: $(ls "$d")"; cat "$d/err"; return 1; }
}
check "SIGINT during the write: exit 130, nothing left" interrupt INT 130
check "SIGTERM during the write: exit 143, nothing left" interrupt TERM 143
check "SIGHUP during the write: exit 129, nothing left" interrupt HUP 129

fsize() {
    (ulimit -f 100; exec "$BIN" run scenarios/bain.yaml -n 2000 -t 1 -o "$OUT/fs.h5" --quiet) 2>"$OUT/fs.err"
    local rc=$?
    [ $rc -eq 1 ] && grep -q "error:" "$OUT/fs.err" && [ -z "$(ls "$OUT" | grep 'fs\.h5')" ] ||
        { echo "exit $rc; $(ls "$OUT")"; cat "$OUT/fs.err"; return 1; }
}
check "a file size limit (SIGXFSZ): exit 1, an error, no file" fsize

full_disk() {
    mkdir -p "$OUT/full"
    if ! mount -t tmpfs -o size=64k tmpfs "$OUT/full" 2>/dev/null; then echo "cannot mount a tmpfs here: skipped"; return 0; fi
    local rc1 rc2
    "$BIN" run scenarios/bain.yaml -n 20000 -t 1 -o "$OUT/full/r.h5" --quiet 2>"$OUT/full1.err"; rc1=$?
    "$BIN" run scenarios/baseline.yaml -n 50000 -t 1 --store-paths 50000 -o "$OUT/full/r.h5" --quiet 2>"$OUT/full2.err"; rc2=$?
    local left; left=$(ls -A "$OUT/full")
    umount "$OUT/full"
    [ $rc1 -eq 1 ] && [ $rc2 -eq 1 ] && [ -z "$left" ] && grep -q "error:" "$OUT/full1.err" && grep -q "error:" "$OUT/full2.err" ||
        { echo "exits $rc1 $rc2; left: $left"; cat "$OUT/full1.err" "$OUT/full2.err"; return 1; }
}
check "a full file system: exit 1 with an error, no file, no crash" full_disk
