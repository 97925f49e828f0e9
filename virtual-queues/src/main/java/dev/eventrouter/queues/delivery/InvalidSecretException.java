package dev.eventrouter.queues.delivery;

/**
 * A secret is there but cannot be used: its file cannot be read, or its value cannot be a header's.
 * The message names the secret and the reason, never the value.
 */
public final class InvalidSecretException extends RuntimeException {

  private final String name;

  public InvalidSecretException(String name, String reason) {
    super("secret " + name + " cannot be used: " + reason, null, false, false);
    this.name = name;
  }

  public String name() {
    return name;
  }
}
