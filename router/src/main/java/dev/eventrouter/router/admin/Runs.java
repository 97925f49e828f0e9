package dev.eventrouter.router.admin;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.function.BiFunction;
import java.util.function.Consumer;

/**
 * The runs of one kind (replays, dead-letter re-drives) this node runs or ran, by id: a run can
 * take longer than an HTTP request may stay open, so it runs on its own and is asked about. Every
 * run still running is kept, and of the finished ones the latest, up to {@link #KEPT} runs in all:
 * runs wait in line (replays run one at a time), and one still waiting must not be forgotten by
 * those asking about it.
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

  private final Map<String, Run<Q, R>> runs = new LinkedHashMap<>();

  /**
   * Starts the run; its record is there at once, RUNNING.
   *
   * @param work given the run's id, and where to tell its report so far (shown while it runs)
   */
  synchronized Run<Q, R> start(
      Q request, BiFunction<String, Consumer<R>, CompletionStage<R>> work) {
    Run<Q, R> running =
        new Run<>(
            UUID.randomUUID().toString(), Status.RUNNING, Instant.now(), null, request, null, null);
    runs.put(running.id(), running);
    forgetFinished();
    work.apply(running.id(), sofar -> progressed(running, sofar))
        .whenComplete((report, failure) -> finish(running, report, failure));
    return running;
  }

  private synchronized void progressed(Run<Q, R> running, R sofar) {
    Run<Q, R> now = runs.get(running.id());
    if (now != null && now.status() == Status.RUNNING) {
      runs.put(
          running.id(),
          new Run<>(
              running.id(),
              Status.RUNNING,
              running.startedAt(),
              null,
              running.request(),
              sofar,
              null));
    }
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

  /** The oldest finished runs, past {@link #KEPT} runs in all. */
  private void forgetFinished() {
    Iterator<Run<Q, R>> oldestFirst = runs.values().iterator();
    while (runs.size() > KEPT && oldestFirst.hasNext()) {
      if (oldestFirst.next().status() != Status.RUNNING) {
        oldestFirst.remove();
      }
    }
  }

  synchronized Optional<Run<Q, R>> get(String id) {
    return Optional.ofNullable(runs.get(id));
  }
}
