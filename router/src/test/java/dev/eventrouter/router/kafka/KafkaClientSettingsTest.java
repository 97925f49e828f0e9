package dev.eventrouter.router.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.eventrouter.queues.delivery.Secrets;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class KafkaClientSettingsTest {

  private static final Secrets SECRETS =
      name -> name.equals("TRUSTSTORE_PW") ? Optional.of("s3cr3t-pw") : Optional.empty();

  @Test
  void everyClientGetsTheServersThePropertiesAndTheSecretsByReference() {
    KafkaClientSettings client =
        KafkaClientSettings.fromConfig(
            client(
                """
        properties { "security.protocol" = SSL, ssl.truststore.location = /etc/kafka/trust.p12 }
        secret-properties { "ssl.truststore.password" = TRUSTSTORE_PW }
        """),
            "k1:9093,k2:9093",
            SECRETS);

    assertThat(client.properties())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "bootstrap.servers", "k1:9093,k2:9093",
                "security.protocol", "SSL",
                "ssl.truststore.location", "/etc/kafka/trust.p12",
                "ssl.truststore.password", "s3cr3t-pw"));
    assertThat(client.with("acks", "all"))
        .containsEntry("acks", "all")
        .containsEntry("security.protocol", "SSL");
    assertThat(client.toString()).contains("SSL").doesNotContain("s3cr3t-pw");
  }

  @Test
  void aSecretWrittenInPlainOrMissingStopsTheStartNamingItButNotItsValue() {
    assertThatThrownBy(
            () ->
                KafkaClientSettings.fromConfig(
                    client(
                        """
        properties { "sasl.jaas.config" = "PlainLoginModule required password=\\"hunter2\\";" }
        """),
                    "k:9092",
                    SECRETS))
        .hasMessageContaining("sasl.jaas.config")
        .hasMessageContaining("secret-properties")
        .hasMessageNotContaining("hunter2");
    assertThatThrownBy(
            () ->
                KafkaClientSettings.fromConfig(
                    client(
                        """
        properties { ssl.key.password = hunter2 }
        """),
                    "k:9092",
                    SECRETS))
        .hasMessageContaining("ssl.key.password")
        .hasMessageNotContaining("hunter2");
    assertThatThrownBy(
            () ->
                KafkaClientSettings.fromConfig(
                    client(
                        """
        secret-properties { "sasl.jaas.config" = KAFKA_JAAS_MISSING }
        """),
                    "k:9092",
                    SECRETS))
        .hasMessageContaining("KAFKA_JAAS_MISSING");
    assertThatThrownBy(
            () ->
                KafkaClientSettings.fromConfig(
                    client(
                        """
        properties { "bootstrap.servers" = "other:9092" }
        """),
                    "k:9092",
                    SECRETS))
        .hasMessageContaining("eventrouter.kafka.bootstrap-servers");
  }

  @Test
  void theReferenceDefaultsAddNothingToAPlainClient() {
    Config reference = ConfigFactory.defaultReference().getConfig("eventrouter.kafka.client");
    assertThat(KafkaClientSettings.fromConfig(reference, "k:9092", SECRETS).properties())
        .isEqualTo(Map.of("bootstrap.servers", "k:9092"));
  }

  private static Config client(String hocon) {
    return ConfigFactory.parseString(hocon)
        .withFallback(ConfigFactory.parseString("properties {}, secret-properties {}"));
  }
}
