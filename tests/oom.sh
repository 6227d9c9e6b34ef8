#!/bin/bash
# oom.sh BIN OUTDIR: out of memory is a runtime failure (exit 1 with a
# message), never bad input (exit 2), a crash or a wrong answer.
# tests/failalloc.c, preloaded, fails the N-th allocation made after main()
# starts; for every N up to the count of a clean run:
#   a valid scenario:     exit 0 (the failure was harmless) or 1 naming memory
#   a malformed scenario: exit 1 naming memory, or 2 with the clean run's
#                         errors exactly
# Every allocation of the first and last 25, and a stride between that
# visits about 100 more (OOM_ALL=1: every one; about 40 ms a run).
# Prints "ok - ..." / "not ok - ..." lines for tests/all.sh.
set -u
BIN=$1
OUT=$2
mkdir -p "$OUT"
cc -shared -fPIC -O2 -o "$OUT/failalloc.so" tests/failalloc.c -ldl || { echo "not ok - oom: cannot build failalloc.so"; exit 1; }
PRE=$OUT/failalloc.so

sweep() { # NAME ARGS...
    local name=$1
    shift
    LD_PRELOAD=$PRE PB_FAIL_ALLOC_COUNT=$OUT/count "$BIN" "$@" >"$OUT/clean.out" 2>"$OUT/clean.err"
    local clean=$? total
    total=$(cat "$OUT/count")
    local bad=0 n rc msgs="" stride=1 tried=0
    [ "${OOM_ALL:-0}" = 1 ] || stride=$(( total / 100 + 1 ))
    for n in $(seq 1 "$total"); do
        [ $n -gt 25 ] && [ $n -le $((total - 25)) ] && [ $(( n % stride )) != 0 ] && continue
        tried=$((tried + 1))
        PB_FAIL_ALLOC=$n LD_PRELOAD=$PRE "$BIN" "$@" >"$OUT/n.out" 2>"$OUT/n.err"
        rc=$?
        case $rc in
            0) [ "$clean" = 0 ] && cmp -s "$OUT/n.out" "$OUT/clean.out" && continue ;;
            1) grep -q "memory" "$OUT/n.err" && continue ;;
            2) [ "$clean" = 2 ] && cmp -s "$OUT/n.err" "$OUT/clean.err" && continue ;;
        esac
        bad=$((bad + 1))
        [ $bad -le 5 ] && msgs="$msgs#   allocation $n: exit $rc: $(head -c 200 "$OUT/n.err")"$'\n'
    done
    if [ $bad = 0 ]; then
        echo "ok - oom: $name: $tried of its $total allocations, each failing alone, give exit 1 naming memory (or a harmless failure)"
    else
        echo "not ok - oom: $name: $bad of $tried failing allocations (of $total) end otherwise"
        printf '%s' "$msgs"
    fi
}

# (The shell's own "Segmentation fault" lines go to /dev/null; a crash is
# counted by its exit status.)
sweep "validate scenarios/baseline.yaml" validate scenarios/baseline.yaml 2>/dev/null
sweep "validate tests/data/corr.yaml (correlations)" validate tests/data/corr.yaml 2>/dev/null
sweep "validate tests/bad/many_errors.yaml (five errors)" validate tests/bad/many_errors.yaml 2>/dev/null
sweep "params" params 2>/dev/null
