package dev.eventrouter.router.ingest;

import com.fasterxml.jackson.core.ErrorReportConfiguration;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.IOException;

/**
 * Checks that a record's value is one JSON object with a usable {@code messageId}, and returns
 * that id. It streams over the bytes instead of building a tree (the router only needs the id),
 * but reads them all: malformed JSON, invalid UTF-8, trailing bytes or a duplicate key anywhere
 * reject the record.
 */
final class EventParser {

  static final int MAX_MESSAGE_ID_LENGTH = 256;

  private final JsonFactory json;

  EventParser(int maxNestingDepth) {
    this.json = JsonFactory.builder()
        // error messages quote the input: keep those quotes short and without the raw content
        .errorReportConfiguration(ErrorReportConfiguration.builder()
            .maxErrorTokenLength(32)
            .maxRawContentLength(0)
            .build())
        .streamReadConstraints(StreamReadConstraints.builder()
            .maxNestingDepth(maxNestingDepth)
            .build())
        // {"messageId":"a","messageId":"b"}: parsers disagree on which one counts, so the id the
        // router deduplicates on could differ from the one a destination reads. Names are
        // compared decoded, so an escaped twin ("messag\u0065Id") is caught too.
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .build();
  }

  /** The event's messageId, or the reason it has none. */
  sealed interface Result {}

  record Parsed(String messageId) implements Result {}

  record Invalid(Rejection reason, String detail) implements Result {}

  Result parse(byte[] value) {
    try (JsonParser parser = json.createParser(value)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return new Invalid(Rejection.NOT_JSON, "the value is not a JSON object");
      }
      String messageId = null;
      boolean messageIdSeen = false;
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String field = parser.currentName();
        JsonToken token = parser.nextToken();
        if (field.equals("messageId")) {
          messageIdSeen = true;
          messageId = token == JsonToken.VALUE_STRING ? parser.getText() : null;
        }
        parser.skipChildren();
      }
      if (parser.nextToken() != null) {
        return new Invalid(Rejection.NOT_JSON, "bytes after the JSON object");
      }
      if (messageId == null || messageId.isBlank()) {
        return new Invalid(Rejection.NO_MESSAGE_ID, messageIdSeen
            ? "messageId must be a non-empty string" : "the event has no messageId");
      }
      if (messageId.length() > MAX_MESSAGE_ID_LENGTH) {
        return new Invalid(Rejection.NO_MESSAGE_ID,
            "messageId is longer than " + MAX_MESSAGE_ID_LENGTH + " characters");
      }
      // it travels in a request header (X-Message-Id): no line breaks or other control characters
      if (messageId.chars().anyMatch(Character::isISOControl)) {
        return new Invalid(Rejection.NO_MESSAGE_ID, "messageId has control characters");
      }
      return new Parsed(messageId);
    } catch (IOException | RuntimeException e) {
      return new Invalid(Rejection.NOT_JSON, JsonProblems.firstLine(e.getMessage()));
    }
  }
}
