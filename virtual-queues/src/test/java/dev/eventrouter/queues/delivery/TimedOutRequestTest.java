package dev.eventrouter.queues.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.testing.JobFixtures;
import dev.eventrouter.queues.destination.BreakerSettings;
import dev.eventrouter.queues.destination.DestinationSettings;
import dev.eventrouter.queues.destination.RetryPolicy;
import dev.eventrouter.queues.testing.RawDestinations;
import dev.eventrouter.queues.testing.TestQueues;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A request whose caller already has its timeout is never sent: it would duplicate the retry the
 * caller schedules and hold a connection with stale work. The destination has one connection; a
 * first request holds it (its answer dripped a byte at a time, so the connection is never idle)
 * until every request queued behind it has timed out, and only then is the connection let go.
 */
@ParameterizedClass
@EnumSource(DeliveryClientSettings.Kind.class)
@ExtendWith(LogCapturingExtension.class)
class TimedOutRequestTest {

  @Parameter DeliveryClientSettings.Kind kind;

  static final ActorTestKit testKit = ActorTestKit.create();
  static final Clients.PerKind clients = new Clients.PerKind(testKit.system(), TestQueues.LOOPBACK);
  static final DestinationSettings settings =
      new DestinationSettings(
          "slow",
          8,
          0,
          1,
          Duration.ofSeconds(1),
          new RetryPolicy(Duration.ofSeconds(1), Duration.ofMinutes(1)),
          Duration.ofHours(4),
          new BreakerSettings(50, 10, 10, Duration.ofSeconds(5), 1));
  static final RawDestinations destinations = new RawDestinations();

  @AfterAll
  static void stop() {
    destinations.close();
    testKit.shutdownTestKit();
  }

  /** How the first request lets its connection go. */
  enum Release {
    ANSWER,
    HANG_UP
  }

  @ParameterizedTest
  @EnumSource(Release.class)
  void aRequestWhoseCallerTimedOutIsNeverSent(Release release) throws Exception {
    HoldingDestination destination = new HoldingDestination(release);
    OutcomeProbe probe = new OutcomeProbe(testKit.createTestProbe());

    Job holder = send(destination, probe);
    assertThat(destination.arrivals.poll(20, TimeUnit.SECONDS)).isEqualTo(key(holder));
    List<Job> queued =
        List.of(send(destination, probe), send(destination, probe), send(destination, probe));
    for (int i = 0; i < 1 + queued.size(); i++) {
      DeliveryOutcome outcome = probe.next(Duration.ofSeconds(20));
      assertThat(outcome.error()).isEqualTo("timeout");
      destination.timedOut.add(outcome.jobId().toString());
    }
    destination.release.countDown();
    // the pool takes its queue in order: whatever was still waiting goes before this one
    Job next = send(destination, probe);
    DeliveryOutcome answered = probe.next(Duration.ofSeconds(20));

    assertThat(answered.jobId()).isEqualTo(next.id());
    assertThat(answered.status()).isEqualTo(200);
    assertThat(destination.lateArrivals).as("received after their caller's timeout").isEmpty();
    assertThat(destination.received).containsExactly(key(holder), key(next));
  }

  private Job send(HoldingDestination destination, OutcomeProbe probe) {
    String endpoint = "http://127.0.0.1:" + destination.port + "/slow";
    Job job =
        JobFixtures.job(
            new PairId("tenant", "slow"), "m-" + System.nanoTime(), endpoint, Instant.now());
    assertThat(clients.get(kind).send(new DeliveryRequest(job, 1, settings, probe.ref()))).isTrue();
    return job;
  }

  private static String key(Job job) {
    return job.id().toString();
  }

  /**
   * Holds the first request it receives, dripping its answer's header, until released; answers
   * every other at once. Records each request's Idempotency-Key, and those that came after the test
   * had seen their caller's timeout.
   */
  private static final class HoldingDestination {
    final Release mode;
    final int port;
    final CountDownLatch release = new CountDownLatch(1);
    final Set<String> timedOut = ConcurrentHashMap.newKeySet();
    final BlockingQueue<String> arrivals = new LinkedBlockingQueue<>();
    final List<String> received = java.util.Collections.synchronizedList(new ArrayList<>());
    final List<String> lateArrivals = java.util.Collections.synchronizedList(new ArrayList<>());

    HoldingDestination(Release mode) throws IOException {
      this.mode = mode;
      this.port = destinations.listen(this::serve);
    }

    private void serve(Socket socket) throws InterruptedException {
      try (socket;
          InputStream in = socket.getInputStream();
          OutputStream out = socket.getOutputStream()) {
        RawDestinations.Request request;
        while ((request = RawDestinations.readRequest(in)) != null) {
          String key = request.header("Idempotency-Key");
          if (timedOut.contains(key)) {
            lateArrivals.add(key);
          }
          received.add(key);
          arrivals.add(key);
          if (received.size() == 1) {
            out.write("HTTP/1.1 200 OK\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
            // a byte well within the idle timeout keeps the connection busy, not idle
            while (!release.await(100, TimeUnit.MILLISECONDS)) {
              out.write('a');
              out.flush();
            }
            if (mode == Release.HANG_UP) {
              return;
            }
            out.write("\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
          } else {
            out.write(
                "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
          }
          out.flush();
        }
      } catch (IOException e) {
        // the client gave the connection up
      }
    }
  }
}
