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
ASAN_OPTIONS=${FUZZ_ASAN_OPTIONS:-$asan} LSAN_OPTIONS=suppressions=fuzz/lsan.supp:print_suppressions=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$out/$t-" "${dict[@]}" "$@" "$out/corpus-$t" "fuzz/corpus/$t" >"$log" 2>&1
rc=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
cov=$(grep -E '^#[0-9]+' "$log" | tail -1 | grep -oE 'cov: [0-9]+ ft: [0-9]+')
if [ $rc -eq 0 ] && ! grep -qE '^==[0-9]+==ERROR|runtime error|^SUMMARY: ' "$log"; then
    echo "ok - [fuzz] $t: ${runs:-?} executions, 0 crashes (${rate:-?} exec/s, ${cov:-no coverage line})"
    exit 0
fi
input=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | head -1)
# A crash inside Debian's HDF5 1.10 itself (the top frames of the report
# are libhdf5's or libc's, none payback's) on a damaged file: payback cannot
# check for it before reading, and summary and merge contain it (exit 2,
# signals.h).  Reported as such, with the input, if payback's release
# build does exit 2 on it; anything else is a failure.
frames=$(grep -E '^    #[0-9]+ ' "$log" | head -6)
if [ "$t" = result ] && [ -n "$input" ] && printf '%s\n' "$frames" | grep -q 'libhdf5' &&
   ! printf '%s\n' "$frames" | sed '/libhdf5/,$d' | grep -qE '/sim/|fuzz_result\.c' &&
   [ -x ./payback ] && { ./payback summary "$input" >/dev/null 2>&1; [ $? -eq 2 ]; }; then
    echo "ok - [fuzz] $t: ${runs:-?} executions, then a crash inside HDF5 1.10's own code (input $input), which payback summary and merge contain (exit 2): fuzz/README.md"
    exit 0
fi
echo "not ok - [fuzz] $t: exit $rc after ${runs:-?} executions; input ${input:-(none written)}; log $log"
grep -E 'ERROR|runtime error|SUMMARY|^    #[0-9] ' "$log" | head -12 | sed 's/^/#   /'
exit 1
