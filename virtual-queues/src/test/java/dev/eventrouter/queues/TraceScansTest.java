package dev.eventrouter.queues;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/** Scans over the bound are refused at once; a scan's end, however it ends, frees its place. */
class TraceScansTest {

  private final TraceScans scans = new TraceScans(2);

  @Test
  void aScanOverTheBoundIsRefusedAndRunsNot() {
    CompletableFuture<String> first = new CompletableFuture<>();
    CompletableFuture<String> second = new CompletableFuture<>();
    scans.run(() -> first);
    scans.run(() -> second);

    boolean[] ran = {false};
    CompletionStage<String> third =
        scans.run(
            () -> {
              ran[0] = true;
              return CompletableFuture.completedFuture("scanned");
            });

    assertThat(ran[0]).isFalse();
    assertThatThrownBy(() -> third.toCompletableFuture().get())
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(TraceScans.Busy.class)
        .hasMessageContaining("trace-scans-at-once");
  }

  @Test
  void aScanThatEndedOrFailedOrThrewFreesItsPlace() throws Exception {
    CompletableFuture<String> ends = new CompletableFuture<>();
    CompletableFuture<String> fails = new CompletableFuture<>();
    scans.run(() -> ends);
    scans.run(() -> fails);
    ends.complete("done");
    fails.completeExceptionally(new IllegalStateException("journal down"));
    assertThatThrownBy(
            () ->
                scans
                    .run(
                        () -> {
                          throw new IllegalStateException("no connection");
                        })
                    .toCompletableFuture()
                    .get())
        .hasRootCauseMessage("no connection");

    CompletableFuture<String> a = new CompletableFuture<>();
    scans.run(() -> a);
    assertThat(scans.run(() -> CompletableFuture.completedFuture("b")).toCompletableFuture().get())
        .isEqualTo("b");
  }

  @Test
  void aBoundBelowOneIsRefused() {
    assertThatThrownBy(() -> new TraceScans(0)).hasMessageContaining("trace-scans-at-once");
  }
}
