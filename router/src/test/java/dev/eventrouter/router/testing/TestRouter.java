package dev.eventrouter.router.testing;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.eventrouter.loadtest.run.RouterProcess;
import dev.eventrouter.queues.tracing.JobTracing;
import dev.eventrouter.router.Router;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/** A router on embedded defaults in a temporary folder, on free ports, for tests. */
public final class TestRouter {

  private TestRouter() {}

  /**
   * The configuration of a router whose data (H2 journal, Kafka log) lives in {@code dataDir}, its
   * broker on a port of its own choosing: for a router that is not started again.
   */
  public static Config config(Path dataDir, Path registryFile, Map<String, Object> overrides) {
    return config(dataDir, registryFile, 0, overrides);
  }

  /**
   * As {@link #config(Path, Path, Map)}, with the Kafka port fixed by the caller so that a
   * restarted router finds its broker's log under the same listener, and its clients find it.
   */
  public static Config config(
      Path dataDir, Path registryFile, int kafkaPort, Map<String, Object> overrides) {
    Map<String, Object> settings = new HashMap<>();
    settings.put("eventrouter.data-dir", dataDir.toString());
    settings.put("eventrouter.registry.file", registryFile.toString());
    settings.put("eventrouter.kafka.embedded.port", kafkaPort);
    settings.put("eventrouter.kafka.embedded.controller-port", 0);
    settings.put("eventrouter.kafka.partitions", 4);
    settings.put("eventrouter.http.host", "127.0.0.1");
    settings.put("eventrouter.http.port", 0);
    settings.put("eventrouter.segment-api.host", "127.0.0.1");
    settings.put("eventrouter.segment-api.port", 0);
    settings.put("eventrouter.archive.embedded.port", 0);
    settings.put("eventrouter.delivery.allow-addresses", "127.0.0.0/8");
    settings.put("eventrouter.journal.database", "h2");
    settings.put("eventrouter.registry.destination-defaults.retry.base", "100ms");
    settings.put("eventrouter.registry.destination-defaults.retry.cap", "1s");
    settings.put("pekko.remote.artery.canonical.port", 0);
    settings.put("pekko.coordinated-shutdown.exit-jvm", "off");
    settings.put("pekko.coordinated-shutdown.run-by-jvm-shutdown-hook", "off");
    settings.put("pekko.cluster.jmx.multi-mbeans-in-same-jvm", "on");
    settings.putAll(overrides);
    ConfigFactory.invalidateCaches();
    return ConfigFactory.parseMap(settings).withFallback(ConfigFactory.load()).resolve();
  }

  public static Router start(Config config) {
    return Router.start(config);
  }

  /** A router traced by the test's own SDK (an in-memory exporter, say), which the test closes. */
  public static Router start(Config config, JobTracing tracing) {
    return Router.start(config, tracing);
  }

  public static HttpResponse<String> get(Router router, String path) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + router.httpPort() + path))
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }

  public static int freePort() throws IOException {
    return RouterProcess.freePort();
  }

  /** Committed offsets of the router's group and end offsets of the topic, summed. */
  public record Progress(long committed, long end) {}

  public static Progress progress(String bootstrapServers, String group, String topic)
      throws Exception {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    return progress(props, group, topic);
  }

  /**
   * @param client the admin client's properties: servers, and security where the broker needs it
   */
  public static Progress progress(Properties client, String group, String topic) throws Exception {
    try (Admin admin = Admin.create(client)) {
      Map<TopicPartition, OffsetAndMetadata> committed =
          admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      admin
          .describeTopics(List.of(topic))
          .allTopicNames()
          .get()
          .get(topic)
          .partitions()
          .forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
      Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends =
          admin.listOffsets(latest).all().get();
      long committedSum =
          committed.entrySet().stream()
              .filter(e -> e.getKey().topic().equals(topic) && e.getValue() != null)
              .mapToLong(e -> e.getValue().offset())
              .sum();
      long endSum =
          ends.values().stream().mapToLong(ListOffsetsResult.ListOffsetsResultInfo::offset).sum();
      return new Progress(committedSum, endSum);
    }
  }
}
