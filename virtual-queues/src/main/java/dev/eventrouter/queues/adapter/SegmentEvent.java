package dev.eventrouter.queues.adapter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * A Segment-style event as sources send it (track, identify, page, screen, group, alias), read for
 * the third-party adapters: the fields they map, each absent when the event does not have it.
 */
record SegmentEvent(
    String type,
    String userId,
    String anonymousId,
    String event,
    String name,
    ObjectNode properties,
    ObjectNode traits,
    Optional<Instant> timestamp,
    String messageId,
    String groupId) {

  static final ObjectMapper JSON = new ObjectMapper();

  /**
   * @throws IllegalArgumentException saying what is wrong (never quoting the event)
   */
  static SegmentEvent parse(byte[] payload) {
    JsonNode root;
    try {
      root = JSON.readTree(payload);
    } catch (IOException e) {
      throw new IllegalArgumentException("the event is not JSON");
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("the event is not a JSON object");
    }
    String type = text(root, "type");
    if (type == null) {
      // Segment's own API defaults to track when the path says so; a bare event with a name is one
      type = text(root, "event") != null ? "track" : null;
    }
    if (type == null) {
      throw new IllegalArgumentException("the event has no type");
    }
    return new SegmentEvent(
        type,
        text(root, "userId"),
        text(root, "anonymousId"),
        text(root, "event"),
        text(root, "name"),
        object(root, "properties"),
        object(root, "traits") != null ? object(root, "traits") : traitsInContext(root),
        timestamp(root),
        text(root, "messageId"),
        text(root, "groupId"));
  }

  /**
   * The event's name as both analytics tools show Segment's calls: a track's own name, and for a
   * page or a screen the names Segment's destinations give them.
   */
  Optional<String> eventName() {
    return switch (type) {
      case "track" -> Optional.ofNullable(event);
      case "page" -> Optional.of(name == null ? "Loaded a Page" : "Viewed " + name + " Page");
      case "screen" -> Optional.of(name == null ? "Loaded a Screen" : "Viewed " + name + " Screen");
      default -> Optional.empty();
    };
  }

  /** Properties, or an empty object; for a page or screen its name too. */
  ObjectNode propertiesOrEmpty() {
    ObjectNode out = properties == null ? JSON.createObjectNode() : properties.deepCopy();
    if ((type.equals("page") || type.equals("screen")) && name != null && !out.has("name")) {
      out.put("name", name);
    }
    return out;
  }

  private static String text(JsonNode root, String field) {
    JsonNode node = root.get(field);
    if (node == null || node.isNull()) {
      return null;
    }
    // Segment accepts numeric ids; the tools take strings
    String value = node.isValueNode() ? node.asText() : null;
    return value == null || value.isEmpty() ? null : value;
  }

  private static ObjectNode object(JsonNode root, String field) {
    JsonNode node = root.get(field);
    return node instanceof ObjectNode object ? object : null;
  }

  private static ObjectNode traitsInContext(JsonNode root) {
    JsonNode context = root.get("context");
    return context == null ? null : object(context, "traits");
  }

  /**
   * When the event happened, with the sending device's clock corrected as Segment corrects it: a
   * device's clock may be far off (a phone reset to 1970), but the time between the event and its
   * sending, as the device measured it, is right; so {@code receivedAt - (sentAt - timestamp)} when
   * the event has all three (the router's Segment API sets receivedAt, and a batch's sentAt is its
   * events') and was not corrected before (Segment keeps the device's time in {@code
   * originalTimestamp}), else its timestamp as sent.
   */
  private static Optional<Instant> timestamp(JsonNode root) {
    String text = text(root, "timestamp");
    if (text == null) {
      return Optional.empty();
    }
    Instant timestamp =
        SegmentTimes.parse(text)
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "timestamp is not an ISO-8601 date-time with an offset"));
    Optional<Instant> sentAt = SegmentTimes.parse(text(root, "sentAt"));
    Optional<Instant> receivedAt = SegmentTimes.parse(text(root, "receivedAt"));
    // an event that came through Segment is corrected already: its device's time is kept in
    // originalTimestamp, and correcting again would move it as far the other way
    if (sentAt.isEmpty() || receivedAt.isEmpty() || root.has("originalTimestamp")) {
      return Optional.of(timestamp);
    }
    return Optional.of(receivedAt.get().minus(Duration.between(timestamp, sentAt.get())));
  }
}
