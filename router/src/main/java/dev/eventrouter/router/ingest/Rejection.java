package dev.eventrouter.router.ingest;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Optional;

/**
 * Why a record did not become jobs. Each goes to the dead-letter topic with the record's original
 * bytes, under the reason's {@link #label()}, and is counted by it.
 */
public enum Rejection {
  NO_SOURCE_KEY("no-source-key"),
  /** Fixable: once the source is added to the registry, its dead letters can be re-driven. */
  UNKNOWN_SOURCE("unknown-source", true),
  /** Fixable: once the payload limit is raised. */
  PAYLOAD_TOO_LARGE("payload-too-large", true),
  NOT_JSON("not-json"),
  NO_MESSAGE_ID("no-message-id"),
  /**
   * An event of a batch sent to the Segment-compatible API that is not a valid call of its type.
   */
  INVALID_EVENT("invalid-event"),
  /**
   * The router failed on the record (a defect, logged with the record's coordinates). Fixable: once
   * a version without the defect runs, its dead letters can be re-driven.
   */
  UNPROCESSABLE("unprocessable", true);

  private final String label;
  private final boolean fixable;

  Rejection(String label) {
    this(label, false);
  }

  Rejection(String label, boolean fixable) {
    this.label = label;
    this.fixable = fixable;
  }

  /**
   * Whether an operator can fix the reason without changing the record, so that re-driving its dead
   * letters ({@link DeadLetterRedrive}) can succeed.
   */
  public boolean fixable() {
    return fixable;
  }

  /** The rejection of this label. */
  public static Optional<Rejection> ofLabel(String label) {
    return Arrays.stream(values()).filter(r -> r.label.equals(label)).findFirst();
  }

  @JsonValue
  public String label() {
    return label;
  }
}
