#!/usr/bin/env bash
# CPU per request of the router's delivery clients (Pekko HTTP's pool, the Netty client, and the
# JDK's HttpClient for scale), taking turns in one JVM against the black hole in another process:
# the client pinned to one core, the black hole to the other, so that the client's CPU is its own.
# Usage: loadtest/bench/delivery-client.sh [DeliveryClientBench options...]
#   e.g. --clients pekko,netty,jdk --concurrency 64 --rate 0 --rounds 2 --seconds 20
# Env: PORT (18990), CLIENT_CPU (0), BLACKHOLE_CPU (1), BENCH_JAVA_OPTS (-Xms1g -Xmx1g).
# Needs the loadtest jar: mvn -q -B -o -P '!image-local' -pl loadtest -am -DskipTests package
set -euo pipefail
PORT=${PORT:-18990}
source "$(dirname "$0")/lib.sh"

# the bench is a main in virtual-queues' test classes; its classpath from Maven
(cd "$ROOT" && mvn -q -B -o -P '!image-local' -pl virtual-queues -am test-compile \
  org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath \
  -Dmdep.outputFile=target/classpath.txt -Dmdep.includeScope=test)
CP="$ROOT/virtual-queues/target/test-classes:$ROOT/virtual-queues/target/classes:$(cat "$ROOT/virtual-queues/target/classpath.txt")"

taskset -c "${BLACKHOLE_CPU:-1}" java -jar "$LOADTEST_JAR" blackhole --port "$PORT" --workers 1 > blackhole.log 2>&1 &
for _ in $(seq 1 30); do curl -sf "localhost:$PORT/stats" >/dev/null && break; sleep 0.5; done

echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), $(java -version 2>&1 | head -1)"
taskset -c "${CLIENT_CPU:-0}" java ${BENCH_JAVA_OPTS:--Xms1g -Xmx1g} -cp "$CP" \
  dev.eventrouter.queues.delivery.DeliveryClientBench --url "http://127.0.0.1:$PORT/bench" "$@" \
  > bench.log 2>&1 || { tail -30 bench.log >&2; exit 1; }
grep -E '^(options|round|warmup round|concurrency|\|)' bench.log
echo "black hole: $(curl -s "localhost:$PORT/stats" | head -c 200)"
