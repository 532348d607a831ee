#!/usr/bin/env bash
# The same job, catalog and camera load on the three-node process cluster (`coedge cluster`)
# and on a single-JVM MiniCluster (CoEdgeJob --local), against the same sidecars and Kafka.
# Prints the results table (throughput, deadline-miss rate, latency) of each run.
#
#   deploy/bench/cluster-vs-minicluster.sh [DURATION] [FPS_PER_CAMERA]
#
# DURATION defaults to 60s; FPS_PER_CAMERA (optional) overrides the catalog's rates for a
# heavier load. RUNS="cluster minicluster cluster" chooses order and repetitions. Needs a built tree (./coedge builds it) and free ports 8081, 6123, 9092, 8101-8103,
# 8201-8203. Runs `coedge cluster up --kafka` first and `coedge cluster down` at the end.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
DURATION="${1:-60s}"
FPS="${2:-}"
CONFIG="${CONFIG:-config/demo.yaml}"
export COEDGE_HOME="$ROOT" COEDGE_SKIP_BUILD=1
COEDGE="${COEDGE:-$ROOT/coedge}"
CP="$ROOT/cli/target/coedge-cli.jar:$(cat cli/target/classpath.txt):$(cat cli/target/classpath-provided.txt)"
BOOTSTRAP=127.0.0.1:9092
WARMUP=25

$COEDGE cluster up --kafka --config "$CONFIG"
MINI_PID=""
cleanup() {
  [ -n "$MINI_PID" ] && kill "$MINI_PID" 2>/dev/null || true
  $COEDGE cluster down || true
}
trap cleanup EXIT

RUN_NO=0
run() { # $1 = cluster | minicluster
  RUN_NO=$((RUN_NO + 1))
  local run="$1" tag="bench-$1-$$-$RUN_NO"
  local topics=(--frames-topic "$tag.frames" --results-topic "$tag.results" --dlq-topic "$tag.dlq"
                --profiles-topic "$tag.profiles")
  $COEDGE topics create --bootstrap "$BOOTSTRAP" "${topics[@]}" >/dev/null
  local job=""
  if [ "$run" = cluster ]; then
    job=$($COEDGE cluster submit --name "$tag" "${topics[@]}")
  else
    java -Xmx1g -cp "$CP" io.coedge.jobs.CoEdgeJob --config "$CONFIG" --bootstrap "$BOOTSTRAP" --local \
      --name "$tag" "${topics[@]}" > ".coedge/cluster/logs/$tag.log" 2>&1 &
    MINI_PID=$!
  fi
  sleep "$WARMUP"   # every node announces itself within a few seconds of the job starting
  echo "== $run: producing for $DURATION ${FPS:+at $FPS fps per camera}" >&2
  $COEDGE produce --config "$CONFIG" --bootstrap "$BOOTSTRAP" --duration "$DURATION" ${FPS:+--fps "$FPS"} \
    "${topics[@]}" 2>&1 | tail -n 1 >&2
  echo "== $run: results" >&2
  $COEDGE results --bootstrap "$BOOTSTRAP" --from-beginning --duration 45s "${topics[@]}" 2>/dev/null \
    | awk 'BEGIN{RS=""} {last=$0} END{print last}'
  if [ "$run" = cluster ]; then
    $COEDGE cluster cancel "$job" >/dev/null
  else
    kill "$MINI_PID"; wait "$MINI_PID" 2>/dev/null || true; MINI_PID=""
  fi
}

for r in ${RUNS:-cluster minicluster}; do
  case "$r" in
    cluster) echo "### process cluster (JobManager + 3 TaskManager processes)" ;;
    minicluster) echo "### MiniCluster (one JVM, --local)" ;;
    *) echo "unknown run $r" >&2; exit 2 ;;
  esac
  run "$r"
done
