package dev.eventrouter.router.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.router.ingest.Rejection;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** How a request body becomes the events to produce, for bodies made to abuse it. */
class SegmentEventsTest {

  private static final int MAX_EVENT = 32 * 1024;
  private static final int MAX_BATCH = 500 * 1024;
  private static final int DEPTH = 64;
  private static final Instant NOW = Instant.parse("2026-12-01T00:00:00Z");

  private final SegmentEvents reader = new SegmentEvents(MAX_EVENT, MAX_BATCH, DEPTH);

  /**
   * What a batch shares is copied into each of its events: an event is checked with it, and a small
   * body whose large context would be copied into thousands of events is refused whole before it
   * makes gigabytes.
   */
  @Test
  void whatABatchSharesCountsInEachEventAndInTheBatchsTotal() {
    SegmentEvents.Events fits = events(reader.read("batch", batch(20_000, 2), NOW));
    assertThat(fits.accepted()).hasSize(2);
    assertThat(fits.accepted()).allSatisfy(e -> assertThat(e.value().length).isGreaterThan(20_000));

    SegmentEvents.Events over = events(reader.read("batch", batch(40_000, 3), NOW));
    assertThat(over.accepted()).isEmpty();
    assertThat(over.refused())
        .hasSize(3)
        .allSatisfy(
            refused -> {
              assertThat(refused.reason()).isEqualTo(Rejection.PAYLOAD_TOO_LARGE);
              assertThat(refused.detail()).contains("with what its batch shares");
            });

    // under 400 KB as sent; 200 MB with the context copied into every event
    byte[] bomb = batch(100_000, 2_000);
    assertThat(bomb.length).isLessThan(MAX_BATCH);
    assertThat(reader.read("batch", bomb, NOW))
        .isInstanceOfSatisfying(
            SegmentEvents.Malformed.class,
            malformed -> assertThat(malformed.reason()).isEqualTo("batch-too-large"));
  }

  /**
   * The ingest reads events nested at most {@code max-nesting-depth} deep (deeper is a dead letter,
   * not-json): the API says so to the sender instead of answering 200, for a single call and for an
   * event that a batch's context makes deeper.
   */
  @Test
  void anEventTheIngestWouldFindTooDeepIsRefusedAndOneAsDeepAsItTakesIsAccepted() {
    SegmentEvents.Events deepest = events(reader.read("track", track(DEPTH), NOW));
    assertThat(deepest.refused()).isEmpty();
    assertThat(deepest.accepted()).hasSize(1);
    assertThatCode(() -> readAtMostDeep(deepest.accepted().get(0).value(), DEPTH))
        .doesNotThrowAnyException();
    assertThatThrownBy(() -> readAtMostDeep(track(DEPTH + 1), DEPTH))
        .hasMessageContaining("nesting depth");

    SegmentEvents.Events tooDeep = events(reader.read("track", track(DEPTH + 1), NOW));
    assertThat(tooDeep.accepted()).isEmpty();
    assertThat(tooDeep.refused())
        .singleElement()
        .satisfies(
            refused -> {
              assertThat(refused.reason()).isEqualTo(Rejection.NOT_JSON);
              assertThat(refused.detail()).contains("nested deeper than 64");
            });

    // the event alone is 1 deep; with the batch's context copied in, 65
    String batch =
        "{\"context\":"
            + nested(DEPTH)
            + ",\"batch\":[{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\"}]}";
    SegmentEvents.Events copied =
        events(reader.read("batch", batch.getBytes(StandardCharsets.UTF_8), NOW));
    assertThat(copied.accepted()).isEmpty();
    assertThat(copied.refused())
        .singleElement()
        .extracting(r -> r.reason())
        .isEqualTo(Rejection.NOT_JSON);
  }

  /**
   * A timestamp is what an event's retries share in their ids; one past the ids' range (year
   * 300,000,000, or 1900) is taken as the range's nearest end, and is a time in milliseconds.
   */
  @Test
  void aTimestampOutsideTheIdsRangeIsTakenAsItsNearestEnd() {
    assertThat(idTime("+300000000-01-01T00:00:00Z")).isEqualTo(Ksuid.LATEST);
    assertThat(idTime("1900-01-01T00:00:00Z")).isEqualTo(Ksuid.EARLIEST);
    assertThat(idTime("2026-11-30T10:00:00+0100")).isEqualTo(Instant.parse("2026-11-30T09:00:00Z"));
    assertThat(Ksuid.LATEST.toEpochMilli()).isPositive();
  }

  private Instant idTime(String timestamp) {
    String event =
        "{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\",\"timestamp\":\"" + timestamp + "\"}";
    return events(reader.read("track", event.getBytes(StandardCharsets.UTF_8), NOW))
        .accepted()
        .get(0)
        .idTime();
  }

  private static SegmentEvents.Events events(SegmentEvents.Body body) {
    assertThat(body).isInstanceOf(SegmentEvents.Events.class);
    return (SegmentEvents.Events) body;
  }

  /** A batch of {@code events} small pages sharing a context of {@code contextChars}. */
  private static byte[] batch(int contextChars, int events) {
    StringBuilder body = new StringBuilder("{\"context\":{\"x\":\"");
    body.append("a".repeat(contextChars)).append("\"},\"batch\":[");
    for (int i = 0; i < events; i++) {
      body.append(i == 0 ? "" : ",").append("{\"type\":\"page\",\"userId\":").append(i).append('}');
    }
    return body.append("]}").toString().getBytes(StandardCharsets.UTF_8);
  }

  /** A track call nested {@code depth} deep, as a parser counts it. */
  private static byte[] track(int depth) {
    return ("{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\",\"properties\":"
            + nested(depth - 1)
            + "}")
        .getBytes(StandardCharsets.UTF_8);
  }

  /** Objects nested {@code depth} deep: {@code {"a":{"a":{}}}} is 3. */
  private static String nested(int depth) {
    return "{\"a\":".repeat(depth - 1) + "{}" + "}".repeat(depth - 1);
  }

  /** Reads the JSON as the ingest's parser does, with its nesting limit. */
  private static void readAtMostDeep(byte[] json, int depth) throws Exception {
    JsonFactory factory =
        JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(depth).build())
            .build();
    try (JsonParser parser = factory.createParser(json)) {
      while (parser.nextToken() != null) {
        parser.skipChildren();
      }
    }
  }
}
