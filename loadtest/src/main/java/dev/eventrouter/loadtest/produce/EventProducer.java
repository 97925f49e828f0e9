package dev.eventrouter.loadtest.produce;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes Segment-style events to Kafka as the router's users do: record key = source id, value =
 * the event's JSON. Every record is acknowledged by all in-sync replicas (acks=all, idempotent)
 * before it counts as sent, so "sent" is what the router must deliver.
 */
public final class EventProducer {

  private static final Logger log = LoggerFactory.getLogger(EventProducer.class);

  /**
   * @param sources the record keys: used in turn when {@code sourceSkew} is 0, else drawn with a
   *     power law, the k-th source's share proportional to 1 / k^sourceSkew (a few big tenants and
   *     a long tail)
   * @param payloadBytes the size of each event's JSON, or the median size when {@code
   *     maxPayloadBytes} is larger: sizes are then log-normal (a tenth of events over 5x the
   *     median), capped at the maximum
   * @param ratePerSecond events per second; 0 or less means as fast as the broker takes them
   * @param seed reproduces the payloads; message ids differ per run anyway (see {@link #run})
   */
  public record Plan(
      String bootstrapServers,
      String topic,
      int events,
      List<String> sources,
      double sourceSkew,
      int payloadBytes,
      int maxPayloadBytes,
      double ratePerSecond,
      long seed) {

    public Plan {
      if (topic == null || topic.isBlank()) {
        throw new IllegalArgumentException("a topic is needed");
      }
      if (events < 0) {
        throw new IllegalArgumentException("events must not be negative, not " + events);
      }
      if (sources == null || sources.isEmpty()) {
        throw new IllegalArgumentException("at least one source is needed");
      }
      sources = List.copyOf(sources);
      if (sourceSkew < 0) {
        throw new IllegalArgumentException("sourceSkew must not be negative, not " + sourceSkew);
      }
      if (maxPayloadBytes < payloadBytes) {
        throw new IllegalArgumentException(
            "maxPayloadBytes " + maxPayloadBytes + " is under payloadBytes " + payloadBytes);
      }
    }

    /** Sources in turn, every event of the same size. */
    public Plan(
        String bootstrapServers,
        String topic,
        int events,
        List<String> sources,
        int payloadBytes,
        double ratePerSecond,
        long seed) {
      this(
          bootstrapServers,
          topic,
          events,
          sources,
          0,
          payloadBytes,
          payloadBytes,
          ratePerSecond,
          seed);
    }
  }

  /**
   * An acknowledged record: what the router has to deliver to each of the source's destinations.
   */
  public record Produced(String source, String messageId) {}

  /**
   * @param sent acknowledged records
   * @param failed records not acknowledged, including those not sent after the first failure
   * @param produced the acknowledged records, in the order they were sent
   */
  public record Result(long sent, long failed, Duration took, List<Produced> produced) {

    public double eventsPerSecond() {
      return took.isZero() ? 0 : sent * 1e9 / took.toNanos();
    }
  }

  private EventProducer() {}

  /**
   * Sends the plan's events and blocks until every one sent is acknowledged or has failed. Message
   * ids are {@code <runId>-<n>} with a fresh random runId, so that two runs against the same router
   * and black hole never share an id, whatever their seeds.
   *
   * <p>Stops sending at the first failure and counts the events not sent as failed: the producer
   * retries for two minutes (delivery.timeout.ms) before it gives a record up, so a failure means a
   * lasting outage or a wrong address, where each further send would block for a minute
   * (max.block.ms) and fail too.
   */
  public static Result run(Plan plan) {
    return run(plan, new LongAdder());
  }

  /**
   * As {@link #run(Plan)}, counting acknowledged events in {@code acknowledgedSoFar} as they are,
   * for a progress line.
   */
  public static Result run(Plan plan, LongAdder acknowledgedSoFar) {
    return run(plan, newRunId(), null, acknowledgedSoFar);
  }

  /**
   * The same events every time: message ids {@code <runId>-<n>}, and event n's sentAt and record
   * time {@code stampedFrom} plus n milliseconds (so the router derives the same job ids), for a
   * harness that plays one input to several routers.
   */
  public static Result run(
      Plan plan, String runId, Instant stampedFrom, LongAdder acknowledgedSoFar) {
    try (Producer<String, byte[]> producer =
        new KafkaProducer<>(config(plan), new StringSerializer(), new ByteArraySerializer())) {
      return publish(
          new PlannedEvents(plan, runId, stampedFrom), plan, producer, acknowledgedSoFar);
    }
  }

  static Result publish(Plan plan, String runId, Producer<String, byte[]> producer) {
    return publish(plan, runId, null, producer);
  }

  static Result publish(
      Plan plan, String runId, Instant stampedFrom, Producer<String, byte[]> producer) {
    return publish(new PlannedEvents(plan, runId, stampedFrom), plan, producer, new LongAdder());
  }

  private static Result publish(
      PlannedEvents events,
      Plan plan,
      Producer<String, byte[]> producer,
      LongAdder acknowledgedSoFar) {
    log.info(
        "producing {} events of about {} bytes from {} sources to topic {}, rate {}",
        plan.events(),
        plan.payloadBytes(),
        plan.sources().size(),
        plan.topic(),
        plan.ratePerSecond() > 0 ? plan.ratePerSecond() + "/s" : "unlimited");
    AtomicReferenceArray<Produced> acknowledged = new AtomicReferenceArray<>(plan.events());
    Failures failures = new Failures();
    Pacer pacer = Pacer.atRate(plan.ratePerSecond());
    Instant wallStart = Instant.now();
    long start = System.nanoTime();
    int attempted = 0;
    while (events.hasNext() && !failures.any()) {
      if (Thread.currentThread().isInterrupted()) {
        throw new InterruptException(
            "interrupted after " + attempted + " of " + plan.events() + " events");
      }
      // sentAt is when the event was due, not when it leaves: after a stall of the producer (a
      // send blocked by Kafka) the events it held up go late, and stamped when they left their
      // wait would count in no latency (coordinated omission). Without a rate, due is now.
      long due = pacer.await();
      PlannedEvents.Event event = events.next(wallStart.plusNanos(due - start));
      Produced produced = new Produced(event.source(), event.messageId());
      int index = attempted++;
      try {
        producer.send(
            new ProducerRecord<>(
                plan.topic(), null, event.timestamp(), event.source(), event.value()),
            (metadata, error) -> {
              if (error == null) {
                acknowledged.set(index, produced);
                acknowledgedSoFar.increment();
              } else {
                failures.add(error);
              }
            });
      } catch (InterruptException e) {
        throw e;
      } catch (KafkaException e) {
        // thrown before the record was accepted, so no callback will count it
        failures.add(e);
      }
    }
    producer.flush();
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    long notSent = plan.events() - attempted;
    if (notSent > 0) {
      log.warn(
          "stopped at the first failure: {} of {} events were not sent", notSent, plan.events());
    }
    List<Produced> produced = new ArrayList<>(attempted);
    for (int n = 0; n < attempted; n++) {
      if (acknowledged.get(n) != null) {
        produced.add(acknowledged.get(n));
      }
    }
    return new Result(
        produced.size(), failures.count() + notSent, took, Collections.unmodifiableList(produced));
  }

  static Map<String, Object> config(Plan plan) {
    return Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
        plan.bootstrapServers(),
        ProducerConfig.CLIENT_ID_CONFIG,
        "eventrouter-loadtest",
        ProducerConfig.ACKS_CONFIG,
        "all",
        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
        true,
        ProducerConfig.LINGER_MS_CONFIG,
        5,
        ProducerConfig.COMPRESSION_TYPE_CONFIG,
        "none",
        // room for the largest event and its record overhead
        ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
        Math.max(1024 * 1024, plan.maxPayloadBytes() + 64 * 1024));
  }

  static String newRunId() {
    return UUID.randomUUID().toString().substring(0, 8);
  }

  /** Counted, and only the first logged: the rest of a run's failures usually share its cause. */
  private static final class Failures {
    private final LongAdder count = new LongAdder();
    private final AtomicBoolean seen = new AtomicBoolean();

    void add(Exception cause) {
      count.increment();
      if (seen.compareAndSet(false, true)) {
        log.warn(
            "a record was not acknowledged (only the first failure is logged): {}",
            cause.toString());
      }
    }

    /** Cheap enough to ask before every send, unlike the sum of the count. */
    boolean any() {
      return seen.get();
    }

    long count() {
      return count.sum();
    }
  }
}
