package dev.eventrouter.router.tracing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** When a node traces: eventrouter.tracing.enabled and the standard OTEL_* settings. */
class TracingSettingsTest {

  private static boolean enabled(String mode, Map<String, String> otel) {
    Config config = ConfigFactory.parseMap(Map.of("eventrouter.tracing.enabled", mode));
    return Tracing.enabled(config, key -> Optional.ofNullable(otel.get(key)));
  }

  @Test
  void autoTracesOnlyWhenAnExporterOrAnEndpointIsConfigured() {
    assertThat(enabled("auto", Map.of())).isFalse();
    assertThat(enabled("auto", Map.of("otel.service.name", "router"))).isFalse();
    assertThat(enabled("auto", Map.of("otel.exporter.otlp.endpoint", "http://c:4318"))).isTrue();
    assertThat(enabled("auto", Map.of("otel.exporter.otlp.traces.endpoint", "http://c:4318")))
        .isTrue();
    assertThat(enabled("auto", Map.of("otel.traces.exporter", "otlp"))).isTrue();
    assertThat(
            enabled(
                "auto",
                Map.of(
                    "otel.traces.exporter", "none",
                    "otel.exporter.otlp.endpoint", "http://c:4318")))
        .isFalse();
  }

  @Test
  void onAndOffAreWhatTheySayButTheSdkSwitchWins() {
    assertThat(enabled("on", Map.of())).isTrue();
    assertThat(enabled("off", Map.of("otel.exporter.otlp.endpoint", "http://c:4318"))).isFalse();
    assertThat(enabled("on", Map.of("otel.sdk.disabled", "true"))).isFalse();
    assertThat(enabled("auto", Map.of("otel.sdk.disabled", "true", "otel.traces.exporter", "otlp")))
        .isFalse();
  }

  @Test
  void anUnknownModeIsRefusedByName() {
    assertThatThrownBy(() -> enabled("yes", Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("eventrouter.tracing.enabled")
        .hasMessageContaining("'yes'");
  }

  @Test
  void theDefaultIsAuto() {
    assertThat(ConfigFactory.load().getString("eventrouter.tracing.enabled")).isEqualTo("auto");
  }
}
