#!/bin/bash
# submit.sh: array.sbatch's parts and merge.sbatch's merge, submitted together.
#
#   examples/slurm/submit.sh SCENARIO.yaml N PARTS [sbatch options for the parts, e.g. -c 16]
#
# Prints the array's job id (RUN) and the merge's.  The merge runs when every
# part has succeeded; if one fails it is cancelled (--kill-on-invalid-dep)
# rather than left pending: re-run the part, then submit the merge again
# (both commands are in array.sbatch).  Run from the payback folder.
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: $0 SCENARIO.yaml N PARTS [sbatch options for the parts]" >&2; exit 2; }
SCENARIO=$1 N=$2 PARTS=$3
shift 3
HERE=$(dirname "$0")
RUN=$(N=$N PARTS=$PARTS sbatch --parsable --array=0-$((PARTS - 1)) "$@" "$HERE/array.sbatch" "$SCENARIO")
RUN=${RUN%%;*}
MERGE=$(RUN=$RUN sbatch --parsable --dependency=afterok:"$RUN" --kill-on-invalid-dep=yes "$HERE/merge.sbatch" "$SCENARIO")
echo "run $RUN: parts ${RUN}_[0-$((PARTS - 1))], merge job ${MERGE%%;*} -> results/$(basename "$SCENARIO" .yaml)-$RUN.h5"
