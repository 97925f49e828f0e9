package dev.eventrouter.persistence.journal;

import java.util.concurrent.CompletionStage;

/**
 * Deletes the journal rows a virtual queue no longer needs: its events below the low watermark (the
 * oldest event still carrying a live job's payload) that a snapshot already covers, and its older
 * snapshots. Journal rows then track live jobs, not history (Centrifuge drops whole tables; a queue
 * deletes its own prefix). Never a queue's newest event, from which the journal continues its
 * sequence numbers.
 */
@FunctionalInterface
public interface JournalCompaction {

  /**
   * Deletes the events below {@code eventsBelow} and the snapshots below {@code snapshotsBelow};
   * completes with the number of events deleted.
   *
   * @param eventsBelow at most the sequence number of the newest event, which stays
   */
  CompletionStage<Integer> deleteBelow(String persistenceId, long eventsBelow, long snapshotsBelow);
}
