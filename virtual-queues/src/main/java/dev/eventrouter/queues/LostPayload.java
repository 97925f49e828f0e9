package dev.eventrouter.queues;

import dev.eventrouter.persistence.job.Attempt;
import dev.eventrouter.persistence.job.DiscardOrigin;
import dev.eventrouter.persistence.job.JobEvent;
import java.time.Instant;

/**
 * A live job whose payload the journal no longer holds where its index says (the row is gone), or
 * holds in bytes that cannot be read. It can be neither sent nor archived, and reading again cannot
 * help: it is discarded by the system so that the jobs of its pair go on. The attempt it carries is
 * the one that could not be made.
 */
public final class LostPayload {

  /** The journal has no row where the job's payload should be. */
  public static final String MISSING = "payload-missing";

  /** The row is there, but its bytes cannot be deserialized. */
  public static final String UNREADABLE = "payload-unreadable";

  private LostPayload() {}

  static JobEvent.Discarded discard(PendingJob job, boolean unreadable, Instant at) {
    String reason = unreadable ? UNREADABLE : MISSING;
    return new JobEvent.Discarded(
        job.id(), Attempt.failed(job.attempts() + 1, at, at, reason), reason, DiscardOrigin.SYSTEM);
  }
}
