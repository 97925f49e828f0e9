#!/usr/bin/env bash
# Parity: one seeded input played through two router builds in turn, compared job by job
# (`loadtest parity run`; what it compares and leaves out: loadtest/bench/README.md).
#
# Usage: loadtest/bench/parity.sh JAR_A JAR_B [more `loadtest parity run` options...]
#   e.g. loadtest/bench/parity.sh /tmp/eventrouter-main.jar router/target/eventrouter.jar \
#          --a-label main --b-label new
# Env: PORT_BASE (19000): the broker on PORT_BASE+92/+93, the routers and the black hole as
#   `parity run --port-base` says; SCENARIO (loadtest/scenarios/parity.conf); OUT (report and
#   data folder, default target/parity/<date-time>).
# The broker is the router's own embedded Kafka (loadtest/bench/Broker.java, on JAR_A's
# classes) in a process of its own, on a fresh log, stopped at the end. Exit code: parity run's
# (0 same, 1 different or not drained, 2 could not run).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LOADTEST_JAR="$ROOT/loadtest/target/eventrouter-loadtest.jar"
[ $# -ge 2 ] || { sed -n '2,15p' "$0" >&2; exit 2; }
A=$(realpath "$1"); B=$(realpath "$2"); shift 2
PORT_BASE=${PORT_BASE:-19000}
SCENARIO=${SCENARIO:-$ROOT/loadtest/scenarios/parity.conf}
OUT=${OUT:-$ROOT/target/parity/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
BROKER_DIR=$(mktemp -d)
java -cp "$A" "$ROOT/loadtest/bench/Broker.java" $((PORT_BASE + 92)) $((PORT_BASE + 93)) "$BROKER_DIR/kafka" \
  > "$OUT/broker.log" 2>&1 &
BROKER=$!
trap 'kill $BROKER 2>/dev/null || true; wait $BROKER 2>/dev/null || true; rm -rf "$BROKER_DIR"' EXIT
for _ in $(seq 1 120); do
  grep -qs "broker ready" "$OUT/broker.log" && break
  kill -0 $BROKER 2>/dev/null || { echo "the broker exited; see $OUT/broker.log" >&2; exit 2; }
  sleep 1
done
grep -qs "broker ready" "$OUT/broker.log" || { echo "the broker did not start; see $OUT/broker.log" >&2; exit 2; }
status=0
java -jar "$LOADTEST_JAR" parity run "$SCENARIO" --a "$A" --b "$B" \
  --bootstrap "127.0.0.1:$((PORT_BASE + 92))" --port-base "$PORT_BASE" --out "$OUT" "$@" || status=$?
exit $status
