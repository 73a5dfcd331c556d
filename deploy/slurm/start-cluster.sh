#!/usr/bin/env bash
# Starts a single-node Slurm cluster (slurmctld + slurmd + munged) whose every file lives under one folder,
# so it touches nothing in /etc and several can exist side by side. Debian's slurm-wlm and munge must be
# installed (deploy/slurm/install.sh). Prints the line to source to use it: export SLURM_CONF=...
#
#   deploy/slurm/start-cluster.sh [DIR]     (default: /tmp/fhirbulk-slurm)
#   deploy/slurm/stop-cluster.sh  [DIR]
set -euo pipefail

dir=$(realpath -m "${1:-/tmp/fhirbulk-slurm}")
for tool in slurmctld slurmd munged mungekey sinfo; do
  command -v "$tool" >/dev/null || { echo "start-cluster: $tool not found; run deploy/slurm/install.sh first" >&2; exit 3; }
done

mkdir -p "$dir"/{munge,state,spool,log}
# munged refuses keys and sockets in group- or world-writable folders.
chmod 700 "$dir" "$dir/munge"

if [[ ! -s $dir/munge/munge.key ]]; then
  mungekey --create --keyfile="$dir/munge/munge.key" >/dev/null
fi
chmod 600 "$dir/munge/munge.key"

host=$(hostname -s)
cpus=$(nproc)
memory_mb=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 512 ))
user=$(id -un)

cat >"$dir/slurm.conf" <<CONF
# Written by deploy/slurm/start-cluster.sh: one node that is also the controller.
ClusterName=fhirbulk
SlurmctldHost=$host
SlurmUser=$user
SlurmdUser=$user
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
SlurmctldPort=${SLURMCTLD_PORT:-16817}
SlurmdPort=${SLURMD_PORT:-16818}
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=300
KillWait=10
Waittime=0
NodeName=$host CPUs=$cpus RealMemory=$memory_mb State=UNKNOWN
# Without a default, a job asks for the node's whole memory and array tasks run one at a time.
PartitionName=main Nodes=ALL Default=YES MaxTime=INFINITE State=UP DefMemPerCPU=$(( memory_mb / cpus ))
CONF

export SLURM_CONF=$dir/slurm.conf
munge_args=(--key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket"
            --pid-file="$dir/munge/munged.pid" --log-file="$dir/log/munged.log" --seed-file="$dir/munge/munged.seed")
# As root munged wants --force: this cluster is a workstation's, not a site's.
[[ $(id -u) == 0 ]] && munge_args+=(--force)
munged "${munge_args[@]}"
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"

# The node registers within a few seconds; jobs submitted before that would wait.
for _ in $(seq 1 60); do
  state=$(sinfo -h -N -o '%t' 2>/dev/null | head -1 || true)
  [[ $state == idle* || $state == mix* || $state == alloc* ]] && break
  sleep 1
done
if [[ ! ${state:-} =~ ^(idle|mix|alloc) ]]; then
  echo "start-cluster: the node did not come up (state '${state:-none}'); see $dir/log/" >&2
  exit 1
fi
echo "export SLURM_CONF=$SLURM_CONF"
