#!/bin/bash
# install.sh [OUTDIR]: `make install` into a temporary PREFIX, and again
# under a DESTDIR, puts exactly the expected files there; the installed
# program runs an installed scenario; `man` renders the installed page
# without a warning and finds it by name; the installed completion
# completes; `make uninstall` removes exactly what install put there (a
# file of the user's in payback's folder stays).
# Prints "ok - ..." / "not ok - ..." lines for tests/all.sh.
set -u
cd "$(dirname "$0")/.."
OUT=${1:-tests/out/install}
rm -rf "$OUT"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
P=$OUT/prefix

ok() { echo "ok - $1"; }
notok() {
    echo "not ok - $1"
    shift
    local l
    for l in "$@"; do printf '%s\n' "$l" | head -20 | sed 's/^/#   /'; done
}

# The files install must put under a prefix, relative to it.
expected() {
    {
        echo bin/payback
        echo share/man/man1/payback.1
        echo share/bash-completion/completions/payback
        for f in scenarios/*.yaml; do echo "share/payback/$f"; done
        find examples -type f | sed 's|^|share/payback/|'
        echo share/doc/payback/README.md
        for f in docs/*.md; do echo "share/doc/payback/$f"; done
    } | LC_ALL=C sort
}
files_under() { (cd "$1" 2>/dev/null && find . -type f -o -type l | sed 's|^\./||' | LC_ALL=C sort); }
expected >"$OUT/expected"

if make -s -j1 install PREFIX="$P" >"$OUT/make.log" 2>&1; then
    files_under "$P" >"$OUT/got"
    if cmp -s "$OUT/expected" "$OUT/got"; then
        ok "make install PREFIX=... installs the program, page, completion, $(ls scenarios/*.yaml | wc -l) scenarios, examples and docs"
    else
        notok "make install PREFIX=... installs exactly the expected files" "$(diff "$OUT/expected" "$OUT/got")"
    fi
else
    notok "make install PREFIX=... succeeds" "$(tail -20 "$OUT/make.log")"
fi

# The installed program on an installed scenario, from another folder.
run_out=$(cd "$OUT" && "$P/bin/payback" run "$P/share/payback/scenarios/baseline.yaml" -n 3000 -t 1 -o "$OUT/base.h5" --quiet 2>&1)
rc=$?
sum_out=$("$P/bin/payback" summary "$OUT/base.h5" 2>&1)
if [ $rc -eq 0 ] && [ -s "$OUT/base.h5" ] && [ "$run_out" = "$sum_out" ] && grep -q 3000 <<<"$run_out"; then
    ok "the installed payback runs the installed baseline (3000 paths) and reads its result back"
else
    notok "the installed payback runs the installed baseline" "exit $rc" "$run_out"
fi
v=$("$P/bin/payback" --version 2>&1)
if [ $? -eq 0 ] && grep -q '^HDF5: ' <<<"$v" && grep -q '^commit: ' <<<"$v"; then
    ok "the installed payback --version names its build"
else
    notok "the installed payback --version names its build" "$v"
fi

# The page: rendered from the file, and found by name under the prefix.
page=$(MANWIDTH=80 man -l "$P/share/man/man1/payback.1" 2>"$OUT/man.err")
rc=$?
byname=$(MANWIDTH=80 man -M "$P/share/man" payback 2>/dev/null)
if [ $rc -eq 0 ] && [ ! -s "$OUT/man.err" ] && grep -q '^EXIT STATUS' <<<"$page" && grep -q '^   payback sensitivity' <<<"$page" &&
    [ "$page" = "$byname" ]; then
    ok "man -l renders the installed page without a warning ($(wc -l <<<"$page") lines), and man -M PREFIX/share/man payback finds it"
else
    notok "man renders the installed page" "exit $rc" "$(cat "$OUT/man.err")" "$(head -5 <<<"$page")"
fi

# The installed completion, with the installed program first on PATH.
comp=$(cd "$OUT" && PATH="$P/bin:$PATH" bash -c 'source "$1"; COMP_WORDS=(payback sens); COMP_CWORD=1; _payback
    printf "%s " "${COMPREPLY[@]}"; COMP_WORDS=(payback sweep x.yaml --vary gpu.physical_l); COMP_CWORD=4; _payback
    printf "%s " "${COMPREPLY[@]}"' complete "$P/share/bash-completion/completions/payback" 2>&1)
if [ "$comp" = "sensitivity gpu.physical_life= " ]; then
    ok "the installed completion completes commands and --vary paths with the installed payback"
else
    notok "the installed completion completes" "got: '$comp'"
fi

# Uninstall: exactly those files go; a file of the user's stays.
echo "name: mine" >"$P/share/payback/scenarios/mine.yaml"
make -s uninstall PREFIX="$P" >"$OUT/make.log" 2>&1
left=$(files_under "$P")
if [ "$left" = "share/payback/scenarios/mine.yaml" ] && [ ! -e "$P/share/doc/payback" ]; then
    rm "$P/share/payback/scenarios/mine.yaml"
    make -s uninstall PREFIX="$P" >>"$OUT/make.log" 2>&1
    if [ -z "$(files_under "$P")" ] && [ -z "$(find "$P" -name '*payback*')" ]; then
        ok "make uninstall removes every installed file and payback's folders, and leaves a file of the user's"
    else
        notok "make uninstall leaves the prefix empty" "$(find "$P")"
    fi
else
    notok "make uninstall removes exactly the installed files" "left: $left" "$(tail "$OUT/make.log")"
fi

# DESTDIR: staged under it, the prefix itself untouched.
D=$OUT/dest
if make -s -j1 install PREFIX=/opt/payback-test DESTDIR="$D" >"$OUT/make.log" 2>&1 &&
    files_under "$D/opt/payback-test" | cmp -s "$OUT/expected" - && [ ! -e /opt/payback-test ]; then
    make -s uninstall PREFIX=/opt/payback-test DESTDIR="$D" >>"$OUT/make.log" 2>&1
    if [ -z "$(files_under "$D")" ]; then
        ok "make install and uninstall honour DESTDIR"
    else
        notok "make uninstall DESTDIR=... removes every file" "$(files_under "$D")"
    fi
else
    notok "make install DESTDIR=... stages exactly the expected files" "$(tail "$OUT/make.log")"
fi
