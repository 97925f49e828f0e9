package dev.eventrouter.queues.delivery;

import static org.assertj.core.api.Assertions.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.InstanceOfAssertFactories.STRING;

import com.typesafe.config.ConfigFactory;
import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.testing.JobFixtures;
import dev.eventrouter.queues.destination.BreakerSettings;
import dev.eventrouter.queues.destination.DestinationSettings;
import dev.eventrouter.queues.destination.RetryPolicy;
import dev.eventrouter.queues.testing.ScriptedDestination;
import dev.eventrouter.queues.testing.ScriptedDestination.Received;
import dev.eventrouter.queues.testing.ScriptedDestination.Response;
import dev.eventrouter.queues.testing.TestQueues;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** The delivery contract, against each client. */
@ParameterizedClass
@EnumSource(DeliveryClientSettings.Kind.class)
@ExtendWith(LogCapturingExtension.class)
class HttpDeliveryClientTest {

  @Parameter DeliveryClientSettings.Kind kind;

  static final ActorTestKit testKit = ActorTestKit.create();
  static final ScriptedDestination destination = new ScriptedDestination(testKit.system());
  static final Clients.PerKind clients = new Clients.PerKind(testKit.system(), TestQueues.LOOPBACK);

  /**
   * A timeout a cold client's first request fits in on a crowded machine (the Netty client's first
   * one took over a second, under a load average of 20) and the slow response below does not.
   */
  static final DestinationSettings settings =
      new DestinationSettings(
          "hooks",
          4,
          0,
          4,
          Duration.ofSeconds(2),
          new RetryPolicy(Duration.ofSeconds(1), Duration.ofMinutes(1)),
          Duration.ofHours(4),
          new BreakerSettings(50, 10, 10, Duration.ofSeconds(5), 1));

  @AfterAll
  static void stop() {
    destination.close();
    testKit.shutdownTestKit();
  }

  /**
   * A job's headers go with it, a Content-Type too: jobs in journals written before fan-out stopped
   * adding application/json to every job still carry one.
   */
  @Test
  void postsThePayloadWithItsHeadersAndReportsTheStatus() {
    Job job =
        job(
            destination.url(path("/hooks/ok?key=1")),
            Map.of(
                "Content-Type",
                "application/json",
                "X-Api-Key",
                "abc",
                "Host",
                "evil.example.com"));

    DeliveryOutcome outcome = deliver(job, 3);

    assertThat(outcome.status()).as(outcome.error()).isEqualTo(200);
    assertThat(outcome.verdict()).isEqualTo(DeliveryOutcome.Verdict.SUCCEEDED);
    assertThat(outcome.attempt()).isEqualTo(3);
    assertThat(outcome.finishedAt()).isAfterOrEqualTo(outcome.startedAt());
    Received received = destination.received(path("/hooks/ok")).get(0);
    assertThat(received.body()).isEqualTo(job.payload());
    assertThat(received.header("Content-Type")).isEqualTo("application/json");
    assertThat(received.header("X-Api-Key")).isEqualTo("abc");
    assertThat(received.header("Host")).startsWith("127.0.0.1");
    assertThat(received.header("Idempotency-Key")).isEqualTo(job.id().toString());
    assertThat(received.header("X-Message-Id")).isEqualTo(job.messageId());
    assertThat(received.header("X-Delivery-Attempt")).isEqualTo("3");
    assertThat(received.header("X-Source-Id")).isEqualTo(job.pair().source());
  }

  @Test
  void namesTheRouterAsUserAgentOnce() {
    DeliveryOutcome outcome = deliver(job(destination.url(path("/hooks/agent")), Map.of()), 1);

    assertThat(outcome.status()).as(outcome.error()).isEqualTo(200);
    assertThat(destination.received(path("/hooks/agent")))
        .singleElement()
        .satisfies(
            r ->
                assertThat(r.values("User-Agent"))
                    .singleElement(as(STRING))
                    .isEqualTo(DeliveryClientSettings.defaultUserAgent())
                    .matches("eventrouter(/\\S+)?"));
  }

  @Test
  void sendsTheConfiguredUserAgent() {
    DeliveryClient configured =
        DeliveryClientSettings.fromConfig(
                ConfigFactory.parseString(
                        "eventrouter.delivery { client = "
                            + kind
                            + ", user-agent = \"acme-router/7\" }")
                    .withFallback(ConfigFactory.load()))
            .create(testKit.system(), Clock.systemUTC(), 64, TestQueues.LOOPBACK, Secrets.NONE);

    DeliveryOutcome outcome =
        deliver(configured, job(destination.url(path("/hooks/configured-agent")), Map.of()), 1);

    assertThat(outcome.status()).as(outcome.error()).isEqualTo(200);
    assertThat(destination.received(path("/hooks/configured-agent")))
        .singleElement()
        .satisfies(r -> assertThat(r.values("User-Agent")).containsExactly("acme-router/7"));
  }

  @Test
  void aJobsUserAgentGoesInsteadOfTheRouters() {
    DeliveryOutcome outcome =
        deliver(
            job(destination.url(path("/hooks/own-agent")), Map.of("user-agent", "acme-hooks/2")),
            1);

    assertThat(outcome.status()).as(outcome.error()).isEqualTo(200);
    assertThat(destination.received(path("/hooks/own-agent")))
        .singleElement()
        .satisfies(r -> assertThat(r.values("User-Agent")).containsExactly("acme-hooks/2"));
  }

  @Test
  void aJobWithoutAContentTypeGoesAsJson() {
    DeliveryOutcome outcome = deliver(job(destination.url(path("/hooks/json")), Map.of()), 1);

    assertThat(outcome.status()).as(outcome.error()).isEqualTo(200);
    assertThat(destination.received(path("/hooks/json")))
        .singleElement()
        .satisfies(r -> assertThat(r.values("Content-Type")).containsExactly("application/json"));
  }

  @Test
  void aContentTypeOtherThanJsonGoesAsTheJobGaveIt() {
    Job job =
        job(
            destination.url(path("/hooks/form")),
            Map.of("content-type", "application/x-www-form-urlencoded"));

    DeliveryOutcome outcome = deliver(job, 1);

    assertThat(outcome.status()).as(outcome.error()).isEqualTo(200);
    assertThat(destination.received(path("/hooks/form")))
        .singleElement()
        .satisfies(
            r ->
                assertThat(r.header("Content-Type"))
                    .isEqualTo("application/x-www-form-urlencoded"));
  }

  @Test
  void aSecretHeaderIsLookedUpWhenTheRequestIsMadeAndAMissingOneIsRetried() {
    Map<String, String> vault = new java.util.concurrent.ConcurrentHashMap<>();
    DeliveryClient withSecrets =
        Clients.create(
            kind,
            testKit.system(),
            TestQueues.LOOPBACK,
            name -> java.util.Optional.ofNullable(vault.get(name)));
    Job job =
        job(
            destination.url(path("/hooks/secret")),
            Map.of("Authorization", Secrets.reference("HOOK_TOKEN")));

    DeliveryOutcome missing = deliver(withSecrets, job, 1);
    vault.put("HOOK_TOKEN", "Bearer s3cr3t-value");
    DeliveryOutcome sent = deliver(withSecrets, job, 2);
    // rotated: the route's requests are made from what it worked out once, its secrets are not
    vault.put("HOOK_TOKEN", "Bearer r0tat3d-value");
    DeliveryOutcome rotated = deliver(withSecrets, job, 3);

    assertThat(missing.error()).isEqualTo(DeliveryOutcome.SECRET_MISSING);
    assertThat(missing.verdict()).isEqualTo(DeliveryOutcome.Verdict.RETRY);
    assertThat(sent.status()).isEqualTo(200);
    assertThat(rotated.status()).isEqualTo(200);
    assertThat(destination.received(path("/hooks/secret")))
        .extracting(r -> r.header("Authorization"))
        .containsExactly("Bearer s3cr3t-value", "Bearer r0tat3d-value");
    assertThat(job.headers().toString()).doesNotContain("s3cr3t");
  }

  @Test
  void readsRetryAfterInSecondsAndAsADate() {
    destination.script(path("/hooks/busy"), Response.status(429).withHeader("Retry-After", "120"));
    destination.script(
        path("/hooks/down"),
        Response.status(503).withHeader("Retry-After", "Wed, 21 Oct 2099 07:28:00 GMT"));

    DeliveryOutcome busy = deliver(job(destination.url(path("/hooks/busy")), Map.of()), 1);
    DeliveryOutcome down = deliver(job(destination.url(path("/hooks/down")), Map.of()), 1);

    assertThat(busy.verdict()).isEqualTo(DeliveryOutcome.Verdict.RETRY);
    assertThat(busy.retryAfter()).contains(Duration.ofSeconds(120));
    // 2099 is past the longest wait a destination can ask for
    assertThat(down.retryAfter()).contains(Duration.ofDays(30));
  }

  @Test
  void anEndpointThatIsNotHttpToAHostAndPortIsAnInvalidRequestAndNothingIsSent() {
    String hook = destination.url(path("/hooks/scheme"));
    for (String endpoint :
        List.of(
            hook.replace("http://", "ftp://"),
            hook.replace("http://", "ws://"),
            "http:///hooks/scheme",
            "file:///etc/passwd",
            "mailto:ops@example.com",
            "http://127.0.0.1:99999/hooks/scheme")) {
      DeliveryOutcome outcome = deliver(job(endpoint, Map.of()), 1);

      assertThat(outcome.error()).as(endpoint).isEqualTo(DeliveryOutcome.INVALID_REQUEST);
      assertThat(outcome.verdict()).as(endpoint).isEqualTo(DeliveryOutcome.Verdict.DISCARDED);
    }
    assertThat(destination.received(path("/hooks/scheme"))).isEmpty();
  }

  @Test
  void namesAConnectionRefused() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }

    DeliveryOutcome outcome = deliver(job("http://127.0.0.1:" + closedPort + "/x", Map.of()), 1);

    assertThat(outcome.status()).isZero();
    assertThat(outcome.error()).isEqualTo("connection-refused");
    assertThat(outcome.verdict()).isEqualTo(DeliveryOutcome.Verdict.RETRY);
  }

  @Test
  void namesAResponseSlowerThanTheTimeout() {
    destination.script(path("/hooks/slow"), Response.status(200).after(Duration.ofSeconds(5)));

    DeliveryOutcome outcome = deliver(job(destination.url(path("/hooks/slow")), Map.of()), 1);

    assertThat(outcome.error()).isEqualTo("timeout");
    assertThat(outcome.verdict()).isEqualTo(DeliveryOutcome.Verdict.RETRY);
  }

  /**
   * A client may tell one caller the outcomes of several requests in one message: each job's still
   * comes exactly once.
   */
  @Test
  void everyRequestOfOneCallerIsAnsweredOnceHoweverTheOutcomesAreGrouped() {
    OutcomeProbe probe = new OutcomeProbe(testKit.createTestProbe());
    List<Job> jobs =
        java.util.stream.IntStream.range(0, 40)
            .mapToObj(i -> job(destination.url(path("/hooks/many")), Map.of()))
            .toList();
    for (Job job : jobs) {
      assertThat(clients.get(kind).send(new DeliveryRequest(job, 1, settings, probe.ref())))
          .isTrue();
    }

    List<DeliveryOutcome> outcomes =
        java.util.stream.IntStream.range(0, jobs.size())
            .mapToObj(i -> probe.next(Duration.ofSeconds(15)))
            .toList();

    assertThat(outcomes)
        .extracting(DeliveryOutcome::jobId)
        .containsExactlyInAnyOrderElementsOf(jobs.stream().map(Job::id).toList());
    assertThat(outcomes).allSatisfy(o -> assertThat(o.status()).isEqualTo(200));
  }

  /** Paths of their own for each client: the destination records both. */
  private String path(String path) {
    return "/" + kind.name().toLowerCase(java.util.Locale.ROOT) + path;
  }

  private DeliveryOutcome deliver(Job job, int attempt) {
    return deliver(clients.get(kind), job, attempt);
  }

  private static DeliveryOutcome deliver(DeliveryClient client, Job job, int attempt) {
    OutcomeProbe probe = new OutcomeProbe(testKit.createTestProbe());
    assertThat(client.send(new DeliveryRequest(job, attempt, settings, probe.ref()))).isTrue();
    DeliveryOutcome outcome = probe.next(Duration.ofSeconds(15));
    assertThat(outcome.jobId()).isEqualTo(job.id());
    return outcome;
  }

  private static Job job(String endpoint, Map<String, String> headers) {
    Job base =
        JobFixtures.job(
            new PairId("s1", "hooks"), "m-" + System.nanoTime(), endpoint, Instant.now());
    return JobFixtures.withHeaders(base, headers);
  }
}
