#!/usr/bin/env bash
# End-to-end baseline: router on embedded defaults (in-process Kafka broker, H2 journal), the
# black hole as every destination, the producer, all on this machine. Prints the deliveries per
# second the black hole saw. Usage: loadtest/bench/e2e.sh [events] [payload-bytes]
# Build first: mvn -q -DskipTests package
set -euo pipefail
EVENTS=${1:-200000}
PAYLOAD=${2:-1024}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d)
LOADTEST="java -jar $ROOT/loadtest/target/eventrouter-loadtest.jar"
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT
cd "$WORK"

$LOADTEST registry --sources 50 --blackhole http://127.0.0.1:9090 --seed 1 > registry.conf
$LOADTEST blackhole --port 9090 > blackhole.log 2>&1 &
ROUTER_REGISTRY_FILE=registry.conf java ${ROUTER_JAVA_OPTS:-} -jar "$ROOT/router/target/eventrouter.jar" > router.log 2>&1 &
for _ in $(seq 1 60); do curl -sf localhost:8080/health/ready >/dev/null && break; sleep 1; done

# every event goes to 1-3 destinations: count what the black hole must receive
EXPECTED=$(python3 - "$EVENTS" <<'PY'
import re, sys
events = int(sys.argv[1])
routes = [len(m.split(',')) for m in re.findall(r'destinations = \[([^\]]*)\]', open('registry.conf').read())]
print(sum(routes[i % len(routes)] for i in range(events)))
PY
)
START=$(date +%s.%N)
$LOADTEST produce --events "$EVENTS" --sources 50 --payload-bytes "$PAYLOAD" 2>/dev/null
PRODUCED=$(date +%s.%N)
while :; do
  RECEIVED=$(curl -s localhost:9090/stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["received"])')
  [ "$RECEIVED" -ge "$EXPECTED" ] && break
  sleep 0.5
done
END=$(date +%s.%N)
python3 - "$START" "$PRODUCED" "$END" "$EVENTS" "$EXPECTED" <<'PY'
import sys
start, produced, end, events, expected = map(float, sys.argv[1:])
print(f"events={int(events)} deliveries={int(expected)} produce={produced-start:.1f}s "
      f"total={end-start:.1f}s deliveries/s={expected/(end-start):.0f}")
PY
echo "per-second rates seen by the black hole:"
grep -o 'rate=[0-9]*' blackhole.log | cut -d= -f2 | tr '\n' ' '; echo
