package dev.eventrouter.queues.delivery;

import java.util.Optional;
import java.util.regex.Pattern;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;

/**
 * What may be a header's name and value in a request this router sends. Pekko HTTP drops a header
 * it cannot render and logs it with a hex dump of its value, then sends the request without it: a
 * credential would be in the log, and the job discarded as the destination's 401. So every value is
 * checked before the request is made, and what is wrong is said without the value.
 */
public final class HeaderText {

  /** RFC 9110 token: what a header's name is made of. */
  private static final Pattern NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}");

  private HeaderText() {}

  /** Why this cannot be a header's name, if it cannot; the name is not secret. */
  public static Optional<String> invalidName(String name) {
    return name != null && NAME.matcher(name).matches()
        ? Optional.empty()
        : Optional.of("a header name is letters, digits and !#$%&'*+.^_`|~- (RFC 9110 token)");
  }

  /**
   * Why this cannot be a header's value, if it cannot: visible ASCII, spaces and tabs only. Never
   * with the value, which may be a secret.
   */
  public static Optional<String> invalidValue(String value) {
    if (value == null) {
      return Optional.of("it has no value");
    }
    Optional<String> control = controlCharacter(value);
    if (control.isPresent()) {
      return control;
    }
    for (int i = 0; i < value.length(); i++) {
      if (value.charAt(i) > 0x7e) {
        return Optional.of("it holds a character that is not ASCII at character " + i);
      }
    }
    return Optional.empty();
  }

  /**
   * Where a value that comes from an event (a message id, a trace's state) holds what no request
   * may carry, however the client writes other characters: a line break or another control
   * character (a tab aside). Never with the value.
   */
  public static Optional<String> controlCharacter(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '\r' || c == '\n') {
        return Optional.of("it holds a line break at character " + i);
      }
      if (c < 0x20 && c != '\t' || c == 0x7f) {
        return Optional.of("it holds a control character at character " + i);
      }
    }
    return Optional.empty();
  }

  /**
   * The media type a {@code Content-Type} header names.
   *
   * @throws IllegalArgumentException saying what is wrong, without the value
   */
  public static ContentType contentType(String value) {
    if (value != null && value.equalsIgnoreCase("application/json")) {
      return ContentTypes.APPLICATION_JSON;
    }
    invalidValue(value)
        .ifPresent(
            problem -> {
              throw new IllegalArgumentException(problem);
            });
    // not the javadsl's parse: it throws NoSuchElementException, which no caller expects
    var parsed = org.apache.pekko.http.scaladsl.model.ContentType.parse(value);
    if (parsed.isLeft()) {
      throw new IllegalArgumentException("not a media type");
    }
    return parsed.toOption().get();
  }
}
