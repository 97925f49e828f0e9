package dev.eventrouter.queues.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;

class DeliveryClientSettingsTest {

  @Test
  void theReferenceDeliversWithNettyOnOneEventLoopAsTheRouter() {
    assertThat(DeliveryClientSettings.fromConfig(ConfigFactory.load()))
        .isEqualTo(
            new DeliveryClientSettings(
                DeliveryClientSettings.Kind.NETTY, 1, DeliveryClientSettings.defaultUserAgent()));
  }

  @Test
  void theRoutersUserAgentHasTheJarsVersionWhenThereIsOne() {
    assertThat(DeliveryClientSettings.userAgent("1.4.0")).isEqualTo("eventrouter/1.4.0");
    assertThat(DeliveryClientSettings.userAgent(null)).isEqualTo("eventrouter");
  }

  @Test
  void aUserAgentCanBeSet() {
    assertThat(
            DeliveryClientSettings.fromConfig(
                    with("user-agent = \"acme-router/7 (+https://acme.example)\""))
                .userAgent())
        .isEqualTo("acme-router/7 (+https://acme.example)");
  }

  @Test
  void aUserAgentThatIsNoHeaderValueIsRefusedByName() {
    assertThatThrownBy(
            () -> DeliveryClientSettings.fromConfig(with("user-agent = \"acme\\r\\nX-Admin: 1\"")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("eventrouter.delivery.user-agent")
        .hasMessageContaining("line break")
        .hasMessageNotContaining("X-Admin");
    assertThatThrownBy(
            () -> DeliveryClientSettings.fromConfig(with("user-agent = \"router\u00e9\"")))
        .hasMessageContaining("eventrouter.delivery.user-agent")
        .hasMessageContaining("not ASCII");
  }

  @Test
  void pekkoCanBeChosenInAnyCase() {
    assertThat(DeliveryClientSettings.fromConfig(with("client = PeKKo")).kind())
        .isEqualTo(DeliveryClientSettings.Kind.PEKKO);
  }

  @Test
  void anUnknownClientOrNoEventLoopIsRefusedByName() {
    assertThatThrownBy(() -> DeliveryClientSettings.fromConfig(with("client = okhttp")))
        .hasMessageContaining("eventrouter.delivery.client")
        .hasMessageContaining("okhttp");
    assertThatThrownBy(() -> DeliveryClientSettings.fromConfig(with("netty-event-loops = 0")))
        .hasMessageContaining("eventrouter.delivery.netty-event-loops");
  }

  private static Config with(String setting) {
    return ConfigFactory.parseString("eventrouter.delivery." + setting)
        .withFallback(ConfigFactory.load());
  }
}
