#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# fer-extract sharded over a real one-node Slurm cluster started here:
# munged, slurmctld and slurmd on loopback with their own key, ports, state
# and spool folders under a temporary directory, started and stopped by
# PID, every wait bounded. pipelines/slurm/fer-extract.sbatch runs 3 array
# tasks (--shard k/3) over clips cut from the labelled evaluation set;
# `fer-extract merge` must give byte for byte the .npz one run writes.
#
# Environment: BUILD_DIR (the build tree), FER_EVAL_SET_DIR (its eval-set).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$top/build}
set_dir=${FER_EVAL_SET_DIR:-$build/eval-set}
for tool in munged slurmctld slurmd sbatch sinfo; do
  command -v "$tool" > /dev/null || { echo "FAIL: $tool not found (tools/setup.sh --tests installs slurm-wlm and munge)"; exit 1; }
done

work=$(mktemp -d /tmp/fer-slurm.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2> /dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2> /dev/null || true
  done
  [ -f "$work/munged.pid" ] && kill "$(cat "$work/munged.pid")" 2> /dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
wait_for() {  # seconds, description, command...
  local seconds=$1 what=$2; shift 2
  for _ in $(seq $(( seconds * 10 ))); do "$@" > /dev/null 2>&1 && return 0; sleep 0.1; done
  echo "FAIL: no $what within $seconds s"; tail -n 20 "$work"/*.log 2> /dev/null || true; exit 1
}
free_port() { /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# munge: its own key and socket.
mkdir -p "$work/munge" "$work/state" "$work/spool"
chmod 700 "$work/munge"
head -c 1024 /dev/urandom > "$work/munge/munge.key"
chmod 600 "$work/munge/munge.key"
munged --force --key-file="$work/munge/munge.key" --socket="$work/munge/munge.sock" \
  --pid-file="$work/munged.pid" --log-file="$work/munged.log" --seed-file="$work/munge/seed"
wait_for 10 "munge socket" test -S "$work/munge/munge.sock"

node=$(hostname)
user=$(id -un)
cat > "$work/slurm.conf" << CONF
ClusterName=fertest
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
SlurmUser=$user
SlurmdUser=$user
AuthType=auth/munge
AuthInfo=socket=$work/munge/munge.sock
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
NodeName=$node NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=1000 State=UNKNOWN
PartitionName=test Nodes=$node Default=YES MaxTime=30 State=UP
CONF
export SLURM_CONF=$work/slurm.conf
slurmctld -D -i -f "$SLURM_CONF" > "$work/slurmctld.out.log" 2>&1 &
pids+=($!)
slurmd -D -N "$node" -f "$SLURM_CONF" > "$work/slurmd.out.log" 2>&1 &
pids+=($!)
wait_for 30 "idle Slurm node" bash -c 'sinfo -h -o %t | grep -q idle'
echo "Slurm up: $(sinfo -h -o '%P %D %t %c')"

# A small dataset: 16-frame clips cut from the labelled ranges, first 8 rows.
/usr/bin/python3 "$top/tests/tools/cut_clips.py" "$set_dir/videos.csv" "$work" 16 1 > /dev/null
head -n 9 "$work/clips.csv" > "$work/dataset.csv"
chmod -R a+rX "$work"

export FER_EXTRACT=$build/bin/fer-extract
timeout 300 sbatch --wait --array=0-2 --cpus-per-task=1 --chdir="$work" \
  --output="$work/task-%a.log" "$top/pipelines/slurm/fer-extract.sbatch" "$work/dataset.csv" "$work/parts" \
  || { echo "FAIL: the array job failed"; cat "$work"/task-*.log "$work/slurmctld.log" 2> /dev/null | tail -n 40; exit 1; }
ls "$work/parts"/part-{0,1,2}-of-3.npz > /dev/null || { echo "FAIL: parts missing"; ls "$work/parts"; exit 1; }
"$FER_EXTRACT" merge "$work/merged.npz" "$work"/parts/part-*-of-3.npz
"$FER_EXTRACT" "$work/dataset.csv" "$work/single.npz" --jobs 2 2> /dev/null
/usr/bin/python3 - "$work/single.npz" "$work/merged.npz" << 'PY'
import sys
import numpy as np
a, b = np.load(sys.argv[1]), np.load(sys.argv[2])
assert a.files == b.files, (a.files, b.files)
for k in a.files:
    assert a[k].dtype == b[k].dtype and np.array_equal(a[k], b[k]), k
print(f"merged == single run: {len(a.files)} arrays, {a['landmarks'].shape[0]} clips")
PY
cmp "$work/single.npz" "$work/merged.npz"
echo "byte-identical"
echo "1 passed, 0 failed"
