#!/usr/bin/env bash
# Every figure of BENCHMARKS.md's load-test section in one run, one after the other on the same
# machine: the harness's own capacity (black hole per core under raw HTTP, producer), then the
# end-to-end durable deliveries/s with each journal (H2 file, PostgreSQL, H2 in memory).
# Usage: loadtest/bench/all.sh [events] [payload bytes]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(java -version 2>&1 | head -1)"
"$HERE/capacity.sh" 15
"$HERE/journals.sh" "${1:-200000}" "${2:-1024}"
