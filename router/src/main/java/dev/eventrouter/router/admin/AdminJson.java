package dev.eventrouter.router.admin;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.eventrouter.persistence.serialization.JobJacksonModule;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;

/**
 * The admin API's JSON: its responses, an {@code error} saying what is wrong for every refusal, and
 * its request bodies read strictly, every mistake said with what was expected.
 */
final class AdminJson {

  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .addModule(new JavaTimeModule())
          .addModule(new JobJacksonModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          // an operator's {"maxInFlight":1,"maxInFlight":50} is refused rather than guessed at
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .serializationInclusion(JsonInclude.Include.NON_NULL)
          .build();

  /** The most of a caller's text an answer or the audit log quotes. */
  private static final int QUOTED = 512;

  private AdminJson() {}

  static HttpResponse ok(Object body) {
    return json(StatusCodes.OK, body);
  }

  static HttpResponse error(StatusCode status, String message) {
    return json(status, Map.of("error", message));
  }

  static HttpResponse json(StatusCode status, Object body) {
    try {
      return HttpResponse.create()
          .withStatus(status)
          .withEntity(
              HttpEntities.create(ContentTypes.APPLICATION_JSON, JSON.writeValueAsBytes(body)));
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The body as a JSON object with only these fields.
   *
   * @throws IllegalArgumentException saying what is wrong
   */
  static JsonNode object(String body, Set<String> fields) {
    JsonNode json;
    try {
      json = JSON.readTree(body);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("the body is not JSON: " + e.getOriginalMessage());
    }
    if (json == null || !json.isObject()) {
      throw new IllegalArgumentException(
          "the body must be a JSON object with the fields " + fields);
    }
    for (Iterator<String> names = json.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!fields.contains(name)) {
        throw new IllegalArgumentException(
            "unknown field '" + quoted(name) + "'; known: " + fields);
      }
    }
    return json;
  }

  static String optionalText(JsonNode json, String field) {
    JsonNode node = json.get(field);
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isTextual()) {
      throw new IllegalArgumentException(field + " must be a string");
    }
    return node.asText();
  }

  static Integer optionalInt(JsonNode json, String field) {
    JsonNode node = json.get(field);
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.canConvertToInt() || !node.isIntegralNumber()) {
      throw new IllegalArgumentException(
          field + " must be a whole number (or null for the destination's)");
    }
    return node.asInt();
  }

  static Instant instant(JsonNode json, String field) {
    String text = optionalText(json, field);
    if (text == null) {
      throw new IllegalArgumentException(
          field + " is required (an ISO-8601 instant, e.g. 2026-11-26T10:00:00Z)");
    }
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          field + " is not an ISO-8601 instant (e.g. 2026-11-26T10:00:00Z): " + text);
    }
  }

  /** A caller's text as an answer or the audit log quotes it: its start, if it is long. */
  static String quoted(String text) {
    return text.length() <= QUOTED ? text : text.substring(0, QUOTED) + "...";
  }
}
