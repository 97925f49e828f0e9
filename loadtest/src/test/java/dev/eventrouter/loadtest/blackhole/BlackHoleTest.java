package dev.eventrouter.loadtest.blackhole;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class BlackHoleTest {

  private static final String HOST = "127.0.0.1";

  private HttpClient http = newClient();
  private BlackHole blackHole = BlackHole.start(new BlackHole.Options(HOST, 0, 2, 1024 * 1024));

  @AfterEach
  void close() {
    blackHole.close();
  }

  @Test
  void countsEveryDeliveryPerDestinationAndMessage() throws Exception {
    assertThat(post("dest-a", "m1", 1).statusCode()).isEqualTo(200);
    assertThat(post("dest-a", "m1", 2).statusCode()).isEqualTo(200);
    assertThat(post("dest-a", "m2", 1).statusCode()).isEqualTo(200);
    assertThat(post("dest-b", "m1", 1).statusCode()).isEqualTo(200);
    assertThat(post("dest-b/hooks/segment?x=1", "m3", 3).statusCode()).isEqualTo(200);

    assertThat(blackHole.received()).isEqualTo(5);
    assertThat(blackHole.deliveries())
        .isEqualTo(
            Map.of(
                "dest-a", Map.of("m1", 2, "m2", 1),
                "dest-b", Map.of("m1", 1, "m3", 1)));
    assertThat(blackHole.duplicates()).isEqualTo(1);
    assertThat(blackHole.maxAttempt("dest-a", "m1")).isEqualTo(2);
    assertThat(blackHole.maxAttempt("dest-b", "m3")).isEqualTo(3);
    assertThat(blackHole.maxAttempt("dest-b", "m2")).isZero();
    assertThat(blackHole.maxAttempt("dest-c", "m1")).isZero();
  }

  @Test
  void answersAnEmptyOk() throws Exception {
    HttpResponse<String> response = post("dest-a", "m1", 1);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEmpty();
    assertThat(response.headers().firstValue("content-length")).hasValue("0");
  }

  @Test
  void takesTheMessageIdFromTheBodyWhenTheHeaderIsMissing() throws Exception {
    String event =
        "{\"type\":\"track\",\"properties\":{\"messageId\":\"nested\"},\"messageId\":\"m4\"}";

    assertThat(postBody("dest-b", event).statusCode()).isEqualTo(200);
    assertThat(postBody("dest-b", "not json").statusCode()).isEqualTo(200);
    assertThat(postBody("dest-b", "{\"type\":\"track\"}").statusCode()).isEqualTo(200);

    assertThat(blackHole.deliveries()).isEqualTo(Map.of("dest-b", Map.of("m4", 1, "", 2)));
    assertThat(blackHole.duplicates()).isEqualTo(1);
    assertThat(blackHole.maxAttempt("dest-b", "m4")).isZero();
  }

  /** A batched webhook's request: one request, each event of its array delivered. */
  @Test
  void countsEachEventOfABatchedRequestAndTheRequestOnce() throws Exception {
    String batch =
        "[{\"type\":\"track\",\"messageId\":\"b1\"},{\"type\":\"page\",\"messageId\":\"b2\"}]";

    assertThat(
            send(HttpRequest.newBuilder(uri("/dest-c"))
                    .header("X-Batch-Size", "2")
                    .header("X-Delivery-Attempt", "1")
                    .POST(BodyPublishers.ofString(batch)))
                .statusCode())
        .isEqualTo(200);

    assertThat(blackHole.deliveries()).isEqualTo(Map.of("dest-c", Map.of("b1", 1, "b2", 1)));
    assertThat(blackHole.requestCounts().get("dest-c")[0]).isEqualTo(1);
  }

  @Test
  void reportsItsCountsAtStats() throws Exception {
    post("dest-a", "m1", 1);
    post("dest-a", "m1", 2);
    post("dest-a", "m2", 1);
    post("dest-b", "m1", 1);

    HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/stats")).GET());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
    JsonNode stats = new ObjectMapper().readTree(response.body());
    assertThat(stats.get("received").asLong()).isEqualTo(4);
    assertThat(stats.get("duplicates").asLong()).isEqualTo(1);
    assertThat(stats.get("destinations").get("dest-a").get("messages").asLong()).isEqualTo(2);
    assertThat(stats.get("destinations").get("dest-a").get("requests").asLong()).isEqualTo(3);
    assertThat(stats.get("destinations").get("dest-b").get("messages").asLong()).isEqualTo(1);
    assertThat(stats.get("destinations").get("dest-b").get("requests").asLong()).isEqualTo(1);
    assertThat(stats.get("destinations").size()).isEqualTo(2);
  }

  /** Latencies from each event's sentAt, all destinations together, first deliveries only. */
  @Test
  void reportsTheFirstDeliveriesLatenciesAtStatsLatency() throws Exception {
    Instant now = Instant.now();
    postBody("dest-a", "{\"messageId\":\"m1\",\"sentAt\":\"" + now.minusSeconds(3) + "\"}");
    postBody("dest-a", "{\"messageId\":\"m1\",\"sentAt\":\"" + now.minusSeconds(60) + "\"}");
    postBody("dest-b", "{\"messageId\":\"m2\",\"sentAt\":\"" + now.minusSeconds(20) + "\"}");
    postBody("dest-b", "{\"messageId\":\"m3\"}");

    HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/stats/latency")).GET());

    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode latency = new ObjectMapper().readTree(response.body());
    assertThat(latency.get("count").asLong()).isEqualTo(2);
    JsonNode buckets = latency.get("ms");
    assertThat(buckets.size()).isEqualTo(2);
    // 3 and 20 seconds, and what the requests themselves took, within the buckets' 0.1 %
    assertThat(buckets.get(0).get(0).asLong()).isBetween(3_000L, 13_000L);
    assertThat(buckets.get(0).get(1).asLong()).isEqualTo(1);
    assertThat(buckets.get(1).get(0).asLong()).isBetween(20_000L, 30_000L);
    assertThat(buckets.get(1).get(1).asLong()).isEqualTo(1);
  }

  @Test
  void refusesWhatIsNotADeliveryAndCountsNothing() throws Exception {
    HttpResponse<String> put =
        send(HttpRequest.newBuilder(uri("/dest-a")).PUT(BodyPublishers.ofString("{}")));
    HttpResponse<String> delete = send(HttpRequest.newBuilder(uri("/dest-a")).DELETE());
    HttpResponse<String> getElsewhere = send(HttpRequest.newBuilder(uri("/dest-a")).GET());
    HttpResponse<String> postToRoot =
        send(HttpRequest.newBuilder(uri("/")).POST(BodyPublishers.ofString("{}")));

    assertThat(put.statusCode()).isEqualTo(405);
    assertThat(put.headers().firstValue("allow")).hasValue("GET, POST");
    assertThat(delete.statusCode()).isEqualTo(405);
    assertThat(getElsewhere.statusCode()).isEqualTo(404);
    assertThat(postToRoot.statusCode()).isEqualTo(404);
    assertThat(blackHole.received()).isZero();
    assertThat(blackHole.deliveries()).isEmpty();
  }

  @Test
  void refusesABodyOverTheLimit() throws Exception {
    blackHole.close();
    blackHole = BlackHole.start(new BlackHole.Options(HOST, 0, 1, 1024));

    HttpResponse<String> tooLarge =
        postBody("dest-a", "{\"messageId\":\"" + "x".repeat(2048) + "\"}");
    HttpResponse<String> small = postBody("dest-a", "{\"messageId\":\"m1\"}");

    assertThat(tooLarge.statusCode()).isEqualTo(413);
    assertThat(small.statusCode()).isEqualTo(200);
    assertThat(blackHole.deliveries()).isEqualTo(Map.of("dest-a", Map.of("m1", 1)));
  }

  @Test
  void answersPipelinedRequestsOnOneConnectionAndClosesWhenAsked() throws IOException {
    String request =
        "POST /dest-a HTTP/1.1\r\nHost: x\r\nX-Message-Id: %s\r\n%s"
            + "Content-Length: 2\r\n\r\n{}";
    try (Socket socket = new Socket(HOST, blackHole.port())) {
      socket.setSoTimeout(10_000);
      socket
          .getOutputStream()
          .write(
              (String.format(request, "m1", "")
                      + String.format(request, "m2", "")
                      + String.format(request, "m3", "Connection: close\r\n"))
                  .getBytes(StandardCharsets.US_ASCII));

      String responses = readUntilClosed(socket.getInputStream());

      assertThat(responses.split("HTTP/1.1 200 OK", -1)).hasSize(4);
      assertThat(responses).containsIgnoringCase("connection: close");
    }
    assertThat(blackHole.deliveries())
        .isEqualTo(Map.of("dest-a", Map.of("m1", 1, "m2", 1, "m3", 1)));
  }

  @Test
  void releasesItsPortOnClose() throws Exception {
    int port = blackHole.port();
    post("dest-a", "m1", 1);

    blackHole.close();
    blackHole = BlackHole.start(HOST, port);
    http = newClient(); // the old one's pooled connection was closed under it

    assertThat(blackHole.port()).isEqualTo(port);
    assertThat(post("dest-a", "m1", 1).statusCode()).isEqualTo(200);
    assertThat(blackHole.deliveries()).isEqualTo(Map.of("dest-a", Map.of("m1", 1)));
  }

  @Test
  void givesTheEndpointOfADestination() {
    assertThat(blackHole.url("dest-a"))
        .isEqualTo("http://127.0.0.1:" + blackHole.port() + "/dest-a");
  }

  private HttpResponse<String> post(String path, String messageId, int attempt) throws Exception {
    return send(
        HttpRequest.newBuilder(uri("/" + path))
            .header("X-Message-Id", messageId)
            .header("Idempotency-Key", "job-" + messageId)
            .header("X-Delivery-Attempt", Integer.toString(attempt))
            .POST(BodyPublishers.ofString("{\"type\":\"track\",\"messageId\":\"ignored\"}")));
  }

  private HttpResponse<String> postBody(String path, String body) throws Exception {
    return send(HttpRequest.newBuilder(uri("/" + path)).POST(BodyPublishers.ofString(body)));
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return http.send(request.build(), BodyHandlers.ofString());
  }

  private URI uri(String path) {
    return URI.create("http://" + HOST + ":" + blackHole.port() + path);
  }

  private static HttpClient newClient() {
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  }

  private static String readUntilClosed(InputStream in) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    in.transferTo(bytes);
    return bytes.toString(StandardCharsets.US_ASCII);
  }
}
