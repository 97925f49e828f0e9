package dev.eventrouter.persistence.job;

import java.util.regex.Pattern;

/**
 * A (source, destination) pair: the unit of isolation. Each pair is one virtual queue, one sharded
 * entity whose id is {@link #entityId()}.
 */
public record PairId(String source, String destination) {

  /** What a source or destination id may look like: no separator, no spaces, bounded length. */
  public static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

  // not '|': Pekko reserves it in entity ids, where it separates persistence id parts
  private static final char SEPARATOR = ':';

  public PairId {
    requireValidId("source", source);
    requireValidId("destination", destination);
  }

  public static PairId ofEntityId(String entityId) {
    int separator = entityId.indexOf(SEPARATOR);
    if (separator < 0) {
      throw new IllegalArgumentException("not a pair id (source:destination): " + entityId);
    }
    return new PairId(entityId.substring(0, separator), entityId.substring(separator + 1));
  }

  public String entityId() {
    return source + SEPARATOR + destination;
  }

  /** Throws with a message naming {@code what} unless {@code id} matches {@link #ID}. */
  public static String requireValidId(String what, String id) {
    if (id == null || !ID.matcher(id).matches()) {
      throw new IllegalArgumentException(
          what + " id must match " + ID.pattern() + (id == null ? ", got none" : ""));
    }
    return id;
  }

  @Override
  public String toString() {
    return entityId();
  }
}
