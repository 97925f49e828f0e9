package dev.eventrouter.router.archive;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.queues.VirtualQueue;
import dev.eventrouter.queues.VirtualQueues;
import dev.eventrouter.queues.destination.DestinationSettings;
import dev.eventrouter.queues.destination.Destinations;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import dev.eventrouter.persistence.job.Ksuid;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts archived jobs back into their pairs' queues: every job of a pair (or of every pair of a
 * destination) created within a time range, with a fresh expiry. A replayed job has an id
 * derived from the archived one and names it ({@link Job#replayOf()}), so its trace shows the
 * replay and replaying it again makes the same job, which its queue holds only once.
 *
 * <p>Each object replayed from gets a marker naming the jobs replayed from it; a later replay
 * skips those unless forced, so that replaying twice (or two ranges that share an hour) does not
 * deliver twice even after the queue's dedupe window has passed.
 */
public final class Replayer {

  private static final Logger log = LoggerFactory.getLogger(Replayer.class);
  private static final int ENQUEUE_BATCH = 500;
  private static final Duration DEFAULT_EXPIRY = Duration.ofHours(4);

  /**
   * @param source one source, or null for every source archived for the destination
   * @param from the earliest creation time replayed (inclusive)
   * @param to the latest creation time replayed (exclusive)
   * @param force replay objects replayed before too
   */
  public record Request(String source, String destination, Instant from, Instant to, boolean force) {
    public Request {
      Objects.requireNonNull(destination, "destination");
      Objects.requireNonNull(from, "from");
      Objects.requireNonNull(to, "to");
      if (!from.isBefore(to)) {
        throw new IllegalArgumentException("from must be before to");
      }
    }
  }

  /**
   * What a replay did.
   *
   * @param objects archive objects read
   * @param skipped objects left alone because every job of theirs was replayed before
   * @param jobs archived jobs found in the range
   * @param enqueued jobs put back into their queues
   * @param duplicates jobs their queues already held (replayed before, within the dedupe window)
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Report(List<String> pairs, int objects, int skipped, long jobs, long enqueued,
      long duplicates) {}

  private final ArchiveStore store;
  private final ArchiveKeys keys;
  private final VirtualQueues queues;
  private final Destinations destinations;
  private final Executor blocking;
  private final Clock clock;
  private final LongConsumer replayed;

  /** @param replayed told how many jobs each replay enqueued (for metrics) */
  public Replayer(ArchiveStore store, ArchiveKeys keys, VirtualQueues queues,
      Destinations destinations, Executor blocking, Clock clock, LongConsumer replayed) {
    this.store = store;
    this.keys = keys;
    this.queues = queues;
    this.destinations = destinations;
    this.blocking = blocking;
    this.clock = clock;
    this.replayed = replayed;
  }

  public CompletionStage<Report> replay(Request request) {
    return CompletableFuture.supplyAsync(() -> run(request), blocking);
  }

  private Report run(Request request) {
    List<String> sources = request.source() != null
        ? List.of(request.source())
        : store.folders(keys.root());
    List<String> pairs = new ArrayList<>();
    int objects = 0;
    int skipped = 0;
    long jobs = 0;
    long enqueued = 0;
    long duplicates = 0;
    for (String source : sources) {
      if (!PairId.ID.matcher(source).matches()) {
        continue; // not a folder this router wrote
      }
      PairId pair = new PairId(source, request.destination());
      List<String> pairKeys = store.keys(keys.pairPrefix(pair));
      if (pairKeys.isEmpty()) {
        continue;
      }
      pairs.add(pair.entityId());
      // a job archived twice (its batch sent again after a crash) is in two objects: once here
      Set<Ksuid> seen = new HashSet<>();
      for (String key : pairKeys) {
        Instant hour = keys.hourOf(key).orElse(null);
        if (hour == null || !hour.plus(Duration.ofHours(1)).isAfter(request.from())
            || !hour.isBefore(request.to())) {
          continue;
        }
        String marker = keys.replayMarker(key);
        Set<String> replayedBefore = request.force() ? new HashSet<>() : ReplayMarker.read(store, marker);
        List<ArchiveRecords.Record> records = ArchiveRecords.read(store.get(key));
        if (!replayedBefore.isEmpty()
            && records.stream().allMatch(r -> replayedBefore.contains(r.id().toString()))) {
          skipped++;
          continue;
        }
        objects++;
        List<Job> toReplay = records.stream().map(ArchiveRecords.Record::job)
            .filter(job -> !job.createdAt().isBefore(request.from()) && job.createdAt().isBefore(request.to()))
            .filter(job -> !replayedBefore.contains(job.id().toString()) && seen.add(job.id()))
            .toList();
        jobs += toReplay.size();
        VirtualQueue.Accepted accepted = enqueue(pair, toReplay);
        enqueued += accepted.enqueued();
        duplicates += accepted.duplicates();
        toReplay.forEach(job -> replayedBefore.add(job.id().toString()));
        ReplayMarker.write(store, marker, replayedBefore, clock.instant());
      }
    }
    replayed.accept(enqueued);
    Report report = new Report(pairs, objects, skipped, jobs, enqueued, duplicates);
    log.info("replayed {} {} from {} to {}: {}", request.source() == null ? "every source of" : request.source(),
        request.destination(), request.from(), request.to(), report);
    return report;
  }

  private VirtualQueue.Accepted enqueue(PairId pair, List<Job> archived) {
    Instant now = clock.instant();
    Duration expireAfter = destinations.find(pair).map(DestinationSettings::expireAfter).orElse(DEFAULT_EXPIRY);
    int enqueued = 0;
    int duplicates = 0;
    for (int i = 0; i < archived.size(); i += ENQUEUE_BATCH) {
      List<Job> batch = archived.subList(i, Math.min(archived.size(), i + ENQUEUE_BATCH)).stream()
          .map(job -> job.replay(now, expireAfter)).toList();
      VirtualQueue.Accepted accepted = queues.enqueue(pair, batch).toCompletableFuture().join();
      enqueued += accepted.enqueued();
      duplicates += accepted.duplicates();
    }
    return new VirtualQueue.Accepted(enqueued, duplicates);
  }
}
