package dev.eventrouter.persistence.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.eventrouter.persistence.job.GroupBatch;
import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.JobBatch;
import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.testing.JobFixtures;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SharedGroupRowsTest {

  private static final String GROUP = "QueueGroup|3";
  private static final Instant T0 = Instant.parse("2026-12-02T08:00:00Z");

  /** A journal whose queries complete when the test says, counted. */
  private static final class Journal implements JobPayloads.Rows {
    final Map<Long, Object> events = new TreeMap<>();
    final List<CompletableFuture<Void>> queries = new ArrayList<>();
    final List<List<long[]>> asked = new ArrayList<>();

    @Override
    public synchronized CompletionStage<?> read(
        String persistenceId, List<long[]> ranges, JobPayloads.Row row) {
      asked.add(ranges);
      CompletableFuture<Void> query = new CompletableFuture<>();
      queries.add(query);
      return query.thenRun(
          () ->
              ranges.forEach(
                  range ->
                      events.forEach(
                          (nr, event) -> {
                            if (nr >= range[0] && nr <= range[1]) {
                              row.take(nr, event);
                            }
                          })));
    }

    synchronized void answerAll() {
      queries.forEach(query -> query.complete(null));
    }
  }

  private static GroupBatch groupRow(String... sources) {
    List<GroupBatch.PairBatch> parts = new ArrayList<>();
    for (String source : sources) {
      PairId pair = new PairId(source, "hook");
      Job job = JobFixtures.job(pair, source + "-1", "https://hooks.example.com/in", T0);
      parts.add(
          new GroupBatch.PairBatch(
              pair, new JobBatch(List.of(new JobEvent.AwaitingScheduling(job)))));
    }
    return new GroupBatch(parts);
  }

  private static Map<Long, Object> read(SharedGroupRows shared, List<long[]> ranges) {
    Map<Long, Object> read = new TreeMap<>();
    shared.read(GROUP, ranges, read::put).toCompletableFuture().join();
    return read;
  }

  @Test
  void theManyPairsOfAGroupRowReadItOnce() {
    Journal journal = new Journal();
    journal.events.put(7L, groupRow("a", "b", "c"));
    SharedGroupRows shared = new SharedGroupRows(journal, 4);

    List<CompletableFuture<Map<Long, Object>>> reads = new ArrayList<>();
    for (int pair = 0; pair < 3; pair++) {
      reads.add(CompletableFuture.supplyAsync(() -> read(shared, List.of(new long[] {7, 7}))));
    }
    CompletableFuture<Void> all = CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new));
    while (!all.isDone()) {
      journal.answerAll();
    }

    assertThat(reads).allSatisfy(r -> assertThat(r.join()).containsOnlyKeys(7L));
    // indexed by job: a pair's read looks its jobs up, not through every job of the row
    SharedGroupRows.GroupRow row = (SharedGroupRows.GroupRow) reads.get(0).join().get(7L);
    GroupBatch written = (GroupBatch) journal.events.get(7L);
    JobEvent second = written.pairs().get(1).batch().events().get(0);
    assertThat(row.eventsOf(second.jobId())).containsExactly(second);
    assertThat(journal.asked).hasSize(1);
    // and a later one is served from what was read
    assertThat(read(shared, List.of(new long[] {7, 7}))).containsOnlyKeys(7L);
    assertThat(journal.asked).hasSize(1);
  }

  @Test
  void rowsOfAPairsOwnJournalAndRangesAreReadEachTime() {
    Journal journal = new Journal();
    Job job = JobFixtures.job(new PairId("a", "hook"), "a-1", "https://hooks.example.com/in", T0);
    journal.events.put(1L, new JobBatch(List.of(new JobEvent.AwaitingScheduling(job))));
    journal.events.put(2L, groupRow("a"));
    journal.events.put(3L, groupRow("b"));
    SharedGroupRows shared = new SharedGroupRows(journal, 4);
    journal.answerAll();

    for (int time = 0; time < 2; time++) {
      CompletableFuture<Map<Long, Object>> read =
          CompletableFuture.supplyAsync(
              () -> read(shared, List.of(new long[] {1, 1}, new long[] {2, 3})));
      while (!read.isDone()) {
        journal.answerAll();
      }
      assertThat(read.join().keySet()).containsExactly(1L, 2L, 3L);
    }
    // read each time, and each time in one query: the pair's own row with the range
    assertThat(journal.asked).hasSize(2);
  }

  @Test
  void onlyTheLastRowsReadStayAndAFailedReadIsNotKept() {
    Journal journal = new Journal();
    for (long nr = 1; nr <= 3; nr++) {
      journal.events.put(nr, groupRow("p" + nr));
    }
    SharedGroupRows shared = new SharedGroupRows(journal, 2);
    journal.answerAll();
    for (long nr = 1; nr <= 3; nr++) {
      long at = nr;
      CompletableFuture<Map<Long, Object>> read =
          CompletableFuture.supplyAsync(() -> read(shared, List.of(new long[] {at, at})));
      while (!read.isDone()) {
        journal.answerAll();
      }
    }
    int before = journal.asked.size();
    CompletableFuture<Map<Long, Object>> first =
        CompletableFuture.supplyAsync(() -> read(shared, List.of(new long[] {1, 1})));
    while (!first.isDone()) {
      journal.answerAll();
    }
    assertThat(journal.asked).as("the first row, no longer kept, read again").hasSize(before + 1);

    AtomicInteger queries = new AtomicInteger();
    JobPayloads.Rows failing =
        (persistenceId, ranges, row) -> {
          queries.incrementAndGet();
          return CompletableFuture.failedFuture(new IllegalStateException("database down"));
        };
    SharedGroupRows down = new SharedGroupRows(failing, 2);
    for (int time = 1; time <= 2; time++) {
      assertThatThrownBy(() -> read(down, List.<long[]>of(new long[] {5, 5})))
          .isInstanceOf(CompletionException.class)
          .hasRootCauseMessage("database down");
      assertThat(queries).as("a failed read is not kept").hasValue(time);
    }
  }
}
