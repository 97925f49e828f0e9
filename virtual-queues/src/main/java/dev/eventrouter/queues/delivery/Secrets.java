package dev.eventrouter.queues.delivery;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the values of secret headers come from. A destination's credentials are named in its
 * settings, and a job carries only the reference ({@code {{secret:NAME}}}): the value is looked up
 * when the request is made, so it is never in the journal, the archive, a trace, a metric or a log
 * line.
 */
@FunctionalInterface
public interface Secrets {

  Secrets NONE = name -> Optional.empty();

  /** Secret names: letters, digits, {@code _ . -}; as environment variables and file names. */
  Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_.-]{0,127}");

  /**
   * The secret's value, if it is there now.
   *
   * @throws InvalidSecretException if it is there but cannot be read
   */
  Optional<String> value(String name);

  /** The header value that stands for the secret {@code name}. */
  static String reference(String name) {
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "a secret name must match " + NAME.pattern() + ", not '" + name + "'");
    }
    return "{{secret:" + name + "}}";
  }

  /** The secret a header value stands for, if it is a reference. */
  static Optional<String> referenced(String headerValue) {
    Matcher m = REFERENCE.matcher(headerValue);
    return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
  }

  Pattern REFERENCE = Pattern.compile("\\{\\{secret:(" + NAME.pattern() + ")}}");
}
