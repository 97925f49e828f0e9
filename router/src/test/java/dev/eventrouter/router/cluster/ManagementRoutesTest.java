package dev.eventrouter.router.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.eventrouter.router.testing.TestRouter;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The probes Kubernetes sends to the management port, answered on loopback by a one-node cluster
 * (management on, bootstrap off: bootstrap itself needs the Kubernetes API).
 */
@ExtendWith(LogCapturingExtension.class)
class ManagementRoutesTest {

  private ActorTestKit testKit;

  @AfterEach
  void stop() {
    if (testKit != null) {
      testKit.shutdownTestKit();
    }
  }

  @Test
  void answersReadinessAndLivenessOnceTheNodeIsUp() throws Exception {
    int port = TestRouter.freePort();
    Config config =
        config(Map.of("eventrouter.cluster.management", "on", "pekko.management.http.port", port));
    testKit = ActorTestKit.create("eventrouter", config);

    ClusterFormation.join(testKit.system(), ClusterFormation.Settings.fromConfig(config));

    testKit
        .createTestProbe()
        .awaitAssert(
            () -> {
              assertThat(get(port, "/ready").statusCode()).isEqualTo(200);
              return null;
            });
    assertThat(get(port, "/alive").statusCode()).isEqualTo(200);
  }

  @Test
  void startsNoManagementServerByDefault() throws Exception {
    int port = TestRouter.freePort();
    Config config = config(Map.of("pekko.management.http.port", port));
    testKit = ActorTestKit.create("eventrouter", config);

    ClusterFormation.Settings settings = ClusterFormation.Settings.fromConfig(config);
    ClusterFormation.join(testKit.system(), settings);

    assertThat(settings.bootstrap()).isEqualTo(ClusterFormation.Bootstrap.NONE);
    assertThatThrownBy(() -> get(port, "/alive")).isInstanceOf(ConnectException.class);
  }

  @Test
  void refusesAnUnknownBootstrapMethod() {
    Config config = config(Map.of("eventrouter.cluster.bootstrap", "consul"));

    assertThatThrownBy(() -> ClusterFormation.Settings.fromConfig(config))
        .hasMessageContaining("none or kubernetes");
  }

  private static Config config(Map<String, Object> overrides) {
    ConfigFactory.invalidateCaches();
    return ConfigFactory.parseMap(overrides)
        .withFallback(
            ConfigFactory.parseMap(
                Map.of(
                    "pekko.remote.artery.canonical.port", 0,
                    "pekko.coordinated-shutdown.exit-jvm", "off",
                    "pekko.coordinated-shutdown.run-by-jvm-shutdown-hook", "off",
                    "pekko.cluster.jmx.multi-mbeans-in-same-jvm", "on")))
        .withFallback(ConfigFactory.load())
        .resolve();
  }

  private static HttpResponse<String> get(int port, String path) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
            HttpResponse.BodyHandlers.ofString());
  }
}
