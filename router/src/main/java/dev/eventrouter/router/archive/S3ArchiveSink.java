package dev.eventrouter.router.archive;

import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.queues.archive.ArchiveSink;
import dev.eventrouter.queues.archive.ArchivedJob;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/** The virtual queues' archive: hands their batches to this node's {@link Archiver}. */
public final class S3ArchiveSink implements ArchiveSink {

  private final ActorRef<Archiver.Command> archiver;
  private final ActorSystem<?> system;
  private final Duration timeout;

  /**
   * @param timeout how long a batch may wait and upload before the queue tries again: it waits for
   *     an upload slot at most half of it, so that an upload started is answered while the queue
   *     still waits for it (were it started at the end of its wait, its answer would come to
   *     nobody, and the queue would send the batch again, over and over under load)
   */
  public S3ArchiveSink(
      ActorRef<Archiver.Command> archiver, ActorSystem<?> system, Duration timeout) {
    this.archiver = archiver;
    this.system = system;
    this.timeout = timeout;
  }

  @Override
  public CompletionStage<Map<Ksuid, String>> archive(PairId pair, List<ArchivedJob> jobs) {
    Instant deadline = Instant.now().plus(timeout.dividedBy(2));
    return AskPattern.askWithStatus(
        archiver,
        replyTo -> new Archiver.Store(pair, jobs, deadline, replyTo),
        timeout,
        system.scheduler());
  }
}
