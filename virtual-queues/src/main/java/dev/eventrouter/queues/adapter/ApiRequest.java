package dev.eventrouter.queues.adapter;

import java.net.URI;
import java.util.Map;

/**
 * The request an {@link ApiAdapter} makes for some jobs: POSTed to {@code endpoint}.
 *
 * @param headers besides {@code Content-Type}; values with their secrets looked up
 */
public record ApiRequest(
    URI endpoint, String contentType, Map<String, String> headers, byte[] body) {

  public ApiRequest {
    headers = Map.copyOf(headers);
  }
}
