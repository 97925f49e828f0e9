package dev.eventrouter.queues;

import dev.eventrouter.persistence.job.Attempt;
import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.JobBatch;
import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.testing.JobFixtures;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * What the index of a queue holding a backlog costs per job delivered: a batch of new jobs comes
 * (one journal event), as many of the schedule's first jobs are looked up as a pass and their
 * answers do (the schedule walked, the payload cache and the index asked) and finish (one outcome
 * event), so the backlog stays the same. The ids are the jobs' own (time, then a digest), 64 jobs
 * an event as a drain's batches have. Run by {@code loadtest/bench/jmh.sh}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 4, time = 2)
// long iterations: the young collections of a heap holding a large index take tens of ms each
@Measurement(iterations = 5, time = 5)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class QueueIndexBenchmark {

  private static final int BATCH = 64;
  private static final PairId PAIR = new PairId("bench", "webhook");

  /** Jobs the queue holds. */
  @Param({"1000", "100000"})
  int backlog;

  private QueueState state;

  /**
   * The jobs that arrive, in turn: twice the backlog, so that a job comes again only long after it
   * finished (as a new one would).
   */
  private Job[] arriving;

  private int next;
  private final Map<Ksuid, Job> payloads = new HashMap<>();
  private Attempt delivered;

  @Setup(Level.Trial)
  public void fill() {
    state = new QueueState(Duration.ofMinutes(10), 100_000);
    arriving = new Job[2 * backlog + BATCH];
    Instant start = Instant.parse("2026-11-29T00:00:00Z");
    for (int i = 0; i < arriving.length; i++) {
      // ten thousand jobs a second, as a busy pair's
      arriving[i] =
          JobFixtures.job(PAIR, "m" + i, "http://127.0.0.1/hook", start.plusMillis(i / 10));
    }
    delivered = Attempt.responded(1, start, start.plusMillis(5), 200);
    while (state.size() < backlog) {
      arrive();
    }
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void deliverFromTheBacklog(Blackhole sink) {
    arrive();
    List<JobEvent> outcomes = new ArrayList<>(BATCH);
    Iterator<PendingJob> due = state.schedule().iterator();
    while (outcomes.size() < BATCH) {
      PendingJob job = due.next();
      sink.consume(payloads.get(job.id()));
      sink.consume(state.keyed(job.id()));
      outcomes.add(new JobEvent.Succeeded(job.id(), delivered));
    }
    state.apply(new JobBatch(outcomes));
    for (JobEvent outcome : outcomes) {
      sink.consume(state.contains(outcome.jobId()));
      payloads.remove(outcome.jobId());
    }
  }

  private void arrive() {
    List<JobEvent> accepted = new ArrayList<>(BATCH);
    for (int i = 0; i < BATCH; i++) {
      Job job = arriving[next];
      next = (next + 1) % arriving.length;
      accepted.add(new JobEvent.AwaitingScheduling(job));
      payloads.put(job.id(), job);
    }
    state.apply(new JobBatch(accepted));
  }
}
