package dev.eventrouter.router.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A port the embedded broker chose as free may be taken by someone else before the broker binds it:
 * the broker then starts on others. A port the operator configured is never replaced.
 */
class EmbeddedKafkaPortsTest {

  @TempDir Path dataDir;

  /** A port held by "someone else": it stays bound when the broker's chooser lets go of it. */
  private static final class Taken extends ServerSocket {
    Taken() throws IOException {
      super(0, 50, InetAddress.getLoopbackAddress());
    }

    @Override
    public void close() {
      // someone else's: the broker's chooser releasing it does not free it
    }

    void release() throws IOException {
      super.close();
    }
  }

  private Taken taken;

  @AfterEach
  void releaseTheTakenPort() throws IOException {
    if (taken != null) {
      taken.release();
    }
  }

  @Test
  void aFreePortTakenBeforeTheBrokerBindsItIsChosenAgain() throws Exception {
    taken = new Taken();
    AtomicInteger asked = new AtomicInteger();
    EmbeddedKafka.FreePorts takenFirst =
        () -> asked.getAndIncrement() == 0 ? taken : new ServerSocket(0);

    try (EmbeddedKafka broker =
        EmbeddedKafka.start(EmbeddedBrokers.config(0, 0, "1MiB"), dataDir, takenFirst)) {
      assertThat(broker.bootstrapServers()).doesNotEndWith(":" + taken.getLocalPort());
      assertThat(asked).as("ports asked for: two, then two again").hasValue(4);
      try (Admin admin =
          Admin.create(
              Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
        assertThat(admin.describeCluster().nodes().get()).hasSize(1);
      }
    }
  }

  @Test
  void aConfiguredPortThatIsTakenFailsTheStart() throws Exception {
    taken = new Taken();
    AtomicInteger asked = new AtomicInteger();
    EmbeddedKafka.FreePorts counted =
        () -> {
          asked.incrementAndGet();
          return new ServerSocket(0);
        };

    assertThatThrownBy(
            () ->
                EmbeddedKafka.start(
                    EmbeddedBrokers.config(taken.getLocalPort(), 0, "1MiB"), dataDir, counted))
        .hasRootCauseInstanceOf(BindException.class);
    assertThat(asked).as("no port replaced the configured one").hasValue(1);
  }

  @Test
  void aFreePortIsNeverTheConfiguredOne() throws Exception {
    int configured;
    try (ServerSocket probe = new ServerSocket(0)) {
      configured = probe.getLocalPort();
    }
    AtomicInteger asked = new AtomicInteger();
    EmbeddedKafka.FreePorts configuredFirst =
        () -> new ServerSocket(asked.getAndIncrement() == 0 ? configured : 0);

    try (EmbeddedKafka broker =
        EmbeddedKafka.start(
            EmbeddedBrokers.config(configured, 0, "1MiB"), dataDir, configuredFirst)) {
      assertThat(broker.bootstrapServers()).endsWith(":" + configured);
      assertThat(asked).as("the configured port passed over, then one other").hasValue(2);
    }
  }
}
