package dev.eventrouter.loadtest.blast;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

class SegmentRequestsTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final URI BASE = URI.create("http://127.0.0.1:19590");
  private static final Instant SENT_AT = Instant.parse("2026-11-28T12:00:00Z");

  /** A request split into its line, headers (names lower-cased) and body. */
  private record Parsed(String line, Map<String, String> headers, byte[] body) {
    static Parsed of(byte[] request) {
      int end = 0;
      while (!(request[end] == '\r'
          && request[end + 1] == '\n'
          && request[end + 2] == '\r'
          && request[end + 3] == '\n')) {
        end++;
      }
      String[] lines = new String(request, 0, end, StandardCharsets.US_ASCII).split("\r\n");
      Map<String, String> headers = new HashMap<>();
      for (int i = 1; i < lines.length; i++) {
        int colon = lines[i].indexOf(':');
        headers.put(
            lines[i].substring(0, colon).toLowerCase(), lines[i].substring(colon + 1).trim());
      }
      return new Parsed(lines[0], headers, Arrays.copyOfRange(request, end + 4, request.length));
    }
  }

  @Test
  void aSingleCallIsOneTrackEventWithTheWriteKeyAsBasicAuthentication() throws IOException {
    SegmentRequests requests = new SegmentRequests(BASE, "wk-1", 0, 700, false);

    Parsed request = Parsed.of(requests.request("m-", 41, SENT_AT, new SplittableRandom(1)));

    assertThat(requests.eventsPerRequest()).isEqualTo(1);
    assertThat(request.line()).isEqualTo("POST /v1/track HTTP/1.1");
    assertThat(request.headers())
        .containsEntry("host", "127.0.0.1:19590")
        .containsEntry("content-type", "application/json")
        .containsEntry("content-length", Integer.toString(request.body().length))
        .doesNotContainKey("content-encoding");
    assertThat(
            new String(
                Base64.getDecoder()
                    .decode(request.headers().get("authorization").substring("Basic ".length())),
                StandardCharsets.UTF_8))
        .isEqualTo("wk-1:");
    assertThat(request.body()).hasSize(700);
    JsonNode event = JSON.readTree(request.body());
    assertThat(event.get("type").asText()).isEqualTo("track");
    assertThat(event.get("messageId").asText()).isEqualTo("m-41");
    assertThat(event.hasNonNull("event")).isTrue();
    assertThat(event.hasNonNull("userId") || event.hasNonNull("anonymousId")).isTrue();
  }

  @Test
  void aBatchCarriesItsEventsWithConsecutiveMessageIds() throws IOException {
    SegmentRequests requests = new SegmentRequests(BASE, "wk-1", 5, 300, false);

    Parsed request = Parsed.of(requests.request("m-", 10, SENT_AT, new SplittableRandom(1)));

    assertThat(requests.eventsPerRequest()).isEqualTo(5);
    assertThat(request.line()).isEqualTo("POST /v1/batch HTTP/1.1");
    assertThat(request.headers())
        .containsEntry("content-length", Integer.toString(request.body().length));
    JsonNode body = JSON.readTree(request.body());
    assertThat(body.get("sentAt").asText()).isEqualTo(SENT_AT.toString());
    assertThat(body.get("batch")).hasSize(5);
    for (int i = 0; i < 5; i++) {
      assertThat(body.get("batch").get(i).get("messageId").asText()).isEqualTo("m-" + (10 + i));
      assertThat(body.get("batch").get(i).get("type").asText()).isEqualTo("track");
    }
  }

  @Test
  void aGzippedBodyIsSaidSoAndItsLengthIsTheCompressedOne() throws IOException {
    SegmentRequests requests =
        new SegmentRequests(URI.create("http://localhost:8090/base/"), "wk-1", 3, 1024, true);

    Parsed request = Parsed.of(requests.request("m-", 0, SENT_AT, new SplittableRandom(1)));

    assertThat(request.line()).isEqualTo("POST /base/v1/batch HTTP/1.1");
    assertThat(request.headers())
        .containsEntry("content-encoding", "gzip")
        .containsEntry("content-length", Integer.toString(request.body().length));
    byte[] json = new GZIPInputStream(new ByteArrayInputStream(request.body())).readAllBytes();
    assertThat(JSON.readTree(json).get("batch")).hasSize(3);
    assertThat(request.body().length).isLessThan(json.length);
  }
}
