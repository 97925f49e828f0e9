package dev.eventrouter.loadtest.blackhole;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the black hole has received, per destination and messageId. Updated from every event loop at
 * once: a hit on a known key costs two map reads and a few uncontended atomic adds, no lock.
 */
final class DeliveryCounts {

  private static final JsonFactory JSON = new JsonFactory();

  private final ConcurrentHashMap<String, Destination> destinations = new ConcurrentHashMap<>();
  private final LongAdder received = new LongAdder();
  private final LongAdder duplicates = new LongAdder();

  /**
   * @param attempt the request's delivery attempt, 0 when it did not say
   */
  void record(String destination, String messageId, int attempt) {
    if (destination(destination).record(messageId, attempt) > 1) {
      duplicates.increment();
    }
    received.increment();
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
          d.messages.forEach((messageId, count) -> messages.put(messageId, count.times));
          snapshot.put(name, Map.copyOf(messages));
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

    /**
     * @return how many times this message has now been received here
     */
    int record(String messageId, int attempt) {
      requests.increment();
      MessageCount count = messages.get(messageId);
      if (count == null) {
        count = messages.computeIfAbsent(messageId, m -> new MessageCount());
      }
      return count.add(attempt);
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

    int add(int attempt) {
      int seen = maxAttempt;
      while (attempt > seen && !MAX_ATTEMPT.compareAndSet(this, seen, attempt)) {
        seen = maxAttempt;
      }
      return (int) TIMES.getAndAdd(this, 1) + 1;
    }
  }
}
