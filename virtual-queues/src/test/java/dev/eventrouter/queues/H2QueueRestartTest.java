package dev.eventrouter.queues;

import com.typesafe.config.Config;
import dev.eventrouter.persistence.testing.TestJournals;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class H2QueueRestartTest extends QueueRestartContract {

  @TempDir static Path dataDir;

  @Override
  protected Config journalConfig() {
    return TestJournals.h2(dataDir);
  }
}
