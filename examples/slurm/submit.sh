#!/bin/bash
# submit.sh: array.sbatch's parts and merge.sbatch's merge, submitted together.
#
#   examples/slurm/submit.sh SCENARIO.yaml N PARTS [sbatch options for the parts, e.g. -c 16]
#
# Prints the array's job id (RUN) and the merge's.  The merge runs when every
# part has succeeded; if one fails it is cancelled (--kill-on-invalid-dep)
# rather than left pending: re-run the part, then submit the merge again
# (both commands are in array.sbatch).  Parts that ask for more than a node
# has (array.sbatch's --cpus-per-task=8 on smaller nodes) would stay pending
# forever without an error (reason PartitionConfig): they are cancelled and
# this exits 2 naming the nodes' size.  Run from the payback folder.
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: $0 SCENARIO.yaml N PARTS [sbatch options for the parts]" >&2; exit 2; }
SCENARIO=$1 N=$2 PARTS=$3
shift 3
HERE=$(dirname "$0")
RUN=$(N=$N PARTS=$PARTS sbatch --parsable --array=0-$((PARTS - 1)) "$@" "$HERE/array.sbatch" "$SCENARIO")
RUN=${RUN%%;*}
MERGE=$(RUN=$RUN sbatch --parsable --dependency=afterok:"$RUN" --kill-on-invalid-dep=yes "$HERE/merge.sbatch" "$SCENARIO")
MERGE=${MERGE%%;*}
# slurmctld sets the reason when it first looks at the job: within seconds.
for _ in $(seq 10); do
    if squeue -h -j "$RUN" -o %r 2>/dev/null | grep -q PartitionConfig; then
        asked=$(squeue -h -j "$RUN" -o '%C' 2>/dev/null | head -n 1)
        nodes=$(sinfo -h -o '%c' 2>/dev/null | sort -nu | tr '\n' ' ')
        scancel "$RUN" "$MERGE"
        echo "submit.sh: error: each part asks for $asked CPUs, more than a node has (nodes of ${nodes}CPUs):" \
            "the parts would stay pending for ever (reason PartitionConfig), so both jobs are cancelled;" \
            "ask for fewer, e.g. $0 $SCENARIO $N $PARTS -c 2" >&2
        exit 2
    fi
    sleep 0.3
done
echo "run $RUN: parts ${RUN}_[0-$((PARTS - 1))], merge job $MERGE -> results/$(basename "$SCENARIO" .yaml)-$RUN.h5"
