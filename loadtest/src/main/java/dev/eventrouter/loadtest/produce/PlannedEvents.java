package dev.eventrouter.loadtest.produce;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;

/**
 * The events of one run, in order: event n has messageId {@code <runId>-<n>} and goes to source n
 * mod |sources|, or to a source drawn with the plan's power law; its size and payload are drawn
 * from the plan's seed. Built one at a time, so a run of millions never holds every payload at
 * once.
 */
final class PlannedEvents {

  /**
   * @param timestamp the Kafka record's time (epoch ms); null for the producer's clock
   */
  record Event(String source, String messageId, byte[] value, Long timestamp) {}

  private final List<String> sources;
  private final int events;
  private final int payloadBytes;
  private final int maxPayloadBytes;

  /** Cumulative shares of the sources, or null when they are used in turn. */
  private final double[] cumulativeShares;

  private final String runId;
  private final Instant stampedFrom;
  private final SplittableRandom random;
  private int next;

  /**
   * @param stampedFrom null: each event's sentAt is the time {@link #next(Instant)} is given, its
   *     record's time the producer's; else event n's sentAt and record time are this plus n
   *     milliseconds, so that a run made again is the same bytes and the same record times (the
   *     router's job ids)
   */
  PlannedEvents(EventProducer.Plan plan, String runId, Instant stampedFrom) {
    this.stampedFrom = stampedFrom;
    this.sources = plan.sources();
    this.events = plan.events();
    this.payloadBytes = plan.payloadBytes();
    this.maxPayloadBytes = plan.maxPayloadBytes();
    this.cumulativeShares =
        plan.sourceSkew() == 0 ? null : cumulativeShares(sources.size(), plan.sourceSkew());
    this.runId = runId;
    this.random = new SplittableRandom(plan.seed());
  }

  /** Source k (from 1) weighs 1 / k^skew; the shares summed up to each source, ending at 1. */
  static double[] cumulativeShares(int sources, double skew) {
    double[] cumulative = new double[sources];
    double sum = 0;
    for (int k = 0; k < sources; k++) {
      sum += 1 / Math.pow(k + 1, skew);
      cumulative[k] = sum;
    }
    for (int k = 0; k < sources; k++) {
      cumulative[k] /= sum;
    }
    return cumulative;
  }

  private String source(int n) {
    if (cumulativeShares == null) {
      return sources.get(n % sources.size());
    }
    int at = Arrays.binarySearch(cumulativeShares, random.nextDouble());
    return sources.get(Math.min(sources.size() - 1, at < 0 ? -at - 1 : at));
  }

  /** Log-normal around the median with sigma 1.25: p90 is 5x the median; capped at the maximum. */
  private int size() {
    if (maxPayloadBytes == payloadBytes) {
      return payloadBytes;
    }
    double draw = payloadBytes * Math.exp(1.25 * gaussian());
    return (int) Math.max(256, Math.min(maxPayloadBytes, draw));
  }

  private double gaussian() {
    // Box-Muller: SplittableRandom has no nextGaussian of its own on Java 17
    double u = 1 - random.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble());
  }

  boolean hasNext() {
    return next < events;
  }

  /** The next event, its sentAt {@code due} unless the events are stamped. */
  Event next(Instant due) {
    if (!hasNext()) {
      throw new NoSuchElementException("all " + events + " events were planned");
    }
    int n = next++;
    String source = source(n);
    String messageId = runId + "-" + n;
    Instant sentAt = stampedFrom == null ? due : stampedFrom.plusMillis(n);
    return new Event(
        source,
        messageId,
        SegmentEvents.event(source, messageId, sentAt, size(), random),
        stampedFrom == null ? null : sentAt.toEpochMilli());
  }
}
