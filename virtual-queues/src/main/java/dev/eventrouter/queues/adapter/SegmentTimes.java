package dev.eventrouter.queues.adapter;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;

/**
 * The times of Segment-style events, in both forms of ISO-8601 the SDKs write: the offset as {@code
 * +01:00} or as {@code +0100} (or {@code Z}). One reading for the Segment API, which takes an
 * event, and for the adapters, which send it on: an event the one accepts, the others read.
 */
public final class SegmentTimes {

  private static final List<DateTimeFormatter> FORMS =
      List.of(
          DateTimeFormatter.ISO_OFFSET_DATE_TIME,
          new DateTimeFormatterBuilder()
              .append(DateTimeFormatter.ISO_LOCAL_DATE_TIME)
              .appendOffset("+HHMM", "Z")
              .toFormatter());

  private SegmentTimes() {}

  /** The time the text writes; empty if it is none (or null). */
  public static Optional<Instant> parse(String text) {
    if (text == null) {
      return Optional.empty();
    }
    for (DateTimeFormatter form : FORMS) {
      try {
        return Optional.of(OffsetDateTime.parse(text, form).toInstant());
      } catch (DateTimeParseException e) {
        // the next form
      }
    }
    return Optional.empty();
  }
}
