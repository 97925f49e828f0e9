package dev.eventrouter.persistence.journal;

import com.typesafe.config.Config;
import dev.eventrouter.persistence.testing.TestJournals;

class MariaDbJournalTest extends JournalContract {

  @Override
  protected Config journalConfig() {
    return TestJournals.mariadb();
  }
}
