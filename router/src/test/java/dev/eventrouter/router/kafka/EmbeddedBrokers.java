package dev.eventrouter.router.kafka;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.Map;

/** The settings of an embedded broker a test starts on its own, outside a router. */
final class EmbeddedBrokers {

  private EmbeddedBrokers() {}

  /** On loopback, at these ports: the same ones again find the broker's log after a restart. */
  static Config config(int port, int controllerPort, String messageMaxBytes) {
    return ConfigFactory.parseMap(
        Map.of(
            "host", "127.0.0.1",
            "port", port,
            "controller-port", controllerPort,
            "message-max-bytes", messageMaxBytes));
  }
}
