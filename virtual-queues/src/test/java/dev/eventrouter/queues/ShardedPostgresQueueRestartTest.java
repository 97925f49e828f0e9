package dev.eventrouter.queues;

import com.typesafe.config.Config;
import dev.eventrouter.persistence.testing.TestJournals;

/** Queues whose journal is sharded over two PostgreSQL databases restart from both. */
class ShardedPostgresQueueRestartTest extends QueueRestartContract {

  @Override
  protected Config journalConfig() {
    return TestJournals.postgresShards();
  }
}
