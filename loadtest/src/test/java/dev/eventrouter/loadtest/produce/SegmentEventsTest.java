package dev.eventrouter.loadtest.produce;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SegmentEventsTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant SENT_AT = Instant.parse("2026-11-26T12:00:00.123Z");

  @Test
  void writesSegmentStyleEvents() throws Exception {
    SplittableRandom random = new SplittableRandom(42);
    Set<String> types = new HashSet<>();
    for (int n = 0; n < 200; n++) {
      JsonNode event =
          JSON.readTree(SegmentEvents.event("source-7", "m-" + n, SENT_AT, 512, random));

      String type = event.get("type").asText();
      types.add(type);
      assertThat(type).isIn("track", "identify", "page");
      assertThat(event.get("messageId").asText()).isEqualTo("m-" + n);
      assertThat(Instant.parse(event.get("sentAt").asText())).isEqualTo(SENT_AT);
      assertThat(event.has("userId") ^ event.has("anonymousId")).isTrue();
      assertThat(event.has("event")).isEqualTo(type.equals("track"));
      if (type.equals("identify")) {
        assertThat(event.get("userId").asText()).startsWith("source-7-user-");
      }
      assertThat(event.get("properties").isObject()).isTrue();
      assertThat(event.at("/context/library/name").asText()).isEqualTo("eventrouter-loadtest");
      assertThat(Instant.parse(event.get("timestamp").asText())).isNotNull();
    }
    assertThat(types).containsExactlyInAnyOrder("track", "identify", "page");
  }

  @ParameterizedTest
  @ValueSource(ints = {400, 1024, 64 * 1024})
  void padsToTheRequestedSize(int bytes) throws Exception {
    SplittableRandom random = new SplittableRandom(1);
    for (int n = 0; n < 20; n++) {
      byte[] event = SegmentEvents.event("source-1", "message-\"" + n, SENT_AT, bytes, random);

      assertThat(event).hasSize(bytes);
      assertThat(JSON.readTree(event).get("messageId").asText()).isEqualTo("message-\"" + n);
    }
  }

  @Test
  void staysAWholeEventWhenAskedForLessThanThat() throws Exception {
    JsonNode event =
        JSON.readTree(SegmentEvents.event("s", "m", SENT_AT, 10, new SplittableRandom(3)));

    assertThat(event.get("messageId").asText()).isEqualTo("m");
    assertThat(event.get("properties").get("padding").asText()).isEmpty();
  }

  @Test
  void isTheSameForTheSameSeed() {
    SplittableRandom first = new SplittableRandom(9);
    SplittableRandom again = new SplittableRandom(9);
    SplittableRandom other = new SplittableRandom(10);

    for (int n = 0; n < 50; n++) {
      byte[] event = SegmentEvents.event("source-1", "m-" + n, SENT_AT, 1024, first);

      assertThat(SegmentEvents.event("source-1", "m-" + n, SENT_AT, 1024, again)).isEqualTo(event);
      assertThat(SegmentEvents.event("source-1", "m-" + n, SENT_AT, 1024, other))
          .isNotEqualTo(event);
    }
  }
}
