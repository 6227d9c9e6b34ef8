#!/bin/bash
# kernel.sh: speed and memory of the Monte Carlo kernel on the baseline
# scenario (bench/README.md records its output).  Each timing is the best of
# REPS runs (default 3) of the whole command (load, kernel, statistics,
# file); peak resident memory from GNU time.  Usage: bench/kernel.sh [REPS]
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${1:-3}
BIN=./payback
SC=scenarios/baseline.yaml
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
[ -x "$BIN" ] || make -s payback

# best_of N THREADS: prints "seconds maxrss_kb" of the fastest of REPS runs
best_of() {
    local n=$1 t=$2 best="" line
    for _ in $(seq "$REPS"); do
        line=$( { /usr/bin/time -f "%e %M" "$BIN" run "$SC" -n "$n" -t "$t" --quiet -o "$OUT/b.h5" >/dev/null; } 2>&1 | tail -1)
        if [ -z "$best" ] || awk -v a="${line% *}" -v b="${best% *}" 'BEGIN { exit !(a < b) }'; then best=$line; fi
    done
    echo "$best"
}

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(${CC:-cc} --version | head -1)"
echo "build: $(./payback --version | sed -n "s/^build: *//p")"
echo
echo "| paths | threads | wall s | paths/s | peak RSS MB |"
echo "|---:|---:|---:|---:|---:|"
declare -A secs
for n in 1000000; do
    for t in 1 2; do
        read -r s m <<<"$(best_of $n $t)"
        secs[$t]=$s
        printf '| %s | %s | %s | %.0f | %.1f |\n' "$n" "$t" "$s" "$(echo "$n / $s" | bc -l)" "$(echo "$m / 1024" | bc -l)"
    done
done
printf '\nspeed-up 1 -> 2 threads: %.2fx\n\n' "$(echo "${secs[1]} / ${secs[2]}" | bc -l)"
echo "| paths (2 threads) | wall s | peak RSS MB |"
echo "|---:|---:|---:|"
for n in 100000 1000000 10000000; do
    r=1; [ "$n" -ge 10000000 ] && r=1
    read -r s m <<<"$(REPS=$r best_of $n 2)"
    printf '| %s | %s | %.1f |\n' "$n" "$s" "$(echo "$m / 1024" | bc -l)"
done
