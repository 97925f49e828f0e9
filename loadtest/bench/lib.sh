# Helpers shared by the benchmark scripts (sourced, not run). They run the packaged jars in a
# temporary folder: build first with `mvn -q -DskipTests package`.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LOADTEST_JAR="$ROOT/loadtest/target/eventrouter-loadtest.jar"
ROUTER_JAR="$ROOT/router/target/eventrouter.jar"
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null; rm -rf "$WORK"' EXIT
cd "$WORK"
# the router's health and metrics port: a script that moves it exports ROUTER_HTTP_PORT first
HTTP_PORT=${ROUTER_HTTP_PORT:-8080}

# start_router REGISTRY [java options...]: the router on embedded defaults, in the background
start_router() {
  local registry=$1; shift
  ROUTER_ALLOW_ADDRESSES=127.0.0.0/8 ROUTER_REGISTRY_FILE=$registry java "$@" -jar "$ROUTER_JAR" > router.log 2>&1 &
  ROUTER_PID=$!
  for _ in $(seq 1 90); do curl -sf localhost:$HTTP_PORT/health/ready >/dev/null && return 0; sleep 1; done
  echo "the router did not get ready; see $WORK/router.log" >&2; tail -20 router.log >&2; exit 1
}

stop_router() {
  kill "$ROUTER_PID"; wait "$ROUTER_PID" 2>/dev/null || true
}

start_blackhole() {
  java -jar "$LOADTEST_JAR" blackhole --port 9090 > blackhole.log 2>&1 &
  BLACKHOLE_PID=$!
  for _ in $(seq 1 30); do curl -sf localhost:9090/stats >/dev/null && return 0; sleep 0.5; done
}

# produce EVENTS SOURCES [PAYLOAD_BYTES]
produce() {
  java -jar "$LOADTEST_JAR" produce --events "$1" --sources "$2" --payload-bytes "${3:-1024}" 2>/dev/null
}

# metric NAME: a router counter's value (0 if absent)
metric() {
  curl -s localhost:$HTTP_PORT/metrics | awk -v n="$1" '$1 == n { printf "%d\n", $2; found=1 } END { if (!found) print 0 }'
}

received() {
  curl -s localhost:9090/stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["received"])'
}

accepted_at_least() {
  [ "$(metric eventrouter_jobs_accepted_total)" -ge "$1" ]
}

received_at_least() {
  [ "$(received)" -ge "$1" ]
}

# wait_until SECONDS COMMAND...: runs COMMAND every second until it succeeds
wait_until() {
  local limit=$1; shift
  for _ in $(seq 1 "$limit"); do "$@" && return 0; sleep 1; done
  echo "timed out: $*" >&2; return 1
}

heap_used_mb() {
  jcmd "$ROUTER_PID" GC.heap_info 2>/dev/null | awk '/garbage-first heap/ { for (i = 1; i <= NF; i++) if ($i == "used") { v = $(i + 1); sub("K,?", "", v); print int(v / 1024) } }'
}

# journal_rows: rows of the H2 journal (the router must be stopped: H2 files are locked)
journal_rows() {
  local h2=$(find ~/.m2/repository/com/h2database/h2 -name 'h2-2.3.232.jar' | head -1)
  java -cp "$h2" org.h2.tools.Shell -url "jdbc:h2:file:$WORK/data/journal/journal;DATABASE_TO_UPPER=false" \
    -user sa -sql 'SELECT COUNT(*) FROM "event_journal"' | sed -n 2p | tr -d ' '
}
