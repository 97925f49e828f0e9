package dev.eventrouter.queues.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.testing.JobFixtures;
import dev.eventrouter.queues.destination.BreakerSettings;
import dev.eventrouter.queues.destination.DestinationSettings;
import dev.eventrouter.queues.destination.RetryPolicy;
import dev.eventrouter.queues.testing.RawDestinations;
import dev.eventrouter.queues.testing.ScriptedDestination;
import dev.eventrouter.queues.testing.TestQueues;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Destinations that misbehave on purpose, on raw sockets: an endless body, a huge body, headers
 * dripped a byte at a time, a body dripped past the deadline, a redirect, TLS to a plain port, a
 * certificate nobody vouches for. Each attempt ends within its bounds with the right class, and the
 * destination's next request still goes through.
 */
@ParameterizedClass
@EnumSource(DeliveryClientSettings.Kind.class)
@ExtendWith(LogCapturingExtension.class)
class MisbehavingDestinationTest {

  @Parameter DeliveryClientSettings.Kind kind;

  static final ActorTestKit testKit = ActorTestKit.create();
  static final Clients.PerKind clients = new Clients.PerKind(testKit.system(), TestQueues.LOOPBACK);
  static final DestinationSettings settings =
      new DestinationSettings(
          "rogue",
          2,
          0,
          1,
          Duration.ofMillis(1500),
          new RetryPolicy(Duration.ofSeconds(1), Duration.ofMinutes(1)),
          Duration.ofHours(4),
          new BreakerSettings(50, 10, 10, Duration.ofSeconds(5), 1));
  static final RawDestinations destinations = new RawDestinations();

  @AfterAll
  static void stop() {
    destinations.close();
    testKit.shutdownTestKit();
  }

  @Test
  void anEndlessBodyCostsTheConnectionNotTheAttemptNorTheNextRequest() throws Exception {
    int port =
        serve(
            out -> {
              out.write(
                  ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
                      .getBytes(StandardCharsets.US_ASCII));
              byte[] chunk =
                  ("400\r\n" + "x".repeat(1024) + "\r\n").getBytes(StandardCharsets.US_ASCII);
              while (true) {
                out.write(chunk);
              }
            });

    assertThat(deliver("http://127.0.0.1:" + port + "/endless").status()).isEqualTo(200);
    // one connection for the destination: were it stuck reading, nothing more would be sent
    assertGoesThrough("http://127.0.0.1:" + port + "/endless");
  }

  @Test
  void aHugeDeclaredBodyIsNotReadWhole() throws Exception {
    int port =
        serve(
            out -> {
              out.write(
                  ("HTTP/1.1 200 OK\r\nContent-Length: 10000000000\r\n\r\n")
                      .getBytes(StandardCharsets.US_ASCII));
              byte[] block = new byte[64 * 1024];
              while (true) {
                out.write(block);
              }
            });

    assertThat(deliver("http://127.0.0.1:" + port + "/huge").status()).isEqualTo(200);
    assertGoesThrough("http://127.0.0.1:" + port + "/huge");
  }

  @Test
  void aBodyDrippedPastTheDeadlineCostsTheConnectionNotTheNextRequest() throws Exception {
    int port =
        serve(
            out -> {
              out.write(
                  ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
                      .getBytes(StandardCharsets.US_ASCII));
              out.flush();
              // a byte well within the idle timeout, for ever: only the deadline ends the drain
              while (true) {
                out.write("1\r\nx\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                sleep(400);
              }
            });

    assertThat(deliver("http://127.0.0.1:" + port + "/drip-body").status()).isEqualTo(200);
    // the destination's one connection: the next request gets through only once it is given up
    assertGoesThrough("http://127.0.0.1:" + port + "/drip-body");
  }

  @Test
  void headersDrippedAByteAtATimeEndAsATimeout() throws Exception {
    int port =
        serve(
            out -> {
              for (byte b : "HTTP/1.1 200 OK\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII)) {
                out.write(b);
                out.flush();
                sleep(400);
              }
              while (true) {
                out.write('a');
                out.flush();
                sleep(400);
              }
            });

    // the drip never ends and a byte comes well within the idle timeout: an outcome at all is
    // the whole request's deadline at work (how soon it came is not asserted: that is the
    // machine's speed)
    DeliveryOutcome outcome = deliver("http://127.0.0.1:" + port + "/drip");

    assertThat(outcome.error()).isEqualTo("timeout");
    assertThat(outcome.verdict()).isEqualTo(DeliveryOutcome.Verdict.RETRY);
  }

  /**
   * Interim answers for ever (a 100 Continue, then another, each within the idle timeout), or a
   * switch to another protocol no request asked for, then a byte now and then: the attempt ends,
   * and the destination's one connection is given up rather than held, so its next request gets a
   * connection of its own.
   */
  @Test
  void endlessInterimAnswersOrASwitchOfProtocolCostTheConnectionNotTheNextRequest()
      throws Exception {
    AtomicInteger continued = new AtomicInteger();
    int continues =
        serve(
            out -> {
              continued.incrementAndGet();
              while (true) {
                out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                sleep(400);
              }
            });
    AtomicInteger switched = new AtomicInteger();
    int switches =
        serve(
            out -> {
              switched.incrementAndGet();
              out.write(
                  ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                          + "Connection: Upgrade\r\n\r\n")
                      .getBytes(StandardCharsets.US_ASCII));
              while (true) {
                out.flush();
                sleep(400);
                out.write('a');
              }
            });

    for (Map.Entry<Integer, AtomicInteger> server :
        Map.of(continues, continued, switches, switched).entrySet()) {
      for (int attempt = 0; attempt < 2; attempt++) {
        DeliveryOutcome outcome = deliver("http://127.0.0.1:" + server.getKey() + "/interim");
        assertThat(outcome.status()).isZero();
        assertThat(outcome.verdict()).isEqualTo(DeliveryOutcome.Verdict.RETRY);
      }
      if (kind == DeliveryClientSettings.Kind.PEKKO && server.getKey() == continues) {
        // Pekko HTTP's pool waits on the connection for the final answer while bytes come: the
        // fallback client holds it (README, ROUTER_DELIVERY_CLIENT); its attempts still end
        continue;
      }
      assertThat(server.getValue()).as("connections the two attempts made").hasValue(2);
    }
  }

  @Test
  void aRedirectIsNotFollowed() throws Exception {
    int port =
        serve(
            out ->
                out.write(
                    ("HTTP/1.1 302 Found\r\nLocation: http://169.254.169.254/\r\n"
                            + "Content-Length: 0\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII)));

    DeliveryOutcome outcome = deliver("http://127.0.0.1:" + port + "/moved");

    assertThat(outcome.status()).isEqualTo(302);
    assertThat(outcome.verdict()).isEqualTo(DeliveryOutcome.Verdict.DISCARDED);
  }

  @Test
  void tlsToAPlainPortIsATlsFailure() {
    ScriptedDestination plain = new ScriptedDestination(testKit.system());
    try {
      DeliveryOutcome outcome = deliver(plain.url("/hook").replace("http://", "https://"));

      assertThat(outcome.error()).isEqualTo("tls");
      assertThat(outcome.verdict()).isEqualTo(DeliveryOutcome.Verdict.RETRY);
    } finally {
      plain.close();
    }
  }

  /**
   * A certificate no authority the JDK trusts vouches for (self-signed, as a man in the middle
   * would present): the handshake fails, nothing is sent.
   */
  @Test
  void aCertificateNoAuthorityVouchesForIsATlsFailureAndNothingIsSent(@TempDir Path dir)
      throws Exception {
    SSLContext tls = selfSigned(dir);
    AtomicInteger requests = new AtomicInteger();
    int port =
        destinations.listen(
            socket -> {
              try (Socket secured = tls.getSocketFactory().createSocket(socket, null, true)) {
                if (RawDestinations.readRequest(secured.getInputStream()) != null) {
                  requests.incrementAndGet();
                  secured
                      .getOutputStream()
                      .write(
                          "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
                              .getBytes(StandardCharsets.US_ASCII));
                }
              } catch (IOException e) {
                // the client refused the certificate
              }
            });

    DeliveryOutcome outcome = deliver("https://127.0.0.1:" + port + "/self-signed");

    assertThat(outcome.error()).isEqualTo("tls");
    assertThat(requests).hasValue(0);
  }

  /** A server TLS context with a key and certificate made now, for 127.0.0.1, signed by itself. */
  private static SSLContext selfSigned(Path dir) throws Exception {
    Path store = dir.resolve("destination.p12");
    char[] password = "changeit".toCharArray();
    Process keytool =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair",
                "-alias",
                "destination",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=127.0.0.1",
                "-ext",
                "SAN=ip:127.0.0.1",
                "-validity",
                "2",
                "-storetype",
                "PKCS12",
                "-keystore",
                store.toString(),
                "-storepass",
                new String(password))
            .redirectErrorStream(true)
            .start();
    String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(keytool.waitFor()).as(output).isZero();
    KeyStore keys = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      keys.load(in, password);
    }
    KeyManagerFactory managers =
        KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    managers.init(keys, password);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(managers.getKeyManagers(), null, null);
    return context;
  }

  /**
   * The destination's next request is answered: at once, or, when it was already waiting for the
   * connection that was given up (it fails as connection-closed, retried like any), by the one
   * after it on a new connection.
   */
  private void assertGoesThrough(String endpoint) {
    DeliveryOutcome next = deliver(endpoint);
    if (next.status() == 0) {
      assertThat(next.verdict()).as(next.error()).isEqualTo(DeliveryOutcome.Verdict.RETRY);
      next = deliver(endpoint);
    }
    assertThat(next.status()).isEqualTo(200);
  }

  /** A server answering every connection with what {@code answer} writes. */
  private static int serve(Answer answer) throws IOException {
    return destinations.listen(
        socket -> {
          try (socket;
              InputStream in = socket.getInputStream();
              OutputStream out = socket.getOutputStream()) {
            RawDestinations.readRequest(in);
            answer.write(out);
            out.flush();
          } catch (IOException e) {
            // the client hung up: what a bounded client does to a rogue server
          }
        });
  }

  private static void sleep(long millis) throws IOException {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  private interface Answer {
    void write(OutputStream out) throws IOException;
  }

  private DeliveryOutcome deliver(String endpoint) {
    Job job =
        JobFixtures.job(
            new PairId("tenant", "rogue"), "m-" + System.nanoTime(), endpoint, Instant.now());
    OutcomeProbe probe = new OutcomeProbe(testKit.createTestProbe());
    assertThat(clients.get(kind).send(new DeliveryRequest(job, 1, settings, probe.ref()))).isTrue();
    return probe.next(Duration.ofSeconds(20));
  }
}
