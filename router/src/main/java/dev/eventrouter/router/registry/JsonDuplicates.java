package dev.eventrouter.router.registry;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * A key given twice in one object of a registry sent as JSON. HOCON, which reads JSON too, merges
 * them, the second silently changing or adding to the first; a JSON sender meant one of them. The
 * whole text is read first: one that is not JSON is HOCON, whose merging is one of its features.
 */
final class JsonDuplicates {

  private static final JsonFactory JSON = new JsonFactory();

  private JsonDuplicates() {}

  /** The path of the first key given twice in its object, if the text is JSON and has one. */
  static Optional<String> first(String text) {
    Deque<Set<String>> keys = new ArrayDeque<>();
    String first = null;
    try (JsonParser parser = JSON.createParser(text)) {
      for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken()) {
        if (token == JsonToken.START_OBJECT) {
          keys.push(new HashSet<>());
        } else if (token == JsonToken.END_OBJECT) {
          keys.pop();
        } else if (token == JsonToken.FIELD_NAME
            && !keys.peek().add(parser.currentName())
            && first == null) {
          first = path(parser.getParsingContext());
        }
      }
    } catch (IOException notJson) {
      return Optional.empty();
    }
    return Optional.ofNullable(first);
  }

  /** As the loader names places: {@code sources.s.destinations[0].id}. */
  private static String path(JsonStreamContext context) {
    Deque<String> parts = new ArrayDeque<>();
    for (JsonStreamContext at = context; at != null && !at.inRoot(); at = at.getParent()) {
      parts.push(at.inArray() ? "[" + at.getCurrentIndex() + "]" : "." + at.getCurrentName());
    }
    String path = String.join("", parts);
    return path.startsWith(".") ? path.substring(1) : path;
  }
}
