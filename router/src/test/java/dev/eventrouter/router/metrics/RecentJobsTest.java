package dev.eventrouter.router.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventrouter.persistence.job.Attempt;
import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.testing.JobFixtures;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Where the console finds a job to trace: the jobs that arrived last, with their last step. */
class RecentJobsTest {

  private static final PairId PAIR = new PairId("shop", "hook");
  private static final Instant T = Instant.parse("2026-11-29T04:00:00Z");

  @Test
  void keepsTheJobsThatArrivedLastNewestFirstWithTheirLastStep() {
    RecentJobs recent = new RecentJobs();
    List<Job> jobs = new ArrayList<>();
    IntStream.range(0, RecentJobs.PER_PAIR + 2)
        .forEach(
            i ->
                jobs.add(
                    JobFixtures.job(PAIR, "m" + i, "http://127.0.0.1/hook", T.plusSeconds(i))));
    recent.persisted(PAIR, jobs.stream().<JobEvent>map(JobEvent.AwaitingScheduling::new).toList());
    Job last = jobs.get(jobs.size() - 1);
    Job pushedOut = jobs.get(0);
    Attempt ok = Attempt.responded(1, T.plusSeconds(30), T.plusSeconds(31), 200);
    recent.persisted(
        PAIR,
        List.of(new JobEvent.Succeeded(last.id(), ok), new JobEvent.Succeeded(pushedOut.id(), ok)));

    List<RecentJobs.Recent> seen = recent.of(PAIR);
    assertThat(seen).hasSize(RecentJobs.PER_PAIR);
    assertThat(seen.get(0).id()).isEqualTo(last.id().toString());
    assertThat(seen.get(0).state()).isEqualTo("succeeded");
    assertThat(seen.get(1).state()).isEqualTo("awaiting_scheduling");
    assertThat(seen).extracting(RecentJobs.Recent::id).doesNotContain(pushedOut.id().toString());
    assertThat(recent.of(new PairId("shop", "elsewhere"))).isEmpty();
  }

  @Test
  void aWriteOfNewJobsAndStepsKeepsWhatWritingThemOneByOneWould() {
    List<Job> earlier = jobs("e", 4);
    List<Job> later = jobs("l", RecentJobs.PER_PAIR + 3);
    Attempt ok = Attempt.responded(1, T.plusSeconds(30), T.plusSeconds(31), 200);
    List<JobEvent> write = new ArrayList<>();
    later.forEach(job -> write.add(new JobEvent.AwaitingScheduling(job)));
    // a step of a job the same write pushes out, of one it keeps, and of one from before
    write.add(new JobEvent.Succeeded(later.get(0).id(), ok));
    write.add(new JobEvent.Succeeded(later.get(later.size() - 1).id(), ok));
    write.add(new JobEvent.Succeeded(earlier.get(0).id(), ok));

    RecentJobs together = new RecentJobs();
    RecentJobs oneByOne = new RecentJobs();
    for (RecentJobs recent : List.of(together, oneByOne)) {
      recent.persisted(
          PAIR, earlier.stream().<JobEvent>map(JobEvent.AwaitingScheduling::new).toList());
    }
    together.persisted(PAIR, write);
    write.forEach(event -> oneByOne.persisted(PAIR, List.of(event)));

    assertThat(together.of(PAIR)).isEqualTo(oneByOne.of(PAIR)).hasSize(RecentJobs.PER_PAIR);
    assertThat(together.of(PAIR).get(0))
        .isEqualTo(
            new RecentJobs.Recent(
                later.get(later.size() - 1).id().toString(), "succeeded", T.plusSeconds(31)));
  }

  private static List<Job> jobs(String prefix, int count) {
    return IntStream.range(0, count)
        .mapToObj(i -> JobFixtures.job(PAIR, prefix + i, "http://127.0.0.1/hook", T.plusSeconds(i)))
        .toList();
  }

  @Test
  void forgetsThePairsLeastLatelyBusyBeyondItsBound() {
    RecentJobs recent = pairsWithAJobEach(RecentJobs.PAIRS + 1);
    assertThat(recent.of(new PairId("s0", "hook"))).isEmpty();
    assertThat(recent.of(new PairId("s" + RecentJobs.PAIRS, "hook"))).hasSize(1);
  }

  @Test
  void aStepOfAPairNotKeptPushesNoPairOut() {
    RecentJobs recent = pairsWithAJobEach(RecentJobs.PAIRS);
    // a job of a pair forgotten long ago is delivered now: nothing to show of it
    PairId forgotten = new PairId("long-ago", "hook");
    Job job = JobFixtures.job(forgotten, "m", "http://127.0.0.1/hook", T);
    recent.persisted(
        forgotten,
        List.of(
            new JobEvent.Succeeded(
                job.id(), Attempt.responded(1, T.plusSeconds(1), T.plusSeconds(2), 200))));

    assertThat(recent.of(forgotten)).isEmpty();
    assertThat(recent.of(new PairId("s0", "hook"))).hasSize(1);
  }

  /** Pairs s0, s1, ... each with one job arrived, in that order. */
  private static RecentJobs pairsWithAJobEach(int pairs) {
    RecentJobs recent = new RecentJobs();
    for (int i = 0; i < pairs; i++) {
      PairId pair = new PairId("s" + i, "hook");
      recent.persisted(
          pair,
          List.of(
              new JobEvent.AwaitingScheduling(
                  JobFixtures.job(pair, "m", "http://127.0.0.1/hook", T))));
    }
    return recent;
  }
}
