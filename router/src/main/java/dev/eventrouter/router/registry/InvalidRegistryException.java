package dev.eventrouter.router.registry;

/** A registry file that cannot be used; the message lists every mistake found. */
public final class InvalidRegistryException extends RuntimeException {

  public InvalidRegistryException(String message) {
    super(message);
  }

  public InvalidRegistryException(String message, Throwable cause) {
    super(message, cause);
  }
}
