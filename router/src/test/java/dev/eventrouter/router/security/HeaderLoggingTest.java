package dev.eventrouter.router.security;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.typesafe.config.ConfigFactory;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

/**
 * The router's HTTP server (admin API, health, metrics), configured as the router is, does not log
 * a header it cannot parse with its value: a bearer token with a stray character would be in the
 * log.
 */
@ExtendWith(LogCapturingExtension.class)
class HeaderLoggingTest {

  private static final String TOKEN = "operate-t0ken-4c1d-0123456789";

  @Test
  void anUnparseableAuthorizationHeaderIsNotLoggedWithItsValue() throws Exception {
    // the router's HTTP settings, without its cluster (whose shutdown exits the JVM)
    ActorTestKit testKit =
        ActorTestKit.create(
            "headers",
            ConfigFactory.parseResources("http.conf")
                .withFallback(ConfigFactory.parseResources("logging.conf"))
                .withFallback(ConfigFactory.defaultReference()));
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.addAppender(logs);
    try {
      ServerBinding binding =
          Http.get(testKit.system())
              .newServerAt("127.0.0.1", 0)
              .bindSync(request -> HttpResponse.create().withStatus(401))
              .toCompletableFuture()
              .get();
      int port = binding.localAddress().getPort();
      for (String value :
          new String[] {
            "Bearer " + TOKEN + "\u007f", "Bearer " + TOKEN + " x y", "Bearer " + TOKEN + "\u00e9"
          }) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
          OutputStream out = socket.getOutputStream();
          out.write(
              ("GET /admin/pairs HTTP/1.1\r\nHost: x\r\nAuthorization: ")
                  .getBytes(StandardCharsets.US_ASCII));
          out.write(value.getBytes(StandardCharsets.UTF_8));
          out.write("\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
          out.flush();
          socket.getInputStream().readAllBytes();
        }
      }
      // Pekko logs through an actor: a line logged now comes after every line the requests logged
      String marker = "marker-" + UUID.randomUUID();
      testKit.system().classicSystem().log().warning(marker);
      TestProbe<Object> probe = testKit.createTestProbe();
      probe.awaitAssert(
          Duration.ofSeconds(30),
          () -> {
            assertThat(logs.list)
                .anySatisfy(e -> assertThat(e.getFormattedMessage()).contains(marker));
            return null;
          });
      assertThat(logs.list)
          .noneSatisfy(e -> assertThat(e.getFormattedMessage()).contains("t0ken-4c1d"));
    } finally {
      root.detachAppender(logs);
      testKit.shutdownTestKit();
    }
  }
}
