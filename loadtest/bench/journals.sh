#!/usr/bin/env bash
# End-to-end durable deliveries/s with each journal, in one run, so the cost of durability is a
# ratio: H2 on file (the embedded default), PostgreSQL on 127.0.0.1:5432 (production), the same
# server with the journal sharded over two databases, and H2 in memory (the same code, nothing
# kept: the baseline durability is measured against).
# Usage: loadtest/bench/journals.sh [events] [payload bytes]
set -euo pipefail
EVENTS=${1:-200000}
PAYLOAD=${2:-1024}
HERE=$(cd "$(dirname "$0")" && pwd)

PG=jdbc:postgresql://127.0.0.1:5432
fresh() { # DATABASE...: created when missing, emptied (journal and layout) otherwise
  for db in "$@"; do
    psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1 \
      || psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE $db" >/dev/null
    psql -h 127.0.0.1 -U postgres -d "$db" \
      -c "DROP TABLE IF EXISTS event_journal, event_tag, snapshot, journal_layout CASCADE" >/dev/null
  done
}

run() { # label, environment...
  local label=$1; shift
  local line
  line=$(env "$@" "$HERE/e2e.sh" "$EVENTS" "$PAYLOAD" | grep '^events=')
  echo "$label: $line"
}

run "h2-file" ROUTER_JOURNAL_DATABASE=h2
fresh eventrouter
run "postgres" ROUTER_JOURNAL_DATABASE=postgres
fresh eventrouter eventrouter_1
run "postgres-2-databases" ROUTER_JOURNAL_DATABASE=postgres \
  "ROUTER_JOURNAL_URL=$PG/eventrouter?reWriteBatchedInserts=true" \
  "ROUTER_JOURNAL_SHARD_URLS=$PG/eventrouter_1?reWriteBatchedInserts=true"
run "h2-memory" ROUTER_JOURNAL_DATABASE=h2 "ROUTER_JOURNAL_URL=jdbc:h2:mem:journal;DATABASE_TO_UPPER=false;DB_CLOSE_DELAY=-1"
