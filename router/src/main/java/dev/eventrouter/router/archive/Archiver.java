package dev.eventrouter.router.archive;

import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.queues.archive.ArchivedJob;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.stream.Collectors;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.pattern.StatusReply;

/**
 * This node's archiver: takes the jobs the virtual queues hand to the archive, a batch of one pair
 * at a time, and writes them to S3 as one object per creation hour (gzip NDJSON, see {@link
 * ArchiveRecords} and {@link ArchiveKeys}). At most {@code maxConcurrentUploads} objects are
 * written at once, however many queues expire together; the rest wait here in arrival order.
 *
 * <p>It answers only once S3 acknowledged every object of a batch; a failure is answered as such
 * and the queue sends the batch again later (with backoff). An object's key depends only on its
 * jobs, so writing a batch again replaces its objects with the same content.
 */
public final class Archiver extends AbstractBehavior<Archiver.Command> {

  public sealed interface Command {}

  /**
   * Archive these jobs of one pair; the reply maps each job to its object's location. A request
   * still waiting at its deadline is dropped (the queue has given up on it and sends the batch
   * again), so abandoned batches do not pile up behind a slow S3.
   */
  public record Store(
      PairId pair,
      List<ArchivedJob> jobs,
      Instant deadline,
      ActorRef<StatusReply<Map<Ksuid, String>>> replyTo)
      implements Command, NoSerializationVerificationNeeded {}

  private record Stored(Store request, Map<Ksuid, String> locations, Throwable failure)
      implements Command, NoSerializationVerificationNeeded {}

  /** Told what was written (for metrics); called from the upload threads. */
  public interface Listener {
    void stored(int objects, long bytes);

    void failed();
  }

  public static Behavior<Command> create(
      ArchiveStore store,
      ArchiveKeys keys,
      int maxConcurrentUploads,
      int maxWaiting,
      Executor blocking,
      Listener listener) {
    return Behaviors.setup(
        context ->
            new Archiver(
                context, store, keys, maxConcurrentUploads, maxWaiting, blocking, listener));
  }

  private final ArchiveStore store;
  private final ArchiveKeys keys;
  private final int maxConcurrentUploads;
  private final int maxWaiting;
  private final Executor blocking;
  private final Listener listener;
  private final ArrayDeque<Store> waiting = new ArrayDeque<>();
  private int uploading;

  private Archiver(
      ActorContext<Command> context,
      ArchiveStore store,
      ArchiveKeys keys,
      int maxConcurrentUploads,
      int maxWaiting,
      Executor blocking,
      Listener listener) {
    super(context);
    this.maxWaiting = maxWaiting;
    this.listener = listener;
    this.store = store;
    this.keys = keys;
    this.maxConcurrentUploads = maxConcurrentUploads;
    this.blocking = blocking;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Store.class, this::onStore)
        .onMessage(Stored.class, this::onStored)
        .build();
  }

  private Behavior<Command> onStore(Store request) {
    if (request.jobs().isEmpty()) {
      request.replyTo().tell(StatusReply.success(Map.of()));
    } else if (uploading < maxConcurrentUploads) {
      upload(request);
    } else if (waiting.size() < maxWaiting) {
      waiting.add(request);
    } else {
      // the queue drops the batch and sends it again later: none held here beyond the bound
      request
          .replyTo()
          .tell(
              StatusReply.error(
                  "the archive is busy: " + waiting.size() + " batches wait for an upload slot"));
    }
    return this;
  }

  private Behavior<Command> onStored(Stored stored) {
    uploading--;
    if (stored.failure() != null) {
      listener.failed();
      getContext()
          .getLog()
          .warn(
              "archiving {} jobs of {} to S3 failed: {}",
              stored.request().jobs().size(),
              stored.request().pair(),
              stored.failure().toString());
      stored.request().replyTo().tell(StatusReply.error(stored.failure()));
    } else {
      stored.request().replyTo().tell(StatusReply.success(stored.locations()));
    }
    Store next;
    while ((next = waiting.poll()) != null) {
      if (Instant.now().isBefore(next.deadline())) {
        upload(next);
        break;
      }
      next.replyTo().tell(StatusReply.error("waited past its deadline for an upload slot"));
    }
    return this;
  }

  private void upload(Store request) {
    uploading++;
    getContext()
        .pipeToSelf(
            CompletableFuture.supplyAsync(() -> write(request), blocking),
            (locations, failure) -> new Stored(request, locations, failure));
  }

  /** One object per creation hour; blocking. */
  private Map<Ksuid, String> write(Store request) {
    Map<Instant, List<ArchivedJob>> byHour =
        request.jobs().stream()
            .collect(
                Collectors.groupingBy(
                    job -> ArchiveKeys.hour(job.job().createdAt()),
                    TreeMap::new,
                    Collectors.toList()));
    Map<Ksuid, String> locations = new HashMap<>();
    byHour.forEach(
        (hour, jobs) -> {
          List<ArchivedJob> sorted =
              jobs.stream().sorted(Comparator.comparing(job -> job.job().id())).toList();
          String key =
              keys.object(
                  request.pair(), hour, sorted.stream().map(job -> job.job().id()).toList());
          byte[] object = ArchiveRecords.write(sorted);
          store.put(key, object, "application/x-ndjson");
          listener.stored(1, object.length);
          String location = store.location(key);
          sorted.forEach(job -> locations.put(job.job().id(), location));
        });
    return locations;
  }
}
