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
 * only while no other pair waits that holds less than its share. A pair refused waits: it is woken
 * (its {@code wake} run) when a permit frees for it, first refused first. It stays a waiter until
 * it gets a permit, and is forgotten if it has not asked again for {@link #WAITER_TTL} (its queue
 * found nothing more to send, or stopped; looked for at most every {@link #RECHECK}); a queue that
 * waits asks again every {@link #RECHECK} in any case, so a wake-up lost on the way costs no more
 * than that.
 *
 * <p>Thousands of pairs can wait for one destination (a burst of new sources): what a request costs
 * here must not grow with them. The pairs holding or waiting are counted as they come and go, and
 * the waiters are looked over for stale ones only once per {@link #RECHECK}.
 */
public final class DestinationLimit {

  /** How often a refused queue asks again even without being woken. */
  public static final Duration RECHECK = Duration.ofMillis(500);

  static final Duration WAITER_TTL = RECHECK.multipliedBy(3);

  private record Waiter(Runnable wake, long sinceNanos) {}

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

  /** Takes a permit for one request of the pair, or registers it to be woken when there is one. */
  public synchronized boolean tryAcquire(PairId pair, Runnable wake) {
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
    if (waiting.put(pair, new Waiter(wake, now)) == null && holding == 0) {
      active++;
    }
    return false;
  }

  /**
   * Gives back a permit of the pair, after an answer: {@code failed} whether it counts against the
   * destination (no answer, 5xx, 408).
   */
  public void answered(PairId pair, long sentNanos, long answeredNanos, boolean failed) {
    List<Runnable> wakes;
    synchronized (this) {
      if (!take(pair, 1)) {
        return;
      }
      limit.answered(sentNanos, answeredNanos, failed, inUse + 1);
      wakes = toWake(pair);
    }
    wakes.forEach(Runnable::run);
  }

  /**
   * Gives back permits of the pair that learnt nothing of the destination: a request not sent, one
   * answered 429 or never made, or those still unanswered when the pair's queue stops.
   */
  public void release(PairId pair, int permits) {
    List<Runnable> wakes;
    synchronized (this) {
      take(pair, permits);
      wakes = toWake(pair);
    }
    wakes.forEach(Runnable::run);
  }

  /** The pair's queue stops: it no longer waits, and gives back what it holds. */
  public void leave(PairId pair) {
    synchronized (this) {
      stopWaiting(pair);
    }
    release(pair, held(pair));
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

  /** The waiters, first first, as many as permits are free; not the pair that just gave back. */
  private List<Runnable> toWake(PairId releasing) {
    forgetStaleWaiters(nanos.getAsLong());
    int free = limit.limit() - inUse;
    List<Runnable> wakes = new ArrayList<>();
    for (Map.Entry<PairId, Waiter> entry : waiting.entrySet()) {
      if (wakes.size() >= free) {
        break;
      }
      if (!entry.getKey().equals(releasing)) {
        wakes.add(entry.getValue().wake());
      }
    }
    return wakes;
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
