package dev.eventrouter.queues.limit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventrouter.persistence.job.PairId;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class DestinationLimitTest {

  /** Permits handed one by one: what the line does apart from runs. */
  private static final ConcurrencyLimitSettings SETTINGS = settings(10, 1);

  private static final PairId BIG = new PairId("big", "d");
  private static final PairId SMALL = new PairId("small", "d");
  private static final PairId OTHER = new PairId("other", "d");

  private final AtomicLong clock = new AtomicLong();
  private final List<PairId> woken = new ArrayList<>();
  private final Map<PairId, PairPermits> permits = new HashMap<>();
  private DestinationLimits limits;
  private DestinationLimit limit;

  DestinationLimitTest() {
    use(SETTINGS);
  }

  private static ConcurrencyLimitSettings settings(int limit, int handedRun) {
    return new ConcurrencyLimitSettings(
        limit, 1, 100, 0.5, 2.0, Duration.ofMillis(5), 10, handedRun);
  }

  private void use(ConcurrencyLimitSettings settings) {
    limits = new DestinationLimits(settings, clock::get);
    limit = limits.of("d");
  }

  private PairPermits permits(PairId pair) {
    return permits.computeIfAbsent(pair, p -> new PairPermits(limit, p, () -> woken.add(p)));
  }

  private boolean acquire(PairId pair) {
    return permits(pair).tryAcquire();
  }

  private static List<PairId> pairs(int count) {
    List<PairId> pairs = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      pairs.add(new PairId("p" + i, "d"));
    }
    return pairs;
  }

  /**
   * The first {@code holding} pairs take a permit each (the whole limit), then every pair asks
   * again and is refused: all wait in line. Returns those holding a permit, in the order they took
   * it.
   */
  private ArrayDeque<PairId> allInLine(List<PairId> pairs, int holding) {
    ArrayDeque<PairId> taken = new ArrayDeque<>(pairs.subList(0, holding));
    taken.forEach(pair -> assertThat(acquire(pair)).isTrue());
    pairs.forEach(pair -> assertThat(acquire(pair)).isFalse());
    return taken;
  }

  private int acquireAll(PairId pair) {
    int taken = 0;
    while (acquire(pair)) {
      taken++;
    }
    return taken;
  }

  @Test
  void aPairAloneMayUseTheWholeLimitAndIsHandedAPermitWhenOneFrees() {
    assertThat(acquireAll(BIG)).isEqualTo(10);
    assertThat(limit.inUse()).isEqualTo(10);
    assertThat(acquire(SMALL)).isFalse();

    limit.release(BIG, 1);

    // handed, not offered: it is the small pair's before it asks, and nobody else can take it
    assertThat(woken).containsExactly(SMALL);
    assertThat(limit.held(SMALL)).isEqualTo(1);
    assertThat(acquire(BIG)).isFalse();
    assertThat(acquire(SMALL)).isTrue();
    assertThat(acquire(SMALL)).isFalse();
    assertThat(limit.inUse()).isEqualTo(10);
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
    // woken once for the five handed before it took them
    assertThat(woken).containsExactly(SMALL);
    assertThat(acquireAll(SMALL)).isEqualTo(5);
    // down to below its share of two pairs, the big pair is handed what its answers free
    limit.release(BIG, 1);
    assertThat(woken).containsExactly(SMALL, BIG);
    assertThat(acquire(BIG)).isTrue();
    assertThat(limit.inUse()).isEqualTo(10);
  }

  @Test
  void aPassThatEndsWithoutBeingRefusedGivesBackWhatItWasHandedAndLeavesTheLine() {
    acquireAll(BIG); // its last ask was refused: it holds 10 and waits
    PairPermits small = permits(SMALL);
    small.passStarts();
    assertThat(small.tryAcquire()).isFalse();
    small.passEnds();
    assertThat(small.waiting()).isTrue();

    limit.release(BIG, 3);
    assertThat(limit.held(SMALL)).isEqualTo(3);

    // its pass sends one request and finds nothing more to send
    small.passStarts();
    assertThat(small.tryAcquire()).isTrue();
    small.passEnds();

    assertThat(small.waiting()).isFalse();
    assertThat(limit.held(SMALL)).isEqualTo(1);
    // the two it did not use went to the pair still in line
    assertThat(limit.held(BIG)).isEqualTo(9);
    assertThat(limit.inUse()).isEqualTo(10);
    assertThat(woken).containsExactly(SMALL, BIG);
    // out of line, it is handed nothing more
    limit.release(BIG, limit.held(BIG));
    assertThat(limit.held(SMALL)).isEqualTo(1);
  }

  @Test
  void theShareIsOfThePairsHoldingOrWaitingNow() {
    acquireAll(BIG);
    acquire(SMALL);
    acquire(OTHER);
    limit.release(BIG, 10);

    // three pairs want permits (the big one was refused, it waits too): 3 each, the big one's
    // after the others' (it gave them back), and the last one to the first in line once none is
    // below its share: the small one, which went to the back of the line first
    assertThat(acquireAll(SMALL)).isEqualTo(4);
    assertThat(acquireAll(OTHER)).isEqualTo(3);
    assertThat(acquireAll(BIG)).isEqualTo(3);
  }

  @Test
  void withFewerPermitsThanPairsThePermitsGoRoundThePairsInLine() {
    List<PairId> pairs = pairs(11);
    // ten pairs take a permit each, then every pair asks again and is refused: eleven in line
    ArrayDeque<PairId> holding = allInLine(pairs, 10);

    // each answer frees a permit; the pair it is handed to sends at once
    Map<PairId, Integer> handed = new HashMap<>();
    for (int answer = 0; answer < 110; answer++) {
      PairId answered = holding.poll();
      limit.release(answered, 1);
      PairId next =
          pairs.stream()
              .filter(pair -> limit.held(pair) == 1 && !holding.contains(pair))
              .findFirst()
              .orElseThrow();
      assertThat(acquire(next)).isTrue();
      assertThat(acquire(next)).as("its next ask, refused").isFalse();
      handed.merge(next, 1, Integer::sum);
      holding.add(next);
    }

    // each pair had its turn, none took back at once the permit its answer freed
    assertThat(handed).hasSize(11);
    assertThat(handed.values()).allSatisfy(turns -> assertThat(turns).isEqualTo(10));
  }

  @Test
  void aQueueThatSendsNothingMoreLeavesTheLineAndGivesBackWhatItWasHanded() {
    acquireAll(BIG);
    assertThat(acquire(SMALL)).isFalse();
    limit.release(BIG, 2);
    assertThat(limit.held(SMALL)).isEqualTo(2);

    // its queue is stopping: the two handed permits go to the pair still in line
    permits(SMALL).leaveLine();

    assertThat(limit.held(SMALL)).isZero();
    assertThat(limit.held(BIG)).isEqualTo(10);
    limit.release(BIG, 1);
    assertThat(limit.held(SMALL)).isZero();
  }

  @Test
  void aWaiterThatStopsAskingIsForgotten() {
    acquireAll(BIG);
    assertThat(acquire(SMALL)).isFalse();

    clock.addAndGet(
        DestinationLimit.STALE_AFTER_RECHECKS * permits(SMALL).recheckAfter().toNanos() + 1);
    limit.release(BIG, 10);

    assertThat(woken).isEmpty();
    assertThat(limit.inUse()).isZero();
    assertThat(acquireAll(BIG)).isEqualTo(10);
  }

  @Test
  void theLongerTheLineTheLaterAWaiterAsksAgainAndIsTakenForGone() {
    acquireAll(BIG);
    assertThat(acquire(SMALL)).isFalse();
    int waiters = 3_000;
    for (int i = 0; i < waiters; i++) {
      assertThat(acquire(new PairId("s" + i, "d"))).isFalse();
    }
    PairPermits last = permits(new PairId("s" + (waiters - 1), "d"));
    assertThat(permits(SMALL).recheckAfter()).isEqualTo(DestinationLimit.RECHECK);
    assertThat(last.recheckAfter())
        .as("3,001 waiters, asking again 1,000 times a second at most")
        .isGreaterThanOrEqualTo(Duration.ofMillis(3_000));

    // four seconds on: gone are only those that were to ask again within a third of that
    Duration later = Duration.ofSeconds(4);
    clock.addAndGet(later.toNanos());
    limit.release(BIG, 10);

    assertThat(woken).hasSize(10).doesNotContain(SMALL);
    assertThat(woken)
        .allSatisfy(
            pair ->
                assertThat(
                        permits(pair)
                            .recheckAfter()
                            .multipliedBy(DestinationLimit.STALE_AFTER_RECHECKS))
                    .isGreaterThan(later));
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
    permits(SMALL).stopped();
    assertThat(acquire(OTHER)).isFalse();

    limit.release(BIG, 10);

    // two pairs want permits, the big one and this: half each, not a third
    assertThat(acquireAll(OTHER)).isEqualTo(5);
  }

  @Test
  void aStoppingQueueGivesBackWhatItHoldsAndNoLongerWaits() {
    acquireAll(BIG);
    acquire(SMALL);

    permits(SMALL).stopped();
    permits(BIG).stopped();

    assertThat(limit.inUse()).isZero();
    assertThat(woken).isEmpty();
    assertThat(acquireAll(OTHER)).isEqualTo(10);
  }

  @Test
  void permitsThatFreeWhilePairsWaitAreHandedInRunsAndTheQueueIsWokenOnceForARun() {
    use(settings(40, 8));
    assertThat(acquireAll(BIG)).isEqualTo(40);
    assertThat(acquire(SMALL)).isFalse();

    for (int answer = 1; answer < 8; answer++) {
      limit.release(BIG, 1);
      assertThat(woken).as("after %d answers", answer).isEmpty();
    }
    assertThat(limit.inUse()).as("seven free while a pair waits").isEqualTo(33);

    limit.release(BIG, 1);

    assertThat(woken).containsExactly(SMALL);
    assertThat(limit.held(SMALL)).isEqualTo(8);
    assertThat(acquireAll(SMALL)).as("one pass sends the run").isEqualTo(8);
    assertThat(acquire(BIG)).isFalse();
  }

  @Test
  void aRunIsAtMostAQuarterOfTheLimit() {
    use(settings(10, 8));
    acquireAll(BIG);
    assertThat(acquire(SMALL)).isFalse();

    limit.release(BIG, 1);
    assertThat(woken).isEmpty();
    limit.release(BIG, 1);

    assertThat(woken).containsExactly(SMALL);
    assertThat(acquireAll(SMALL)).isEqualTo(2);
  }

  @Test
  void withFewerPermitsThanPairsRunsGoRoundThePairsInLine() {
    use(settings(40, 8));
    // forty pairs take a permit each, then every pair asks again and is refused: fifty in line
    ArrayDeque<PairId> requests = allInLine(pairs(50), 40);

    // answers come in the order the requests went; a queue woken sends all it was handed
    Map<PairId, Integer> runs = new HashMap<>();
    for (int answer = 0; answer < 4_000; answer++) {
      limit.release(requests.poll(), 1);
      for (PairId next : woken) {
        int sent = acquireAll(next);
        assertThat(sent).as("requests of %s's pass", next).isEqualTo(8);
        runs.merge(next, 1, Integer::sum);
        for (int i = 0; i < sent; i++) {
          requests.add(next);
        }
      }
      woken.clear();
    }

    // 4,000 answers, 500 runs: ten for each pair, give or take the one under way at the end
    assertThat(runs).hasSize(50);
    assertThat(runs.values()).allSatisfy(turns -> assertThat(turns).isBetween(9, 11));
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
