#!/bin/bash
# mpi.sh SERIAL_BIN MPI_BIN OUTDIR: the MPI build against the serial one.
# mpirun -np 1, 2, 3, 4 (oversubscribed on this machine) x -t 1, 2 at 10^4
# paths (two blocks of 8,192: ranks 2 and 3 get none, and still take part in
# the merge and the collective writes): every dataset of /summary, /metrics
# and /paths (all 10^4 paths stored, each rank writing its own rows through
# MPI-IO) bit-identical to the serial run's; an MPI part merges with a
# serial part; a failing rank fails the job with no file left.
set -u
SER=$1
MPI=$2
OUT=$3
rm -rf "$OUT"
mkdir -p "$OUT"
cd "$(dirname "$0")/.."
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
# Open MPI's shared-memory transport needs no network; keep it off the TCP
# stack of the machine.
export OMPI_MCA_btl=self,vader
SC=tests/data/corr.yaml
ARGS=(-n 10000 -s 9 --store-paths 10000 --quiet)
ok() { echo "ok - $1"; }
notok() { echo "not ok - $1"; shift; [ $# -gt 0 ] && printf '%s\n' "$@" | sed 's/^/#   /'; }

"$SER" run "$SC" "${ARGS[@]}" -t 1 -o "$OUT/serial.h5" >"$OUT/serial.txt" || { notok "serial reference run"; exit 0; }
for np in 1 2 3 4; do
    for t in 1 2; do
        name="mpirun -np $np x -t $t: /summary, /metrics, /paths and the table identical to the serial run"
        if ! timeout 300 mpirun -np $np "$MPI" run "$SC" "${ARGS[@]}" -t $t -o "$OUT/mpi_${np}_$t.h5" >"$OUT/mpi_${np}_$t.txt" 2>"$OUT/mpi.err"; then
            notok "$name" "$(tail -5 "$OUT/mpi.err")"
            continue
        fi
        bad=""
        for g in /summary /metrics /paths; do
            h5diff "$OUT/serial.h5" "$OUT/mpi_${np}_$t.h5" $g $g >/dev/null 2>&1 || bad="$bad $g"
        done
        diff -q "$OUT/serial.txt" "$OUT/mpi_${np}_$t.txt" >/dev/null || bad="$bad table"
        h5dump -a /ranks "$OUT/mpi_${np}_$t.h5" | grep -q "(0): $np" || bad="$bad ranks-attribute"
        if [ -z "$bad" ]; then ok "$name"; else notok "$name" "differ:$bad"; fi
    done
done
# A part of a run under MPI merges like a serial part.
if timeout 300 mpirun -np 3 "$MPI" run "$SC" "${ARGS[@]}" -t 1 --paths 0:6500 -o "$OUT/part1.h5" >/dev/null 2>"$OUT/mpi.err" &&
   "$SER" run "$SC" "${ARGS[@]}" -t 2 --paths 6500:10000 -o "$OUT/part2.h5" >/dev/null &&
   "$SER" merge "$OUT/part1.h5" "$OUT/part2.h5" -o "$OUT/merged.h5" >/dev/null &&
   h5diff "$OUT/serial.h5" "$OUT/merged.h5" /summary /summary >/dev/null && h5diff "$OUT/serial.h5" "$OUT/merged.h5" /metrics /metrics >/dev/null &&
   h5diff "$OUT/serial.h5" "$OUT/merged.h5" /paths /paths >/dev/null; then
    ok "an MPI part (3 ranks) and a serial part merge to the serial run"
else
    notok "an MPI part (3 ranks) and a serial part merge to the serial run" "$(tail -5 "$OUT/mpi.err")"
fi
# One failing rank: the job exits non-zero and leaves no file.
PAYBACK_TEST_FAIL_RANK=2 timeout 300 mpirun -np 3 "$MPI" run "$SC" "${ARGS[@]}" -t 1 -o "$OUT/fail.h5" >/dev/null 2>"$OUT/fail.err"
rc=$?
if [ $rc -ne 0 ] && ! ls "$OUT"/fail.h5* >/dev/null 2>&1 && grep -q "rank 2 fails on purpose" "$OUT/fail.err"; then
    ok "a failing rank fails the job (exit $rc) and leaves no file"
else
    notok "a failing rank fails the job and leaves no file" "exit $rc; $(ls "$OUT" | grep fail)"
fi
# run --precision under MPI: the same stop and the same file as the serial
# run, for 2 and 3 ranks (the counts of P targets reduced across ranks).
PREC=(-n 200000 -s 3 --batch 8192 --quiet --store-paths 20000 --precision 'mean(npv)~25' --precision 'P(gap_full_cost@2030<=0)~0.01')
"$SER" run "$SC" "${PREC[@]}" -t 2 -o "$OUT/prec_serial.h5" >"$OUT/prec_serial.txt"
for np in 2 3; do
    name="run --precision under mpirun -np $np: the serial stop, /summary, /metrics, /paths and the table"
    bad=""
    timeout 300 mpirun -np $np "$MPI" run "$SC" "${PREC[@]}" -t 1 -o "$OUT/prec_$np.h5" >"$OUT/prec_$np.txt" 2>"$OUT/mpi.err" || bad=" (exit $?)"
    for g in /summary /metrics /paths; do
        h5diff "$OUT/prec_serial.h5" "$OUT/prec_$np.h5" $g $g >/dev/null 2>&1 || bad="$bad $g"
    done
    diff -q "$OUT/prec_serial.txt" "$OUT/prec_$np.txt" >/dev/null || bad="$bad table"
    [ "$(h5dump -a /paths "$OUT/prec_$np.h5" | grep '(0)')" = "$(h5dump -a /paths "$OUT/prec_serial.h5" | grep '(0)')" ] || bad="$bad paths-attribute"
    if [ -z "$bad" ]; then ok "$name"; else notok "$name" "differ:$bad" "$(tail -3 "$OUT/mpi.err")"; fi
done
# --progress under MPI counts every rank's paths: the last line is the
# whole range (before: rank 0's share, 8192/8192 of 3 ranks' 20000).
name="--progress under mpirun -np 3 counts every rank's paths (20000/20000, not rank 0's share)"
timeout 300 mpirun -np 3 "$MPI" run "$SC" -n 20000 -s 9 -t 1 --progress -o "$OUT/progress.h5" >/dev/null 2>"$OUT/progress.err"
if grep -q '^20000/20000 paths, .* took' "$OUT/progress.err"; then ok "$name"; else notok "$name" "$(grep paths "$OUT/progress.err")"; fi
