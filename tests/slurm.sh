#!/bin/bash
# slurm.sh SERIAL_BIN MPI_BIN OUTDIR: the examples of examples/slurm/ under a
# real Slurm, as a cluster user would submit them.
#
# A private one-node cluster under a temporary folder: munged, slurmctld
# and slurmd started by hand (root, in the foreground as this script's
# children), their own free ports, key, state, spool and logs, found through
# SLURM_CONF; nothing in /etc is read or written.  Then:
#   - a reference run of N paths on this machine (no /paths stored:
#     the examples store none);
#   - array.sbatch as 3 parts (cutting blocks) with merge.sbatch submitted
#     afterok with --kill-on-invalid-dep; one part is lost (cancelled before
#     it runs): the merge must be cancelled, not left pending; a re-run with
#     other N/PARTS must be refused with a clear message, the re-run as
#     documented (RUN=... --array=1) must work and remove a killed part's
#     leftover file; the merge again: bit-identical to the reference;
#   - merge.sbatch refusing a stray part in the run's folder;
#   - submit.sh refusing parts too large for the node (they would stay
#     pending for ever), then a second run of 2 parts through it;
#   - hybrid.sbatch as 1 rank x 2 threads (the threads on distinct cores)
#     and 2 ranks x 1 thread, each bit-identical to the reference, the
#     progress line counting every rank's paths.
# Teardown (on exit, and on INT/TERM) stops every daemon it started.
# Prints "ok - [slurm] ..." / "not ok - [slurm] ..." lines and "# " log
# lines (cluster up, jobs, identity, cluster down, time).  When a Slurm
# cluster cannot be started here it prints "# skip [slurm]: WHY" and exits 0.
set -u
SER=$(realpath "$1")
MPI=$(realpath "$2")
OUT=$3
cd "$(dirname "$0")/.."
REPO=$PWD
rm -rf "$OUT"
mkdir -p "$OUT"
OUT=$(realpath "$OUT")
START=$(date +%s.%N)
N=100000
SC=scenarios/baseline.yaml
ok() { echo "ok - [slurm] $1"; }
notok() { echo "not ok - [slurm] $1"; shift; [ $# -gt 0 ] && printf '%s\n' "$@" | sed 's/^/#   /'; }
skip() { echo "# skip [slurm]: $1"; exit 0; }
elapsed() { echo "$(date +%s.%N) $1" | awk '{printf "%.1f", $1 - $2}'; }

for c in munged slurmctld slurmd sbatch srun squeue scontrol sinfo h5diff; do
    command -v $c >/dev/null || skip "$c is not installed (Debian packages slurm-wlm, munge; make deps-test)"
done
[ "$(id -u)" -eq 0 ] || skip "slurmd must run as root to start jobs (this is uid $(id -u))"
[ -x "$SER" ] && [ -x "$MPI" ] || skip "$1 or $2 is not built"

# --- the cluster ------------------------------------------------------------
T=$(mktemp -d "${TMPDIR:-/tmp}/payback-slurm.XXXXXX")
chmod 755 "$T" # munged wants its socket's folders searchable by all
PIDS=()
# Processes of the cluster whose slurm.conf is $1 (default: this one's)
# other than its daemons: slurmstepd and what it started, which outlive
# slurmd; their environment names the slurm.conf.  Not this script or its
# own children.
strays() {
    local p q conf=${1:-$T/slurm.conf}
    for p in /proc/[0-9]*; do
        p=${p#/proc/}
        tr '\0' '\n' 2>/dev/null <"/proc/$p/environ" | grep -qxF "SLURM_CONF=$conf" || continue
        q=$p
        while [ "${q:-1}" -gt 1 ] && [ "$q" != "$$" ]; do
            q=$(sed -n 's/.*) [A-Za-z] \([0-9]*\) .*/\1/p' "/proc/$q/stat" 2>/dev/null)
        done
        [ "$q" = "$$" ] || echo "$p"
    done
}
# Whether process $1 runs (a zombie that nobody reaps does not).
running() { [ -e "/proc/$1" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }
teardown() {
    local p alive=() left
    # Jobs first, while slurmctld can still cancel them; their slurmstepd
    # ends a moment after squeue stops showing them.
    if [ -n "${SLURM_CONF:-}" ] && [ ${#PIDS[@]} -gt 1 ]; then
        scancel -u "$(id -un)" 2>/dev/null
        for _ in $(seq 100); do squeue -h 2>/dev/null | grep -q . || [ -n "$(strays)" ] || break; sleep 0.1; done
    fi
    [ -n "${HOLD:-}" ] && kill "$HOLD" 2>/dev/null
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${PIDS[@]}"; do
        for _ in $(seq 50); do running "$p" || break; sleep 0.1; done
        if running "$p"; then kill -9 "$p" 2>/dev/null; alive+=("$p"); fi
        wait "$p" 2>/dev/null
    done
    left=$(strays)
    if [ -n "$left" ]; then
        kill -9 $left 2>/dev/null
        alive+=($left)
        for _ in $(seq 20); do [ -n "$(strays)" ] || break; sleep 0.1; done
    fi
    cp -r "$T/log" "$OUT/daemon-logs" 2>/dev/null
    rm -rf "$T"
    PIDS=()
    if [ ${#alive[@]} -eq 0 ]; then
        echo "# cluster down: every daemon it started has stopped, no job left"
    else
        echo "# cluster down: ${alive[*]} were still running (after SIGTERM and 5 s, or jobs' processes) and were killed"
    fi
}
trap teardown EXIT
trap 'teardown; trap - EXIT; exit 130' INT
trap 'teardown; trap - EXIT; exit 143' TERM

up0=$(date +%s.%N)
mkdir -p "$T/munge" "$T/state" "$T/spool" "$T/log" "$T/work/results"
chmod 755 "$T/munge"
head -c 1024 /dev/urandom >"$T/munge/munge.key"
chmod 400 "$T/munge/munge.key"
munged -F --key-file="$T/munge/munge.key" --socket="$T/munge/socket" --pid-file="$T/munge/pid" \
    --seed-file="$T/munge/seed" --log-file="$T/log/munged.log" >>"$T/log/munged.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do [ -S "$T/munge/socket" ] && break; sleep 0.1; done
[ -S "$T/munge/socket" ] || skip "munged did not start: $(tail -n 2 "$T/log/munged.log" | tr '\n' ' ')"
# Two free ports: bound to 0, then released (another program may take one
# in between: slurmctld's log then says so).
read -r PCTL PD < <(/usr/bin/python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
HOST=$(hostname -s)
CPUS=$(nproc)
export SLURM_CONF=$T/slurm.conf
cat >"$SLURM_CONF" <<EOF
ClusterName=payback-test
SlurmctldHost=$HOST(127.0.0.1)
SlurmctldPort=$PCTL
SlurmdPort=$PD
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$T/munge/socket
CredType=cred/munge
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/log/slurmctld.log
SlurmdLogFile=$T/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/affinity
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
KillWait=5
MinJobAge=600
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$CPUS Sockets=1 CoresPerSocket=$CPUS ThreadsPerCore=1 RealMemory=1000 State=UNKNOWN
PartitionName=test Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld -D -i >>"$T/log/slurmctld.stderr" 2>&1 &
PIDS+=($!)
slurmd -D >>"$T/log/slurmd.stderr" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do [ "$(sinfo -h -o %T 2>/dev/null)" = idle ] && break; sleep 0.1; done
if [ "$(sinfo -h -o %T 2>/dev/null)" != idle ]; then
    echo "# slurmctld: $(tail -n 3 "$T/log/slurmctld.log" 2>/dev/null | tr '\n' ' ')"
    echo "# slurmd: $(tail -n 3 "$T/log/slurmd.log" 2>/dev/null | tr '\n' ' ')"
    skip "the one-node cluster did not come up within 10 s (node state '$(sinfo -h -o %T 2>/dev/null)')"
fi
echo "# cluster up in $(elapsed "$up0") s: munged, slurmctld (port $PCTL), slurmd (port $PD) on $HOST, $CPUS CPUs, under $T"
# For the interruption check at the end (PAYBACK_SLURM_HOLD=1): a job
# running, then wait until stopped by a signal.
if [ -n "${PAYBACK_SLURM_HOLD:-}" ]; then
    (cd "$T/work" && sbatch -Q -c 1 -o /dev/null --wrap "sleep 300")
    for _ in $(seq 100); do squeue -h -t R 2>/dev/null | grep -q . && break; sleep 0.1; done
    echo "# holding: daemons ${PIDS[*]}, conf $SLURM_CONF, $(squeue -h -t R | wc -l) job running"
    sleep 600 &
    HOLD=$!
    wait $HOLD
    exit 0
fi

# --- helpers ----------------------------------------------------------------
# The jobs run in work/, which holds the program and the repository's
# examples and scenarios as a user's payback folder would.
W=$T/work
ln -s "$SER" "$W/payback"
ln -s "$MPI" "$W/payback-mpi"
ln -s "$REPO/scenarios" "$W/scenarios"
ln -s "$REPO/examples" "$W/examples"
export OMPI_MCA_btl=self,vader # one node: shared memory, no network
state() { [ -n "$1" ] || return 0; scontrol -o show job "$1" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | sort | uniq -c | tr -s ' ' | tr '\n' ' '; }
wait_done() { # JOBID SECONDS: until no task of the job is pending or running
    local i
    for i in $(seq $((${2:-120} * 5))); do
        squeue -h -j "$1" -t PD,R,CG 2>/dev/null | grep -q . || return 0
        sleep 0.2
    done
    return 1
}
same() { # A.h5 B.h5: /summary and /metrics identical (the examples store no /paths)
    local g bad=""
    for g in /summary /metrics; do h5diff "$1" "$2" $g $g >/dev/null 2>&1 || bad="$bad $g"; done
    [ -z "$bad" ] || { echo "differ:$bad"; return 1; }
}
sb() { (cd "$W" && sbatch --parsable "$@") | cut -d';' -f1; }

# --- the reference ----------------------------------------------------------
"$SER" run "$SC" -n $N -t 2 --quiet -o "$OUT/reference.h5" >/dev/null || { notok "the reference run"; exit 0; }

# --- array + merge, a lost part, its re-run ------------------------------------
jobs0=$(date +%s.%N)
RUN=$(cd "$W" && N=$N PARTS=3 sbatch --parsable -c 1 --hold --array=0-2 examples/slurm/array.sbatch $SC | cut -d';' -f1)
MERGE=$(cd "$W" && RUN=$RUN sbatch --parsable --dependency=afterok:$RUN --kill-on-invalid-dep=yes examples/slurm/merge.sbatch $SC)
scancel "${RUN}_1" # lost before it ran
scontrol release "$RUN"
wait_done "$RUN" 120 && wait_done "$MERGE" 30
echo "# jobs: array $RUN (3 parts of $N paths, part 1 cancelled): $(state "$RUN"); merge $MERGE afterok: $(state "$MERGE")"
name="a lost part: the merge submitted afterok with --kill-on-invalid-dep is cancelled, not left pending"
s=$(state "$MERGE")
case $s in *CANCELLED*) ok "$name" ;; *) notok "$name" "merge job: $s" ;; esac
D=$W/results/baseline-$RUN-parts
name="parts 0 and 2 done, part 1 missing, run.env holds N=$N PARTS=3"
if [ -f "$D/part-00000.h5" ] && [ -f "$D/part-00002.h5" ] && [ ! -e "$D/part-00001.h5" ] &&
    grep -qx "N=$N" "$D/run.env" && grep -qx "PARTS=3" "$D/run.env"; then ok "$name"; else notok "$name" "$(ls "$D")"; fi
# A re-run with other N or PARTS is refused (it would compute other paths).
BAD=$(cd "$W" && RUN=$RUN N=$N PARTS=4 sbatch --parsable -c 1 --array=1 examples/slurm/array.sbatch $SC | cut -d';' -f1)
wait_done "$BAD" 60
name="a re-run with PARTS=4 against run.env's 3 fails with a clear message and writes nothing"
if grep -q "PARTS=4, but run $RUN .* has N=$N PARTS=3" "$W/payback-part-${BAD}_1.out" && [ ! -e "$D/part-00001.h5" ]; then
    ok "$name"
else notok "$name" "$(cat "$W/payback-part-${BAD}_1.out")"; fi
# What a part killed by SIGKILL leaves (nothing can remove it then): the
# re-run of that part removes it.
: >"$D/part-00001.h5.part4242"
REDO=$(cd "$W" && RUN=$RUN sbatch --parsable -c 1 --array=1 examples/slurm/array.sbatch $SC | cut -d';' -f1)
MERGE2=$(cd "$W" && RUN=$RUN sbatch --parsable --dependency=afterok:$REDO --kill-on-invalid-dep=yes examples/slurm/merge.sbatch $SC)
wait_done "$REDO" 120 && wait_done "$MERGE2" 60
echo "# jobs: re-run of part 1 as $REDO (N and PARTS from run.env): $(state "$REDO"); merge $MERGE2: $(state "$MERGE2")"
name="the re-run (RUN=$RUN --array=1, no N or PARTS) removes the killed attempt's part-00001.h5.part4242"
if [ ! -e "$D/part-00001.h5.part4242" ] && grep -q "removing .*part4242" "$W/payback-part-${REDO}_1.out"; then ok "$name"; else notok "$name" "$(ls "$D")"; fi
if d=$(same "$OUT/reference.h5" "$W/results/baseline-$RUN.h5" 2>&1); then
    ok "array of 3 parts (one re-run) merged by merge.sbatch: /summary and /metrics identical to one run of $N paths"
    echo "# identity: results/baseline-$RUN.h5 (merge of 3 parts) = reference (h5diff /summary /metrics)"
else notok "array of 3 parts merged: identical to one run" "$d" "$(cat "$W/payback-merge-$MERGE2.out" 2>/dev/null)"; fi

# A stray part in the run's folder (an earlier run's, another index) is
# refused by the merge, which names it.
cp "$D/part-00002.h5" "$D/part-00003.h5"
M3=$(cd "$W" && RUN=$RUN sbatch --parsable examples/slurm/merge.sbatch $SC)
wait_done "$M3" 60
name="merge.sbatch refuses a stray part-00003.h5 in a 3-part run's folder and names it"
if grep -q "holds file(s) that are not parts 0..2 of run $RUN: .*part-00003.h5" "$W/payback-merge-$M3.out" &&
    [ "$(state "$M3")" = " 1 FAILED " ]; then ok "$name"; else notok "$name" "$(state "$M3")" "$(cat "$W/payback-merge-$M3.out")"; fi
rm -f "$D/part-00003.h5"

# submit.sh: array.sbatch as written (--cpus-per-task=8) on this smaller
# node would stay pending for ever; submit.sh cancels and says so.  Then a
# second run of 2 parts with -c 1: a folder and result of its own, the
# first run's untouched.
SUB=$(cd "$W" && examples/slurm/submit.sh $SC $N 2 2>&1)
rc=$?
name="submit.sh with array.sbatch's -c 8 on a $CPUS-CPU node: exit 2, PartitionConfig explained, no job left"
if [ $rc -eq 2 ] && printf '%s\n' "$SUB" | grep -q "asks for 8 CPUs, more than a node has .*PartitionConfig" &&
    ! squeue -h -t PD,R 2>/dev/null | grep -q .; then ok "$name"; else notok "$name" "exit $rc: $SUB" "$(squeue)"; fi
SUB=$(cd "$W" && examples/slurm/submit.sh $SC $N 2 -c 1 2>&1)
RUN2=$(printf '%s\n' "$SUB" | sed -n 's/^run \([0-9]*\): .*/\1/p')
MERGE3=$(printf '%s\n' "$SUB" | sed -n 's/.*merge job \([0-9]*\) .*/\1/p')
[ -n "$RUN2" ] && wait_done "$RUN2" 120 && wait_done "$MERGE3" 60
echo "# jobs: submit.sh run $RUN2 (2 parts): $(state "$RUN2"); merge $MERGE3: $(state "$MERGE3")"
name="submit.sh -c 1: a second run (2 parts) in its own folder, merged, identical to one run; the first run's result untouched"
if [ -n "$RUN2" ] && d=$(same "$OUT/reference.h5" "$W/results/baseline-$RUN2.h5" 2>&1) &&
    [ "$(ls "$W/results/baseline-$RUN2-parts")" = "$(printf 'part-00000.h5\npart-00001.h5\nrun.env')" ] &&
    same "$OUT/reference.h5" "$W/results/baseline-$RUN.h5" >/dev/null; then
    ok "$name"
    echo "# identity: results/baseline-$RUN2.h5 (submit.sh, 2 parts) = reference"
else notok "$name" "$SUB" "${d:-}" "$(ls "$W/results")"; fi

# --- hybrid: ranks x threads ---------------------------------------------------
# 1 rank x 2 threads: each thread on a core of its own; then 2 ranks x 1 thread.
H1=$(sb -N 1 -n 1 --ntasks-per-node=1 -c 2 examples/slurm/hybrid.sbatch $SC $N)
wait_done "$H1" 120
H2=$(sb -N 1 -n 2 -c 1 examples/slurm/hybrid.sbatch $SC $N)
wait_done "$H2" 120
echo "# jobs: hybrid 1 rank x 2 threads $H1: $(state "$H1"); 2 ranks x 1 thread $H2: $(state "$H2")"
aff=$(grep '^payback affinity:' "$W/payback-$H1.out" | sort -u)
cpus=$(printf '%s\n' "$aff" | sed -n 's/.* thread \([0-9]*\) of 2 cpus \(.*\)$/\2/p' | sort)
name="hybrid.sbatch -n 1 -c 2: the rank's 2 threads run on 2 distinct single cores"
if [ "$(printf '%s\n' "$cpus" | sort -u | wc -l)" -eq 2 ] && ! printf '%s\n' "$cpus" | grep -q '[-,]'; then
    ok "$name ($(echo $cpus | tr ' ' ','))"
else notok "$name" "$aff"; fi
for h in "$H1" "$H2"; do
    f=$W/results/baseline-$h.h5
    if d=$(same "$OUT/reference.h5" "$f" 2>&1); then
        ok "hybrid.sbatch job $h: /summary and /metrics identical to one run"
        echo "# identity: results/baseline-$h.h5 (srun --mpi=pmix, $(h5dump -a /ranks "$f" | sed -n 's/.*(0): //p') rank(s)) = reference"
    else notok "hybrid.sbatch job $h: identical to one run" "$d" "$(tail -n 5 "$W/payback-$h.out")"; fi
done
name="hybrid.sbatch with 2 ranks: the progress line counts both ranks' paths ($N/$N)"
if grep -q "^$N/$N paths, .* took" "$W/payback-$H2.out"; then ok "$name"; else notok "$name" "$(grep 'paths, ' "$W/payback-$H2.out")"; fi
echo "# jobs took $(elapsed "$jobs0") s"
cp "$W"/*.out "$OUT/" 2>/dev/null
STARTED=("${PIDS[@]}")
teardown
trap - EXIT INT TERM
left=""
for p in "${STARTED[@]}" $(strays); do running "$p" && left="$left $p($(cat /proc/$p/comm 2>/dev/null))"; done
name="teardown: no daemon of this cluster and no process of its jobs left"
if [ -z "$left" ]; then ok "$name"; else notok "$name" "still running:$left"; fi

# Interrupted: the same script holding a cluster with a job running is
# stopped by SIGTERM (as by `timeout` or a CI runner): its daemons, the
# job's slurmstepd and processes, and its folder must be gone.
PAYBACK_SLURM_HOLD=1 bash "$REPO/tests/slurm.sh" "$SER" "$MPI" "$OUT/hold" >"$OUT/hold.log" 2>&1 &
hp=$!
for _ in $(seq 300); do grep -q '^# holding' "$OUT/hold.log" && break; sleep 0.1; done
held=$(sed -n 's/^# holding: daemons \([0-9 ]*\), conf \([^,]*\), \([0-9]*\) job running/\1|\2|\3/p' "$OUT/hold.log")
conf=${held#*|}
conf=${conf%|*}
job_pids=$(strays "$conf" | tr '\n' ' ')
kill -TERM $hp
wait $hp
left=""
for p in ${held%%|*} $job_pids $(strays "$conf"); do running "$p" && left="$left $p($(cat /proc/$p/comm 2>/dev/null))"; done
name="interrupted by SIGTERM with a job running: its 3 daemons, the job's processes and its folder are gone"
if [ -n "$held" ] && [ "${held##*|}" = 1 ] && [ -n "$job_pids" ] && [ -z "$left" ] && [ ! -e "$(dirname "$conf")" ]; then
    ok "$name"
else notok "$name" "held: $held; job processes: $job_pids; left:$left" "$(cat "$OUT/hold.log")"; fi
echo "# slurm test took $(elapsed "$START") s"
