#!/usr/bin/env bash
# Microbenchmarks (JMH) of the queues' own structures: one or more builds side by side, their runs
# alternating A, B, A, B in one sitting, since these machines differ from one session to the next.
#
# usage: loadtest/bench/jmh.sh [-r ROUNDS] NAME=CHECKOUT... [-- JMH_ARGS...]
#   NAME=CHECKOUT  a build to measure: a checkout of this repository (e.g. a git worktree of main)
#   -r ROUNDS      runs per build (default 2)
#   JMH_ARGS       passed to JMH (default: QueueIndexBenchmark); e.g. -- QueueIndexBenchmark -p backlog=100000
#
# example: git worktree add /tmp/base main
#          loadtest/bench/jmh.sh base=/tmp/base new=.
#
# Each checkout is compiled (persistence and virtual-queues, with their tests: the benchmarks are
# test sources, beside the package-private types they measure) and run from its own classes, never
# from the local Maven repository, so that two builds of the same version do not mix.
set -euo pipefail
rounds=2
builds=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    -r) rounds="$2"; shift 2 ;;
    --) shift; break ;;
    *=*) builds+=("$1"); shift ;;
    *) echo "unknown argument: $1 (usage: $0 [-r ROUNDS] NAME=CHECKOUT... [-- JMH_ARGS...])" >&2; exit 2 ;;
  esac
done
[[ ${#builds[@]} -gt 0 ]] || { echo "name at least one build: NAME=CHECKOUT" >&2; exit 2; }
jmh_args=("$@")
[[ ${#jmh_args[@]} -gt 0 ]] || jmh_args=(QueueIndexBenchmark)

declare -A classpath
for build in "${builds[@]}"; do
  name="${build%%=*}"
  dir="$(cd "${build#*=}" && pwd)"
  echo "== building $name ($dir)" >&2
  (cd "$dir" && mvn -q -B -P '!image-local' -pl persistence,virtual-queues test-compile \
      org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath -Dmdep.outputFile=target/jmh.classpath -Dmdep.includeScope=test \
      -Dspotless.check.skip=true >&2)
  classpath[$name]="$dir/virtual-queues/target/test-classes:$dir/virtual-queues/target/classes:$dir/persistence/target/test-classes:$dir/persistence/target/classes:$(cat "$dir/virtual-queues/target/jmh.classpath")"
done

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(java -version 2>&1 | head -1)"
for round in $(seq 1 "$rounds"); do
  for build in "${builds[@]}"; do
    name="${build%%=*}"
    echo "== $name, round $round"
    java -cp "${classpath[$name]}" org.openjdk.jmh.Main "${jmh_args[@]}" 2>&1 | grep -E '^(Benchmark|[A-Za-z]+Benchmark\.)'
  done
done
