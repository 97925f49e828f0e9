#!/usr/bin/env bash
# The harness's own capacity, per core: the black hole on one core (taskset) under the raw HTTP
# load of `loadtest blast` on the other, then on both cores; and the producer alone, at full
# speed, into the router's embedded broker (its dead-letter topic, which it does not read).
# Usage: loadtest/bench/capacity.sh [seconds]
set -euo pipefail
SECONDS_EACH=${1:-15}
source "$(dirname "$0")/lib.sh"

blast() { # cpu list for the black hole, cpu list for the load, workers
  taskset -c "$1" java -jar "$LOADTEST_JAR" blackhole --port 9090 --workers "$3" > blackhole.log 2>&1 &
  local pid=$!
  for _ in $(seq 1 30); do curl -sf localhost:9090/stats >/dev/null && break; sleep 0.5; done
  # a first short run warms both JVMs up
  taskset -c "$2" java -jar "$LOADTEST_JAR" blast --seconds 5 > /dev/null
  taskset -c "$2" java -jar "$LOADTEST_JAR" blast --seconds "$SECONDS_EACH" --connections 8 --pipeline 16
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

echo "black hole on 1 core (cpu 0), load on cpu 1:  $(blast 0 1 1)"
echo "black hole and load sharing 2 cores:           $(blast 0,1 0,1 2)"

# the router only hosts the broker here: nothing is routed from the topic written to
echo 'destinations { unused { endpoint = "http://127.0.0.1:9/unused" } }' > registry.conf
echo 'sources { unused { destinations = [unused] } }' >> registry.conf
start_router registry.conf
java -jar "$LOADTEST_JAR" produce --topic events.dead-letter --events 200000 --sources 50 --payload-bytes 1024 > produce.log 2>&1
echo "producer (1 KiB events, acks=all) into the embedded broker: $(grep -o 'sent=.*' produce.log)"
java -jar "$LOADTEST_JAR" produce --topic events.dead-letter --events 200000 --sources 50 --skew 1 --payload-bytes 2048 --max-payload-bytes 65536 > produce.log 2>&1
echo "producer (2 KiB median, 64 KiB max, power law) into the embedded broker: $(grep -o 'sent=.*' produce.log)"
stop_router
