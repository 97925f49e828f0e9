package dev.eventrouter.queues;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.queues.testing.QueueFixture;
import dev.eventrouter.queues.testing.TestQueues;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A write is followed by a pass over the schedule only when that pass could send: not for a queue
 * with nothing scheduled, nor while its pair waits in its destination's line.
 */
@ExtendWith(LogCapturingExtension.class)
class WrittenPassTest {

  /** The passes after writes, of every queue of the fixture's node. */
  private static final AtomicInteger written = new AtomicInteger();

  /** Two permits for each destination, whatever its answers say. */
  @RegisterExtension
  static final QueueFixture fixture =
      new QueueFixture(
          ConfigFactory.parseString(
              """
              eventrouter.virtual-queue.concurrency-limit {
                initial = 2
                min = 2
                max = 2
              }
              """),
          new JobEventListener() {
            @Override
            public void persisted(PairId pair, List<JobEvent> events) {}

            @Override
            public void dispatchPass(PassCause cause) {
              if (cause == PassCause.WRITTEN) {
                written.incrementAndGet();
              }
            }
          });

  @Test
  void aQueueWithNothingScheduledRunsNoPassAfterItsWrites() {
    PairId pair = fixture.newPair("empty-after");
    int before = written.get();

    fixture.enqueue(pair, fixture.jobs(pair, 1));
    fixture.awaitEmpty(pair);

    // the queue's recovery (empty) and its outcome's write (empty after it) ran none
    assertThat(written.get() - before).as("the pass after the job's write").isEqualTo(1);
    assertThat(fixture.destination().received(QueueFixture.path(pair))).hasSize(1);
  }

  @Test
  void aPairWaitingInItsDestinationsLineRunsNoPassAfterItsWrites() {
    // requests to a held- destination are never answered: the pair's two permits stay taken
    PairId pair = fixture.newPair(TestQueues.destination("held-line"));
    fixture.enqueue(pair, fixture.jobs(pair, 3));
    fixture.await(() -> assertThat(fixture.held(pair)).hasSize(2));
    int before = written.get();

    for (int i = 0; i < 5; i++) {
      fixture.enqueue(pair, fixture.jobs(pair, 1));
    }

    assertThat(written.get() - before).as("passes after the writes of a pair refused").isZero();
    assertThat(fixture.stats(pair).pending()).isEqualTo(8);
    assertThat(fixture.held(pair)).hasSize(2);
  }
}
