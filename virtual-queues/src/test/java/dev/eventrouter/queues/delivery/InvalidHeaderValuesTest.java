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
import dev.eventrouter.queues.testing.ScriptedDestination;
import dev.eventrouter.queues.testing.TestQueues;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

/**
 * A header value that cannot go into an HTTP request as it is (a line break, another control
 * character, a non-ASCII character), or a secret that cannot be read, never leaves the router
 * half-sent: the attempt fails with a reason that says so, a secret's job is retried until the
 * operator fixes it, and the value is in no log line.
 */
@ParameterizedClass
@EnumSource(DeliveryClientSettings.Kind.class)
@ExtendWith(LogCapturingExtension.class)
class InvalidHeaderValuesTest {

  @Parameter DeliveryClientSettings.Kind kind;

  static final ActorTestKit testKit = ActorTestKit.create();
  static final ScriptedDestination destination = new ScriptedDestination(testKit.system());
  static final DestinationSettings settings =
      new DestinationSettings(
          "hooks",
          4,
          0,
          4,
          Duration.ofSeconds(5),
          new RetryPolicy(Duration.ofSeconds(1), Duration.ofMinutes(1)),
          Duration.ofHours(4),
          new BreakerSettings(50, 10, 10, Duration.ofSeconds(5), 1));

  /** In every value below: what must not appear in a log line. */
  static final String MARK = "s3cr3t-9d2f";

  @TempDir Path dir;
  final ListAppender<ILoggingEvent> logs = new ListAppender<>();

  @BeforeEach
  void captureLogs() {
    logs.start();
    root().addAppender(logs);
  }

  @AfterEach
  void releaseLogs() {
    root().detachAppender(logs);
  }

  @AfterAll
  static void stop() {
    destination.close();
    testKit.shutdownTestKit();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "Bearer " + MARK + "\r\nX-Injected: 1", // the reported case
        "Bearer " + MARK + "\nX-Injected: 1",
        "Bearer " + MARK + "\rX-Injected: 1",
        "Bearer " + MARK + "\u0000",
        "Bearer " + MARK + "\u007f",
        "Bearer " + MARK + "\u00e9", // not ASCII
      })
  void aSecretThatCannotBeAHeaderValueIsRetriedAsSecretInvalidAndNeverLogged(String value) {
    String path = "/hooks/" + UUID.randomUUID();
    DeliveryClient client = client(name -> Optional.of(value));

    DeliveryOutcome outcome =
        deliver(client, job(path, Map.of("Authorization", Secrets.reference("HOOK_TOKEN"))));

    assertThat(outcome.error()).isEqualTo(DeliveryOutcome.SECRET_INVALID);
    assertThat(outcome.verdict()).isEqualTo(DeliveryOutcome.Verdict.RETRY);
    assertThat(destination.received(path)).as("nothing is sent without its credential").isEmpty();
    assertNotLogged();
  }

  @Test
  void aSecretFileThatIsAFolderOrNotUtf8IsRetriedAsSecretInvalid() throws Exception {
    Files.createDirectory(dir.resolve("A_FOLDER"));
    Files.write(dir.resolve("NOT_UTF8"), new byte[] {'B', 'e', (byte) 0xC3, (byte) 0x28, '\n'});
    DeliveryClient client = client(new EnvironmentSecrets(Optional.of(dir), "", name -> null));

    for (String name : new String[] {"A_FOLDER", "NOT_UTF8"}) {
      String path = "/hooks/" + UUID.randomUUID();
      DeliveryOutcome outcome =
          deliver(client, job(path, Map.of("Authorization", Secrets.reference(name))));

      assertThat(outcome.error()).as(name).isEqualTo(DeliveryOutcome.SECRET_INVALID);
      assertThat(outcome.verdict()).isEqualTo(DeliveryOutcome.Verdict.RETRY);
      assertThat(destination.received(path)).isEmpty();
    }
  }

  /** A job's literal header cannot change: no attempt could ever send it whole. */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "X-Api-Key=" + MARK + "\r\nX-Injected: 1",
        "X-Api-Key=" + MARK + "\u0000",
        "X-Api-Key=" + MARK + "\u00e9",
        "X Api Key=" + MARK, // a name that is not a token
        "X-Api-Key:=" + MARK,
        "Content-Type=" + MARK + "/x\r\nX-Injected: 1",
        "Content-Type=" + MARK, // not a media type
      })
  void aLiteralHeaderThatCannotBeSentIsRefusedNotDroppedNorLogged(String header) {
    String path = "/hooks/" + UUID.randomUUID();
    String[] nameAndValue = header.split("=", 2);

    DeliveryOutcome outcome =
        deliver(client(Secrets.NONE), job(path, Map.of(nameAndValue[0], nameAndValue[1])));

    assertThat(outcome.error()).isEqualTo(DeliveryOutcome.INVALID_REQUEST);
    assertThat(outcome.verdict()).isEqualTo(DeliveryOutcome.Verdict.DISCARDED);
    assertThat(destination.received(path)).isEmpty();
    assertNotLogged();
  }

  /**
   * A message id travels in a header: one with a line break (journaled before the ingest refused
   * them) is an invalid request for every client, never a header split in two nor a dropped one.
   */
  @ParameterizedTest
  @ValueSource(strings = {"m-" + MARK + "\r\nX-Injected: 1", "m-" + MARK + "\u0000"})
  void aMessageIdThatCannotBeAHeaderValueIsAnInvalidRequestAndNothingIsSent(String messageId) {
    String path = "/hooks/" + UUID.randomUUID();
    Job job =
        JobFixtures.job(new PairId("s1", "hooks"), messageId, destination.url(path), Instant.now());

    DeliveryOutcome outcome = deliver(client(Secrets.NONE), job);

    assertThat(outcome.error()).isEqualTo(DeliveryOutcome.INVALID_REQUEST);
    assertThat(outcome.verdict()).isEqualTo(DeliveryOutcome.Verdict.DISCARDED);
    assertThat(destination.received(path)).isEmpty();
    assertNotLogged();
  }

  @ParameterizedTest
  @ValueSource(strings = {"/hooks/\u00e9t\u00e9", "/hooks/a%20b/%E2%82%AC"})
  void anEndpointTheHttpModelRefusesIsAnInvalidRequestNotACrash(String path) {
    DeliveryOutcome outcome = deliver(client(Secrets.NONE), job(path, Map.of()));

    assertThat(outcome.error()).isIn(DeliveryOutcome.INVALID_REQUEST, null);
    if (outcome.error() == null) {
      assertThat(outcome.status()).as("sent as it is, percent-encoded").isEqualTo(200);
    }
  }

  /**
   * Pekko logs through an actor: a line logged after the attempt, once it is here, comes after
   * every line the attempt logged.
   */
  private void assertNotLogged() {
    String marker = "marker-" + UUID.randomUUID();
    testKit.system().classicSystem().log().warning(marker);
    TestProbe<Object> probe = testKit.createTestProbe();
    probe.awaitAssert(
        Duration.ofSeconds(10),
        () -> {
          assertThat(logs.list)
              .anySatisfy(e -> assertThat(e.getFormattedMessage()).contains(marker));
          return null;
        });
    assertThat(logs.list)
        .noneSatisfy(
            e ->
                assertThat(
                        e.getFormattedMessage()
                            + (e.getThrowableProxy() == null
                                ? ""
                                : e.getThrowableProxy().getMessage()))
                    .contains(MARK));
  }

  private DeliveryClient client(Secrets secrets) {
    return Clients.create(kind, testKit.system(), TestQueues.LOOPBACK, secrets);
  }

  private static DeliveryOutcome deliver(DeliveryClient client, Job job) {
    OutcomeProbe probe = new OutcomeProbe(testKit.createTestProbe());
    assertThat(client.send(new DeliveryRequest(job, 1, settings, probe.ref()))).isTrue();
    return probe.next(Duration.ofSeconds(15));
  }

  private static Job job(String path, Map<String, String> headers) {
    String endpoint = destination.url(path);
    Job base =
        JobFixtures.job(
            new PairId("s1", "hooks"), "m-" + System.nanoTime(), endpoint, Instant.now());
    return JobFixtures.withHeaders(base, headers);
  }

  private static Logger root() {
    return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  }
}
