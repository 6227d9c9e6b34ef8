#!/bin/bash
# mpi.sh: ranks x threads on this machine for the baseline at 10^6 paths
# (best of REPS runs), the bytes each rank sends in the merge of statistics,
# and the merge's time.  Needs `make mpi`.  Usage: bench/mpi.sh [REPS]
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${1:-3}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
[ -x ./payback-mpi ] || make -s mpi
best() { # command...: the best wall time of REPS runs
    local best="" s
    for _ in $(seq "$REPS"); do
        /usr/bin/time -f "%e" -o "$OUT/t" "$@" >/dev/null 2>"$OUT/err"
        s=$(tail -1 "$OUT/t")
        if [ -z "$best" ] || awk -v a="$s" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$s; fi
    done
    echo "$best"
}
N=1000000
SC=scenarios/baseline.yaml
echo "| run | ranks x threads | wall s | paths/s |"
echo "|---|---:|---:|---:|"
s=$(best ./payback run $SC -n $N -t 2 --quiet -o "$OUT/a.h5"); printf '| OpenMP only (serial build) | 1 x 2 | %s | %.0f |\n' "$s" "$(echo "$N / $s" | bc -l)"
s=$(best mpirun -np 1 --map-by slot:PE=2 --bind-to core ./payback-mpi run $SC -n $N -t 2 --quiet -o "$OUT/b.h5"); printf '| mpirun --map-by slot:PE=2 | 1 x 2 | %s | %.0f |\n' "$s" "$(echo "$N / $s" | bc -l)"
s=$(best mpirun -np 2 --bind-to none ./payback-mpi run $SC -n $N -t 1 --quiet -o "$OUT/c.h5"); printf '| mpirun --bind-to none | 2 x 1 | %s | %.0f |\n' "$s" "$(echo "$N / $s" | bc -l)"
echo
echo "Merge of statistics (baseline, 10^6 paths; --progress prints each rank's figures):"
for np in 2 4 8; do
    echo "ranks $np (oversubscribed):"
    mpirun -np $np --oversubscribe --bind-to none ./payback-mpi run $SC -n $N -t 1 --progress -o "$OUT/d.h5" 2>&1 >/dev/null | grep '^rank' | sort -k2 -n
done
