package dev.eventrouter.persistence.journal;

import com.typesafe.config.Config;
import dev.eventrouter.persistence.testing.TestJournals;

class PostgresJournalTest extends JournalContract {

  @Override
  protected Config journalConfig() {
    return TestJournals.postgres();
  }
}
