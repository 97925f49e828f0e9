package dev.eventrouter.queues.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;

class DeliveryClientSettingsTest {

  @Test
  void theReferenceDeliversWithNettyOnOneEventLoop() {
    assertThat(DeliveryClientSettings.fromConfig(ConfigFactory.load()))
        .isEqualTo(new DeliveryClientSettings(DeliveryClientSettings.Kind.NETTY, 1));
  }

  @Test
  void pekkoCanBeChosenInAnyCase() {
    assertThat(DeliveryClientSettings.fromConfig(with("client = PeKKo")).kind())
        .isEqualTo(DeliveryClientSettings.Kind.PEKKO);
  }

  @Test
  void anUnknownClientOrNoEventLoopIsRefusedByName() {
    assertThatThrownBy(() -> DeliveryClientSettings.fromConfig(with("client = okhttp")))
        .hasMessageContaining("eventrouter.delivery.client").hasMessageContaining("okhttp");
    assertThatThrownBy(() -> DeliveryClientSettings.fromConfig(with("netty-event-loops = 0")))
        .hasMessageContaining("eventrouter.delivery.netty-event-loops");
  }

  private static Config with(String setting) {
    return ConfigFactory.parseString("eventrouter.delivery." + setting).withFallback(ConfigFactory.load());
  }
}
