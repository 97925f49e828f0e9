#!/usr/bin/env bash
# Many pairs on one node: PAIRS sources, each sending to one destination, JOBS jobs each.
# Prints the time to deliver them all and the heap. Usage: loadtest/bench/pairs.sh [pairs] [jobs]
set -euo pipefail
PAIRS=${1:-100000}
JOBS=${2:-3}
source "$(dirname "$0")/lib.sh"

{
  echo 'destinations { hook { endpoint = "http://127.0.0.1:9090/hook" } }'
  echo 'sources {'
  for i in $(seq 1 "$PAIRS"); do echo "  source-$i { destinations = [hook] }"; done
  echo '}'
} > registry.conf
start_blackhole
start_router registry.conf -Xmx1g -XX:+ExitOnOutOfMemoryError
T0=$(date +%s)
produce $((PAIRS * JOBS)) "$PAIRS" 1024 >/dev/null
T1=$(date +%s)
wait_until 3600 received_at_least $((PAIRS * JOBS))
T2=$(date +%s)
echo "pairs=$PAIRS jobs=$((PAIRS * JOBS)) produced in $((T1 - T0)) s, all delivered after $((T2 - T0)) s:" \
  "$(( PAIRS * JOBS / (T2 - T0 > 0 ? T2 - T0 : 1) )) deliveries/s; duplicates" \
  "$(curl -s localhost:9090/stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["duplicates"])')"
echo "heap used with $PAIRS queues started: $(heap_used_mb) MiB of 1024"
