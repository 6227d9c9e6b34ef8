#!/bin/bash
# run.sh BUILD TARGET SECONDS OUT [LIBFUZZER-ARGS...]: runs the libFuzzer
# target BUILD/fuzz_TARGET for SECONDS on one job, from its seed corpus
# fuzz/corpus/TARGET (read only) and a working corpus OUT/corpus-TARGET
# (new inputs go there), and prints one line:
#   ok - [fuzz] TARGET: N executions, 0 crashes (E exec/s, cov: C ft: F)
# or "not ok - [fuzz] TARGET: ..." with the crash input's path and the
# first sanitizer lines as "#" comments.  The whole log is OUT/TARGET.log.
# Limits of fuzz/README.md: -timeout=10 (a slow input is a failure) and
# -rss_limit_mb=2048.
#
# The result target meets crashes and endless loops inside Debian's HDF5
# 1.10 itself on damaged files (fuzz/README.md), which payback contains
# (exit 2, signals.h).  For it, a stop whose report has HDF5's frames on
# top and none of payback's, on an input that the release `payback
# summary` and `merge` refuse with exit 2, is recorded in
# OUT/result-contained.txt and the fuzzer restarted (same corpus) until
# SECONDS are used; any other stop is "not ok".
set -u
build=$1 t=$2 secs=$3 out=$4
shift 4
cd "$(dirname "$0")/.."
bin=$build/fuzz_$t
mkdir -p "$out/corpus-$t"
log=$out/$t.log
dict=()
[ -f "fuzz/$t.dict" ] && dict=(-dict="fuzz/$t.dict")
if [ ! -x "$bin" ]; then
    echo "not ok - [fuzz] $t: $bin is missing (make fuzz-build)"
    exit 1
fi
# The result reader hands sizes read from the file to HDF5, which asks
# malloc for them and handles NULL: let malloc return NULL there, as it does
# outside ASan, instead of ASan's allocation-size-too-big report (payback's
# own allocations past -rss_limit_mb still fail the run as out-of-memory).
asan=detect_leaks=1
# Errors inside HDF5's own copying of a damaged file are HDF5's, not
# payback's (fuzz/asan.supp says which were found).
[ "$t" = result ] && asan=$asan:allocator_may_return_null=1:suppressions=fuzz/asan.supp

fuzz() { # SECONDS LOG: one libFuzzer run; its exit status
    ASAN_OPTIONS=${FUZZ_ASAN_OPTIONS:-$asan} LSAN_OPTIONS=suppressions=fuzz/lsan.supp:print_suppressions=0 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        "$bin" -max_total_time="$1" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$out/$t-" "${dict[@]}" "${extra[@]}" "$out/corpus-$t" "fuzz/corpus/$t" >"$2" 2>&1
}
stat() { sed -n "s/^stat::$1: *//p" "$2" | tail -1; }
clean() { [ $1 -eq 0 ] && ! grep -qE '^==[0-9]+== ?ERROR|runtime error|^SUMMARY: ' "$2"; }

# contained LOG INPUT: the stop in LOG is inside HDF5 and payback refuses
# INPUT.  The report's frames, without libFuzzer's, the sanitizers' and
# libc's own (a timeout's trace starts in libFuzzer's alarm handler), must
# start with libhdf5 and have no payback frame (sim/, the harness) before
# HDF5's end; leaks are never HDF5's here (fuzz/lsan.supp already drops
# those allocated inside it).
contained() {
    [ -x ./payback ] && [ -n "$2" ] && [ -f "$2" ] || return 1
    grep -q 'ERROR: LeakSanitizer' "$1" && return 1
    local frames
    frames=$(grep -E '^    #[0-9]+ ' "$1" | grep -vE 'fuzzer::|__sanitizer|__asan|__interceptor_|libc\.so|/sysdeps/|in (malloc|calloc|realloc|operator new)' | head -4)
    printf '%s\n' "$frames" | head -1 | grep -q libhdf5 || return 1
    printf '%s\n' "$frames" | sed '/libhdf5/,$d' | grep -qE '/sim/|fuzz_result\.c' && return 1
    local rc1 rc2
    timeout 120 ./payback summary "$2" >/dev/null 2>"$out/contained.err"; rc1=$?
    timeout 120 ./payback merge "$2" -o "$out/contained.h5" >/dev/null 2>>"$out/contained.err"; rc2=$?
    rm -f "$out"/contained.h5*
    [ $rc1 -eq 2 ] && [ $rc2 -eq 2 ] && [ "$(grep -c '^payback: error: ' "$out/contained.err")" -ge 2 ]
}

extra=("$@")
start=$SECONDS runs=0 stops=0 r=0
: >"$log"
[ "$t" = result ] && : >"$out/result-contained.txt"
while :; do
    left=$((secs - (SECONDS - start)))
    [ $r -gt 0 ] && [ $left -le 0 ] && break
    r=$((r + 1))
    one=$out/$t.log.$r
    fuzz "$((left > 0 ? left : 1))" "$one"
    rc=$?
    cat "$one" >>"$log"
    n=$(stat number_of_executed_units "$one")
    runs=$((runs + ${n:-0}))
    rate=$(stat average_exec_per_sec "$one")
    cov=$(grep -E '^#[0-9]+' "$one" | tail -1 | grep -oE 'cov: [0-9]+ ft: [0-9]+')
    if clean $rc "$one"; then rm -f "$one"; break; fi
    input=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$one" | head -1)
    if [ "$t" = result ] && contained "$one" "$input"; then
        stops=$((stops + 1))
        kind=$(grep -oE 'ERROR: (AddressSanitizer|libFuzzer): [a-z-]+' "$one" | head -1 | sed 's/ERROR: //')
        where=$(grep -E '^    #[0-9]+ .* in H5[A-Za-z_]+' "$one" | head -1 | grep -oE 'in H5[A-Za-z_]+' | cut -c4-)
        echo "$input	$kind	$where	$(head -1 "$out/contained.err")" >>"$out/result-contained.txt"
        rm -f "$one"
        continue
    fi
    echo "not ok - [fuzz] $t: exit $rc after $runs executions; input ${input:-(none written)}; log $one"
    grep -E 'ERROR|runtime error|SUMMARY|^    #[0-9] ' "$one" | head -12 | sed 's/^/#   /'
    exit 1
done
# One run: libFuzzer's own rate; restarts: executions over the wall time.
[ $r -gt 1 ] && rate=$(awk -v n="$runs" -v s="$((SECONDS - start))" 'BEGIN { printf "%d", s > 0 ? n / s : n }')
if [ $stops -gt 0 ]; then
    echo "ok - [fuzz] $t: $runs executions in $((SECONDS - start)) s ($rate exec/s, ${cov:-no coverage line}), 0 crashes in payback; $stops stops inside HDF5 1.10's own code, each refused by payback summary and merge (exit 2): $out/result-contained.txt"
else
    echo "ok - [fuzz] $t: $runs executions, 0 crashes ($rate exec/s, ${cov:-no coverage line})"
fi
