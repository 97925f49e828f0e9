package dev.eventrouter.router.ingest;

/**
 * Why a record did not become jobs. Each goes to the dead-letter topic with the record's original
 * bytes, under the reason's {@link #label()}, and is counted by it.
 */
public enum Rejection {
  NO_SOURCE_KEY("no-source-key"),
  UNKNOWN_SOURCE("unknown-source"),
  PAYLOAD_TOO_LARGE("payload-too-large"),
  NOT_JSON("not-json"),
  NO_MESSAGE_ID("no-message-id"),
  /**
   * An event of a batch sent to the Segment-compatible API that is not a valid call of its type.
   */
  INVALID_EVENT("invalid-event");

  private final String label;

  Rejection(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }
}
