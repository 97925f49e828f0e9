package dev.eventrouter.router.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.eventrouter.router.kafka.KafkaClientSettings;
import java.util.Map;
import org.junit.jupiter.api.Test;

class IngestSettingsTest {

  private static final KafkaClientSettings CLIENT = KafkaClientSettings.plain("k:9092");

  @Test
  void anEventThatCouldNotCrossToAnotherNodeInOneMessageStopsTheStart() {
    assertThatThrownBy(
            () ->
                IngestSettings.fromConfig(
                    config(Map.of("eventrouter.ingest.max-payload-bytes", "4MiB")), CLIENT))
        .hasMessageContaining("eventrouter.ingest.max-payload-bytes")
        .hasMessageContaining("maximum-frame-size");
    // the same payload fits once the frame is raised with it
    assertThat(
            IngestSettings.fromConfig(
                    config(
                        Map.of(
                            "eventrouter.ingest.max-payload-bytes", "4MiB",
                            "pekko.remote.artery.advanced.maximum-frame-size", "8MiB")),
                    CLIENT)
                .maxPayloadBytes())
        .isEqualTo(4L * 1024 * 1024);
    assertThat(IngestSettings.fromConfig(config(Map.of()), CLIENT).maxPayloadBytes())
        .as("the defaults fit")
        .isEqualTo(1024L * 1024);
  }

  /**
   * A value the ingest's stream refuses would stop it at run time, the node up and consuming
   * nothing: it stops the start instead, named.
   */
  @Test
  void valuesTheIngestCannotRunWithStopTheStartNamingTheSetting() {
    Map<String, String> refused =
        Map.of(
            "batch-max-bytes", "0",
            "batch-max-records", "0",
            "batch-max-wait", "0s",
            "parallelism", "-1",
            "retry-min-backoff", "0s");
    refused.forEach(
        (key, value) ->
            assertThatThrownBy(
                    () ->
                        IngestSettings.fromConfig(
                            config(Map.of("eventrouter.ingest." + key, value)), CLIENT))
                .as(key)
                .hasMessageStartingWith("eventrouter.ingest." + key + " must be more than 0"));
    assertThatThrownBy(
            () ->
                IngestSettings.fromConfig(
                    config(
                        Map.of(
                            "eventrouter.ingest.retry-min-backoff", "1m",
                            "eventrouter.ingest.retry-max-backoff", "1s")),
                    CLIENT))
        .hasMessageStartingWith(
            "eventrouter.ingest.retry-max-backoff must be at least retry-min-backoff");
  }

  private static Config config(Map<String, Object> overrides) {
    return ConfigFactory.parseMap(overrides).withFallback(ConfigFactory.load()).resolve();
  }
}
