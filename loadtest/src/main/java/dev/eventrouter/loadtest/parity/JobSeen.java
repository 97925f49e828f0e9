package dev.eventrouter.loadtest.parity;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.List;
import java.util.SortedMap;

/**
 * What one router build showed a user of one job: what its destination received, attempt by
 * attempt, and how the job ended, as the operator API's trace and the archive tell it. Only what a
 * user can see, with the fields that vary with timing left out (see {@link #EXCLUDED}).
 *
 * @param jobId as the destination saw it (Idempotency-Key) or the archive holds it; null if neither
 *     ever saw the job
 * @param requests one per attempt received, in attempt order (copies of an attempt are in {@code
 *     duplicates})
 * @param trace the operator API's trace; null when it has none (never had the job, or compacted its
 *     events)
 * @param archived the archive's record of it; null when it was not archived
 * @param duplicates copies of an attempt the destination received more than once, each told as
 *     where it came from (see {@link Duplicate})
 */
public record JobSeen(
    String source,
    String destination,
    String messageId,
    String jobId,
    List<Request> requests,
    Ending ending,
    List<Step> trace,
    ArchiveCopy archived,
    List<Duplicate> duplicates) {

  /**
   * What is not compared, and why: request header {@code x-delivery-attempt} (it is the attempt
   * each request is filed under, so it is compared as that); trace steps' {@code at} and {@code
   * retryAt} (wall-clock instants) and {@code location} (the archive object a job went into is
   * named after the batch it was archived with and the hour: timing); archive records' {@code
   * createdAt} and {@code expireAt} (the wall clock when the router read the event). Header {@code
   * authorization} is compared by its SHA-256, not kept.
   */
  public static final String EXCLUDED =
      "request header x-delivery-attempt (the attempt's key),"
          + " trace at/retryAt (wall clock), trace location (archive object: which jobs were archived"
          + " together, and the hour), archive createdAt/expireAt (wall clock at ingest)";

  public JobSeen {
    requests = List.copyOf(requests);
    trace = trace == null ? null : List.copyOf(trace);
    duplicates = List.copyOf(duplicates);
  }

  /** {@code destination/messageId}: the job's name in a report. */
  public String key() {
    return destination + "/" + messageId;
  }

  /**
   * One attempt as the destination received it.
   *
   * @param status what the black hole answered (a function of destination, messageId and attempt)
   * @param bodySha256 the body's digest (payloads are never kept)
   * @param headers every header but the excluded ones, names in lower case
   */
  public record Request(
      int attempt, int status, String bodySha256, SortedMap<String, String> headers) {}

  /** One step of a trace: its fields but the excluded ones, as JSON text. */
  public record Step(SortedMap<String, String> fields) {}

  /**
   * The archive's record of the job: its fields but the excluded ones, as JSON text, the payload as
   * its SHA-256; its trace apart.
   */
  public record ArchiveCopy(SortedMap<String, String> fields, List<Step> trace) {}

  /**
   * An attempt received again (attempt 0: a job archived twice, differently).
   *
   * @param acrossTheKill each copy came from another life of the router (before its kill, after its
   *     restart): the at-least-once an unclean stop allows; two from one life are unexplained
   * @param sameContent every copy had the same body and headers
   * @param secondsBeforeTheKill when the first copy was received, before the kill; -1 when not
   *     across the kill
   */
  public record Duplicate(
      int attempt,
      int copies,
      boolean acrossTheKill,
      boolean sameContent,
      double secondsBeforeTheKill) {

    /**
     * How long before the kill a request may have left for its outcome to be still unwritten when
     * the router died: outcomes are written within a fraction of a second (outcome-batch-delay, 300
     * ms by default, and a journal write); 30 s covers a machine loaded ten times over. An older
     * copy sent again means an outcome the router had written and lost.
     */
    public static final double IN_FLIGHT_SECONDS = 30;

    /**
     * What the kill explains: one copy each side of it, alike, the first in flight when it came.
     */
    public boolean explained() {
      return acrossTheKill && sameContent && secondsBeforeTheKill <= IN_FLIGHT_SECONDS;
    }
  }

  /** How a job ended. */
  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
  @JsonSubTypes({
    @JsonSubTypes.Type(value = Delivered.class, name = "delivered"),
    @JsonSubTypes.Type(value = Discarded.class, name = "discarded"),
    @JsonSubTypes.Type(value = Archived.class, name = "archived"),
    @JsonSubTypes.Type(value = Unfinished.class, name = "unfinished")
  })
  public sealed interface Ending permits Delivered, Discarded, Archived, Unfinished {}

  public record Delivered(int attempt) implements Ending {}

  /**
   * @param reason and origin as the trace tells; null when there was no trace to tell
   */
  public record Discarded(int attempt, String reason, String origin) implements Ending {}

  /**
   * @param reason why, as the archiving step tells (e.g. expired)
   */
  public record Archived(String reason) implements Ending {}

  /**
   * @param state the last state seen, or why none was
   */
  public record Unfinished(String state) implements Ending {}
}
