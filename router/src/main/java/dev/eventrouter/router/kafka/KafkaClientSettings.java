package dev.eventrouter.router.kafka;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValueType;
import dev.eventrouter.queues.delivery.Secrets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.clients.CommonClientConfigs;

/**
 * What every Kafka client of the router starts from (the ingest consumer, the dead-letter producer,
 * the admin client): the bootstrap servers and {@code eventrouter.kafka.client}, so that a cluster
 * that needs TLS or SASL works for all of them or for none. Secret values are given by the name of
 * a secret, looked up once here, and never shown by {@link #toString}.
 */
public final class KafkaClientSettings {

  private final Map<String, String> properties;
  private final Set<String> secretProperties;

  private KafkaClientSettings(Map<String, String> properties, Set<String> secretProperties) {
    this.properties = Map.copyOf(properties);
    this.secretProperties = Set.copyOf(secretProperties);
  }

  /** Plain clients of these servers, as for the embedded broker and tests. */
  public static KafkaClientSettings plain(String bootstrapServers) {
    return new KafkaClientSettings(
        Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers), Set.of());
  }

  /**
   * @param client {@code eventrouter.kafka.client}
   * @throws IllegalArgumentException naming the setting or secret that is wrong (never a value)
   */
  public static KafkaClientSettings fromConfig(
      Config client, String bootstrapServers, Secrets secrets) {
    Map<String, String> properties = new LinkedHashMap<>();
    properties.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    Map<String, String> plain =
        flat(client.getConfig("properties"), "eventrouter.kafka.client.properties");
    Map<String, String> secret =
        flat(client.getConfig("secret-properties"), "eventrouter.kafka.client.secret-properties");
    plain.forEach(
        (name, value) -> {
          if (name.equals(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG)) {
            throw new IllegalArgumentException(
                "eventrouter.kafka.client.properties: give the servers in "
                    + "eventrouter.kafka.bootstrap-servers, not "
                    + name);
          }
          if (isSecret(name)) {
            throw new IllegalArgumentException(
                "eventrouter.kafka.client.properties: "
                    + name
                    + " is a "
                    + "secret: name the secret that holds it in eventrouter.kafka.client.secret-properties");
          }
          properties.put(name, value);
        });
    secret.forEach(
        (name, secretName) -> {
          if (properties.containsKey(name)) {
            throw new IllegalArgumentException(
                "the Kafka client property "
                    + name
                    + " is given both in properties and in secret-properties");
          }
          if (!Secrets.NAME.matcher(secretName).matches()) {
            throw new IllegalArgumentException(
                "eventrouter.kafka.client.secret-properties: "
                    + name
                    + " must name a secret matching "
                    + Secrets.NAME.pattern());
          }
          properties.put(
              name,
              secrets
                  .value(secretName)
                  .orElseThrow(
                      () ->
                          new IllegalArgumentException(
                              "the secret "
                                  + secretName
                                  + " for the Kafka client property "
                                  + name
                                  + " is neither a file in eventrouter.secrets.dir nor an"
                                  + " environment variable named with"
                                  + " eventrouter.secrets.env-prefix before it"
                                  + " (EVENTROUTER_SECRET_"
                                  + secretName
                                  + " by default)")));
        });
    return new KafkaClientSettings(properties, secret.keySet());
  }

  /** Kafka's own password-typed settings, and the JAAS line that holds a password. */
  private static boolean isSecret(String name) {
    return name.equals("sasl.jaas.config")
        || name.endsWith(".password")
        || name.equals("ssl.keystore.key");
  }

  /** Keys as Kafka spells them, whether written quoted ("security.protocol") or as a path. */
  static Map<String, String> flat(Config config, String where) {
    Map<String, String> flat = new TreeMap<>();
    config
        .entrySet()
        .forEach(
            entry -> {
              if (entry.getValue().valueType() == ConfigValueType.LIST) {
                throw new IllegalArgumentException(
                    where + ": " + entry.getKey() + " must be a single value");
              }
              flat.put(
                  String.join(".", ConfigUtil.splitPath(entry.getKey())),
                  String.valueOf(entry.getValue().unwrapped()));
            });
    return flat;
  }

  public String bootstrapServers() {
    return properties.get(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG);
  }

  /** The common properties, for a client library that takes a map (Pekko's ConsumerSettings). */
  public Map<String, String> properties() {
    return properties;
  }

  /** The common properties with the client's own ({@code name, value, name, value, ...}) on top. */
  public Properties with(String... own) {
    Properties props = new Properties();
    props.putAll(properties);
    for (int i = 0; i < own.length; i += 2) {
      props.put(own[i], own[i + 1]);
    }
    return props;
  }

  @Override
  public String toString() {
    Map<String, String> shown = new TreeMap<>(properties);
    shown.replaceAll((name, value) -> secretProperties.contains(name) ? "[secret]" : value);
    return "KafkaClientSettings" + shown;
  }
}
