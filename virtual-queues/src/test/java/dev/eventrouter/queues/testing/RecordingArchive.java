package dev.eventrouter.queues.testing;

import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.queues.archive.ArchiveSink;
import dev.eventrouter.queues.archive.ArchivedJob;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** An archive for tests: keeps what it is given, and can be told to fail for a while. */
public final class RecordingArchive implements ArchiveSink {

  private final List<ArchivedJob> archived = new CopyOnWriteArrayList<>();
  private final List<List<ArchivedJob>> batches = new CopyOnWriteArrayList<>();
  private final AtomicInteger failuresToCome = new AtomicInteger();
  private final AtomicInteger calls = new AtomicInteger();

  @Override
  public CompletionStage<Map<Ksuid, String>> archive(PairId pair, List<ArchivedJob> jobs) {
    int call = calls.incrementAndGet();
    if (failuresToCome.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      return CompletableFuture.failedFuture(
          new IllegalStateException("archive unavailable (scripted)"));
    }
    archived.addAll(jobs);
    batches.add(List.copyOf(jobs));
    Map<Ksuid, String> locations = new HashMap<>();
    jobs.forEach(job -> locations.put(job.job().id(), "test://" + pair.entityId() + "/" + call));
    return CompletableFuture.completedFuture(locations);
  }

  /** The next {@code calls} archive calls fail. */
  public void failNext(int calls) {
    failuresToCome.set(calls);
  }

  /** The batches archived, each as it was handed over. */
  public List<List<ArchivedJob>> batches() {
    return List.copyOf(batches);
  }

  public List<ArchivedJob> archived() {
    return List.copyOf(archived);
  }

  public List<Ksuid> archivedIds(PairId pair) {
    return archived.stream()
        .map(ArchivedJob::job)
        .filter(j -> j.pair().equals(pair))
        .map(Job::id)
        .toList();
  }

  public int calls() {
    return calls.get();
  }
}
