package dev.eventrouter.router.kafka;

import com.typesafe.config.Config;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The real Kafka broker (KRaft, broker and controller in one node) running in this process over a
 * folder: the embedded default, so that one command runs the whole router. Its log survives a
 * restart; the folder is formatted once, and its cluster id kept.
 */
public final class EmbeddedKafka implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EmbeddedKafka.class);

  private final KafkaRaftServer server;
  private final String bootstrapServers;

  private EmbeddedKafka(KafkaRaftServer server, String bootstrapServers) {
    this.server = server;
    this.bootstrapServers = bootstrapServers;
  }

  /** Starts the broker described by {@code eventrouter.kafka.embedded}; returns once it is up. */
  public static EmbeddedKafka start(Config embedded, Path dataDir) {
    return start(embedded, dataDir, EmbeddedKafka::anyFreePort);
  }

  /**
   * As {@link #start(Config, Path)}, with the ports for a configured 0 taken from {@code
   * freePorts}. A port found free is released before the broker binds it, and in between anything
   * else in the machine may take it: then the broker fails to bind, and it is started again on
   * newly chosen ones. A port configured as a number is the operator's, and is never replaced.
   */
  static EmbeddedKafka start(Config embedded, Path dataDir, FreePorts freePorts) {
    int[] configured = {embedded.getInt("port"), embedded.getInt("controller-port")};
    for (int attempt = 1; ; attempt++) {
      int[] ports = portsOrFree(configured, freePorts);
      try {
        return start(embedded, dataDir, ports[0], ports[1]);
      } catch (RuntimeException e) {
        boolean chosenHere = configured[0] == 0 || configured[1] == 0;
        if (!chosenHere
            || attempt == BIND_ATTEMPTS
            || !boundElsewhere(e)
            || anyTaken(embedded.getString("host"), configured)) {
          throw e;
        }
        log.warn(
            "a port chosen for the embedded Kafka broker ({} or {}) was taken before the broker"
                + " bound it; choosing again",
            ports[0],
            ports[1]);
      }
    }
  }

  private static EmbeddedKafka start(Config embedded, Path dataDir, int port, int controllerPort) {
    String host = embedded.getString("host");
    Path logDir = dataDir.resolve("kafka").toAbsolutePath();
    Properties props = new Properties();
    props.put("process.roles", "broker,controller");
    props.put("node.id", "1");
    props.put("controller.quorum.voters", "1@" + host + ":" + controllerPort);
    props.put(
        "listeners",
        "PLAINTEXT://" + host + ":" + port + ",CONTROLLER://" + host + ":" + controllerPort);
    props.put("advertised.listeners", "PLAINTEXT://" + host + ":" + port);
    props.put("controller.listener.names", "CONTROLLER");
    props.put("inter.broker.listener.name", "PLAINTEXT");
    props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    props.put("log.dirs", logDir.toString());
    // one node: internal topics cannot have more replicas, and consumers hang without these
    props.put("offsets.topic.replication.factor", "1");
    props.put("transaction.state.log.replication.factor", "1");
    props.put("transaction.state.log.min.isr", "1");
    props.put("group.initial.rebalance.delay.ms", "0");
    props.put("auto.create.topics.enable", "false");
    props.put("message.max.bytes", Long.toString(embedded.getBytes("message-max-bytes")));
    // after a crash the broker waits this long for its old session: 9 s by default
    props.put("broker.session.timeout.ms", "2000");
    props.put("broker.heartbeat.interval.ms", "500");
    // the log cleaner's 128 MiB dedupe buffer is most of an idle broker's heap
    props.put("log.cleaner.dedupe.buffer.size", "2097152");
    // a listener with TLS or SASL, for instance: what a test of the clients' security needs
    if (embedded.hasPath("broker-properties")) {
      props.putAll(
          KafkaClientSettings.flat(
              embedded.getConfig("broker-properties"),
              "eventrouter.kafka.embedded.broker-properties"));
    }
    KafkaConfig config = KafkaConfig.fromProps(props, false);

    formatOnce(logDir);
    KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
    try {
      server.startup();
    } catch (RuntimeException e) {
      // a half-started broker holds the log folder's lock and its threads until it is shut down
      server.shutdown();
      server.awaitShutdown();
      throw e;
    }
    String bootstrap = host + ":" + port;
    log.info("embedded Kafka broker started at {} over {}", bootstrap, logDir);
    return new EmbeddedKafka(server, bootstrap);
  }

  public String bootstrapServers() {
    return bootstrapServers;
  }

  @Override
  public void close() {
    server.shutdown();
    server.awaitShutdown();
    log.info("embedded Kafka broker stopped");
  }

  private static void formatOnce(Path logDir) {
    if (Files.exists(logDir.resolve("meta.properties"))) {
      return;
    }
    try {
      Files.createDirectories(logDir);
      new Formatter()
          .setNodeId(1)
          .setClusterId(Uuid.randomUuid().toString())
          .setControllerListenerName("CONTROLLER")
          .setMetadataLogDirectory(logDir.toString())
          .addDirectory(logDir.toString())
          .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
          .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
          .run();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the Kafka log folder " + logDir, e);
    } catch (Exception e) {
      throw new IllegalStateException("cannot format the Kafka log folder " + logDir, e);
    }
  }

  /** Where the ports for a configured 0 come from: the system's, or a test's. */
  @FunctionalInterface
  interface FreePorts {
    /** A port that is free now, held open by the returned socket until it is closed. */
    ServerSocket next() throws IOException;
  }

  private static final int BIND_ATTEMPTS = 5;

  private static ServerSocket anyFreePort() throws IOException {
    return new ServerSocket(0);
  }

  /** Whether one of the ports configured as a number is held by someone else. */
  private static boolean anyTaken(String host, int[] configured) {
    for (int port : configured) {
      if (port != 0) {
        try (ServerSocket probe = new ServerSocket(port, 1, InetAddress.getByName(host))) {
          // free: not the port that failed the broker
        } catch (IOException e) {
          return true;
        }
      }
    }
    return false;
  }

  private static boolean boundElsewhere(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof BindException) {
        return true;
      }
    }
    return false;
  }

  /**
   * Each port as configured, or a free one where it is 0 (for tests and side-by-side runs). The
   * free ones are held open together while they are chosen, and one equal to a configured port is
   * passed over: picked one after the other, the system may hand out the same port twice, and the
   * broker refuses two listeners on one port.
   */
  private static int[] portsOrFree(int[] configured, FreePorts freePorts) {
    int[] chosen = configured.clone();
    Set<Integer> taken = new HashSet<>();
    for (int port : configured) {
      taken.add(port);
    }
    List<ServerSocket> held = new ArrayList<>();
    try {
      for (int i = 0; i < chosen.length; i++) {
        while (chosen[i] == 0) {
          ServerSocket socket = freePorts.next();
          held.add(socket);
          if (taken.add(socket.getLocalPort())) {
            chosen[i] = socket.getLocalPort();
          }
        }
      }
      return chosen;
    } catch (IOException e) {
      throw new UncheckedIOException("no free port for the embedded Kafka broker", e);
    } finally {
      for (ServerSocket socket : held) {
        try {
          socket.close();
        } catch (IOException e) {
          // the port is released when the process ends at the latest; nothing to do
        }
      }
    }
  }
}
