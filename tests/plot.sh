#!/bin/bash
# plot.sh BIN OUTDIR: end-to-end tests of `payback plot` (docs/cli.md).
#   1. every kind on a file it fits (a run, a sweep, a Sobol and a
#      Shapley sensitivity, a comparison) gives a PNG of the kind's size
#      that is not blank (pixel spread, share of inked pixels);
#   2. SVG and PDF by the extension; the SVG's text says what the picture
#      must show: the title (scenario, paths, seed), every quantile band of
#      the file, units on the axes, "never" in the payback CDF;
#   3. no --kind: the default picture of each file type, named
#      results/<name>-<kind>.png;
#   4. bad input exits 2 (a kind that does not fit the file, naming the
#      ones that do; a missing file; an unknown kind or extension), a
#      missing or failing gnuplot exits 1, and none leaves a file.
# Prints one line per check, "ok - NAME" or "not ok - NAME"; tests/all.sh
# counts them.
. "$(dirname "$0")/checks.sh" "$1" "$2" plot

SMALL=tests/data/small.yaml
Q=(--quiet)
"$BIN" run "$SMALL" -n 20000 -o "$OUT/run.h5" "${Q[@]}" >/dev/null &&
    "$BIN" sweep "$SMALL" --vary gpu.accounting_life=2:4:1 -n 2000 -o "$OUT/sweep.h5" "${Q[@]}" >/dev/null &&
    "$BIN" sensitivity tests/data/sobol.yaml --method tornado,sobol -n 256 -o "$OUT/sobol.h5" "${Q[@]}" >/dev/null &&
    "$BIN" sensitivity tests/data/corr.yaml --method shapley -n 256 --orders 50 -o "$OUT/shapley.h5" "${Q[@]}" \
        >/dev/null &&
    "$BIN" run scenarios/baseline.yaml -n 8192 -o "$OUT/base.h5" "${Q[@]}" >/dev/null &&
    "$BIN" compare "$SMALL" --set-b revenue.base=50 -n 20000 -o "$OUT/compare.h5" "${Q[@]}" >/dev/null ||
    notok "the input files" "cannot make the files to plot"

# picture FILE WIDTH HEIGHT: a PNG of that size, not blank.
picture() {
    "$PY" - "$@" <<'PYEOF'
import sys
from PIL import Image, ImageStat
path, w, h = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(path, "rb") as f:
    assert f.read(8) == b"\x89PNG\r\n\x1a\n", "not a PNG"
im = Image.open(path)
im.load()
assert im.size == (w, h), "size %s, expected %s" % (im.size, (w, h))
sd = ImageStat.Stat(im.convert("L")).stddev[0]
# The data are drawn in colour, axes and text in black and grey: a page of
# axes, titles and keys alone (gnuplot, the same fonts) has a grey-level
# spread of 26 and 0.016 % coloured pixels (saturation > 20 %); the pictures
# of this script have 0.3 % to 7 %.
sat = im.convert("RGB").convert("HSV").getchannel("S").histogram()
colored = sum(sat[51:]) / (w * h)
assert sd > 15, "grey-level spread %.1f: blank" % sd
assert colored > 0.002, "%.3f %% of pixels coloured: no data drawn?" % (100 * colored)
PYEOF
}

# kind FILE KIND WIDTH HEIGHT
kind() {
    rm -f "$OUT/$2.png"
    "$BIN" plot "$OUT/$1" --kind "$2" -o "$OUT/$2.png" >"$OUT/$2.out" 2>&1 || { cat "$OUT/$2.out"; return 1; }
    [ "$(cat "$OUT/$2.out")" = "$OUT/$2.png" ] || { echo "printed: $(cat "$OUT/$2.out")"; return 1; }
    picture "$OUT/$2.png" "$3" "$4"
}
check "fan of a run" kind run.h5 fan 1600 1000
check "gap of a run" kind run.h5 gap 1600 1000
check "payback of a run" kind run.h5 payback 1600 1000
check "depreciation of a run" kind run.h5 depreciation 1600 800
check "dashboard of a run" kind run.h5 dashboard 1800 1200
check "tornado of a sensitivity" kind sobol.h5 tornado 1600 1300
check "Sobol indices" kind sobol.h5 indices 1600 1300
cp "$OUT/indices.png" "$OUT/sobol-indices.png"
check "Shapley effects" kind shapley.h5 indices 1600 1300
check "sweep" kind sweep.h5 sweep 1600 800
check "diff of a comparison" kind compare.h5 diff 1600 1000

# 2. SVG and PDF; what the pictures say (on the baseline: 9 quantile
# levels, payback years spread over the horizon and beyond).
# svg FILE KIND TEXT...: a well-formed SVG holding each TEXT in its text
# (=TEXT: as a text element of its own, such as a tic label).
svg() {
    local file=$1 k=$2
    shift 2
    "$BIN" plot "$OUT/$file" --kind "$k" -o "$OUT/$k.svg" >/dev/null || return 1
    "$PY" - "$OUT/$k.svg" "$@" <<'PYEOF'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag.endswith("svg"), root.tag
box = [float(x) for x in root.get("viewBox").split()]
assert box[2:] == [1600, 1000], box
texts = ["".join(e.itertext()).strip() for e in root.iter() if e.tag.endswith("text")]
text = " ".join(texts)
# "=WORD": a text of its own (a tic label), else anywhere in the text.
missing = [w for w in sys.argv[2:] if (w[1:] not in texts if w.startswith("=") else w not in text)]
assert not missing, "missing %s in: %s" % (missing, text[:600])
PYEOF
}
# One band per pair of the file's levels, outermost first.
bands() {
    "$PY" - "$OUT/base.h5" <<'PYEOF'
import sys, h5py
q = list(h5py.File(sys.argv[1], "r")["summary/quantile"][()])
for i in range(len(q) // 2):
    print("organic p%g–p%g" % (100 * q[i], 100 * q[-1 - i]))
PYEOF
}
mapfile -t BANDS < <(bands)
[ ${#BANDS[@]} -eq 4 ] || notok "the baseline's 9 levels" "${BANDS[@]}"
seed=$(sed -n 's/^seed: *\([0-9]*\).*/\1/p' scenarios/baseline.yaml)
check "SVG fan: title, every band of the file, medians, units" svg base.h5 fan \
    "baseline, 8,192 paths, seed $seed" "${BANDS[@]}" "organic median" \
    "required, Bain (median)" "required, J.P. Morgan (median)" "required, Sequoia (median)" \
    "required, full cost (median)" "revenue (B\$/yr, log scale)"
# The share of paths with no such year, from the file's counts, in the key.
nevers() {
    "$PY" - "$OUT/base.h5" <<'PYEOF'
import sys, h5py
m = h5py.File(sys.argv[1], "r")["metrics"]
names = [("payback_year", "payback"), ("discounted_payback_year", "discounted payback")] + [
    ("catchup_year_" + k, "catch-up, " + v) for k, v in
    (("bain", "Bain"), ("jpmorgan", "J.P. Morgan"), ("sequoia", "Sequoia"), ("full_cost", "full cost"))]
for ds, label in names:
    never = float(m[ds + "_never"][()])
    print("%s (never %.0f%%)" % (label, 100 * never / (never + m[ds + "_hist"][()].sum())))
PYEOF
}
mapfile -t NEVER < <(nevers)
check "SVG payback: never at the right edge, each share from the file's counts" svg base.h5 payback "=never" \
    "${NEVER[@]}"
check "SVG gap: the four methods, percent axis" svg run.h5 gap "Bain" "J.P. Morgan" "Sequoia" "full cost" \
    "P(gap ≤ 0) (% of paths; 95% Wilson band)"
check "SVG diff: both scenarios, units" svg compare.h5 diff "small vs small" "Δ npv" "(B\$)" "(years)"
pdf() {
    "$BIN" plot "$OUT/run.h5" --kind gap -o "$OUT/gap.pdf" >/dev/null &&
        [ "$(head -c 5 "$OUT/gap.pdf")" = "%PDF-" ] && [ "$(stat -c %s "$OUT/gap.pdf")" -gt 5000 ] &&
        tail -c 8 "$OUT/gap.pdf" | grep -q '%%EOF'
}
check "PDF by the extension" pdf

# 3. The default picture of each file, under results/ of the working folder.
defaults() {
    (cd "$OUT" && rm -rf results &&
        "$BIN" plot run.h5 && "$BIN" plot sweep.h5 && "$BIN" plot sobol.h5 && "$BIN" plot compare.h5 &&
        "$BIN" plot run.h5 --kind gap --kind payback) >"$OUT/defaults.out" || return 1
    local want
    want=$(printf '%s\n' results/small-dashboard.png results/small-sweep.png results/sobol-indices.png \
        results/small-diff.png results/small-gap.png results/small-payback.png)
    [ "$(cat "$OUT/defaults.out")" = "$want" ] || { cat "$OUT/defaults.out"; return 1; }
    picture "$OUT/results/small-dashboard.png" 1800 1200
}
check "no --kind: dashboard, sweep, indices, diff; several kinds: one file each" defaults

# 4. Bad input: exit status, message, no file.
# fails STATUS PATTERN OUTFILE ARGS...: plot ARGS exits STATUS, says PATTERN
# on stderr, and leaves neither OUTFILE nor any .part file.
fails() {
    local want=$1 pat=$2 file=$3
    shift 3
    env ${PLOT_PATH:+PATH="$PLOT_PATH"} "$BIN" plot "$@" >"$OUT/fail.out" 2>"$OUT/fail.err"
    local rc=$?
    [ $rc -eq "$want" ] || { echo "exit $rc, expected $want"; cat "$OUT/fail.err"; return 1; }
    grep -q -- "$pat" "$OUT/fail.err" || { echo "stderr lacks '$pat':"; cat "$OUT/fail.err"; return 1; }
    [ ! -e "$file" ] || { echo "left $file"; return 1; }
    ! ls "$OUT" | grep -q '\.part' || { echo "left a .part file"; ls "$OUT"; return 1; }
}
check "tornado of a run: exit 2 naming the kinds that fit" \
    fails 2 "expected one of: dashboard, fan, gap, payback, depreciation" "$OUT/x.png" "$OUT/run.h5" --kind tornado -o "$OUT/x.png"
check "fan of a sensitivity: exit 2 naming tornado, indices" \
    fails 2 "expected one of: tornado, indices" "$OUT/x.png" "$OUT/sobol.h5" --kind fan -o "$OUT/x.png"
"$BIN" sensitivity tests/data/sobol.yaml --method tornado -n 64 -o "$OUT/tornado-only.h5" --quiet >/dev/null
check "indices of a tornado-only sensitivity: exit 2" \
    fails 2 "neither /sobol nor /shapley" "$OUT/x.png" "$OUT/tornado-only.h5" --kind indices -o "$OUT/x.png"
check "a missing file: exit 2" fails 2 "cannot read '$OUT/none.h5'" "$OUT/x.png" "$OUT/none.h5" -o "$OUT/x.png"
check "a file that is not a result: exit 2" fails 2 "as an HDF5 result file" "$OUT/x.png" "$SMALL" -o "$OUT/x.png"
check "-o with an unknown extension: exit 2" fails 2 "expected FILE.png, FILE.svg or FILE.pdf" "$OUT/x.jpg" \
    "$OUT/run.h5" -o "$OUT/x.jpg"
check "an unknown kind: exit 2 naming the kinds" fails 2 "expected one of dashboard, fan" "$OUT/x.png" \
    "$OUT/run.h5" --kind pie -o "$OUT/x.png"
check "-o with several kinds: exit 2" fails 2 "several --kind" "$OUT/x.png" "$OUT/run.h5" --kind fan --kind gap \
    -o "$OUT/x.png"
ln -sf run.h5 "$OUT/run.h5.png"
check "-o the input itself: exit 2, input kept" fails 2 "is the input" "$OUT/nothing" "$OUT/run.h5" \
    -o "$OUT/run.h5.png" --kind fan
rm -f "$OUT/run.h5.png"
nognuplot() { PLOT_PATH=/nonexistent fails 1 "gnuplot-nox" "$OUT/x.png" "$OUT/run.h5" --kind fan -o "$OUT/x.png"; }
check "gnuplot missing: exit 1 naming its Debian package" nognuplot
# A gnuplot that writes half a picture, then fails: nothing is left.
mkdir -p "$OUT/bin"
cat >"$OUT/bin/gnuplot" <<'SHEOF'
#!/bin/sh
out=$(sed -n "s/^set output '\(.*\)'$/\1/p" | head -1)
head -c 5000 /dev/urandom >"$out"
exit 1
SHEOF
chmod +x "$OUT/bin/gnuplot"
badgnuplot() { PLOT_PATH="$OUT/bin:$PATH" fails 1 "gnuplot failed" "$OUT/x.png" "$OUT/run.h5" --kind fan -o "$OUT/x.png"; }
check "gnuplot failing half-way: exit 1, no partial picture" badgnuplot
# An existing picture is replaced only when the new one is drawn.
keep() {
    printf '\x89PNG\r\n\x1a\nold picture' >"$OUT/keep.png"
    cp "$OUT/keep.png" "$OUT/keep.orig"
    PATH="$OUT/bin:$PATH" "$BIN" plot "$OUT/run.h5" --kind fan -o "$OUT/keep.png" 2>/dev/null
    [ $? -eq 1 ] && cmp -s "$OUT/keep.png" "$OUT/keep.orig" || return 1
    "$BIN" plot "$OUT/run.h5" --kind fan -o "$OUT/keep.png" >/dev/null && picture "$OUT/keep.png" 1600 1000
}
check "a failed plot keeps the old picture; a good one replaces it" keep
# A file that is not a picture is replaced only with --force (docs/cli.md,
# "Files"): text named notes.png stays; --force replaces it.
notpicture() {
    echo "my notes" >"$OUT/notes.png"
    "$BIN" plot "$OUT/run.h5" --kind gap -o "$OUT/notes.png" 2>/dev/null
    [ $? -eq 2 ] && [ "$(cat "$OUT/notes.png")" = "my notes" ] &&
        "$BIN" plot "$OUT/run.h5" --kind gap -o "$OUT/notes.png" --force >/dev/null && picture "$OUT/notes.png" 1600 1000
}
check "-o over a file that is not a picture: exit 2, kept; --force replaces it" notpicture
