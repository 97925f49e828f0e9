package dev.eventrouter.router.segment;

import com.fasterxml.jackson.core.ErrorReportConfiguration;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.queues.adapter.SegmentTimes;
import dev.eventrouter.router.filter.RouteFilter;
import dev.eventrouter.router.ingest.JsonProblems;
import dev.eventrouter.router.ingest.Rejection;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

/**
 * Reads the body of a tracking API call into the events to produce, as Segment's API takes them: a
 * single call's body is its event, a batch's has them in {@code batch} (with {@code sentAt}, {@code
 * context} and {@code integrations} for those of its events that have none). Each event is checked
 * for what its type needs, then given a {@code messageId} when it has none and {@code receivedAt};
 * {@code writeKey} is taken out (it is a secret), and the rest is passed on as sent.
 */
final class SegmentEvents {

  /** The calls, by the last segment of their path; {@code batch} and {@code import} are batches. */
  static final Set<String> TYPES = RouteFilter.EVENT_TYPES;

  static final int MAX_MESSAGE_ID_LENGTH = 256;

  private final ObjectMapper json;
  private final int maxEventBytes;
  private final int maxNestingDepth;
  private final long maxExpandedBytes;

  /**
   * @param maxEventBytes an event's largest size, as it will be produced (with what a batch shares
   *     copied in)
   * @param maxBatchBytes a batch body's largest size: its events, each with what the batch shares
   *     copied in, may total twice as much
   * @param maxNestingDepth an event's deepest nesting (the ingest's): a batch adds two levels
   */
  SegmentEvents(int maxEventBytes, int maxBatchBytes, int maxNestingDepth) {
    this.maxEventBytes = maxEventBytes;
    this.maxNestingDepth = maxNestingDepth;
    this.maxExpandedBytes = 2L * maxBatchBytes;
    this.json =
        JsonMapper.builder(
                JsonFactory.builder()
                    .errorReportConfiguration(
                        ErrorReportConfiguration.builder()
                            .maxErrorTokenLength(32)
                            .maxRawContentLength(0)
                            .build())
                    .streamReadConstraints(
                        StreamReadConstraints.builder()
                            .maxNestingDepth(maxNestingDepth + 2)
                            .build())
                    // the ingest refuses a duplicate key; better said to the sender now
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            // numbers pass as sent: 1.10 stays 1.10
            .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
            .build();
  }

  /** What a request body holds. */
  sealed interface Body {}

  /** Not a body of this call at all: answered 400, naming {@code reason}. */
  record Malformed(String reason, String message) implements Body {}

  /**
   * @param writeKey the body's {@code writeKey}, if it has one
   * @param accepted the events to produce
   * @param refused the events that are not valid calls
   */
  record Events(Optional<String> writeKey, List<Accepted> accepted, List<Refused> refused)
      implements Body {}

  /**
   * @param idTime what retries of the event share: its {@code timestamp}, else the time it was
   *     received
   */
  record Accepted(String messageId, byte[] value, Instant idTime) {}

  record Refused(byte[] value, Rejection reason, String detail) {}

  /**
   * @param call {@code track}, ..., or {@code batch}
   */
  Body read(String call, byte[] body, Instant receivedAt) {
    JsonNode root;
    try {
      root = json.readTree(body);
    } catch (JsonProcessingException e) {
      return new Malformed("invalid-json", JsonProblems.firstLine(e.getOriginalMessage()));
    } catch (IOException | RuntimeException e) {
      return new Malformed("invalid-json", "the body is not JSON");
    }
    if (!(root instanceof ObjectNode object)) {
      return new Malformed("invalid-json", "the body is not a JSON object");
    }
    JsonNode key = object.remove("writeKey");
    if (key != null && !key.isTextual()) {
      return new Malformed("invalid-write-key", "writeKey must be a string");
    }
    Optional<String> writeKey = Optional.ofNullable(key).map(JsonNode::asText);
    List<Accepted> accepted = new ArrayList<>();
    List<Refused> refused = new ArrayList<>();
    if (!call.equals("batch")) {
      event(call, object, Map.of(), receivedAt, accepted, refused);
      return new Events(writeKey, accepted, refused);
    }
    JsonNode batch = object.get("batch");
    if (batch == null || !batch.isArray()) {
      return new Malformed("invalid-batch", "a batch has its events in the array `batch`");
    }
    Map<String, JsonNode> shared = new LinkedHashMap<>();
    for (String field : List.of("sentAt", "context", "integrations")) {
      JsonNode value = object.get(field);
      if (value != null && !value.isNull()) {
        shared.put(field, value);
      }
    }
    // what is shared is copied into each event: a small body can make many large events
    long expanded = 0;
    for (JsonNode element : batch) {
      if (element instanceof ObjectNode event) {
        event.remove("writeKey");
        expanded += event(null, event, shared, receivedAt, accepted, refused);
      } else {
        Refused invalid =
            new Refused(bytes(element), Rejection.INVALID_EVENT, "an event is a JSON object");
        refused.add(invalid);
        expanded += invalid.value().length;
      }
      if (expanded > maxExpandedBytes) {
        return new Malformed(
            "batch-too-large",
            "with sentAt, context and integrations copied into each event, the batch's events are over "
                + maxExpandedBytes
                + " bytes (twice the largest batch)");
      }
    }
    return new Events(writeKey, accepted, refused);
  }

  /**
   * @param call the type a single call's path gives; null in a batch
   * @return the bytes of the event, accepted or refused
   */
  private int event(
      String call,
      ObjectNode event,
      Map<String, JsonNode> shared,
      Instant receivedAt,
      List<Accepted> accepted,
      List<Refused> refused) {
    byte[] sent = bytes(event);
    if (sent.length > maxEventBytes) {
      return refuseTooLarge(refused, sent, "the event");
    }
    Optional<String> problem = problem(call, event);
    if (problem.isPresent()) {
      return refuse(
          refused,
          sent,
          problem.get().startsWith("messageId") ? Rejection.NO_MESSAGE_ID : Rejection.INVALID_EVENT,
          problem.get());
    }
    if (call != null && !event.hasNonNull("type")) {
      event.put("type", call);
    }
    JsonNode messageId = event.get("messageId");
    if (messageId == null || messageId.isNull()) {
      event.put("messageId", "api-" + UUID.randomUUID());
    }
    boolean copied = false;
    for (Map.Entry<String, JsonNode> field : shared.entrySet()) {
      if (!event.hasNonNull(field.getKey())) {
        event.set(field.getKey(), field.getValue().deepCopy());
        copied = true;
      }
    }
    if (copied) {
      // the event as it will be produced: what the batch shares counts too
      byte[] withShared = bytes(event);
      if (withShared.length > maxEventBytes) {
        return refuseTooLarge(refused, withShared, "with what its batch shares, the event");
      }
    }
    event.put("receivedAt", receivedAt.toString());
    byte[] value = bytes(event);
    if (depth(event, maxNestingDepth + 1) > maxNestingDepth) {
      // the ingest would dead-letter it: said to the sender instead
      return refuse(
          refused,
          value,
          Rejection.NOT_JSON,
          "the event is nested deeper than " + maxNestingDepth + " levels");
    }
    accepted.add(
        new Accepted(event.get("messageId").asText(), value, timestamp(event).orElse(receivedAt)));
    return value.length;
  }

  private int refuseTooLarge(List<Refused> refused, byte[] value, String what) {
    return refuse(
        refused,
        value,
        Rejection.PAYLOAD_TOO_LARGE,
        what + " has " + value.length + " bytes, over the maximum of " + maxEventBytes);
  }

  private static int refuse(List<Refused> refused, byte[] value, Rejection reason, String detail) {
    refused.add(new Refused(value, reason, detail));
    return value.length;
  }

  /**
   * The nesting depth of a JSON value as a parser counts it (an object or array of scalars is 1),
   * looked at no deeper than {@code limit}.
   */
  static int depth(JsonNode node, int limit) {
    if (!node.isContainerNode() || limit == 0) {
      return 0;
    }
    int deepest = 0;
    for (JsonNode child : node) {
      deepest = Math.max(deepest, depth(child, limit - 1));
      if (deepest == limit - 1) {
        break;
      }
    }
    return 1 + deepest;
  }

  /** What makes the event no valid call of its type, if anything. */
  private static Optional<String> problem(String call, ObjectNode event) {
    JsonNode typeNode = event.get("type");
    String type;
    if (typeNode == null || typeNode.isNull()) {
      if (call == null) {
        return Optional.of("an event of a batch needs its type");
      }
      type = call;
    } else if (!typeNode.isTextual() || !TYPES.contains(typeNode.asText())) {
      return Optional.of("type must be one of " + new TreeSet<>(TYPES));
    } else {
      type = typeNode.asText();
      if (call != null && !call.equals(type)) {
        return Optional.of("an event of type " + type + " sent to /v1/" + call);
      }
    }
    JsonNode messageId = event.get("messageId");
    if (messageId != null && !messageId.isNull()) {
      if (!messageId.isTextual() || messageId.asText().isBlank()) {
        return Optional.of("messageId must be a non-empty string");
      }
      if (messageId.asText().length() > MAX_MESSAGE_ID_LENGTH) {
        return Optional.of("messageId is longer than " + MAX_MESSAGE_ID_LENGTH + " characters");
      }
      if (messageId.asText().chars().anyMatch(Character::isISOControl)) {
        return Optional.of("messageId has control characters");
      }
    }
    if (!identifies(event.get("userId")) && !identifies(event.get("anonymousId"))) {
      return Optional.of("a " + type + " call needs a userId or an anonymousId");
    }
    return switch (type) {
      case "track" ->
          nonEmptyText(event.get("event"))
              ? Optional.empty()
              : Optional.of("a track call needs its event name in `event`");
      case "group" ->
          identifies(event.get("groupId"))
              ? Optional.empty()
              : Optional.of("a group call needs a groupId");
      case "alias" ->
          identifies(event.get("previousId"))
              ? Optional.empty()
              : Optional.of("an alias call needs a previousId");
      default -> Optional.empty();
    };
  }

  private static boolean identifies(JsonNode id) {
    return id != null && (id.isNumber() || nonEmptyText(id));
  }

  private static boolean nonEmptyText(JsonNode text) {
    return text != null && text.isTextual() && !text.asText().isBlank();
  }

  /** The event's own time, when it has one: its retries share it, where receivedAt differs. */
  private static Optional<Instant> timestamp(ObjectNode event) {
    JsonNode timestamp = event.get("timestamp");
    if (timestamp == null || !timestamp.isTextual()) {
      return Optional.empty();
    }
    // as a job's id takes it: a time past the id's range (year 300000000) is not one of
    // milliseconds either
    return SegmentTimes.parse(timestamp.asText())
        .map(
            time ->
                time.isBefore(Ksuid.EARLIEST)
                    ? Ksuid.EARLIEST
                    : time.isAfter(Ksuid.LATEST) ? Ksuid.LATEST : time);
  }

  private byte[] bytes(JsonNode node) {
    try {
      return json.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree always writes", e);
    }
  }
}
