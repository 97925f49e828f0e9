package dev.eventrouter.queues.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.testing.JobFixtures;
import dev.eventrouter.queues.adapter.AmplitudeAdapter;
import dev.eventrouter.queues.adapter.DestinationAdapter;
import dev.eventrouter.queues.adapter.MixpanelAdapter;
import dev.eventrouter.queues.destination.BreakerSettings;
import dev.eventrouter.queues.destination.DestinationSettings;
import dev.eventrouter.queues.destination.RetryPolicy;
import dev.eventrouter.queues.destination.WebhookSigning;
import dev.eventrouter.queues.testing.RawDestinations;
import dev.eventrouter.queues.testing.ScriptedDestination;
import dev.eventrouter.queues.testing.TestQueues;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Third-party adapters through each real client: the request the adapter makes goes to its endpoint
 * (not the job's), with its credentials looked up at the attempt, and the answer's body reaches the
 * adapter, whose verdict and reason become the attempt's outcome.
 */
@ParameterizedClass
@EnumSource(DeliveryClientSettings.Kind.class)
class ApiDeliveryTest {

  @Parameter DeliveryClientSettings.Kind kind;

  static final ActorTestKit testKit = ActorTestKit.create();
  static final ScriptedDestination destination = new ScriptedDestination(testKit.system());
  static final ObjectMapper JSON = new ObjectMapper();
  static final Map<String, String> SECRETS =
      Map.of("MP_SECRET", "sa-secret", "AMPLITUDE_KEY", "amp-key-1");

  static final RawDestinations raw = new RawDestinations();

  @AfterAll
  static void stop() {
    raw.close();
    destination.close();
    testKit.shutdownTestKit();
  }

  @Test
  void mixpanelsFailedRecordIsDiscardedWithItsMessage() throws Exception {
    String path = "/import/" + UUID.randomUUID();
    destination.script(
        path,
        ScriptedDestination.Response.status(400)
            .withJson(
                "{\"code\":400,\"error\":\"some data points in the request failed validation\","
                    + "\"num_records_imported\":0,\"failed_records\":[{\"index\":0,"
                    + "\"field\":\"properties.time\",\"message\":\"'properties.time' is"
                    + " invalid\"}]}"));
    MixpanelAdapter mixpanel = mixpanel(path);

    DeliveryOutcome outcome =
        deliver(job("{\"type\":\"track\",\"userId\":\"u-1\",\"event\":\"Signup\"}"), mixpanel);

    assertThat(outcome.status()).isEqualTo(400);
    assertThat(outcome.verdict()).isEqualTo(DeliveryOutcome.Verdict.DISCARDED);
    assertThat(outcome.describe()).isEqualTo("HTTP 400: Mixpanel: 'properties.time' is invalid");
    assertThat(outcome.signal()).isEqualTo(DeliveryOutcome.Signal.HEALTHY);
    ScriptedDestination.Received received = destination.received(path).get(0);
    assertThat(received.header("authorization"))
        .isEqualTo(
            "Basic "
                + Base64.getEncoder()
                    .encodeToString("sa.user:sa-secret".getBytes(StandardCharsets.UTF_8)));
    JsonNode body = JSON.readTree(received.body());
    assertThat(body.get(0).get("event").asText()).isEqualTo("Signup");
    assertThat(body.get(0).get("properties").get("distinct_id").asText()).isEqualTo("u-1");
  }

  /**
   * What a destination writes in its error is journaled with every retry and shown to operators:
   * kept to 256 characters, on one line.
   */
  @Test
  void aDestinationsLongErrorIsKeptShortAndOnOneLine() throws Exception {
    String path = "/import/" + UUID.randomUUID();
    String message = "line one\nline two " + "x".repeat(60_000);
    destination.script(
        path,
        ScriptedDestination.Response.status(400)
            .withJson(
                "{\"code\":400,\"error\":\"failed\",\"num_records_imported\":0,"
                    + "\"failed_records\":[{\"index\":0,\"field\":\"event\",\"message\":"
                    + JSON.writeValueAsString(message)
                    + "}]}"));
    MixpanelAdapter mixpanel = mixpanel(path);

    DeliveryOutcome outcome =
        deliver(job("{\"type\":\"track\",\"userId\":\"u-1\",\"event\":\"Signup\"}"), mixpanel);

    assertThat(outcome.verdict()).isEqualTo(DeliveryOutcome.Verdict.DISCARDED);
    assertThat(outcome.toAttempt().error())
        .startsWith("Mixpanel: line one line two xxx")
        .hasSize(AdapterAnswers.MAX_REASON_CHARS + 1)
        .endsWith("\u2026")
        .doesNotContain("\n");
  }

  /**
   * An answer whose body ends with its connection (no length, not chunked: HTTP/1.0's way, and a
   * proxy's) is read whole, and judged by the adapter.
   */
  @Test
  void anAnswerWhoseBodyEndsWithItsConnectionIsReadWhole() throws Exception {
    int port =
        raw.listen(
            socket -> {
              try (socket;
                  InputStream in = socket.getInputStream();
                  OutputStream out = socket.getOutputStream()) {
                RawDestinations.readRequest(in);
                out.write(
                    ("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/json\r\n\r\n"
                            + "{\"code\":200,\"events_ingested\":1}")
                        .getBytes(StandardCharsets.US_ASCII));
              }
            });

    DeliveryOutcome outcome =
        deliver(
            job("{\"type\":\"track\",\"userId\":\"user-12345\",\"event\":\"Played\"}"),
            new AmplitudeAdapter(
                URI.create("http://127.0.0.1:" + port + "/2/httpapi"), "AMPLITUDE_KEY", 10));

    assertThat(outcome.verdict())
        .as(outcome.describe())
        .isEqualTo(DeliveryOutcome.Verdict.SUCCEEDED);
    assertThat(outcome.status()).isEqualTo(200);
  }

  @Test
  void amplitudesThrottlingIsRetriedAfterThirtySecondsAndSlowsThePair() throws Exception {
    String path = "/2/httpapi/" + UUID.randomUUID();
    destination.script(
        path,
        ScriptedDestination.Response.status(429)
            .withJson(
                "{\"code\":429,\"error\":\"Too many requests for some devices and users\","
                    + "\"throttled_users\":{\"user-12345\":32}}"));

    DeliveryOutcome outcome =
        deliver(
            job("{\"type\":\"track\",\"userId\":\"user-12345\",\"event\":\"Played\"}"),
            amplitude(path));

    assertThat(outcome.verdict()).isEqualTo(DeliveryOutcome.Verdict.RETRY);
    assertThat(outcome.retryAfter()).contains(Duration.ofSeconds(30));
    assertThat(outcome.signal()).isEqualTo(DeliveryOutcome.Signal.THROTTLED);
    assertThat(outcome.toAttempt().error())
        .isEqualTo("Amplitude: its user or device sends too fast (429)");
    assertThat(JSON.readTree(destination.received(path).get(0).body()).get("api_key").asText())
        .isEqualTo("amp-key-1");
  }

  @Test
  void anEventTheApiCannotTakeIsDiscardedWithoutARequest() {
    String path = "/2/httpapi/" + UUID.randomUUID();

    DeliveryOutcome outcome =
        deliver(
            job("{\"type\":\"alias\",\"userId\":\"user-12345\",\"previousId\":\"anon-123\"}"),
            amplitude(path));

    assertThat(outcome.verdict()).isEqualTo(DeliveryOutcome.Verdict.DISCARDED);
    assertThat(outcome.error()).isEqualTo(DeliveryOutcome.INVALID_EVENT);
    assertThat(outcome.describe()).startsWith("invalid-event: alias: ");
    assertThat(destination.received(path)).isEmpty();
  }

  @Test
  void aMissingApiKeyKeepsTheJobWaiting() {
    String path = "/2/httpapi/" + UUID.randomUUID();
    AmplitudeAdapter unset = new AmplitudeAdapter(URI.create(destination.url(path)), "UNSET", 10);

    DeliveryOutcome outcome =
        deliver(job("{\"type\":\"track\",\"userId\":\"user-12345\",\"event\":\"x\"}"), unset);

    assertThat(outcome.error()).isEqualTo(DeliveryOutcome.SECRET_MISSING);
    assertThat(outcome.verdict()).isEqualTo(DeliveryOutcome.Verdict.RETRY);
    assertThat(destination.received(path)).isEmpty();
  }

  private static MixpanelAdapter mixpanel(String path) {
    return new MixpanelAdapter(
        URI.create(destination.url(path)),
        "42",
        new MixpanelAdapter.ServiceAccount("sa.user", "MP_SECRET"),
        1);
  }

  private static AmplitudeAdapter amplitude(String path) {
    return new AmplitudeAdapter(URI.create(destination.url(path)), "AMPLITUDE_KEY", 10);
  }

  private static Job job(String event) {
    // the job's endpoint is the destination's when it was accepted: an API adapter does not use it
    return JobFixtures.job(
        new PairId("web", "analytics"),
        "m-" + UUID.randomUUID(),
        "http://203.0.113.1/never",
        Instant.now(),
        event.getBytes(StandardCharsets.UTF_8));
  }

  private DeliveryOutcome deliver(Job job, DestinationAdapter adapter) {
    DeliveryClient client =
        new DeliveryClientSettings(kind, 1, DeliveryClientSettings.defaultUserAgent())
            .create(
                testKit.system(),
                Clock.systemUTC(),
                64,
                TestQueues.LOOPBACK,
                name -> Optional.ofNullable(SECRETS.get(name)));
    DestinationSettings settings =
        new DestinationSettings(
            "analytics",
            4,
            0,
            4,
            Duration.ofSeconds(5),
            new RetryPolicy(Duration.ofSeconds(1), Duration.ofMinutes(1)),
            Duration.ofHours(4),
            new BreakerSettings(50, 10, 10, Duration.ofSeconds(5), 1),
            WebhookSigning.NONE,
            adapter);
    OutcomeProbe probe = new OutcomeProbe(testKit.createTestProbe());
    assertThat(client.send(new DeliveryRequest(job, 1, settings, probe.ref()))).isTrue();
    return probe.next(Duration.ofSeconds(10));
  }
}
