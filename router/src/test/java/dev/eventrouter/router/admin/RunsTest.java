package dev.eventrouter.router.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** A run is RUNNING at once, shows its report so far while it runs, and ends DONE or FAILED. */
class RunsTest {

  @Test
  void aRunShowsItsReportSoFarWhileItRunsAndItsReportWhenDone() {
    Runs<String, Integer> runs = new Runs<>();
    CompletableFuture<Integer> work = new CompletableFuture<>();
    AtomicReference<Consumer<Integer>> progress = new AtomicReference<>();
    Runs.Run<String, Integer> started =
        runs.start(
            "request",
            (id, sofar) -> {
              progress.set(sofar);
              return work;
            });

    assertThat(runs.get(started.id()).orElseThrow().status()).isEqualTo(Runs.Status.RUNNING);
    assertThat(runs.get(started.id()).orElseThrow().report()).isNull();
    progress.get().accept(3);
    Runs.Run<String, Integer> running = runs.get(started.id()).orElseThrow();
    assertThat(running.status()).isEqualTo(Runs.Status.RUNNING);
    assertThat(running.report()).isEqualTo(3);
    assertThat(running.request()).isEqualTo("request");

    work.complete(7);
    // a late word of progress does not bring a finished run back to RUNNING
    progress.get().accept(5);
    Runs.Run<String, Integer> done = runs.get(started.id()).orElseThrow();
    assertThat(done.status()).isEqualTo(Runs.Status.DONE);
    assertThat(done.report()).isEqualTo(7);
    assertThat(done.finishedAt()).isNotNull();
  }

  /** Runs waiting in line are never forgotten; of the finished, the oldest go first. */
  @Test
  void aRunStillRunningIsKeptHoweverManyCameAfterIt() {
    Runs<String, Integer> runs = new Runs<>();
    CompletableFuture<Integer> first = new CompletableFuture<>();
    Runs.Run<String, Integer> waiting = runs.start("first", (id, sofar) -> first);
    Runs.Run<String, Integer> oldestDone =
        runs.start("done", (id, sofar) -> CompletableFuture.completedFuture(1));
    for (int i = 0; i < Runs.KEPT; i++) {
      runs.start("later-" + i, (id, sofar) -> CompletableFuture.completedFuture(0));
    }

    assertThat(runs.get(waiting.id())).isPresent();
    assertThat(runs.get(oldestDone.id())).isEmpty();
    first.complete(9);
    assertThat(runs.get(waiting.id()).orElseThrow().status()).isEqualTo(Runs.Status.DONE);
  }

  @Test
  void aFailedRunKeepsItsCause() {
    Runs<String, Integer> runs = new Runs<>();
    Runs.Run<String, Integer> started =
        runs.start(
            "request",
            (id, sofar) -> CompletableFuture.failedFuture(new IllegalStateException("no store")));
    Runs.Run<String, Integer> failed = runs.get(started.id()).orElseThrow();
    assertThat(failed.status()).isEqualTo(Runs.Status.FAILED);
    assertThat(failed.error()).isEqualTo("no store");
  }
}
