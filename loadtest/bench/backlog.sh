#!/usr/bin/env bash
# A destination down for a long time: EVENTS jobs of 1 KiB pile up for one pair while the
# router's heap is capped at 1 GiB, then the destination comes back and all are delivered.
# Prints the heap while the backlog is held, the delivery rate after recovery, and the journal's
# rows once all are delivered. Usage: loadtest/bench/backlog.sh [events]
set -euo pipefail
EVENTS=${1:-1000000}
source "$(dirname "$0")/lib.sh"

# one pair carries the whole backlog: its in-flight limit bounds how fast it drains
cat > registry.conf <<CONF
destinations { down { endpoint = "http://127.0.0.1:9090/down", max-in-flight-per-pair = 128 } }
sources { source-1 { destinations = [down] } }
CONF
start_router registry.conf -Xmx1g -XX:+ExitOnOutOfMemoryError -XX:+HeapDumpOnOutOfMemoryError \
  -XX:HeapDumpPath=/tmp/backlog-oom.hprof
T0=$(date +%s)
produce "$EVENTS" 1 1024 >/dev/null
wait_until 3600 accepted_at_least "$EVENTS"
T1=$(date +%s)
echo "accepted $EVENTS jobs for the down destination in $((T1 - T0)) s"
jcmd "$ROUTER_PID" GC.run >/dev/null
echo "heap used while holding them (after a GC): $(heap_used_mb) MiB of 1024"

start_blackhole
T2=$(date +%s)
wait_until 3600 received_at_least "$EVENTS"
T3=$(date +%s)
echo "delivered $(received) after recovery in $((T3 - T2)) s: $(( EVENTS / (T3 - T2 > 0 ? T3 - T2 : 1) ))/s;" \
  "duplicates $(curl -s localhost:9090/stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["duplicates"])')"
echo "heap used after delivery: $(heap_used_mb) MiB"
# compaction runs after each snapshot, in the background: let it catch up before counting
sleep 60
stop_router
echo "journal rows after $EVENTS delivered jobs: $(journal_rows)"
