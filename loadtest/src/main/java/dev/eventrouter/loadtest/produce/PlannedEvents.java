package dev.eventrouter.loadtest.produce;

import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;

/**
 * The events of one run, in order: event n goes to source n mod |sources| with messageId {@code
 * <runId>-<n>}, and its payload is drawn from the plan's seed. Built one at a time, so a run of
 * millions never holds every payload at once.
 */
final class PlannedEvents implements Iterator<PlannedEvents.Event> {

  record Event(String source, String messageId, byte[] value) {}

  private final List<String> sources;
  private final int events;
  private final int payloadBytes;
  private final String runId;
  private final SplittableRandom random;
  private int next;

  PlannedEvents(EventProducer.Plan plan, String runId) {
    this.sources = plan.sources();
    this.events = plan.events();
    this.payloadBytes = plan.payloadBytes();
    this.runId = runId;
    this.random = new SplittableRandom(plan.seed());
  }

  @Override
  public boolean hasNext() {
    return next < events;
  }

  @Override
  public Event next() {
    if (!hasNext()) {
      throw new NoSuchElementException("all " + events + " events were planned");
    }
    int n = next++;
    String source = sources.get(n % sources.size());
    String messageId = runId + "-" + n;
    return new Event(
        source, messageId, SegmentEvents.event(source, messageId, payloadBytes, random));
  }
}
