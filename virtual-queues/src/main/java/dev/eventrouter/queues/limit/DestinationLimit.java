package dev.eventrouter.queues.limit;

import dev.eventrouter.persistence.job.PairId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The adaptive concurrency limit of one destination on this node, shared by its pairs' queues (each
 * on its own actor thread, hence synchronized): a request needs one of its permits, given back when
 * its answer comes (or when it is never sent, or its queue stops without the answer).
 *
 * <p>Shared fairly: a pair may hold more than its share, max(1, limit / pairs holding or waiting),
 * only while no other pair waits that holds less than its share. A pair refused joins the line of
 * waiters. A permit that frees while pairs wait is handed to one of them, the first in line that
 * holds less than its share (else the first), and that pair is woken ({@link PairPermits}): it is
 * never offered a permit it must then race for, so a wake-up is never a pass for nothing. A pair
 * handed its share goes to the back of the line, and the pair that gave a permit back gets it again
 * only when no other waiter is below its share: with fewer permits than pairs, they go round. A
 * pair stays in line while it wants more than it is handed, and leaves it, giving back what it was
 * handed and did not use, once a pass of its queue ends without being refused. A pair that has not
 * asked again for {@link #WAITER_TTL} is forgotten (its queue stopped; looked for at most every
 * {@link #RECHECK}); a queue that waits asks again every {@link #RECHECK} in any case, so a wake-up
 * lost on the way costs no more than that.
 *
 * <p>Thousands of pairs can wait for one destination (a burst of new sources): what a request costs
 * here must not grow with them. The pairs holding or waiting are counted as they come and go, and
 * the waiters are looked over for stale ones only once per {@link #RECHECK}.
 */
public final class DestinationLimit {

  /** How often a refused queue asks again even without being woken. */
  public static final Duration RECHECK = Duration.ofMillis(500);

  static final Duration WAITER_TTL = RECHECK.multipliedBy(3);

  private record Waiter(PairPermits permits, long sinceNanos) {}

  private final AimdLimit limit;
  private final LongSupplier nanos;
  private final Map<PairId, Integer> held = new HashMap<>();
  private final Map<PairId, Waiter> waiting = new LinkedHashMap<>();
  private int inUse;

  /** The pairs holding a permit or waiting for one (each once). */
  private int active;

  private long sweptAtNanos;

  DestinationLimit(ConcurrencyLimitSettings settings, LongSupplier nanos) {
    this.limit = new AimdLimit(settings);
    this.nanos = nanos;
    this.sweptAtNanos = nanos.getAsLong();
  }

  /** Takes a permit for one request of the pair, or puts it in line to be handed one. */
  synchronized boolean tryAcquire(PairPermits permits) {
    PairId pair = permits.pair();
    long now = nanos.getAsLong();
    forgetStaleWaiters(now);
    int holding = held.getOrDefault(pair, 0);
    int share = fairShare(pair);
    if (inUse < limit.limit() && (holding < share || !othersWantTheirShare(pair, share))) {
      if (held.put(pair, holding + 1) == null && !waiting.containsKey(pair)) {
        active++;
      }
      inUse++;
      stopWaiting(pair);
      return true;
    }
    // a waiter asking again keeps its place in line (a linked map keeps a replaced key's place)
    if (waiting.put(pair, new Waiter(permits, now)) == null && holding == 0) {
      active++;
    }
    return false;
  }

  /**
   * Gives back a permit of the pair, after an answer: {@code failed} whether it counts against the
   * destination (no answer, 5xx, 408).
   */
  public void answered(PairId pair, long sentNanos, long answeredNanos, boolean failed) {
    handingOut(
        pair,
        () -> {
          if (take(pair, 1)) {
            limit.answered(sentNanos, answeredNanos, failed, inUse + 1);
          }
        });
  }

  /**
   * Gives back permits of the pair that learnt nothing of the destination: a request not sent, one
   * answered 429 or never made, or those still unanswered when the pair's queue stops.
   */
  public void release(PairId pair, int permits) {
    handingOut(pair, () -> take(pair, permits));
  }

  /**
   * The pair wants no more for now (a pass of its queue ended without being refused): it leaves the
   * line, and gives back the permits it was handed and did not use.
   */
  void leaveLine(PairPermits permits) {
    handingOut(
        null,
        () -> {
          stopWaiting(permits.pair());
          take(permits.pair(), permits.takeHanded());
        });
  }

  /** The pair's queue stops: it no longer waits, and gives back what it holds. */
  void leave(PairPermits permits) {
    handingOut(
        null,
        () -> {
          stopWaiting(permits.pair());
          permits.takeHanded();
          take(permits.pair(), held.getOrDefault(permits.pair(), 0));
        });
  }

  /**
   * Makes the change under the lock and hands out what it freed; wakes the pairs handed permits
   * after the lock is let go (a wake-up is a message to their queue).
   *
   * @param releasing the pair that gave back permits, or null
   */
  private void handingOut(PairId releasing, Runnable change) {
    List<PairPermits> handed;
    synchronized (this) {
      change.run();
      handed = handOut(releasing);
    }
    handed.forEach(PairPermits::wake);
  }

  public synchronized int limit() {
    return limit.limit();
  }

  public synchronized int inUse() {
    return inUse;
  }

  synchronized int held(PairId pair) {
    return held.getOrDefault(pair, 0);
  }

  private boolean take(PairId pair, int permits) {
    int holding = held.getOrDefault(pair, 0);
    int taken = Math.min(holding, permits);
    if (taken == 0) {
      return false;
    }
    if (holding == taken) {
      held.remove(pair);
      if (!waiting.containsKey(pair)) {
        active--;
      }
    } else {
      held.put(pair, holding - taken);
    }
    inUse -= taken;
    return true;
  }

  /** The limit over the pairs holding permits or waiting for one, this one included. */
  private int fairShare(PairId pair) {
    int pairs = held.containsKey(pair) || waiting.containsKey(pair) ? active : active + 1;
    return Math.max(1, limit.limit() / pairs);
  }

  private void stopWaiting(PairId pair) {
    if (waiting.remove(pair) != null && !held.containsKey(pair)) {
      active--;
    }
  }

  /** Whether another pair waits that holds less than its share. */
  private boolean othersWantTheirShare(PairId pair, int share) {
    for (PairId waiter : waiting.keySet()) {
      if (!waiter.equals(pair) && held.getOrDefault(waiter, 0) < share) {
        return true;
      }
    }
    return false;
  }

  /**
   * Hands the free permits to the waiters in line: each to the first that holds less than its share
   * (all waiters have the same), else to the first; the pair that gave them back only when no other
   * waiter is below its share, so that it does not take back at once what others wait for. A pair
   * handed its share goes to the back of the line. Returns the pairs to wake, each once however
   * many it was handed.
   *
   * @param releasing the pair that gave back the permits, or null
   */
  private List<PairPermits> handOut(PairId releasing) {
    forgetStaleWaiters(nanos.getAsLong());
    List<PairPermits> handed = List.of();
    while (inUse < limit.limit() && !waiting.isEmpty()) {
      int share = Math.max(1, limit.limit() / active);
      Waiter next = nextInLine(share, releasing);
      PairId pair = next.permits().pair();
      if (held.merge(pair, 1, Integer::sum) >= share) {
        waiting.remove(pair);
        waiting.put(pair, next);
      }
      inUse++;
      if (next.permits().hand()) {
        if (handed.isEmpty()) {
          handed = new ArrayList<>();
        }
        handed.add(next.permits());
      }
    }
    return handed;
  }

  private Waiter nextInLine(int share, PairId releasing) {
    Waiter first = null;
    Waiter releaser = null;
    for (Map.Entry<PairId, Waiter> entry : waiting.entrySet()) {
      boolean below = held.getOrDefault(entry.getKey(), 0) < share;
      if (entry.getKey().equals(releasing)) {
        releaser = below ? entry.getValue() : null;
      } else if (below) {
        return entry.getValue();
      }
      if (first == null) {
        first = entry.getValue();
      }
    }
    return releaser != null ? releaser : first;
  }

  private void forgetStaleWaiters(long now) {
    if (now - sweptAtNanos < RECHECK.toNanos()) {
      return;
    }
    sweptAtNanos = now;
    Iterator<Map.Entry<PairId, Waiter>> waiters = waiting.entrySet().iterator();
    while (waiters.hasNext()) {
      Map.Entry<PairId, Waiter> waiter = waiters.next();
      if (now - waiter.getValue().sinceNanos() > WAITER_TTL.toNanos()) {
        waiters.remove();
        if (!held.containsKey(waiter.getKey())) {
          active--;
        }
      }
    }
  }
}
