package dev.eventrouter.router.archive;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.persistence.job.PairId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The archived jobs of one pair that replays took, kept beside the archive by job, not by the
 * object a job was read from: a job archived twice (a batch written again) is in two objects but
 * has one creation hour, and its claims are in that hour's folder (see {@link
 * ArchiveKeys#replayClaims}), one JSON object per replay and batch: {@code {"replay": id,
 * "claimedAt": t, "enqueued": true|false, "jobs": [archived ids]}}.
 *
 * <p>A claim is written before its jobs are enqueued and marked {@code enqueued} once their queue
 * acknowledged them, so a replay that stopped in between (a crash, a failed enqueue) leaves a claim
 * that says it may or may not have enqueued them. Markers of earlier versions ({@code
 * {"replayedAt": t, "jobs": [...]}}, one per object, in the same folders) count as enqueued.
 */
final class ReplayClaims {

  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .addModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .serializationInclusion(JsonInclude.Include.NON_NULL)
          .build();

  /** One claim as stored; {@code enqueued} is null in markers of earlier versions. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record Stored(String replay, Instant claimedAt, Boolean enqueued, Set<String> jobs) {
    boolean confirmed() {
      return enqueued == null || enqueued;
    }
  }

  /**
   * What replays did with one job so far.
   *
   * @param enqueued a replay had its queue acknowledge it
   * @param firstClaimedAt when a replay first claimed it: an enqueue of it, if any happened, came
   *     after this
   */
  record Claim(boolean enqueued, Instant firstClaimedAt) {
    Claim merge(Claim other) {
      return new Claim(
          enqueued || other.enqueued,
          firstClaimedAt.isBefore(other.firstClaimedAt) ? firstClaimedAt : other.firstClaimedAt);
    }
  }

  private final ArchiveStore store;
  private final ArchiveKeys keys;
  private final PairId pair;

  /** The claims of each creation hour read so far, by job id. */
  private final Map<Instant, Map<String, Claim>> byHour = new HashMap<>();

  private int written;

  ReplayClaims(ArchiveStore store, ArchiveKeys keys, PairId pair) {
    this.store = store;
    this.keys = keys;
    this.pair = pair;
  }

  /** What replays did with an archived job created at {@code createdAt}; empty if none took it. */
  Optional<Claim> of(Ksuid job, Instant createdAt) {
    return Optional.ofNullable(hour(ArchiveKeys.hour(createdAt)).get(job.toString()));
  }

  /** A claim written, to be confirmed once its jobs are enqueued. */
  record Taken(String key, Instant hour, Stored claim) {}

  /**
   * Records, before they are enqueued, that this replay takes these jobs (all created within {@code
   * hour}).
   */
  Taken claim(String replay, Instant hour, Collection<Ksuid> jobs, Instant at) {
    Set<String> ids = new TreeSet<>();
    jobs.forEach(id -> ids.add(id.toString()));
    Taken taken =
        new Taken(
            keys.replayClaims(pair, hour) + replay + "-" + (++written) + ".json",
            hour,
            new Stored(replay, at, false, ids));
    record(taken);
    return taken;
  }

  /** Records that the queue acknowledged the claimed jobs. */
  void confirm(Taken taken) {
    Stored claim = taken.claim();
    record(
        new Taken(
            taken.key(),
            taken.hour(),
            new Stored(claim.replay(), claim.claimedAt(), true, claim.jobs())));
  }

  private void record(Taken taken) {
    try {
      store.put(taken.key(), JSON.writeValueAsBytes(taken.claim()), "application/json");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Claim claim = new Claim(taken.claim().confirmed(), taken.claim().claimedAt());
    Map<String, Claim> known = hour(taken.hour());
    taken.claim().jobs().forEach(id -> known.merge(id, claim, Claim::merge));
  }

  private Map<String, Claim> hour(Instant hour) {
    return byHour.computeIfAbsent(
        hour,
        h -> {
          Map<String, Claim> claims = new HashMap<>();
          List<String> claimKeys = store.keys(keys.replayClaims(pair, h));
          for (String key : claimKeys) {
            Stored stored = read(key);
            // an earlier version's marker has no claim time: as old as can be
            Claim claim =
                new Claim(
                    stored.confirmed(),
                    stored.claimedAt() != null ? stored.claimedAt() : Instant.EPOCH);
            stored.jobs().forEach(id -> claims.merge(id, claim, Claim::merge));
          }
          return claims;
        });
  }

  private Stored read(String key) {
    try {
      Stored stored = JSON.readValue(store.get(key), Stored.class);
      if (stored.jobs() == null) {
        throw new IOException("it names no jobs");
      }
      return stored;
    } catch (IOException e) {
      throw new UncheckedIOException(
          "unreadable replay claim " + store.location(key) + ": " + e.getMessage(), e);
    }
  }
}
