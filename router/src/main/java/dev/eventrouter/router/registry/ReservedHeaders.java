package dev.eventrouter.router.registry;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Headers a destination may not set. The delivery sets them on every request itself (the request's
 * id, the message's, the attempt, the source, the batch's size and the trace: virtual-queues'
 * {@code Routes}), or the HTTP layer owns them (framing and the connection, which the delivery
 * drops from a job): a destination's would be sent twice, or dropped without a word.
 */
final class ReservedHeaders {

  /** As the delivery writes them; a destination's is compared whatever its case. */
  static final List<String> NAMES =
      List.of(
          "Connection",
          "Content-Length",
          "Host",
          "Idempotency-Key",
          "Transfer-Encoding",
          "X-Batch-Size",
          "X-Delivery-Attempt",
          "X-Message-Id",
          "X-Source-Id",
          "traceparent",
          "tracestate");

  private static final Set<String> LOWER_CASE =
      NAMES.stream()
          .map(name -> name.toLowerCase(Locale.ROOT))
          .collect(Collectors.toUnmodifiableSet());

  private ReservedHeaders() {}

  static boolean isReserved(String name) {
    return LOWER_CASE.contains(name.toLowerCase(Locale.ROOT));
  }
}
