package dev.eventrouter.router.admin;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.eventrouter.router.archive.Replayer;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The replays this node runs or ran, by id: a replay can take longer than an HTTP request may stay
 * open, so it runs on its own and is asked about. The latest {@link #KEPT} are kept.
 */
final class Replays {

  static final int KEPT = 100;

  enum Status {
    RUNNING,
    DONE,
    FAILED
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  record Replay(
      String id,
      Status status,
      Instant startedAt,
      Instant finishedAt,
      Replayer.Request request,
      Replayer.Report report,
      String error) {}

  private final Map<String, Replay> replays =
      new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Replay> eldest) {
          return size() > KEPT;
        }
      };

  /** Starts the replay (after those running on this node); its record is there at once, RUNNING. */
  synchronized Replay start(Replayer replayer, Replayer.Request request) {
    Replay running =
        new Replay(
            UUID.randomUUID().toString(), Status.RUNNING, Instant.now(), null, request, null, null);
    replays.put(running.id(), running);
    replayer
        .replay(running.id(), request)
        .whenComplete((report, failure) -> finish(running, report, failure));
    return running;
  }

  private synchronized void finish(Replay running, Replayer.Report report, Throwable failure) {
    Throwable cause = failure != null && failure.getCause() != null ? failure.getCause() : failure;
    replays.put(
        running.id(),
        new Replay(
            running.id(),
            failure == null ? Status.DONE : Status.FAILED,
            running.startedAt(),
            Instant.now(),
            running.request(),
            report,
            failure == null ? null : String.valueOf(cause.getMessage())));
  }

  synchronized Optional<Replay> get(String id) {
    return Optional.ofNullable(replays.get(id));
  }
}
