#!/usr/bin/env bash
# Stops the cluster deploy/slurm/start-cluster.sh started in DIR (default /tmp/fhirbulk-slurm) and keeps its folder.
set -uo pipefail
dir=$(realpath -m "${1:-/tmp/fhirbulk-slurm}")
for pidfile in "$dir/slurmd.pid" "$dir/slurmctld.pid" "$dir/munge/munged.pid"; do
  [[ -s $pidfile ]] || continue
  pid=$(cat "$pidfile")
  kill "$pid" 2>/dev/null || continue
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
done
rm -f "$dir"/slurmd.pid "$dir"/slurmctld.pid "$dir"/munge/munged.pid
