package dev.eventrouter.queues.delivery;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * Reads a {@code Retry-After} header: delay-seconds or an HTTP-date (RFC 9110, 10.2.3), at most
 * {@link #MAX}.
 */
final class RetryAfter {

  /**
   * The longest wait a destination's answer can ask for: longer is taken as this. A job waits no
   * longer than its expiry anyway (then it goes to the archive), and a wait of a year, or of more
   * seconds than an instant holds, is a destination's mistake or its attack, not a plan.
   */
  static final Duration MAX = Duration.ofDays(30);

  private RetryAfter() {}

  static Optional<Duration> parse(String value, Instant now) {
    String text = value.strip();
    if (text.isEmpty()) {
      return Optional.empty();
    }
    if (text.chars().allMatch(Character::isDigit)) {
      try {
        return Optional.of(atMost(Duration.ofSeconds(Long.parseLong(text))));
      } catch (NumberFormatException tooLarge) {
        return Optional.empty();
      }
    }
    try {
      Instant at = ZonedDateTime.parse(text, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
      Duration delay = Duration.between(now, at);
      return Optional.of(delay.isNegative() ? Duration.ZERO : atMost(delay));
    } catch (DateTimeParseException notADate) {
      return Optional.empty();
    }
  }

  private static Duration atMost(Duration delay) {
    return delay.compareTo(MAX) > 0 ? MAX : delay;
  }
}
