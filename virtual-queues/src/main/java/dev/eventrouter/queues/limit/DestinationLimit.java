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
 * waiters. Permits that free while pairs wait are handed to one of them, the first in line that
 * holds less than its share (else the first), and that pair is woken ({@link PairPermits}): it is
 * never offered a permit it must then race for, so a wake-up is never a pass for nothing. They are
 * handed in runs ({@code handed-run}, at most a quarter of the limit), so that the pass of a queue
 * woken sends several requests: a pair may then hold a run above its share. A pair handed its share
 * goes to the back of the line, and the pair that gave permits back gets them again only when no
 * other waiter is below its share: with fewer permits than pairs, they go round. A pair stays in
 * line while it wants more than it is handed, and leaves it, giving back what it was handed and did
 * not use, once a pass of its queue ends without being refused. A queue that waits asks again after
 * a while even if not woken ({@link #recheckNanos}), so a wake-up lost on the way costs no more
 * than that; a pair that has not asked again for three of those is forgotten (its queue stopped;
 * looked for at most once per that while).
 *
 * <p>Thousands of pairs can wait for one destination (a burst of new sources): what a request costs
 * here must not grow with them. The pairs holding or waiting are counted as they come and go, each
 * waiter's count is at its place in line (looking over the line costs no lookup per waiter), the
 * waiters are looked over for stale ones only once per recheck, and the recheck grows with the
 * line: asking again is only insurance (a queue is woken when handed a permit), and with a fixed
 * one ten thousand waiting queues made twenty thousand passes a second, each refused.
 */
public final class DestinationLimit {

  /** How soon a refused queue asks again even without being woken, while few wait. */
  static final Duration RECHECK = Duration.ofMillis(500);

  /** At most this many waiters of one destination ask again each second without being woken. */
  static final int RECHECKS_PER_SECOND = 1_000;

  /** A waiter that has not asked again for this many rechecks is forgotten. */
  static final int STALE_AFTER_RECHECKS = 3;

  /** A pair holding permits or waiting for some: its count, and its place in line if it waits. */
  private static final class Share {
    final PairId pair;
    int held;

    /** The pair's permits while it waits in line; null when it does not. */
    PairPermits waiter;

    /** When the waiter, if it has not asked again, is taken for gone. */
    long staleAtNanos;

    Share(PairId pair) {
      this.pair = pair;
    }
  }

  private final AimdLimit limit;
  private final int handedRun;
  private final LongSupplier nanos;

  /**
   * The pairs holding a permit or waiting for one, each once: their number is what the limit is
   * shared by. One entry per pair, so that the line is looked over without a lookup per waiter.
   */
  private final Map<PairId, Share> shares = new HashMap<>();

  /** The pairs waiting, in line. */
  private final Map<PairId, Share> line = new LinkedHashMap<>();

  private int inUse;
  private long sweptAtNanos;

  DestinationLimit(ConcurrencyLimitSettings settings, LongSupplier nanos) {
    this.limit = new AimdLimit(settings);
    this.handedRun = settings.handedRun();
    this.nanos = nanos;
    this.sweptAtNanos = nanos.getAsLong();
  }

  /** Takes a permit for one request of the pair, or puts it in line to be handed one. */
  synchronized boolean tryAcquire(PairPermits permits) {
    PairId pair = permits.pair();
    long now = nanos.getAsLong();
    forgetStaleWaiters(now);
    Share share = shares.get(pair);
    int holding = share == null ? 0 : share.held;
    int fair = Math.max(1, limit.limit() / (share == null ? shares.size() + 1 : shares.size()));
    if (share == null) {
      share = new Share(pair);
      shares.put(pair, share);
    }
    if (inUse < limit.limit() && (holding < fair || !othersWantTheirShare(share, fair))) {
      share.held++;
      inUse++;
      stopWaiting(share);
      return true;
    }
    // a waiter asking again keeps its place in line
    share.waiter = permits;
    line.putIfAbsent(pair, share);
    long recheck = recheckNanos();
    share.staleAtNanos = now + STALE_AFTER_RECHECKS * recheck;
    permits.recheckAfter(recheck);
    return false;
  }

  /**
   * How soon a waiter asks again without being woken: {@link #RECHECK}, or longer so that the line
   * asks at most {@link #RECHECKS_PER_SECOND} times a second.
   */
  private long recheckNanos() {
    return Math.max(RECHECK.toNanos(), line.size() * (1_000_000_000L / RECHECKS_PER_SECOND));
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
          take(permits.pair(), held(permits.pair()));
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
    Share share = shares.get(pair);
    return share == null ? 0 : share.held;
  }

  private boolean take(PairId pair, int permits) {
    Share share = shares.get(pair);
    int taken = share == null ? 0 : Math.min(share.held, permits);
    if (taken == 0) {
      return false;
    }
    share.held -= taken;
    inUse -= taken;
    forgetIfIdle(share);
    return true;
  }

  private void stopWaiting(PairId pair) {
    Share share = shares.get(pair);
    if (share != null) {
      stopWaiting(share);
    }
  }

  private void stopWaiting(Share share) {
    if (line.remove(share.pair) != null) {
      share.waiter = null;
      forgetIfIdle(share);
    }
  }

  /** A pair neither holding nor waiting no longer counts among those sharing the limit. */
  private void forgetIfIdle(Share share) {
    if (share.held == 0 && share.waiter == null) {
      shares.remove(share.pair);
    }
  }

  /**
   * Whether another pair waits that holds less than its share. Waiters are told apart by their
   * share, one object per pair: comparing pair ids was most of a look over a long line.
   */
  private boolean othersWantTheirShare(Share share, int fair) {
    for (Share waiter : line.values()) {
      if (waiter.held < fair && waiter != share) {
        return true;
      }
    }
    return false;
  }

  /**
   * Hands the free permits to the waiters in line: to the first that holds less than its share (all
   * waiters have the same), else to the first; the pair that gave them back only when no other
   * waiter is below its share, so that it does not take back at once what others wait for. A pair
   * is handed what it lacks of its share, and at least a run ({@link #run}): permits that free wait
   * until they make one. A pair handed its share goes to the back of the line. Returns the pairs to
   * wake, each once however many it was handed.
   *
   * @param releasing the pair that gave back the permits, or null
   */
  private List<PairPermits> handOut(PairId releasing) {
    forgetStaleWaiters(nanos.getAsLong());
    List<PairPermits> handed = List.of();
    Share releaser = releasing == null ? null : shares.get(releasing);
    int run = run();
    while (limit.limit() - inUse >= run && !line.isEmpty()) {
      int fair = Math.max(1, limit.limit() / shares.size());
      Share next = nextInLine(fair, releaser);
      PairPermits permits = next.waiter;
      int given = Math.max(run, Math.min(fair - next.held, limit.limit() - inUse));
      next.held += given;
      inUse += given;
      if (next.held >= fair) {
        line.remove(next.pair);
        line.put(next.pair, next);
      }
      if (permits.hand(given)) {
        if (handed.isEmpty()) {
          handed = new ArrayList<>();
        }
        handed.add(permits);
      }
    }
    return handed;
  }

  /**
   * The permits handed to a waiter at once: a queue woken for them sends them all in one pass,
   * where permits handed one by one as answers free them cost a wake-up and a pass for every
   * request. At most a quarter of the limit, so that few wait free while pairs wait.
   */
  private int run() {
    return Math.max(1, Math.min(handedRun, limit.limit() / 4));
  }

  private Share nextInLine(int fair, Share releasing) {
    Share first = null;
    Share releaser = null;
    for (Share waiter : line.values()) {
      boolean below = waiter.held < fair;
      if (waiter == releasing) {
        releaser = below ? waiter : null;
      } else if (below) {
        return waiter;
      }
      if (first == null) {
        first = waiter;
      }
    }
    return releaser != null ? releaser : first;
  }

  private void forgetStaleWaiters(long now) {
    if (now - sweptAtNanos < recheckNanos()) {
      return;
    }
    sweptAtNanos = now;
    Iterator<Share> waiters = line.values().iterator();
    while (waiters.hasNext()) {
      Share waiter = waiters.next();
      if (now - waiter.staleAtNanos > 0) {
        waiters.remove();
        waiter.waiter = null;
        forgetIfIdle(waiter);
      }
    }
  }
}
