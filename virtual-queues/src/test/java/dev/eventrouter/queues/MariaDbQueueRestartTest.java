package dev.eventrouter.queues;

import com.typesafe.config.Config;
import dev.eventrouter.persistence.testing.TestJournals;

class MariaDbQueueRestartTest extends QueueRestartContract {

  @Override
  protected Config journalConfig() {
    return TestJournals.mariadb();
  }
}
