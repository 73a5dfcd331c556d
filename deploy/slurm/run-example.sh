#!/usr/bin/env bash
# End to end on one machine, as on a cluster: generate a population, build its Parquet lake as a Slurm array job of
# N shards, check that every shard arrived (`view --merge`), and check the lake against a single run, row for row.
#
#   deploy/slurm/run-example.sh [--patients P] [--shards N] [--work DIR] [--views DIR]
#
# Uses the cluster named by SLURM_CONF, or starts one with start-cluster.sh (and stops it again at the end).
# FHIR_BULK names the tool (default: fhir-bulk on PATH). Exit 0 only when the lake equals the single run.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
patients=200 shards=2 work=${TMPDIR:-/tmp}/fhirbulk-slurm-example views=$repo/examples/workshop/views
while (($#)); do
  case $1 in
    --patients) patients=$2; shift 2 ;;
    --shards) shards=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --views) views=$2; shift 2 ;;
    *) echo "run-example: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
read -r -a fhir_bulk <<<"${FHIR_BULK:-fhir-bulk}"
export FHIR_BULK=${FHIR_BULK:-fhir-bulk}

started=""
if [[ -z ${SLURM_CONF:-} ]]; then
  # Captured first: a failure inside eval's own command substitution would not stop the script (set -e sees eval's
  # status, which is that of the empty text it was given).
  cluster=$("$here/start-cluster.sh" "$work/cluster") || exit
  eval "$cluster"
  started=$work/cluster
fi
cleanup() { [[ -n $started ]] && "$here/stop-cluster.sh" "$started"; }
trap cleanup EXIT

rm -rf "$work/input" "$work/lake" "$work/single.duckdb" "$work/logs"
mkdir -p "$work/logs"
"${fhir_bulk[@]}" generate --patients "$patients" --out "$work/input" --quiet
echo "generated $patients patients: $(du -sh "$work/input" | cut -f1) of NDJSON in $work/input"

start=$(date +%s%N)
# Tasks start in this folder (sbatch's default), so a relative FHIR_BULK or input path means the same there.
if ! sbatch --wait --array="0-$((shards - 1))" --output="$work/logs/shard-%a.out" \
  "$here/view-shards.sbatch" "$work/input" "$views" "$work/lake"; then
  echo "run-example: the array job failed; the shards' output:" >&2
  tail -n 5 "$work"/logs/shard-*.out >&2
  exit 1
fi
echo "array job of $shards shards done in $(( ($(date +%s%N) - start) / 1000000 )) ms"

"${fhir_bulk[@]}" view --merge "$work/lake"

"${fhir_bulk[@]}" view --input "$work/input" --view "$views" --out "$work/single.duckdb" --quiet
failed=0
for table in "$work"/lake/*/; do
  name=$(basename "$table")
  [[ $name == _* ]] && continue
  parts="$work/lake/$name/*.parquet"
  # EXCEPT ALL both ways: the same multiset of rows, duplicates counted.
  sql="SELECT (SELECT count(*) FROM \"$name\") AS single_rows,
              (SELECT count(*) FROM read_parquet('$parts')) AS lake_rows,
              (SELECT count(*) FROM (SELECT * FROM \"$name\" EXCEPT ALL SELECT * FROM read_parquet('$parts'))) AS only_single,
              (SELECT count(*) FROM (SELECT * FROM read_parquet('$parts') EXCEPT ALL SELECT * FROM \"$name\")) AS only_lake"
  row=$("${fhir_bulk[@]}" query --db "$work/single.duckdb" --csv "$sql" | tail -1)
  IFS=, read -r single lake only_single only_lake <<<"$row"
  if [[ $single == "$lake" && $only_single == 0 && $only_lake == 0 ]]; then
    echo "$name: $lake rows, the same as the single run"
  else
    echo "$name: lake $lake rows, single run $single; $only_single only in the single run, $only_lake only in the lake" >&2
    failed=1
  fi
done
exit "$failed"
