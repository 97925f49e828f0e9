package dev.eventrouter.router.ingest;

import com.fasterxml.jackson.core.ErrorReportConfiguration;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import dev.eventrouter.router.filter.EventFields;
import dev.eventrouter.router.filter.FieldPath;
import dev.eventrouter.router.filter.FieldSelection;
import dev.eventrouter.router.filter.FieldValue;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * Checks that a record's value is one JSON object with a usable {@code messageId}, and returns that
 * id with the fields its routes' filters read. It streams over the bytes instead of building a tree
 * (the router needs only those), but reads them all: malformed JSON, invalid UTF-8, trailing bytes
 * or a duplicate key anywhere reject the record.
 */
final class EventParser {

  static final int MAX_MESSAGE_ID_LENGTH = 256;

  private final JsonFactory json;

  EventParser(int maxNestingDepth) {
    this.json =
        JsonFactory.builder()
            // error messages quote the input: keep those quotes short and without the raw content
            .errorReportConfiguration(
                ErrorReportConfiguration.builder()
                    .maxErrorTokenLength(32)
                    .maxRawContentLength(0)
                    .build())
            .streamReadConstraints(
                StreamReadConstraints.builder().maxNestingDepth(maxNestingDepth).build())
            // {"messageId":"a","messageId":"b"}: parsers disagree on which one counts, so the id
            // the
            // router deduplicates on could differ from the one a destination reads. Names are
            // compared decoded, so an escaped twin ("messag\u0065Id") is caught too.
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
  }

  /** The event's messageId and selected fields, or the reason it has none. */
  sealed interface Result {}

  record Parsed(String messageId, EventFields fields) implements Result {}

  record Invalid(Rejection reason, String detail) implements Result {}

  /**
   * @param selected the fields to take on the way ({@link FieldSelection#NONE} when no route of the
   *     event's source has a filter: then nothing is taken)
   */
  Result parse(byte[] value, FieldSelection selected) {
    try (JsonParser parser = json.createParser(value)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return new Invalid(Rejection.NOT_JSON, "the value is not a JSON object");
      }
      String messageId = null;
      boolean messageIdSeen = false;
      Map<FieldPath, FieldValue> taken =
          selected == FieldSelection.NONE ? Map.of() : new HashMap<>();
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String field = parser.currentName();
        JsonToken token = parser.nextToken();
        if (field.equals("messageId")) {
          messageIdSeen = true;
          messageId = token == JsonToken.VALUE_STRING ? parser.getText() : null;
        }
        take(parser, token, selected.child(field), taken);
      }
      if (parser.nextToken() != null) {
        return new Invalid(Rejection.NOT_JSON, "bytes after the JSON object");
      }
      if (messageId == null || messageId.isBlank()) {
        return new Invalid(
            Rejection.NO_MESSAGE_ID,
            messageIdSeen ? "messageId must be a non-empty string" : "the event has no messageId");
      }
      if (messageId.length() > MAX_MESSAGE_ID_LENGTH) {
        return new Invalid(
            Rejection.NO_MESSAGE_ID,
            "messageId is longer than " + MAX_MESSAGE_ID_LENGTH + " characters");
      }
      // it travels in a request header (X-Message-Id): no line breaks or other control characters
      if (messageId.chars().anyMatch(Character::isISOControl)) {
        return new Invalid(Rejection.NO_MESSAGE_ID, "messageId has control characters");
      }
      // a JSON escape can make half of a character (a lone surrogate), which no UTF-8 encoder
      // writes: the job could not be sent to a queue on another node, nor journaled job by job
      if (!wellFormed(messageId)) {
        return new Invalid(
            Rejection.NO_MESSAGE_ID, "messageId has a lone UTF-16 surrogate (half of a character)");
      }
      return new Parsed(messageId, taken.isEmpty() ? EventFields.NONE : new EventFields(taken));
    } catch (IOException | RuntimeException e) {
      return new Invalid(Rejection.NOT_JSON, JsonProblems.firstLine(e.getMessage()));
    }
  }

  /**
   * Takes the value the parser is at if it is selected, and what is selected inside it; passes over
   * everything else.
   */
  private static void take(
      JsonParser parser, JsonToken token, FieldSelection selected, Map<FieldPath, FieldValue> taken)
      throws IOException {
    if (selected == null) {
      parser.skipChildren();
      return;
    }
    if (selected.taken()) {
      FieldValue value = value(parser, token);
      if (value != null) {
        taken.put(selected.path(), value);
      }
    }
    if (token == JsonToken.START_OBJECT && !selected.children().isEmpty()) {
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String field = parser.currentName();
        take(parser, parser.nextToken(), selected.child(field), taken);
      }
    } else {
      parser.skipChildren();
    }
  }

  /** The value that starts at {@code token}; null for JSON null, which a filter takes as absent. */
  private static FieldValue value(JsonParser parser, JsonToken token) throws IOException {
    return switch (token) {
      case VALUE_STRING -> new FieldValue.Text(parser.getText());
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> new FieldValue.Numeric(parser.getDecimalValue());
      case VALUE_TRUE, VALUE_FALSE -> new FieldValue.Bool(token == JsonToken.VALUE_TRUE);
      case START_OBJECT, START_ARRAY -> new FieldValue.Composite();
      default -> null;
    };
  }

  /** Whether every surrogate of the text is half of a pair. */
  static boolean wellFormed(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return false;
      }
    }
    return true;
  }
}
