package dev.eventrouter.queues.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.testing.JobFixtures;
import dev.eventrouter.queues.destination.BreakerSettings;
import dev.eventrouter.queues.destination.DestinationSettings;
import dev.eventrouter.queues.destination.RetryPolicy;
import dev.eventrouter.queues.destination.WebhookSigning;
import dev.eventrouter.queues.testing.ScriptedDestination;
import dev.eventrouter.queues.testing.TestQueues;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.LoggerFactory;

/**
 * Signed deliveries through each real client, checked by a receiver as the README tells receivers
 * to check them, on the bytes that arrived: every key's signature holds, the id stays the job's
 * from one attempt to the next while the timestamp is each attempt's, and a key that is missing or
 * is not one keeps the job waiting without anything sent.
 */
@ParameterizedClass
@EnumSource(DeliveryClientSettings.Kind.class)
class SignedDeliveryTest {

  @Parameter DeliveryClientSettings.Kind kind;

  static final ActorTestKit testKit = ActorTestKit.create();
  static final ScriptedDestination destination = new ScriptedDestination(testKit.system());

  static final String CURRENT = WebhookSignatureTest.NEXT_KEY;
  static final String PREVIOUS = WebhookSignatureTest.KEY;
  static final Map<String, String> SECRETS =
      Map.of(
          "HOOK_KEY_2026",
          CURRENT,
          "HOOK_KEY_2025",
          PREVIOUS,
          "NOT_A_KEY",
          "whsec_" + "s3cr3t-9d2f");

  /** Bytes a re-serialising receiver would change: spacing, escapes, a character beyond ASCII. */
  static final byte[] BODY =
      "{\"messageId\":\"m-1\",  \"name\":\"caf\u00e9\",\"path\":\"a\\/b\"}\n"
          .getBytes(StandardCharsets.UTF_8);

  final SteppedClock clock = new SteppedClock(Instant.parse("2026-03-01T10:00:00.750Z"));

  @AfterAll
  static void stop() {
    destination.close();
    testKit.shutdownTestKit();
  }

  @Test
  void everyAttemptIsSignedByEveryKeyOverTheBytesReceived() throws Exception {
    String path = "/signed/" + UUID.randomUUID();
    Job job = job(path);
    DeliveryClient client = client(name -> Optional.ofNullable(SECRETS.get(name)));
    DestinationSettings signed = settings(List.of("HOOK_KEY_2026", "HOOK_KEY_2025"));

    assertThat(deliver(client, job, 1, signed).status()).isEqualTo(200);
    clock.step(Duration.ofSeconds(90));
    assertThat(deliver(client, job, 2, signed).status()).isEqualTo(200);

    List<ScriptedDestination.Received> received = destination.received(path);
    assertThat(received).hasSize(2);
    for (int attempt = 0; attempt < 2; attempt++) {
      ScriptedDestination.Received request = received.get(attempt);
      long sentAt = Instant.parse("2026-03-01T10:00:00Z").getEpochSecond() + 90L * attempt;
      assertThat(request.values("webhook-id")).containsExactly(job.id().toString());
      assertThat(request.values("webhook-timestamp")).containsExactly(Long.toString(sentAt));
      assertThat(request.values("webhook-signature")).hasSize(1);
      assertThat(request.header("webhook-signature").split(" ")).hasSize(2);
      assertThat(request.body()).isEqualTo(BODY);
      for (String key : List.of(CURRENT, PREVIOUS)) {
        assertThat(verify(key, request, request.body(), sentAt))
            .as("attempt %d, key %s", attempt + 1, key)
            .isTrue();
      }
      byte[] tampered = Arrays.copyOf(request.body(), request.body().length);
      tampered[tampered.length - 2] = ' ';
      assertThat(verify(CURRENT, request, tampered, sentAt))
          .as("a body changed on the way")
          .isFalse();
    }
  }

  @Test
  void aDestinationThatDoesNotSignSendsNoSignatureHeaders() {
    String path = "/unsigned/" + UUID.randomUUID();

    assertThat(deliver(client(Secrets.NONE), job(path), 1, settings(List.of())).status())
        .isEqualTo(200);

    assertThat(destination.received(path))
        .singleElement()
        .satisfies(
            request -> {
              assertThat(request.values("webhook-id")).isEmpty();
              assertThat(request.values("webhook-timestamp")).isEmpty();
              assertThat(request.values("webhook-signature")).isEmpty();
            });
  }

  @Test
  void aMissingKeyKeepsTheJobWaitingAndSendsNothing() {
    String path = "/signed/" + UUID.randomUUID();
    DeliveryClient client = client(name -> Optional.ofNullable(SECRETS.get(name)));

    DeliveryOutcome outcome =
        deliver(client, job(path), 1, settings(List.of("HOOK_KEY_2026", "HOOK_KEY_2027")));

    assertThat(outcome.error()).isEqualTo(DeliveryOutcome.SECRET_MISSING);
    assertThat(outcome.verdict()).isEqualTo(DeliveryOutcome.Verdict.RETRY);
    assertThat(destination.received(path)).as("not signed with some of its keys only").isEmpty();
  }

  @Test
  void aValueThatIsNotAKeyIsSecretInvalidAndNeverLogged() {
    String path = "/signed/" + UUID.randomUUID();
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.addAppender(logs);
    try {
      DeliveryOutcome outcome =
          deliver(
              client(name -> Optional.ofNullable(SECRETS.get(name))),
              job(path),
              1,
              settings(List.of("NOT_A_KEY")));

      assertThat(outcome.error()).isEqualTo(DeliveryOutcome.SECRET_INVALID);
      assertThat(outcome.verdict()).isEqualTo(DeliveryOutcome.Verdict.RETRY);
      assertThat(destination.received(path)).isEmpty();
      // logged when the request is made, before its outcome is answered
      assertThat(logs.list)
          .anySatisfy(e -> assertThat(e.getFormattedMessage()).contains("NOT_A_KEY"));
      assertThat(logs.list)
          .noneSatisfy(e -> assertThat(e.getFormattedMessage()).contains("s3cr3t-9d2f"));
    } finally {
      root.detachAppender(logs);
    }
  }

  private static boolean verify(
      String key, ScriptedDestination.Received request, byte[] body, long now) throws Exception {
    return WebhookReceiver.verify(
        key,
        request.header("webhook-id"),
        request.header("webhook-timestamp"),
        request.header("webhook-signature"),
        body,
        now);
  }

  private DeliveryClient client(Secrets secrets) {
    return new DeliveryClientSettings(kind, 1, DeliveryClientSettings.defaultUserAgent())
        .create(testKit.system(), clock, 64, TestQueues.LOOPBACK, secrets);
  }

  private static DestinationSettings settings(List<String> keys) {
    return new DestinationSettings(
        "hooks",
        4,
        0,
        4,
        Duration.ofSeconds(5),
        new RetryPolicy(Duration.ofSeconds(1), Duration.ofMinutes(1)),
        Duration.ofHours(4),
        new BreakerSettings(50, 10, 10, Duration.ofSeconds(5), 1),
        new WebhookSigning(keys));
  }

  private static DeliveryOutcome deliver(
      DeliveryClient client, Job job, int attempt, DestinationSettings settings) {
    OutcomeProbe probe = new OutcomeProbe(testKit.createTestProbe());
    assertThat(client.send(new DeliveryRequest(job, attempt, settings, probe.ref()))).isTrue();
    return probe.next(Duration.ofSeconds(15));
  }

  private static Job job(String path) {
    return JobFixtures.job(
        new PairId("s1", "hooks"),
        "m-" + UUID.randomUUID(),
        destination.url(path),
        Instant.parse("2026-03-01T09:59:00Z"),
        BODY);
  }

  /** The time as the test sets it: an attempt's timestamp is known, and the next one's later. */
  private static final class SteppedClock extends Clock {
    private volatile Instant now;

    SteppedClock(Instant start) {
      this.now = start;
    }

    void step(Duration by) {
      now = now.plus(by);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      throw new UnsupportedOperationException();
    }
  }
}
