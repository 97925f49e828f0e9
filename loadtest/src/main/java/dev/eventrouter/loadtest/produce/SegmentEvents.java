package dev.eventrouter.loadtest.produce;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.random.RandomGenerator;

/**
 * Segment-style events ({@code type}, {@code messageId}, {@code sentAt}, {@code userId} or {@code
 * anonymousId}, {@code event}, {@code context}, {@code timestamp}, {@code properties}), every
 * choice drawn from the given generator, so that one seed reproduces a run's events but for their
 * sentAt.
 *
 * <p>Written in one streaming pass with the padding last: its length follows from the bytes already
 * written, so no tree is built and nothing is written twice (the producer's main thread makes every
 * event of a run).
 */
public final class SegmentEvents {

  private static final JsonFactory JSON = new JsonFactory();

  /**
   * Event times fall in the day after this one, not around now: the router keys jobs on the Kafka
   * record's time, not on this client-supplied one, and a fixed base keeps a seed's events equal.
   */
  private static final long BASE_EPOCH_MILLI = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();

  private static final long DAY_MILLIS = 86_400_000L;
  private static final List<String> TRACK_EVENTS =
      List.of(
          "Product Viewed", "Product Added", "Checkout Started", "Order Completed", "Signed Up");
  private static final List<String> PAGES = List.of("Home", "Pricing", "Docs", "Blog", "Checkout");
  private static final List<String> PLANS = List.of("free", "team", "business", "enterprise");

  /** Characters JSON writes as one byte each, so the padding's length is its size. */
  private static final char[] PADDING_ALPHABET = "abcdefghijklmnopqrstuvwxyz012345".toCharArray();

  private static final int PADDING_BITS = 5;

  /**
   * What follows the padding's field name once flushed: the colon (Jackson writes it with the
   * value), the value's quotes, then the ends of properties and event.
   */
  private static final int AFTER_PADDING_NAME = ":\"\"}}".length();

  private SegmentEvents() {}

  /**
   * One event as UTF-8 JSON, padded (in {@code properties.padding}) to exactly {@code
   * approximateBytes}; an event that is larger without padding is left unpadded.
   *
   * @param sourceId the tenant: user ids are drawn per source, as real users belong to one
   * @param sentAt written second, after the messageId, so that the black hole finds it cheaply and
   *     measures each delivery's latency from it
   */
  public static byte[] event(
      String sourceId,
      String messageId,
      Instant sentAt,
      int approximateBytes,
      RandomGenerator random) {
    return event(type(random), sourceId, messageId, sentAt, approximateBytes, random);
  }

  /**
   * The same, of the given type ({@code track}, {@code identify} or {@code page}): for a call whose
   * path names the type, as the Segment API's single calls do.
   */
  public static byte[] event(
      String type,
      String sourceId,
      String messageId,
      Instant sentAt,
      int approximateBytes,
      RandomGenerator random) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(Math.max(256, approximateBytes));
    try (JsonGenerator json = JSON.createGenerator(bytes)) {
      json.writeStartObject();
      json.writeStringField("type", type);
      json.writeStringField("messageId", messageId);
      json.writeStringField("sentAt", sentAt.toString());
      if (type.equals("identify") || random.nextInt(10) < 7) {
        json.writeStringField("userId", sourceId + "-user-" + random.nextInt(10_000));
      } else {
        json.writeStringField(
            "anonymousId", new UUID(random.nextLong(), random.nextLong()).toString());
      }
      String page = type.equals("page") ? pick(PAGES, random) : null;
      if (type.equals("track")) {
        json.writeStringField("event", pick(TRACK_EVENTS, random));
      } else if (page != null) {
        json.writeStringField("name", page);
      }
      json.writeObjectFieldStart("context");
      json.writeObjectFieldStart("library");
      json.writeStringField("name", "eventrouter-loadtest");
      json.writeStringField("version", "0.1");
      json.writeEndObject();
      json.writeEndObject();
      json.writeStringField(
          "timestamp",
          Instant.ofEpochMilli(BASE_EPOCH_MILLI + random.nextLong(DAY_MILLIS)).toString());

      json.writeObjectFieldStart("properties");
      if (page != null) {
        json.writeStringField("path", "/" + page.toLowerCase(Locale.ROOT));
      } else {
        json.writeStringField("plan", pick(PLANS, random));
      }
      if (type.equals("track")) {
        json.writeNumberField("value", random.nextInt(100_000) / 100.0);
      }
      json.writeFieldName("padding");
      json.flush();
      char[] padding = padding(approximateBytes - bytes.size() - AFTER_PADDING_NAME, random);
      json.writeString(padding, 0, padding.length);
      json.writeEndObject();
      json.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot happen: writing to memory", e);
    }
    return bytes.toByteArray();
  }

  /** Mostly track, as in real traffic. */
  private static String type(RandomGenerator random) {
    int draw = random.nextInt(10);
    return draw < 6 ? "track" : draw < 8 ? "identify" : "page";
  }

  private static String pick(List<String> choices, RandomGenerator random) {
    return choices.get(random.nextInt(choices.size()));
  }

  /** Random rather than repeated, so that a compressing hop cannot shrink it to nothing. */
  private static char[] padding(int length, RandomGenerator random) {
    char[] chars = new char[Math.max(0, length)];
    int i = 0;
    while (i < chars.length) {
      long bits = random.nextLong();
      for (int used = 0;
          used + PADDING_BITS <= Long.SIZE && i < chars.length;
          used += PADDING_BITS) {
        chars[i++] = PADDING_ALPHABET[(int) (bits & (PADDING_ALPHABET.length - 1))];
        bits >>>= PADDING_BITS;
      }
    }
    return chars;
  }
}
