#!/usr/bin/env bash
# End-to-end baseline: router on embedded defaults (in-process Kafka broker, H2 journal), the
# black hole as every destination, the producer, all on this machine. Prints the deliveries per
# second the black hole saw. Usage: loadtest/bench/e2e.sh [events] [payload-bytes]
set -euo pipefail
EVENTS=${1:-200000}
PAYLOAD=${2:-1024}
source "$(dirname "$0")/lib.sh"

java -jar "$LOADTEST_JAR" registry --sources 50 --blackhole http://127.0.0.1:9090 --seed 1 > registry.conf
start_blackhole
start_router registry.conf ${ROUTER_JAVA_OPTS:-}

# every event goes to 1-3 destinations: count what the black hole must receive
EXPECTED=$(python3 - "$EVENTS" <<'PY'
import re, sys
events = int(sys.argv[1])
routes = [len(m.split(',')) for m in re.findall(r'destinations = \[([^\]]*)\]', open('registry.conf').read())]
print(sum(routes[i % len(routes)] for i in range(events)))
PY
)
START=$(date +%s.%N)
produce "$EVENTS" 50 "$PAYLOAD"
PRODUCED=$(date +%s.%N)
while [ "$(received)" -lt "$EXPECTED" ]; do sleep 0.5; done
END=$(date +%s.%N)
python3 - "$START" "$PRODUCED" "$END" "$EVENTS" "$EXPECTED" <<'PY'
import sys
start, produced, end, events, expected = map(float, sys.argv[1:])
print(f"events={int(events)} deliveries={int(expected)} produce={produced-start:.1f}s "
      f"total={end-start:.1f}s deliveries/s={expected/(end-start):.0f}")
PY
echo "per-second rates seen by the black hole:"
grep -o 'rate=[0-9]*' blackhole.log | cut -d= -f2 | tr '\n' ' '; echo
