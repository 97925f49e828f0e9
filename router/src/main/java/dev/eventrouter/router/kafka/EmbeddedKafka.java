package dev.eventrouter.router.kafka;

import com.typesafe.config.Config;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
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
    int[] ports = portsOrFree(embedded.getInt("port"), embedded.getInt("controller-port"));
    int port = ports[0];
    int controllerPort = ports[1];
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
    server.startup();
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

  /**
   * Each port as configured, or any free one where it is 0 (for tests and side-by-side runs). The
   * free ones are held open together while they are chosen: picked one after the other, the system
   * may hand out the same port twice, and the broker refuses two listeners on one port.
   */
  private static int[] portsOrFree(int... ports) {
    int[] chosen = ports.clone();
    List<ServerSocket> held = new ArrayList<>();
    try {
      for (int i = 0; i < chosen.length; i++) {
        if (chosen[i] == 0) {
          ServerSocket socket = new ServerSocket(0);
          held.add(socket);
          chosen[i] = socket.getLocalPort();
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
