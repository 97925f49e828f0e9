package dev.eventrouter.loadtest.blackhole;

import java.util.Map;

/**
 * Sees each delivery request the black hole answered, with its answer: for a harness that keeps
 * what destinations received (the parity harness). Called on the black hole's event loops, many at
 * once; it must not block.
 */
@FunctionalInterface
public interface Tap {

  void answered(Delivery delivery);

  /**
   * @param attempt the request's X-Delivery-Attempt, 0 when it had none
   * @param status the status answered; 0 for a connection reset or a request never answered
   * @param headers every request header, names in lower case, a repeated header's values joined
   *     with ", "
   * @param body the request's body
   */
  record Delivery(
      String destination,
      String messageId,
      int attempt,
      int status,
      Map<String, String> headers,
      byte[] body) {}
}
