-- Journal and snapshot tables for pekko-persistence-jdbc 1.1 on MariaDB / MySQL. Idempotent.
-- LONGBLOB, not the plugin's BLOB: a BLOB holds 64 KiB and payloads go up to the ingest maximum.
-- Persistence ids compare byte for byte (utf8mb4_bin), as on the other databases: the server's
-- default collation ignores case, and "Shop:hook" and "shop:hook" are two pairs (MariaDbIds).
CREATE TABLE IF NOT EXISTS event_journal (
  ordering SERIAL,
  deleted BOOLEAN DEFAULT false NOT NULL,
  persistence_id VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  sequence_number BIGINT NOT NULL,
  writer TEXT NOT NULL,
  write_timestamp BIGINT NOT NULL,
  adapter_manifest TEXT NOT NULL,
  event_payload LONGBLOB NOT NULL,
  event_ser_id INTEGER NOT NULL,
  event_ser_manifest TEXT NOT NULL,
  meta_payload LONGBLOB,
  meta_ser_id INTEGER,
  meta_ser_manifest TEXT,
  PRIMARY KEY(persistence_id, sequence_number)
);
CREATE UNIQUE INDEX IF NOT EXISTS event_journal_ordering_idx ON event_journal(ordering);
CREATE TABLE IF NOT EXISTS event_tag (
  event_id BIGINT UNSIGNED NOT NULL,
  tag VARCHAR(255) NOT NULL,
  PRIMARY KEY(event_id, tag),
  FOREIGN KEY (event_id) REFERENCES event_journal(ordering) ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS snapshot (
  persistence_id VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  sequence_number BIGINT NOT NULL,
  created BIGINT NOT NULL,
  snapshot_ser_id INTEGER NOT NULL,
  snapshot_ser_manifest TEXT NOT NULL,
  snapshot_payload LONGBLOB NOT NULL,
  meta_ser_id INTEGER,
  meta_ser_manifest TEXT,
  meta_payload LONGBLOB,
  PRIMARY KEY (persistence_id, sequence_number)
);
-- What must not change over this database's life (which journal shard it is, ...): written at
-- the first start, compared at every start after (JournalLayout).
CREATE TABLE IF NOT EXISTS journal_layout (
  layout_key VARCHAR(64) PRIMARY KEY,
  layout_value VARCHAR(255) NOT NULL
);
