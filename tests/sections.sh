#!/bin/bash
# sections.sh [DIR...]: the code's citations of the model and of the
# interfaces resolve to the user documentation.
#   - "model.md §N" (also §N.M, lists "§2, §10" and ranges "§3-§7") cited in
#     DIR (default: sim include) names a heading "## N." (or "### N.M") of
#     docs/model.md; a quoted name after it (model.md §2 "Domains") appears
#     in that section;
#   - "interfaces.md §N" is in the table below, which says which user
#     document covers that part of the interfaces, and that document has the
#     heading the table names;
#   - docs/model.md's top-level sections are numbered 1, 2, 3 ... in order.
# Prints one line per check, "ok - NAME" or "not ok - NAME" (with the
# places below it); tests/all.sh counts them.  Exit status 1 if any failed.
set -u
export LC_ALL=C
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || set -- sim include
MODEL=docs/model.md

failed=0
ok() { echo "ok - sections: $1"; }
notok() { failed=1; echo "not ok - sections: $1"; shift; [ $# -gt 0 ] && printf '%s\n' "$@" | sed 's/^/#   /'; }

# interfaces.md section -> the user document that covers it, and its heading.
declare -A IFACE=(
    [1]='docs/scenarios.md|# Scenario files'
    [2]='docs/cli.md|# Command line'
    [3]='docs/output.md|# The result file'
    [4]='docs/cli.md|# Command line'
    [5]='docs/output.md|# The result file'
)

plural() { if [ "$1" -eq 1 ]; then echo "1 citation"; else echo "$1 citations"; fi; }

# The section numbers of one citation's text: "§3-§7" -> 3 4 5 6 7,
# "§2, §10" -> 2 10, "§9" -> 9, "§4.2" -> 4.2.
expand() {
    local text=$1 prev="" sep="" n
    while [[ $text =~ ^[^§]*§([0-9]+(\.[0-9]+)?)(.*)$ ]]; do
        n=${BASH_REMATCH[1]}
        text=${BASH_REMATCH[3]}
        if [ "$sep" = range ] && [[ $prev =~ ^[0-9]+$ && $n =~ ^[0-9]+$ ]]; then
            for ((k = prev + 1; k <= n; k++)); do echo "$k"; done
        else
            echo "$n"
        fi
        prev=$n
        if [[ $text =~ ^(-|–)§ ]]; then sep=range; else sep=list; fi
    done
}

# The text of docs/model.md's section N (top level): its heading up to the
# next top-level heading.
section_text() {
    awk -v n="$1" '/^## / { inside = index($0, "## " n ". ") == 1 } inside' "$MODEL"
}

# 1. docs/model.md's top-level numbering.
numbering=$(awk '/^## / {
        want++
        if (index($0, "## " want ". ") != 1) print "line " NR ": \"" $0 "\": expected \"## " want ". ...\""
    } END { if (!want) print "no \"## \" heading" }' "$MODEL")
if [ -z "$numbering" ]; then ok "docs/model.md sections numbered 1 to $(grep -c '^## ' "$MODEL") in order"
else notok "docs/model.md sections numbered in order" "$numbering"; fi

# 2. model.md citations.
SEC_RE='§[0-9]+(\.[0-9]+)?'
cites=$(grep -rInoE "model\.md $SEC_RE((-|–|, | and )$SEC_RE)*( \"[^\"]+\")?" "$@")
if [ -z "$cites" ]; then
    notok "model.md citations found in $*" "none: is the pattern still right?"
fi
declare -A count=() where=() heading=()
bad=()
while IFS= read -r line; do
    [ -n "$line" ] || continue
    place=${line%%:model.md*}
    text=${line#"$place":}
    name=""
    [[ $text =~ \"([^\"]+)\"$ ]] && name=${BASH_REMATCH[1]}
    secs=$(expand "$text")
    [ -n "$secs" ] || bad+=("\"$text\" at $place: no section number read")
    for s in $secs; do
        if [[ $s == *.* ]]; then h=$(grep -m1 -E "^### ${s//./\\.}[. ]" "$MODEL")
        else h=$(grep -m1 -E "^## $s\. " "$MODEL"); fi
        if [ -z "$h" ]; then
            bad+=("model.md §$s cited at $place: no heading \"$([[ $s == *.* ]] && echo "### $s" || echo "## $s.")\" in $MODEL")
            continue
        fi
        if [ -n "$name" ] && ! section_text "${s%%.*}" | grep -qF "$name"; then
            bad+=("model.md §$s \"$name\" cited at $place: \"$name\" is not in $MODEL §${s%%.*}")
            continue
        fi
        count[$s]=$((${count[$s]:-0} + 1))
        where[$s]="${where[$s]:-}${where[$s]:+, }$place"
        heading[$s]=$h
    done
done <<<"$cites"
for s in $(printf '%s\n' "${!count[@]}" | sort -t. -k1,1n -k2,2n); do
    ok "model.md §$s -> $MODEL \"${heading[$s]}\" ($(plural ${count[$s]}))"
done
for b in "${bad[@]+"${bad[@]}"}"; do notok "dangling citation: $b"; done

# 3. interfaces.md citations.
cites=$(grep -rInoE "interfaces\.md $SEC_RE((-|–|, | and )$SEC_RE)*" "$@")
declare -A icount=()
bad=()
while IFS= read -r line; do
    [ -n "$line" ] || continue
    place=${line%%:interfaces.md*}
    text=${line#"$place":}
    secs=$(expand "$text")
    [ -n "$secs" ] || bad+=("\"$text\" at $place: no section number read")
    for s in $secs; do
        entry=${IFACE[$s]:-}
        if [ -z "$entry" ]; then
            bad+=("interfaces.md §$s cited at $place: not in tests/sections.sh's table of the user documents")
            continue
        fi
        icount[$s]=$((${icount[$s]:-0} + 1))
    done
done <<<"$cites"
for s in $(printf '%s\n' "${!icount[@]}" | sort -n); do
    file=${IFACE[$s]%%|*}
    head=${IFACE[$s]#*|}
    if grep -qxF "$head" "$file" 2>/dev/null; then ok "interfaces.md §$s -> $file \"$head\" ($(plural ${icount[$s]}))"
    else notok "interfaces.md §$s -> $file \"$head\"" "no such heading in $file"; fi
done
for b in "${bad[@]+"${bad[@]}"}"; do notok "dangling citation: $b"; done
exit $failed
