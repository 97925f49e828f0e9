package dev.eventrouter.queues;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Bounds the scans for finished jobs' traces under way on a node at once. Each reads up to
 * trace-scan-events journal rows on the journal's pool, which the queues' own reads share: a caller
 * asking for many unknown jobs at once would otherwise hold that pool. A scan over the bound is
 * refused at once (the operator tries again), never queued.
 */
public final class TraceScans {

  /** A scan refused: as many as allowed are under way. */
  public static final class Busy extends RuntimeException {
    Busy(int atOnce) {
      super(
          atOnce
              + " trace scans of finished jobs are under way on this node (trace-scans-at-once); try again",
          null,
          false,
          false);
    }
  }

  private final int atOnce;
  private final AtomicInteger running = new AtomicInteger();

  public TraceScans(int atOnce) {
    if (atOnce < 1) {
      throw new IllegalArgumentException(
          "eventrouter.virtual-queue.trace-scans-at-once must be at least 1, not " + atOnce);
    }
    this.atOnce = atOnce;
  }

  /** Runs the scan if fewer than the bound are under way; else fails with {@link Busy}. */
  public <T> CompletionStage<T> run(Supplier<CompletionStage<T>> scan) {
    if (running.incrementAndGet() > atOnce) {
      running.decrementAndGet();
      return CompletableFuture.failedFuture(new Busy(atOnce));
    }
    CompletionStage<T> started;
    try {
      started = scan.get();
    } catch (RuntimeException e) {
      running.decrementAndGet();
      return CompletableFuture.failedFuture(e);
    }
    return started.whenComplete((result, failure) -> running.decrementAndGet());
  }
}
