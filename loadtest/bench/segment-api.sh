#!/usr/bin/env bash
# Events/s the router's Segment tracking API accepts into the embedded broker (200 = Kafka
# acknowledged with acks=all), single /v1/track calls then /v1/batch requests (plain, then
# gzipped), from `loadtest segment` on the same machine; and the CPU each process spent per
# accepted event. The router runs on embedded defaults (broker and H2 in its process) with one
# source whose only destination is disabled: ingest reads each event and drops it, nothing is
# journaled or delivered. The per-key rate limit is off (ROUTER_SEGMENT_API_RATE_PER_KEY=0).
#
# Usage (after `mvn -q -B -o -P '!image-local' -DskipTests package`):
#   loadtest/bench/segment-api.sh
# Environment: WARMUP (10 s) and SECONDS_EACH (30 s) per load; SINGLE_CONNECTIONS (16),
# BATCH_CONNECTIONS (8), BATCH (100 events), EVENT_BYTES (1024). Ports 19501-19593 (below).
#
# CPU per event: utime+stime from /proc/PID/stat of the router and of the load process, and the
# router's own count of produced events (eventrouter_segment_api_events_total{outcome="produced"}),
# both read at the same two instants, from WARMUP+2 s after the load starts to 2 s before it ends
# (inside the load's own window, whose edges the script only knows to within the JVM's start).
set -euo pipefail
WARMUP=${WARMUP:-10}
SECONDS_EACH=${SECONDS_EACH:-30}
SINGLE_CONNECTIONS=${SINGLE_CONNECTIONS:-16}
BATCH_CONNECTIONS=${BATCH_CONNECTIONS:-8}
BATCH=${BATCH:-100}
EVENT_BYTES=${EVENT_BYTES:-1024}

export ROUTER_HTTP_PORT=19580 ROUTER_SEGMENT_API_PORT=19590 ROUTER_CLUSTER_PORT=19520 \
  ROUTER_KAFKA_PORT=19592 ROUTER_KAFKA_CONTROLLER_PORT=19593 ROUTER_S3_EMBEDDED_PORT=19501 \
  ROUTER_SEGMENT_API_RATE_PER_KEY=0
export EVENTROUTER_SECRET_BENCH_WRITE_KEY=wk-bench-segment-api
source "$(dirname "$0")/lib.sh"

cat > registry.conf <<'CONF'
destinations { off { endpoint = "http://127.0.0.1:9/off", enabled = false } }
sources { bench { destinations = [off], write-keys = [{ secret = BENCH_WRITE_KEY }] } }
CONF

TICKS=$(getconf CLK_TCK)
# cpu_us PID: utime + stime of every thread of the process, in microseconds
cpu_us() {
  awk -v t="$TICKS" '{ sub(/^.*\) /, ""); printf "%d\n", ($12 + $13) * 1000000 / t }' "/proc/$1/stat"
}
produced() {
  metric 'eventrouter_segment_api_events_total{outcome="produced"}'
}

echo "machine: nproc=$(nproc), $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
start_router registry.conf

# load NAME OPTIONS...: one run of `loadtest segment`, its report, then the CPU per event
load() {
  local name=$1; shift
  local cmd=(java -jar "$LOADTEST_JAR" segment --url "http://127.0.0.1:$ROUTER_SEGMENT_API_PORT"
    --write-key "$EVENTROUTER_SECRET_BENCH_WRITE_KEY" --event-bytes "$EVENT_BYTES"
    --warmup-seconds "$WARMUP" --seconds "$SECONDS_EACH" "$@")
  echo "== $name: ${cmd[*]/$LOADTEST_JAR/loadtest/target/eventrouter-loadtest.jar}"
  "${cmd[@]}" > "$name.out" 2>&1 &
  local pid=$!
  sleep $((WARMUP + 2))
  local r0 c0 e0 t0 r1 c1 e1 t1
  r0=$(cpu_us "$ROUTER_PID"); c0=$(cpu_us "$pid"); e0=$(produced); t0=$(date +%s.%N)
  sleep $((SECONDS_EACH - 4))
  r1=$(cpu_us "$ROUTER_PID"); c1=$(cpu_us "$pid"); e1=$(produced); t1=$(date +%s.%N)
  wait "$pid" || echo "(the load saw answers other than 200 or failed connections: see below)"
  cat "$name.out"
  awk -v r=$((r1 - r0)) -v c=$((c1 - c0)) -v e=$((e1 - e0)) -v s="$(echo "$t1 - $t0" | bc)" 'BEGIN {
    if (e == 0) { print "no event produced in the CPU window"; exit }
    printf "CPU window %.1fs: produced=%d (%.0f/s) router CPU=%.1f us/event (%.2f cores) load CPU=%.1f us/event (%.2f cores)\n",
      s, e, e / s, r / e, r / s / 1e6, c / e, c / s / 1e6 }'
}

load single --connections "$SINGLE_CONNECTIONS"
load batched --connections "$BATCH_CONNECTIONS" --batch "$BATCH"
load batched-gzip --connections "$BATCH_CONNECTIONS" --batch "$BATCH" --gzip
echo "load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
stop_router
