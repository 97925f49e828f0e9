package dev.eventrouter.loadtest.blast;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SegmentLoadTest {

  @Test
  void reportsAcceptedEventsRequestsLatenciesAndTheOtherAnswersByStatus() {
    SegmentLoad.Result result =
        new SegmentLoad.Result(
            "/v1/batch", 4, 100, true, 2.0, 30, Map.of(429, 8L, 503, 2L), 1, latencies(100));

    assertThat(result.answered()).isEqualTo(40);
    assertThat(result.acceptedEventsPerSecond()).isEqualTo(1500.0);
    assertThat(result.requestsPerSecond()).isEqualTo(20.0);
    assertThat(result.latencyMillis(0.5)).isEqualTo(50.0);
    assertThat(result.latencyMillis(0.99)).isEqualTo(99.0);
    assertThat(result.report())
        .isEqualTo(
            "POST /v1/batch connections=4 events/request=100 gzip=on window=2.0s\n"
                + "events/s=1500 requests/s=20.0 accepted=30 non-200=429:8,503:2 connection-errors=1"
                + " p50=50.0ms p90=90.0ms p99=99.0ms max=100.0ms\n");
  }

  @Test
  void aWindowWithoutAnswersReportsZeros() {
    SegmentLoad.Result result =
        new SegmentLoad.Result("/v1/track", 1, 1, false, 1.0, 0, Map.of(), 0, new long[0]);

    assertThat(result.report())
        .contains("events/s=0 requests/s=0.0 accepted=0 non-200=none", "p99=0.0ms");
  }

  @Test
  void countsEveryAnswerItMeasuredAsTheServerGaveIt() throws Exception {
    AtomicLong requests = new AtomicLong();
    AtomicLong events = new AtomicLong();
    Set<String> authorizations = ConcurrentHashMap.newKeySet();
    ObjectMapper json = new ObjectMapper();
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newFixedThreadPool(2));
    server.createContext(
        "/v1/batch",
        exchange -> {
          events.addAndGet(json.readTree(exchange.getRequestBody()).get("batch").size());
          authorizations.add(exchange.getRequestHeaders().getFirst("Authorization"));
          // every third request refused, as a rate limit would
          boolean refused = requests.incrementAndGet() % 3 == 0;
          byte[] body =
              (refused ? "{\"success\":false}" : "{\"success\":true}")
                  .getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(refused ? 429 : 200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    server.start();
    try {
      SegmentLoad.Result result =
          SegmentLoad.run(
              new SegmentLoad.Options(
                  URI.create("http://127.0.0.1:" + server.getAddress().getPort()),
                  "wk",
                  2,
                  4,
                  200,
                  false,
                  Duration.ofMillis(100),
                  Duration.ofMillis(400)));

      assertThat(result.accepted()).isPositive();
      assertThat(result.refused().keySet()).containsExactly(429);
      assertThat(result.connectionErrors()).isZero();
      // the warm-up's requests and those in flight at the window's end were served, not counted
      assertThat(result.answered()).isLessThanOrEqualTo(requests.get());
      assertThat(events.get()).isEqualTo(4 * requests.get());
      assertThat(result.latencyNanos()).hasSize((int) result.accepted()).isSorted();
      assertThat(authorizations).hasSize(1);
    } finally {
      server.stop(0);
    }
  }

  private static long[] latencies(int n) {
    long[] nanos = new long[n];
    for (int i = 0; i < n; i++) {
      nanos[i] = (i + 1) * 1_000_000L;
    }
    return nanos;
  }
}
