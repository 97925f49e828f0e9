package dev.eventrouter.loadtest.blackhole;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

/**
 * What the black hole has received, per destination and messageId. Updated from every event loop at
 * once: a hit on a known key costs two map reads and a few uncontended atomic adds, no lock.
 */
final class DeliveryCounts {

  private static final JsonFactory JSON = new JsonFactory();

  private final ConcurrentHashMap<String, Destination> destinations = new ConcurrentHashMap<>();
  private final LongAdder received = new LongAdder();
  private final LongAdder duplicates = new LongAdder();

  /** How a request was refused; counted per destination. */
  enum Refusal {
    ERROR,
    RATE_LIMITED,
    REJECTED,
    RESET,
    HELD,
    /** Answered 503 at once: the destination already served its capacity. */
    OVER_CAPACITY
  }

  /**
   * A request answered 2xx.
   *
   * @param attempt the request's delivery attempt, 0 when it did not say
   * @param latencyMillis from the event's sentAt to now, negative when the event had none; recorded
   *     for a message's first delivery only
   */
  void record(String destination, String messageId, int attempt, long latencyMillis) {
    destination(destination).requests.increment();
    recordEvent(destination, messageId, attempt, latencyMillis);
  }

  /** One event of a batched request answered 2xx (the request counted once, by {@link #batch}). */
  void recordEvent(String destination, String messageId, int attempt, long latencyMillis) {
    Destination d = destination(destination);
    int times = d.record(messageId, attempt);
    if (times > 1) {
      duplicates.increment();
    } else if (latencyMillis >= 0) {
      d.latency.recordMillis(latencyMillis);
    }
    received.increment();
  }

  /** A batched request answered 2xx: one request, its events recorded each. */
  void batch(String destination) {
    destination(destination).requests.increment();
  }

  /** A request the black hole refused; a rejection (400) is remembered per message. */
  void refuse(String destination, String messageId, Refusal refusal) {
    Destination d = destination(destination);
    d.refused[refusal.ordinal()].increment();
    if (refusal == Refusal.REJECTED) {
      d.message(messageId).rejected = true;
    }
  }

  Map<String, Histogram> latencySnapshots() {
    Map<String, Histogram> snapshots = new HashMap<>();
    destinations.forEach((name, d) -> snapshots.put(name, d.latency.snapshot()));
    return snapshots;
  }

  /**
   * {@code {"count":N,"ms":[[V,C],...]}}: the first deliveries' latencies of every destination
   * together, every one so far, as C latencies of V milliseconds (V each bucket's highest value,
   * ascending). Cumulative, so that a reader subtracts an earlier answer to see one interval.
   */
  byte[] latencyJson() {
    Histogram all = new Histogram(LatencyRecorder.SIGNIFICANT_DIGITS);
    latencySnapshots().values().forEach(all::add);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(4096);
    try (JsonGenerator json = JSON.createGenerator(bytes)) {
      json.writeStartObject();
      json.writeNumberField("count", all.getTotalCount());
      json.writeArrayFieldStart("ms");
      for (HistogramIterationValue bucket : all.recordedValues()) {
        json.writeStartArray();
        json.writeNumber(bucket.getValueIteratedTo());
        json.writeNumber(bucket.getCountAtValueIteratedTo());
        json.writeEndArray();
      }
      json.writeEndArray();
      json.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot happen: writing to memory", e);
    }
    return bytes.toByteArray();
  }

  /** Per destination: requests answered 2xx, then refusals in {@link Refusal} order. */
  Map<String, long[]> requestCounts() {
    Map<String, long[]> counts = new HashMap<>();
    destinations.forEach(
        (name, d) -> {
          long[] row = new long[1 + Refusal.values().length];
          row[0] = d.requests.sum();
          for (Refusal r : Refusal.values()) {
            row[1 + r.ordinal()] = d.refused[r.ordinal()].sum();
          }
          counts.put(name, row);
        });
    return counts;
  }

  /** Messages that were refused as permanent failures (400) and never delivered. */
  Map<String, Set<String>> rejected() {
    Map<String, Set<String>> rejected = new HashMap<>();
    destinations.forEach(
        (name, d) ->
            d.messages.forEach(
                (messageId, count) -> {
                  if (count.rejected && count.times == 0) {
                    rejected.computeIfAbsent(name, n -> new HashSet<>()).add(messageId);
                  }
                }));
    return rejected;
  }

  long received() {
    return received.sum();
  }

  long duplicates() {
    return duplicates.sum();
  }

  int maxAttempt(String destination, String messageId) {
    Destination d = destinations.get(destination);
    MessageCount count = d == null ? null : d.messages.get(messageId);
    return count == null ? 0 : count.maxAttempt;
  }

  Map<String, Map<String, Integer>> deliveries() {
    Map<String, Map<String, Integer>> snapshot = new HashMap<>();
    destinations.forEach(
        (name, d) -> {
          Map<String, Integer> messages = new HashMap<>();
          d.messages.forEach(
              (messageId, count) -> {
                if (count.times > 0) {
                  messages.put(messageId, count.times);
                }
              });
          if (!messages.isEmpty()) {
            snapshot.put(name, Map.copyOf(messages));
          }
        });
    return Map.copyOf(snapshot);
  }

  /** {@code {"received":N,"duplicates":D,"destinations":{"<dest>":{"messages":M,"requests":R}}}} */
  byte[] statsJson() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
    try (JsonGenerator json = JSON.createGenerator(bytes)) {
      json.writeStartObject();
      json.writeNumberField("received", received());
      json.writeNumberField("duplicates", duplicates());
      json.writeObjectFieldStart("destinations");
      for (Map.Entry<String, Destination> d : destinations.entrySet()) {
        json.writeObjectFieldStart(d.getKey());
        json.writeNumberField("messages", d.getValue().messages.mappingCount());
        json.writeNumberField("requests", d.getValue().requests.sum());
        for (Refusal r : Refusal.values()) {
          json.writeNumberField(
              r.name().toLowerCase(Locale.ROOT), d.getValue().refused[r.ordinal()].sum());
        }
        json.writeEndObject();
      }
      json.writeEndObject();
      json.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot happen: writing to memory", e);
    }
    return bytes.toByteArray();
  }

  private Destination destination(String name) {
    // get first: computeIfAbsent may lock the bin even when the key is there
    Destination d = destinations.get(name);
    return d != null ? d : destinations.computeIfAbsent(name, n -> new Destination());
  }

  private static final class Destination {
    final ConcurrentHashMap<String, MessageCount> messages = new ConcurrentHashMap<>();
    final LongAdder requests = new LongAdder();
    final LongAdder[] refused = new LongAdder[Refusal.values().length];
    final LatencyRecorder latency = new LatencyRecorder();

    Destination() {
      for (int i = 0; i < refused.length; i++) {
        refused[i] = new LongAdder();
      }
    }

    /**
     * @return how many times this message has now been received here
     */
    int record(String messageId, int attempt) {
      return message(messageId).add(attempt);
    }

    MessageCount message(String messageId) {
      MessageCount count = messages.get(messageId);
      return count != null ? count : messages.computeIfAbsent(messageId, m -> new MessageCount());
    }
  }

  /** One object per (destination, messageId), not two atomics: millions of them live at once. */
  private static final class MessageCount {
    private static final VarHandle TIMES;
    private static final VarHandle MAX_ATTEMPT;

    static {
      try {
        MethodHandles.Lookup lookup = MethodHandles.lookup();
        TIMES = lookup.findVarHandle(MessageCount.class, "times", int.class);
        MAX_ATTEMPT = lookup.findVarHandle(MessageCount.class, "maxAttempt", int.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    volatile int times;
    volatile int maxAttempt;

    /** Answered 400 at least once: what the router discards. */
    volatile boolean rejected;

    int add(int attempt) {
      int seen = maxAttempt;
      while (attempt > seen && !MAX_ATTEMPT.compareAndSet(this, seen, attempt)) {
        seen = maxAttempt;
      }
      return (int) TIMES.getAndAdd(this, 1) + 1;
    }
  }
}
