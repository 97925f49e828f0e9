package dev.eventrouter.router.archive;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.queues.VirtualQueue;
import dev.eventrouter.queues.VirtualQueues;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts archived jobs back into their pairs' queues: every job of a pair (or of every pair of a
 * destination) created within a time range, with a fresh expiry. A replayed job has an id derived
 * from the archived one and names it ({@link Job#replayOf()}), so its trace shows the replay and
 * replaying it again makes the same job, which its queue holds only once.
 *
 * <p>That holds only while the queue remembers the job (its dedupe window), so each job is replayed
 * once per replay intent by {@link ReplayClaims}: a replay claims jobs before it enqueues them and
 * confirms the claim once the queue acknowledged them; later replays skip claimed jobs unless
 * forced, whichever object they find them in. A claim left unconfirmed (the replay stopped between
 * the two writes) is taken over while the queue would still recognise the job, and after that left
 * alone and reported: enqueueing it then could deliver it twice.
 *
 * <p>A replayed job goes where its pair's route goes now: to the endpoint, with the headers, its
 * destination has at the replay, not those in the archive object. Objects are this router's, but
 * whoever can write to the bucket could otherwise have a replay send a destination's secrets (its
 * headers name them) to a host of their choosing. A line that is not a whole job of the object's
 * pair is skipped and counted, and the rest replayed.
 */
public final class Replayer {

  private static final Logger log = LoggerFactory.getLogger(Replayer.class);
  private static final int ENQUEUE_BATCH = 500;

  /** Where replayed jobs go: their pair's virtual queue. */
  @FunctionalInterface
  public interface Queues {
    /** Completes once the jobs are durable; see {@link VirtualQueues#enqueue}. */
    CompletionStage<VirtualQueue.Accepted> enqueue(PairId pair, List<Job> jobs);
  }

  /** A pair's route as it is now. */
  @FunctionalInterface
  public interface Routing {
    /** Empty when the pair's source does not send to its destination (now). */
    Optional<Route> of(PairId pair);
  }

  /**
   * @param endpoint where the pair's jobs go
   * @param headers its destination's headers (secrets by reference)
   * @param expireAfter how long a replayed job has, from the replay, before it expires again
   */
  public record Route(String endpoint, Map<String, String> headers, Duration expireAfter) {}

  /**
   * @param source one source, or null for every source archived for the destination
   * @param from the earliest creation time replayed (inclusive)
   * @param to the latest creation time replayed (exclusive)
   * @param force replay jobs replayed before too
   */
  public record Request(
      String source, String destination, Instant from, Instant to, boolean force) {
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
   * @param objects archive objects replayed from
   * @param skipped archive objects read with no job left to replay (each replayed before, or found
   *     in another object already)
   * @param jobs archived jobs replayed: enqueued, or found in their queue already
   * @param enqueued jobs put back into their queues
   * @param duplicates jobs their queues already held (replayed before, within the dedupe window)
   * @param replayedBefore jobs in the range that earlier replays put back, not replayed again
   * @param resumed jobs of them an earlier replay claimed but did not confirm (it stopped half
   *     way), replayed again while their queue would still recognise them
   * @param unconfirmed jobs an earlier replay claimed but did not confirm, longer ago than the
   *     queues' dedupe window: not replayed (their queue may have delivered them and forgotten them
   *     since); {@code force} replays them
   * @param unreadable lines of the objects that are no whole job of their pair (and objects cut
   *     short): skipped, each logged with its object's key
   * @param unrouted pairs archived whose source no longer sends to the destination: not replayed
   *     (the first {@link #NAMED} of them; {@code unroutedCount} counts them all)
   * @param pairs the pairs replayed (the first {@link #NAMED}; {@code pairCount} counts them all)
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Report(
      List<String> pairs,
      int pairCount,
      int objects,
      int skipped,
      long jobs,
      long enqueued,
      long duplicates,
      long replayedBefore,
      long resumed,
      long unconfirmed,
      long unreadable,
      List<String> unrouted,
      int unroutedCount) {

    /**
     * Pairs a report names, of each kind: a replay of every source of a destination may go over a
     * hundred thousand, and its report is copied after each object and read by every poll.
     */
    public static final int NAMED = 100;
  }

  private final ArchiveStore store;
  private final ArchiveKeys keys;
  private final Queues queues;
  private final Routing routing;
  private final Executor blocking;
  private final Clock clock;
  private final Duration dedupeWindow;
  private final LongConsumer replayed;
  private CompletableFuture<Report> last = CompletableFuture.completedFuture(null);

  /**
   * @param dedupeWindow the virtual queues' dedupe window: how long after a job finished its queue
   *     recognises it when it is enqueued again
   * @param replayed told how many jobs each replay enqueued (for metrics)
   */
  public Replayer(
      ArchiveStore store,
      ArchiveKeys keys,
      Queues queues,
      Routing routing,
      Executor blocking,
      Clock clock,
      Duration dedupeWindow,
      LongConsumer replayed) {
    this.store = store;
    this.keys = keys;
    this.queues = queues;
    this.routing = routing;
    this.blocking = blocking;
    this.clock = clock;
    this.dedupeWindow = dedupeWindow;
    this.replayed = replayed;
  }

  /**
   * Runs the replay after those this node runs already: a replay reads the claims before it claims,
   * so two at once could both find a job unclaimed (replays on two nodes at once rely on the
   * derived ids while their queue remembers the job).
   *
   * @param id names the replay in its claims
   */
  public CompletionStage<Report> replay(String id, Request request) {
    return replay(id, request, sofar -> {});
  }

  /**
   * @param progress told the counts so far after each archive object, on the replay's thread
   */
  public synchronized CompletionStage<Report> replay(
      String id, Request request, Consumer<Report> progress) {
    last =
        last.handle((previous, failure) -> null)
            .thenApplyAsync(ignored -> run(id, request, progress), blocking);
    return last;
  }

  private Report run(String id, Request request, Consumer<Report> progress) {
    List<String> sources =
        request.source() != null ? List.of(request.source()) : store.folders(keys.root());
    Tally tally = new Tally();
    for (String source : sources) {
      if (!PairId.ID.matcher(source).matches()) {
        continue; // not a folder this router wrote
      }
      PairId pair = new PairId(source, request.destination());
      // the objects of the range's hours only: a pair's archive grows for as long as it runs
      List<String> pairKeys =
          store.keys(
              keys.pairPrefix(pair),
              keys.keysFrom(pair, request.from()).orElse(null),
              keys.keysBefore(pair, request.to()).orElse(null));
      if (pairKeys.isEmpty()) {
        continue;
      }
      Route route = routing.of(pair).orElse(null);
      if (route == null) {
        tally.unrouted(pair);
        continue;
      }
      tally.replaying(pair);
      ReplayClaims claims = new ReplayClaims(store, keys, pair);
      // a job archived twice (its batch sent again after a crash) is in two objects: once here
      Set<Ksuid> seen = new HashSet<>();
      for (String key : pairKeys) {
        Instant hour = keys.hourOf(key).orElse(null);
        if (hour == null
            || !hour.plus(Duration.ofHours(1)).isAfter(request.from())
            || !hour.isBefore(request.to())) {
          continue;
        }
        if (replayObject(id, request, pair, route, claims, key, seen, tally)) {
          tally.objects++;
        } else {
          tally.skipped++;
        }
        progress.accept(tally.report());
      }
    }
    replayed.accept(tally.enqueued);
    Report report = tally.report();
    log.info(
        "replay {} of {} {} from {} to {}: {}",
        id,
        request.source() == null ? "every source of" : request.source(),
        request.destination(),
        request.from(),
        request.to(),
        report);
    if (report.unconfirmed() > 0) {
      log.warn(
          "replay {}: {} jobs were claimed by replays that did not confirm enqueueing them, longer ago"
              + " than the queues' dedupe window ({}); they are not replayed again (their queues may have"
              + " delivered them); replay with force to deliver them anyway",
          id,
          report.unconfirmed(),
          dedupeWindow);
    }
    return report;
  }

  /**
   * Enqueues the object's jobs of the pair within the request's range, a batch at a time as they
   * are read (an object is never held whole: it may be large, or made so by anyone with access to
   * the bucket), and counts the lines that are no job of the pair; true if any job was enqueued.
   */
  private boolean replayObject(
      String id,
      Request request,
      PairId pair,
      Route route,
      ReplayClaims claims,
      String key,
      Set<Ksuid> seen,
      Tally tally) {
    List<Job> batch = new ArrayList<>(ENQUEUE_BATCH);
    long jobsBefore = tally.jobs;
    long[] notOfThePair = {0};
    int unreadable;
    try (InputStream object = store.open(key)) {
      unreadable =
          ArchiveRecords.read(
              object,
              record -> {
                Job job = jobOf(pair, record);
                if (job == null) {
                  notOfThePair[0]++;
                  return;
                }
                if (!job.createdAt().isBefore(request.from())
                    && job.createdAt().isBefore(request.to())
                    && seen.add(job.id())
                    && (request.force() || notTaken(claims, job, tally))) {
                  batch.add(job);
                  if (batch.size() == ENQUEUE_BATCH) {
                    enqueue(id, pair, route, claims, batch, tally);
                    batch.clear();
                  }
                }
              });
    } catch (IOException closing) {
      throw new UncheckedIOException("closing archive object " + key + " failed", closing);
    }
    if (!batch.isEmpty()) {
      enqueue(id, pair, route, claims, batch, tally);
    }
    long skippedLines = unreadable + notOfThePair[0];
    if (skippedLines > 0) {
      log.warn(
          "archive object {}: {} lines are no whole job of pair {}; skipped, the rest replayed",
          key,
          skippedLines,
          pair.entityId());
      tally.unreadable += skippedLines;
    }
    return tally.jobs > jobsBefore;
  }

  /** The record's job if it is one of the pair's, else null. */
  private static Job jobOf(PairId pair, ArchiveRecords.Record record) {
    if (!pair.source().equals(record.source())
        || !pair.destination().equals(record.destination())) {
      return null;
    }
    try {
      return record.job();
    } catch (RuntimeException notAJob) {
      return null;
    }
  }

  /** Whether no earlier replay took the job; counts those that did. */
  private boolean notTaken(ReplayClaims claims, Job job, Tally tally) {
    ReplayClaims.Claim claim = claims.of(job.id(), job.createdAt()).orElse(null);
    if (claim == null) {
      return true;
    }
    if (claim.enqueued()) {
      tally.replayedBefore++;
      return false;
    }
    // if that replay did enqueue it, the job finished after it was claimed: its queue knows it
    // until at least a dedupe window after the claim
    if (clock.instant().isBefore(claim.firstClaimedAt().plus(dedupeWindow))) {
      tally.resumed++;
      return true;
    }
    tally.unconfirmed++;
    return false;
  }

  private void enqueue(
      String id, PairId pair, Route route, ReplayClaims claims, List<Job> archived, Tally tally) {
    tally.jobs += archived.size();
    Instant now = clock.instant();
    Map<Instant, List<Job>> byHour =
        archived.stream()
            .collect(
                Collectors.groupingBy(
                    job -> ArchiveKeys.hour(job.createdAt()), TreeMap::new, Collectors.toList()));
    byHour.forEach(
        (hour, jobs) -> {
          for (int i = 0; i < jobs.size(); i += ENQUEUE_BATCH) {
            List<Job> batch = jobs.subList(i, Math.min(jobs.size(), i + ENQUEUE_BATCH));
            ReplayClaims.Taken taken =
                claims.claim(id, hour, batch.stream().map(Job::id).toList(), now);
            VirtualQueue.Accepted accepted =
                queues
                    .enqueue(
                        pair,
                        batch.stream()
                            .map(
                                job ->
                                    job.replay(
                                        now,
                                        route.expireAfter(),
                                        route.endpoint(),
                                        route.headers()))
                            .toList())
                    .toCompletableFuture()
                    .join();
            claims.confirm(taken);
            tally.enqueued += accepted.enqueued();
            tally.duplicates += accepted.duplicates();
          }
        });
  }

  /** A replay's counts as it goes. */
  private static final class Tally {
    final List<String> pairs = new ArrayList<>();
    int pairCount;
    int objects;
    int skipped;
    long jobs;
    long enqueued;
    long duplicates;
    long replayedBefore;
    long resumed;
    long unconfirmed;
    long unreadable;
    final List<String> unrouted = new ArrayList<>();
    int unroutedCount;

    void replaying(PairId pair) {
      pairCount++;
      if (pairs.size() < Report.NAMED) {
        pairs.add(pair.entityId());
      }
    }

    void unrouted(PairId pair) {
      unroutedCount++;
      if (unrouted.size() < Report.NAMED) {
        unrouted.add(pair.entityId());
      }
    }

    /** A copy: a report so far is read by others while the replay goes on. */
    Report report() {
      return new Report(
          List.copyOf(pairs),
          pairCount,
          objects,
          skipped,
          jobs,
          enqueued,
          duplicates,
          replayedBefore,
          resumed,
          unconfirmed,
          unreadable,
          List.copyOf(unrouted),
          unroutedCount);
    }
  }
}
