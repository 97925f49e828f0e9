package dev.eventrouter.queues.adapter;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/**
 * A destination's answer to one request, as an adapter judges it.
 *
 * @param status the HTTP status (a response came)
 * @param retryAfter the destination's {@code Retry-After}, if it sent one
 * @param body the body's first bytes (at most the client's cap), empty unless the adapter {@link
 *     DestinationAdapter#readsBody reads it}
 */
public record ApiResponse(int status, Optional<Duration> retryAfter, byte[] body) {

  public static ApiResponse of(int status) {
    return new ApiResponse(status, Optional.empty(), new byte[0]);
  }

  public static ApiResponse of(int status, String body) {
    return new ApiResponse(status, Optional.empty(), body.getBytes(StandardCharsets.UTF_8));
  }

  public boolean success() {
    return status >= 200 && status < 300;
  }

  /** The body's JSON, or an empty object when it has none (a proxy's page, a cut body). */
  public JsonNode json() {
    try {
      JsonNode node = SegmentEvent.JSON.readTree(body);
      return node == null ? SegmentEvent.JSON.createObjectNode() : node;
    } catch (IOException e) {
      return SegmentEvent.JSON.createObjectNode();
    }
  }

  /** 408, 429 and 5xx: the request may succeed later as it is. */
  public boolean retryable() {
    return status == 408 || status == 429 || status >= 500;
  }
}
