package dev.eventrouter.loadtest.blackhole;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Each behaviour as a destination sees it, over HTTP. */
class BehavioursTest {

  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private BlackHole blackHole;

  @AfterEach
  void close() {
    if (blackHole != null) {
      blackHole.close();
    }
  }

  @Test
  void aRateOfZeroThrottlesEveryRequest() throws Exception {
    start(
        """
        destinations.crm.rate-limit { per-second = 0, retry-after = 1s }
        """);
    for (int i = 0; i < 5; i++) {
      assertThat(post("crm", "big", "z-" + i).statusCode()).isEqualTo(429);
    }
    assertThat(post("other", "big", "o-1").statusCode())
        .as("another destination is not limited")
        .isEqualTo(200);
  }

  @Test
  void limitsEachSourceToItsRateWith429AndRetryAfter() throws Exception {
    start(
        """
        destinations.crm.rate-limit { per-second = 5, retry-after = 3s }
        """);
    int ok = 0;
    int limited = 0;
    String retryAfter = null;
    // all within a second or two: at most two windows of 5 pass for the big source
    for (int i = 0; i < 30; i++) {
      HttpResponse<String> response = post("crm", "big", "m-" + i);
      if (response.statusCode() == 200) {
        ok++;
      } else {
        assertThat(response.statusCode()).isEqualTo(429);
        retryAfter = response.headers().firstValue("retry-after").orElse(null);
        limited++;
      }
    }
    assertThat(ok).isBetween(5, 15);
    assertThat(limited).isEqualTo(30 - ok);
    assertThat(retryAfter).isEqualTo("3");
    assertThat(post("crm", "small", "s-1").statusCode())
        .as("another source has its own budget")
        .isEqualTo(200);
    assertThat(post("other", "big", "o-1").statusCode())
        .as("another destination is not limited")
        .isEqualTo(200);
    assertThat(
            blackHole.requestCounts().get("crm")[1 + DeliveryCounts.Refusal.RATE_LIMITED.ordinal()])
        .isEqualTo(limited);
  }

  @Test
  void failsDuringAnOutageWindowOnlyAndRemembersRejections() throws Exception {
    start(
        """
        destinations.down.outages = [{ start = 0s, length = 1h, success-rate = 0, failure = errors }]
        destinations.later.outages = [{ start = 1h, length = 1h, success-rate = 0 }]
        destinations.picky.reject-rate = 1
        """);
    assertThat(post("down", "s", "m-1").statusCode()).isEqualTo(503);
    assertThat(post("later", "s", "m-2").statusCode()).isEqualTo(200);
    assertThat(post("picky", "s", "m-3").statusCode()).isEqualTo(400);
    assertThat(blackHole.deliveries()).isEqualTo(Map.of("later", Map.of("m-2", 1)));
    assertThat(blackHole.rejected()).isEqualTo(Map.of("picky", Set.of("m-3")));
  }

  @Test
  void beyondItsCapacityADestinationAnswers503AtOnce() throws Exception {
    start(
        """
        destinations.small { capacity = 2, latency.median = 10s }
        """);
    List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> answers =
        new java.util.ArrayList<>();
    for (int i = 0; i < 5; i++) {
      answers.add(http.sendAsync(request("small", "s", "m-" + i).build(), BodyHandlers.ofString()));
    }

    List<Integer> statuses = answers.stream().map(a -> a.join().statusCode()).sorted().toList();

    // two served (after their latency), three refused as they came
    assertThat(statuses).containsExactly(200, 200, 503, 503, 503);
    assertThat(
            blackHole.requestCounts()
                .get("small")[1 + DeliveryCounts.Refusal.OVER_CAPACITY.ordinal()])
        .isEqualTo(3);
  }

  @Test
  void aSlowdownMultipliesTheLatencyFromItsStart() {
    Behaviour behaviour =
        Behaviour.of(
            ConfigFactory.parseString(
                "latency { median = 10ms, p99 = 40ms }, slowdown { start = 30s, factor = 10 }"));
    long before =
        ((Behaviour.Accept) behaviour.answer(0, false, new SplittableRandom(7))).delayNanos();
    long after =
        ((Behaviour.Accept)
                behaviour.answer(Duration.ofSeconds(30).toNanos(), false, new SplittableRandom(7)))
            .delayNanos();

    assertThat(before).isPositive();
    assertThat(after).isEqualTo(before * 10);
  }

  @Test
  void resetsAndHoldsConnections() throws Exception {
    start(
        """
        destinations.resetting.reset-rate = 1
        destinations.hanging.outages = [{ start = 0s, length = 1h, failure = timeouts }]
        """);
    assertThatThrownBy(() -> post("resetting", "s", "m-1")).isInstanceOf(IOException.class);
    HttpRequest held = request("hanging", "s", "m-2").timeout(Duration.ofMillis(500)).build();
    assertThatThrownBy(() -> http.send(held, BodyHandlers.ofString()))
        .isInstanceOf(java.net.http.HttpTimeoutException.class);
    Map<String, long[]> counts = blackHole.requestCounts();
    assertThat(counts.get("resetting")[1 + DeliveryCounts.Refusal.RESET.ordinal()]).isEqualTo(1);
    assertThat(counts.get("hanging")[1 + DeliveryCounts.Refusal.HELD.ordinal()]).isEqualTo(1);
    assertThat(blackHole.received()).isZero();
  }

  @Test
  void delaysAnswersAndMeasuresLatencyFromSentAt() throws Exception {
    start("destinations.slow.latency { median = 200ms, p99 = 200ms }");
    long started = System.nanoTime();
    String body = "{\"messageId\":\"m-1\",\"sentAt\":\"" + Instant.now().minusSeconds(2) + "\"}";
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(uri("/slow")).POST(BodyPublishers.ofString(body)).build(),
            BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(System.nanoTime() - started)
        .isGreaterThanOrEqualTo(Duration.ofMillis(190).toNanos());
    Histogram latency = blackHole.latencySnapshots().get("slow");
    assertThat(latency.getTotalCount()).isEqualTo(1);
    // two seconds old when sent, and 200 ms in the black hole (and a loaded machine's slack)
    assertThat(latency.getValueAtPercentile(50)).isBetween(2_200L, 2_200L + 200);
  }

  @Test
  void drawsLatenciesAroundTheMedianAndP99() {
    Behaviour.Latency latency =
        new Behaviour.Latency(Duration.ofMillis(10), Duration.ofMillis(100));
    SplittableRandom random = new SplittableRandom(1);
    int under = 0;
    int over99 = 0;
    for (int i = 0; i < 100_000; i++) {
      long nanos = latency.sampleNanos(random);
      under += nanos < 10_000_000 ? 1 : 0;
      over99 += nanos > 100_000_000 ? 1 : 0;
    }
    assertThat(under).isBetween(49_000, 51_000);
    assertThat(over99).isBetween(800, 1_200);
  }

  @Test
  void seededAnswersDependOnTheDestinationMessageAndAttemptAloneInFixedShares() {
    String config =
        "destinations.flaky { error-rate = 0.3, reject-rate = 0.1, throttle { rate = 0.2 } }";
    Behaviours one = Behaviours.of(ConfigFactory.parseString(config)).seeded(5);
    Behaviours again = Behaviours.of(ConfigFactory.parseString(config)).seeded(5);
    Behaviours otherSeed = Behaviours.of(ConfigFactory.parseString(config)).seeded(6);
    Map<Integer, Integer> byStatus = new TreeMap<>();
    int changedAtTheNextAttempt = 0;
    int changedWithTheSeed = 0;
    for (int m = 0; m < 10_000; m++) {
      int status = status(one, "flaky", "m-" + m, 1);
      assertThat(status(again, "flaky", "m-" + m, 1)).isEqualTo(status);
      assertThat(status(one, "flaky", "m-" + m, 1)).as("asked again").isEqualTo(status);
      byStatus.merge(status, 1, Integer::sum);
      changedAtTheNextAttempt += status(one, "flaky", "m-" + m, 2) != status ? 1 : 0;
      changedWithTheSeed += status(otherSeed, "flaky", "m-" + m, 1) != status ? 1 : 0;
    }
    assertThat(byStatus.keySet()).containsExactly(200, 400, 429, 503);
    assertThat(byStatus.get(503)).isBetween(2_800, 3_200);
    assertThat(byStatus.get(400)).isBetween(900, 1_100);
    assertThat(byStatus.get(429)).isBetween(1_850, 2_150);
    assertThat(byStatus.get(200)).isBetween(3_800, 4_200);
    // two independent draws agree with probability 0.3^2 + 0.1^2 + 0.2^2 + 0.4^2 = 0.3
    assertThat(changedAtTheNextAttempt).isBetween(6_700, 7_300);
    assertThat(changedWithTheSeed).isBetween(6_700, 7_300);
  }

  @Test
  void theTapSeesEachRequestWithItsAnswerAndAThrottleSaysRetryAfter() throws Exception {
    List<Tap.Delivery> seen = new CopyOnWriteArrayList<>();
    blackHole =
        BlackHole.start(
            new BlackHole.Options(
                "127.0.0.1",
                0,
                2,
                1024 * 1024,
                Behaviours.of(
                    ConfigFactory.parseString(
                        "destinations.busy.throttle { rate = 1, retry-after = 2s }")),
                seen::add));

    HttpResponse<String> response =
        http.send(
            request("busy", "s", "m-1")
                .header("X-Delivery-Attempt", "3")
                .header("Idempotency-Key", "job-1")
                .build(),
            BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(429);
    assertThat(response.headers().firstValue("retry-after")).hasValue("2");
    assertThat(seen)
        .singleElement()
        .satisfies(
            d -> {
              assertThat(d.destination()).isEqualTo("busy");
              assertThat(d.messageId()).isEqualTo("m-1");
              assertThat(d.attempt()).isEqualTo(3);
              assertThat(d.status()).isEqualTo(429);
              assertThat(d.headers())
                  .containsEntry("idempotency-key", "job-1")
                  .containsEntry("x-source-id", "s");
              assertThat(new String(d.body(), StandardCharsets.UTF_8)).isEqualTo("{}");
            });
  }

  private static int status(
      Behaviours behaviours, String destination, String messageId, int attempt) {
    Behaviour.Answer answer =
        behaviours
            .of(destination)
            .answer(0, false, behaviours.random(destination, messageId, attempt));
    return answer instanceof Behaviour.Refuse refuse ? refuse.status() : 200;
  }

  @Test
  void refusesBadBehaviours() {
    assertThatThrownBy(
            () -> Behaviours.of(ConfigFactory.parseString("destinations.a.error-rate = 1.5")))
        .hasMessageContaining("a: ")
        .hasMessageContaining("error-rate must be between 0 and 1");
    assertThatThrownBy(
            () ->
                Behaviours.of(
                    ConfigFactory.parseString(
                        "destinations.a { error-rate = 0.6, reject-rate = 0.6 }")))
        .hasMessageContaining("exceed 1");
    assertThatThrownBy(
            () ->
                Behaviours.of(
                    ConfigFactory.parseString(
                        "destinations.a.outages = [{ start = 1s, length = 1s, failure = explode }]")))
        .hasMessageContaining("errors, timeouts or resets");
    assertThatThrownBy(
            () ->
                Behaviours.of(
                    ConfigFactory.parseString(
                        "destinations.a.latency { median = 50ms, p99 = 5ms }")))
        .hasMessageContaining("median <= p99");
    assertThatThrownBy(
            () ->
                Behaviours.of(
                    ConfigFactory.parseString(
                        "destinations.a { error-rate = 0.6, throttle.rate = 0.6 }")))
        .hasMessageContaining("exceed 1");
  }

  private void start(String behaviours) {
    blackHole =
        BlackHole.start(
            new BlackHole.Options(
                "127.0.0.1",
                0,
                2,
                1024 * 1024,
                Behaviours.of(ConfigFactory.parseString(behaviours))));
  }

  private HttpResponse<String> post(String destination, String source, String messageId)
      throws Exception {
    return http.send(request(destination, source, messageId).build(), BodyHandlers.ofString());
  }

  private HttpRequest.Builder request(String destination, String source, String messageId) {
    return HttpRequest.newBuilder(uri("/" + destination))
        .header("X-Message-Id", messageId)
        .header("X-Source-Id", source)
        .POST(BodyPublishers.ofString("{}"));
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + blackHole.port() + path);
  }
}
