package dev.eventrouter.queues;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventrouter.persistence.job.GroupBatch;
import dev.eventrouter.persistence.job.JobBatch;
import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.testing.JobFixtures;
import java.io.NotSerializableException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** The order, the pace and the fallbacks of a group reading its log back for its pairs. */
class GroupReadAheadTest {

  private static final long ROOM = 1_000;

  private final List<Long> reads = new ArrayList<>();
  private final List<Duration> rechecks = new ArrayList<>();
  private final List<Long> failed = new ArrayList<>();
  private final PayloadBudget budget = new PayloadBudget(2 * ROOM);
  private long now = -5_000_000_000L; // nanoTime may be negative

  private final GroupReadAhead readAhead =
      new GroupReadAhead(
          new GroupReadAhead.Group() {
            @Override
            public void read(long sequenceNr) {
              reads.add(sequenceNr);
            }

            @Override
            public void recheckIn(Duration delay) {
              rechecks.add(delay);
            }

            @Override
            public void failed(long sequenceNr, Throwable failure) {
              failed.add(sequenceNr);
            }
          },
          budget,
          ROOM,
          () -> now);

  @Test
  void readsTheRowsBehindOneAtATimeOldestFirst() {
    readAhead.notKept(7);
    readAhead.notKept(3);
    readAhead.notKept(5);

    readAhead.next();
    readAhead.next();
    assertThat(reads).as("one read at a time").containsExactly(3L);
    assertThat(readAhead.brings(3)).isTrue();

    assertThat(readAhead.read(3, Optional.of(row()), null)).isPresent();
    assertThat(readAhead.brings(3)).as("read: the pairs read alone what it did not hand").isFalse();
    readAhead.next();
    assertThat(reads).containsExactly(3L, 5L);
    assertThat(readAhead.brings(7)).isTrue();
    assertThat(readAhead.brings(4)).as("a row no pair left to it").isFalse();
  }

  @Test
  void waitsForRoomAndLeavesThePairsToReadAloneOnceMemoryStaysFull() {
    budget.tryTake(2 * ROOM - ROOM / 2);
    readAhead.notKept(1);

    readAhead.next();
    assertThat(reads).isEmpty();
    assertThat(rechecks).containsExactly(GroupReadAhead.ROOM_RECHECK);
    assertThat(readAhead.brings(1)).isTrue();

    now += GroupReadAhead.STALLED_AFTER.toNanos() - 1;
    readAhead.next();
    assertThat(readAhead.brings(1)).isTrue();
    now += 1;
    assertThat(readAhead.brings(1)).as("stalled: pairs do not wait for it").isFalse();

    budget.giveBack(ROOM);
    readAhead.next();
    assertThat(reads).containsExactly(1L);
    assertThat(readAhead.brings(1)).as("room again: it brings the row").isTrue();
  }

  @Test
  void aRowTheJournalDidNotAnswerIsReadAgainAfterTheRetryDelay() {
    readAhead.notKept(4);
    readAhead.next();

    Optional<GroupBatch> handed =
        readAhead.read(
            4, Optional.empty(), new CompletionException(new SQLTransientConnectionException()));

    assertThat(handed).isEmpty();
    assertThat(failed).containsExactly(4L);
    assertThat(rechecks).containsExactly(PayloadReadBack.RETRY_AFTER);
    assertThat(readAhead.brings(4)).isTrue();
    readAhead.next();
    assertThat(reads).as("not before the delay").containsExactly(4L);
    now += PayloadReadBack.RETRY_AFTER.toNanos();
    readAhead.next();
    assertThat(reads).containsExactly(4L, 4L);
  }

  @Test
  void aRowThatCannotBeDeserializedOrIsGoneIsLeftToThePairs() {
    readAhead.notKept(2);
    readAhead.notKept(6);
    readAhead.next();

    Optional<GroupBatch> handed =
        readAhead.read(
            2,
            Optional.empty(),
            new CompletionException(new NotSerializableException("unknown manifest")));

    assertThat(handed).isEmpty();
    assertThat(failed).isEmpty();
    assertThat(readAhead.brings(2)).isFalse();
    readAhead.next();
    assertThat(readAhead.read(6, Optional.empty(), null)).isEmpty();
    assertThat(readAhead.brings(6)).isFalse();
  }

  private static GroupBatch row() {
    PairId pair = new PairId("source", "destination");
    JobEvent event =
        new JobEvent.AwaitingScheduling(
            JobFixtures.job(pair, "m-1", "http://127.0.0.1:1/", Instant.now()));
    return new GroupBatch(List.of(new GroupBatch.PairBatch(pair, new JobBatch(List.of(event)))));
  }
}
