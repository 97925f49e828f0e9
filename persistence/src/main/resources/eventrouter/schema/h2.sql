-- Journal and snapshot tables for pekko-persistence-jdbc 1.1 on H2 (quoted lower-case names:
-- the JDBC URL needs DATABASE_TO_UPPER=false). Every statement is idempotent.
-- Payloads are VARBINARY, not the plugin's BLOB: H2 keeps every BLOB a query returned alive for
-- LOB_TIMEOUT (5 minutes), which fills the heap when a queue reads millions of payloads back.
CREATE TABLE IF NOT EXISTS PUBLIC."event_journal" (
  "ordering" BIGINT UNIQUE NOT NULL AUTO_INCREMENT,
  "deleted" BOOLEAN DEFAULT false NOT NULL,
  "persistence_id" VARCHAR(255) NOT NULL,
  "sequence_number" BIGINT NOT NULL,
  "writer" VARCHAR NOT NULL,
  "write_timestamp" BIGINT NOT NULL,
  "adapter_manifest" VARCHAR NOT NULL,
  "event_payload" VARBINARY NOT NULL,
  "event_ser_id" INTEGER NOT NULL,
  "event_ser_manifest" VARCHAR NOT NULL,
  "meta_payload" VARBINARY,
  "meta_ser_id" INTEGER,
  "meta_ser_manifest" VARCHAR,
  PRIMARY KEY("persistence_id", "sequence_number")
);
-- The plugin's own script also indexes "ordering" a second time; UNIQUE above already does, and
-- every insert paid for both. Dropped from journals made before.
DROP INDEX IF EXISTS PUBLIC."event_journal_ordering_idx";
-- H2 hands out 32 identity values at a time by default, and to take the next 32 it commits the
-- whole store (every page the open transactions changed), once per 32 rows inserted: on the
-- journal's many small writes that was a fifth of the router's CPU (BENCHMARKS.md, "Cold queues:
-- the journal's identity, ..."). 4096 at a time: a process killed leaves a gap of up to 4096 in
-- "ordering", which only needs to grow (nothing reads it as a count).
ALTER TABLE PUBLIC."event_journal" ALTER COLUMN "ordering" SET CACHE 4096;
CREATE TABLE IF NOT EXISTS PUBLIC."event_tag" (
  "event_id" BIGINT NOT NULL,
  "tag" VARCHAR NOT NULL,
  PRIMARY KEY("event_id", "tag"),
  CONSTRAINT "fk_event_journal" FOREIGN KEY("event_id")
    REFERENCES "event_journal"("ordering") ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS PUBLIC."snapshot" (
  "persistence_id" VARCHAR(255) NOT NULL,
  "sequence_number" BIGINT NOT NULL,
  "created" BIGINT NOT NULL,
  "snapshot_ser_id" INTEGER NOT NULL,
  "snapshot_ser_manifest" VARCHAR NOT NULL,
  "snapshot_payload" VARBINARY NOT NULL,
  "meta_ser_id" INTEGER,
  "meta_ser_manifest" VARCHAR,
  "meta_payload" VARBINARY,
  PRIMARY KEY("persistence_id", "sequence_number")
);
-- What must not change over this database's life (which journal shard it is, ...): written at
-- the first start, compared at every start after (JournalLayout).
CREATE TABLE IF NOT EXISTS PUBLIC."journal_layout" (
  "layout_key" VARCHAR(64) PRIMARY KEY,
  "layout_value" VARCHAR(255) NOT NULL
);
