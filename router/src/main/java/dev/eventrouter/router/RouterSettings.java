package dev.eventrouter.router;

import com.typesafe.config.Config;
import dev.eventrouter.persistence.journal.JournalSettings;
import dev.eventrouter.queues.VirtualQueueSettings;
import dev.eventrouter.queues.delivery.AddressPolicy;
import dev.eventrouter.queues.delivery.DeliveryClientSettings;
import dev.eventrouter.queues.delivery.DeliveryWarmUp;
import dev.eventrouter.queues.delivery.EnvironmentSecrets;
import dev.eventrouter.router.admin.AdminApi;
import dev.eventrouter.router.admin.AdminTokens;
import dev.eventrouter.router.archive.ArchiveSettings;
import dev.eventrouter.router.cluster.ClusterFormation;
import dev.eventrouter.router.registry.Registry;
import dev.eventrouter.router.registry.RegistryLoader;
import dev.eventrouter.router.segment.SegmentApiSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A router node's settings, all read and checked before anything is started: a mistake in any of
 * them stops the node before it opened a database, a port or a broker.
 *
 * @param config the whole configuration, for what the parts read themselves (Kafka's, which depends
 *     on the broker started, and the HTTP ports')
 * @param fileRegistry the settings registry file's, before any an operator replaced
 */
record RouterSettings(
    Config config,
    Path dataDir,
    SegmentApiSettings segmentApi,
    Registry fileRegistry,
    String fileRegistryText,
    Config registryDefaults,
    AdminTokens adminTokens,
    AdminApi.Limits adminLimits,
    ClusterFormation.Settings clusterFormation,
    AddressPolicy addresses,
    EnvironmentSecrets secrets,
    DeliveryClientSettings deliveryClient,
    DeliveryWarmUp deliveryWarmUp,
    VirtualQueueSettings queues,
    JournalSettings journal,
    ArchiveSettings archive) {

  private static final Logger log = LoggerFactory.getLogger(RouterSettings.class);

  static RouterSettings fromConfig(Config config) {
    Path dataDir = Path.of(config.getString("eventrouter.data-dir"));
    Config admin = config.getConfig("eventrouter.admin");
    Registry fileRegistry = loadRegistry(config);
    return new RouterSettings(
        config,
        dataDir,
        SegmentApiSettings.fromConfig(config),
        fileRegistry,
        registryFileText(config),
        config.getConfig("eventrouter.registry.destination-defaults"),
        AdminTokens.fromConfig(config),
        new AdminApi.Limits(admin.getBytes("max-body"), admin.getBytes("registry-max-body")),
        ClusterFormation.Settings.fromConfig(config),
        AddressPolicy.allowing(config.getString("eventrouter.delivery.allow-addresses")),
        EnvironmentSecrets.fromConfig(config, System::getenv),
        DeliveryClientSettings.fromConfig(config),
        DeliveryWarmUp.fromConfig(config),
        VirtualQueueSettings.fromConfig(config),
        JournalSettings.fromConfig(config),
        ArchiveSettings.fromConfig(config, dataDir));
  }

  /**
   * The registry file's text, read with it at start, to be shown; empty for none. Decoded as the
   * configuration library does (bytes that are not UTF-8 replaced), and never a reason not to
   * start: the registry itself was read.
   */
  private static String registryFileText(Config config) {
    String file = config.getString("eventrouter.registry.file");
    if (file.isBlank()) {
      return "";
    }
    try {
      return new String(Files.readAllBytes(Path.of(file)), StandardCharsets.UTF_8);
    } catch (IOException e) {
      log.warn(
          "the registry file {} was read but its text cannot be shown: {}", file, e.toString());
      return "";
    }
  }

  /** The registry file's ({@code eventrouter.registry.file}); none is a registry with no source. */
  static Registry loadRegistry(Config config) {
    Config registry = config.getConfig("eventrouter.registry");
    String file = registry.getString("file");
    if (file.isBlank()) {
      log.warn(
          "no settings registry (eventrouter.registry.file / ROUTER_REGISTRY_FILE): no source"
              + " is known, every record goes to the dead-letter topic");
      return new Registry(Map.of(), Map.of());
    }
    return RegistryLoader.load(Path.of(file), registry.getConfig("destination-defaults"));
  }
}
