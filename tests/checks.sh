# checks.sh: the preamble of the end-to-end test scripts (cli.sh, compare.sh,
# sweep.sh, solve's and sensitivity's, precision.sh), sourced with the
# script's own arguments: BIN OUTDIR [LABEL].  Sets BIN and OUT (absolute),
# PY, empties OUT, moves to the repository's top, and defines
#   ok NAME, notok NAME [DETAIL...]   one TAP-like line ("ok - LABEL: NAME")
#   check NAME CMD...                 runs CMD, ok or notok with its output
# so that tests/all.sh counts the lines.
set -u
BIN=$(realpath "$1")
OUT=$2
PY=${PYTHON:-/usr/bin/python3}
CHECK_LABEL=${3:+$3: }
rm -rf "$OUT"
mkdir -p "$OUT"
OUT=$(realpath "$OUT")
cd "$(dirname "${BASH_SOURCE[0]}")/.."

ok() { echo "ok - $CHECK_LABEL$1"; }
notok() { echo "not ok - $CHECK_LABEL$1"; shift; [ $# -gt 0 ] && printf '%s\n' "$@" | sed 's/^/#   /'; }
check() { local name=$1; shift; if "$@" >"$OUT/check.log" 2>&1; then ok "$name"; else notok "$name" "$(head -40 "$OUT/check.log")"; fi; }
