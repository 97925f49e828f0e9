package dev.eventrouter.router.admin;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * The runs of one kind (replays, dead-letter re-drives) this node runs or ran, by id: a run can
 * take longer than an HTTP request may stay open, so it runs on its own and is asked about. The
 * latest {@link #KEPT} are kept.
 *
 * @param <Q> what a run was asked to do
 * @param <R> its report
 */
final class Runs<Q, R> {

  static final int KEPT = 100;

  enum Status {
    RUNNING,
    DONE,
    FAILED
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  record Run<Q, R>(
      String id,
      Status status,
      Instant startedAt,
      Instant finishedAt,
      Q request,
      R report,
      String error) {}

  private final Map<String, Run<Q, R>> runs =
      new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Run<Q, R>> eldest) {
          return size() > KEPT;
        }
      };

  /** Starts the run ({@code work}, given the run's id); its record is there at once, RUNNING. */
  synchronized Run<Q, R> start(Q request, Function<String, CompletionStage<R>> work) {
    Run<Q, R> running =
        new Run<>(
            UUID.randomUUID().toString(), Status.RUNNING, Instant.now(), null, request, null, null);
    runs.put(running.id(), running);
    work.apply(running.id()).whenComplete((report, failure) -> finish(running, report, failure));
    return running;
  }

  private synchronized void finish(Run<Q, R> running, R report, Throwable failure) {
    Throwable cause = failure != null && failure.getCause() != null ? failure.getCause() : failure;
    runs.put(
        running.id(),
        new Run<>(
            running.id(),
            failure == null ? Status.DONE : Status.FAILED,
            running.startedAt(),
            Instant.now(),
            running.request(),
            report,
            failure == null ? null : String.valueOf(cause.getMessage())));
  }

  synchronized Optional<Run<Q, R>> get(String id) {
    return Optional.ofNullable(runs.get(id));
  }
}
