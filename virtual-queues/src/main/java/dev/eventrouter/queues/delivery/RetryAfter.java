package dev.eventrouter.queues.delivery;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/** Reads a {@code Retry-After} header: delay-seconds or an HTTP-date (RFC 9110, 10.2.3). */
final class RetryAfter {

  private RetryAfter() {}

  static Optional<Duration> parse(String value, Instant now) {
    String text = value.strip();
    if (text.isEmpty()) {
      return Optional.empty();
    }
    if (text.chars().allMatch(Character::isDigit)) {
      try {
        return Optional.of(Duration.ofSeconds(Long.parseLong(text)));
      } catch (NumberFormatException tooLarge) {
        return Optional.empty();
      }
    }
    try {
      Instant at = ZonedDateTime.parse(text, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
      Duration delay = Duration.between(now, at);
      return Optional.of(delay.isNegative() ? Duration.ZERO : delay);
    } catch (DateTimeParseException notADate) {
      return Optional.empty();
    }
  }
}
