package dev.eventrouter.router.tracing;

import com.typesafe.config.Config;
import dev.eventrouter.queues.tracing.JobTracing;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * Whether this node traces, and the OpenTelemetry SDK it traces with: configured from the standard
 * {@code OTEL_*} variables (or {@code otel.*} system properties) by the SDK's autoconfiguration.
 * Off, the queues and ingest get {@link JobTracing#OFF} and no SDK is created.
 */
public final class Tracing {

  /**
   * What this router sets unless the environment says otherwise: its name, no metrics or logs over
   * OTLP (it has Prometheus and JSON logs), and OTLP over HTTP (no gRPC sender is shipped).
   */
  static final Map<String, String> DEFAULTS =
      Map.of(
          "otel.service.name", "eventrouter",
          "otel.metrics.exporter", "none",
          "otel.logs.exporter", "none",
          "otel.exporter.otlp.protocol", "http/protobuf");

  /** Any of these set turns tracing on in mode {@code auto}. */
  private static final List<String> EXPORTER_SETTINGS =
      List.of(
          "otel.traces.exporter",
          "otel.exporter.otlp.endpoint",
          "otel.exporter.otlp.traces.endpoint");

  private Tracing() {}

  /**
   * Whether to trace, by {@code eventrouter.tracing.enabled}: {@code on}, {@code off}, or {@code
   * auto} (on when an exporter or an OTLP endpoint is configured, and the traces exporter is not
   * {@code none}). {@code OTEL_SDK_DISABLED=true} turns it off whatever that says.
   *
   * @param otel an {@code otel.*} setting: the system property, else the variable {@code OTEL_*}
   */
  static boolean enabled(Config config, Function<String, Optional<String>> otel) {
    if (otel.apply("otel.sdk.disabled").map(Boolean::parseBoolean).orElse(false)) {
      return false;
    }
    String mode = config.getString("eventrouter.tracing.enabled").strip().toLowerCase(Locale.ROOT);
    return switch (mode) {
      case "on" -> true;
      case "off" -> false;
      case "auto" ->
          EXPORTER_SETTINGS.stream().anyMatch(key -> otel.apply(key).isPresent())
              && !otel.apply("otel.traces.exporter").map("none"::equals).orElse(false);
      default ->
          throw new IllegalArgumentException(
              "eventrouter.tracing.enabled must be auto, on or off, not '" + mode + "'");
    };
  }

  /** The setting from the system properties or the environment, as the SDK reads it. */
  static Optional<String> fromSystem(String key) {
    String property = System.getProperty(key);
    if (property == null) {
      property = System.getenv(key.toUpperCase(Locale.ROOT).replace('.', '_'));
    }
    return Optional.ofNullable(property).map(String::strip).filter(value -> !value.isEmpty());
  }

  /** The SDK as the environment configures it, or empty when tracing is off. */
  public static Optional<OpenTelemetrySdk> configured(Config config) {
    if (!enabled(config, Tracing::fromSystem)) {
      return Optional.empty();
    }
    // the SDK reports through java.util.logging (a full export queue, an unreachable
    // collector): to SLF4J, so that it is a JSON line like every other
    if (!SLF4JBridgeHandler.isInstalled()) {
      SLF4JBridgeHandler.removeHandlersForRootLogger();
      SLF4JBridgeHandler.install();
    }
    return Optional.of(
        AutoConfiguredOpenTelemetrySdk.builder()
            .addPropertiesSupplier(() -> DEFAULTS)
            .build()
            .getOpenTelemetrySdk());
  }

  /** Flushes the SDK's spans and shuts it down as the actor system terminates. */
  public static void shutDownWith(ActorSystem<?> system, OpenTelemetrySdk sdk) {
    CoordinatedShutdown.get(system)
        .addTask(
            CoordinatedShutdown.PhaseBeforeActorSystemTerminate(),
            "flush-traces",
            () ->
                CompletableFuture.supplyAsync(
                    () -> {
                      sdk.shutdown().join(10, TimeUnit.SECONDS);
                      return Done.getInstance();
                    }));
  }
}
