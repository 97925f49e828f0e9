package dev.eventrouter.queues.limit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventrouter.persistence.job.PairId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class DestinationLimitTest {

  private static final ConcurrencyLimitSettings SETTINGS =
      new ConcurrencyLimitSettings(10, 1, 100, 0.5, 2.0, Duration.ofMillis(5), 10);

  private static final PairId BIG = new PairId("big", "d");
  private static final PairId SMALL = new PairId("small", "d");
  private static final PairId OTHER = new PairId("other", "d");

  private final AtomicLong clock = new AtomicLong();
  private final DestinationLimits limits = new DestinationLimits(SETTINGS, clock::get);
  private final DestinationLimit limit = limits.of("d");
  private final List<PairId> woken = new ArrayList<>();

  private boolean acquire(PairId pair) {
    return limit.tryAcquire(pair, () -> woken.add(pair));
  }

  private int acquireAll(PairId pair) {
    int taken = 0;
    while (acquire(pair)) {
      taken++;
    }
    return taken;
  }

  @Test
  void aPairAloneMayUseTheWholeLimitAndIsWokenWhenAPermitFrees() {
    assertThat(acquireAll(BIG)).isEqualTo(10);
    assertThat(limit.inUse()).isEqualTo(10);
    assertThat(acquire(SMALL)).isFalse();

    limit.release(BIG, 1);

    assertThat(woken).containsExactly(SMALL);
    assertThat(acquire(SMALL)).isTrue();
  }

  @Test
  void whileAnotherPairWaitsABigPairGetsNoMoreThanItsShare() {
    acquireAll(BIG);
    assertThat(acquire(SMALL)).isFalse();

    // the big pair's answers come: the permits they free go to the small pair, not back to it
    for (int i = 0; i < 5; i++) {
      limit.release(BIG, 1);
      assertThat(acquire(BIG)).as("big, after %d answers", i + 1).isFalse();
    }
    assertThat(acquireAll(SMALL)).isEqualTo(5);
    // down to below its share of two pairs, the big pair sends again as its answers come
    limit.release(BIG, 1);
    assertThat(acquire(BIG)).isTrue();
    assertThat(limit.inUse()).isEqualTo(10);
  }

  @Test
  void theShareIsOfThePairsHoldingOrWaitingNow() {
    acquireAll(BIG);
    acquire(SMALL);
    acquire(OTHER);
    limit.release(BIG, 10);

    // three pairs want permits (the big one was refused, it waits too): 3 each, and the last
    // one to the first that asks once no pair below its share waits
    assertThat(acquireAll(SMALL)).isEqualTo(3);
    assertThat(acquireAll(OTHER)).isEqualTo(3);
    assertThat(acquireAll(BIG)).isEqualTo(4);
  }

  @Test
  void aWaiterThatStopsAskingIsForgotten() {
    acquireAll(BIG);
    assertThat(acquire(SMALL)).isFalse();
    limit.release(BIG, 10);

    clock.addAndGet(DestinationLimit.WAITER_TTL.toNanos() + 1);

    assertThat(acquireAll(BIG)).isEqualTo(10);
  }

  @Test
  void permitsGoBackOnceEvenIfMoreIsGivenBack() {
    acquire(BIG);
    acquire(BIG);

    limit.answered(BIG, 0, 1_000_000, false);
    limit.release(BIG, 5);
    limit.answered(BIG, 0, 1_000_000, true);

    assertThat(limit.inUse()).isZero();
    assertThat(limit.held(BIG)).isZero();
    // the failed answer for a permit the pair no longer held did not cut the limit
    assertThat(limit.limit()).isEqualTo(10);
  }

  @Test
  void aPairThatWaitedAndLeftNoLongerCountsInTheShare() {
    acquireAll(BIG); // its last ask was refused: it holds 10 and waits
    assertThat(acquire(SMALL)).isFalse();
    limit.leave(SMALL);
    assertThat(acquire(OTHER)).isFalse();

    limit.release(BIG, 10);

    // two pairs want permits, the big one and this: half each, not a third
    assertThat(acquireAll(OTHER)).isEqualTo(5);
  }

  @Test
  void aStoppingQueueGivesBackWhatItHoldsAndNoLongerWaits() {
    acquireAll(BIG);
    acquire(SMALL);

    limit.leave(SMALL);
    limit.leave(BIG);

    assertThat(limit.inUse()).isZero();
    assertThat(woken).isEmpty();
    assertThat(acquireAll(OTHER)).isEqualTo(10);
  }

  @Test
  void answersMoveTheLimit() {
    acquireAll(BIG);

    limit.answered(BIG, 0, 1_000_000, true);
    assertThat(limit.limit()).isEqualTo(5);

    assertThat(limits.limits()).containsEntry("d", 5);
    assertThat(limits.inUse()).containsEntry("d", 9);
  }
}
