package dev.eventrouter.router.ingest;

import dev.eventrouter.router.kafka.KafkaClientSettings;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Puts dead letters back on the ingest topic once their reason is fixed (a source added to the
 * registry, a larger payload limit), selected by reason, time and source, each once.
 *
 * <p>Once: with the re-driven record, a marker goes to the dead letter's own partition of the
 * dead-letter topic (no key, no value, header {@value #REDRIVEN} = the dead letter's offset), both
 * in one Kafka transaction, so the marker exists if and only if the record was produced. A re-drive
 * starts by taking the one transactional id all re-drives share, which aborts any other re-drive's
 * open transaction and fences it; it then reads the topic up to its end (read committed): every
 * marker of an earlier re-drive is there, and its dead letter is skipped. Markers follow their dead
 * letter in its partition, so reading from the range's start finds them all.
 *
 * <p>Only whole dead letters (form {@code original}) can be re-driven: a cut value or the
 * coordinates alone are counted, not sent.
 */
public final class DeadLetterRedrive {

  /** The header of a marker: the offset of the dead letter it says was re-driven. */
  public static final String REDRIVEN = "dlq.redriven";

  /** The header of a re-driven record: where its dead letter was (topic-partition@offset). */
  public static final String REDRIVEN_FROM = "dlq.redriven-from";

  private static final String TRANSACTIONAL_ID = "eventrouter-dead-letter-redrive";
  private static final Duration POLL = Duration.ofMillis(500);

  /**
   * @param source only the dead letters of this source (their key); null for all
   * @param from dead-lettered at or after (the dead letter's time)
   * @param to dead-lettered before
   */
  public record Request(Rejection reason, String source, Instant from, Instant to) {}

  /**
   * @param matched dead letters of the reason, source and time asked for
   * @param redriven of those, put back on the ingest topic now
   * @param alreadyRedriven of those, re-driven before: not sent again
   * @param notWhole of those, dead-lettered without their whole value: cannot be sent
   */
  public record Report(long matched, long redriven, long alreadyRedriven, long notWhole) {}

  private final KafkaClientSettings client;
  private final String ingestTopic;
  private final String deadLetterTopic;
  private final Executor blocking;
  private final Duration maxDuration;

  /**
   * @param maxDuration the longest a re-drive reads before it gives up (what it produced stays
   *     produced, once)
   */
  public DeadLetterRedrive(
      KafkaClientSettings client,
      String ingestTopic,
      String deadLetterTopic,
      Executor blocking,
      Duration maxDuration) {
    this.client = client;
    this.ingestTopic = ingestTopic;
    this.deadLetterTopic = deadLetterTopic;
    this.blocking = blocking;
    this.maxDuration = maxDuration;
  }

  public CompletionStage<Report> redrive(Request request) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            return run(request);
          } catch (TimeoutException e) {
            throw new IllegalStateException(e.getMessage(), e);
          }
        },
        blocking);
  }

  private Report run(Request request) throws TimeoutException {
    long deadline = System.nanoTime() + maxDuration.toNanos();
    try (KafkaProducer<String, byte[]> producer =
            new KafkaProducer<>(
                client.with(
                    ProducerConfig.TRANSACTIONAL_ID_CONFIG, TRANSACTIONAL_ID,
                    ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true",
                    ProducerConfig.ACKS_CONFIG, "all",
                    ProducerConfig.CLIENT_ID_CONFIG, "eventrouter-redrive"),
                new StringSerializer(),
                new ByteArraySerializer());
        KafkaConsumer<String, byte[]> consumer =
            new KafkaConsumer<>(
                client.with(
                    ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                    ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                    ConsumerConfig.CLIENT_ID_CONFIG, "eventrouter-redrive"),
                new StringDeserializer(),
                new ByteArrayDeserializer())) {
      // first: a re-drive that was still writing is aborted and fenced before this one reads
      producer.initTransactions();
      List<TopicPartition> partitions =
          consumer.partitionsFor(deadLetterTopic).stream()
              .map(p -> new TopicPartition(deadLetterTopic, p.partition()))
              .toList();
      consumer.assign(partitions);
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
      Map<TopicPartition, Long> starts = starts(consumer, partitions, request.from(), ends);

      Map<TopicPartition, Set<Long>> matched = new HashMap<>();
      Map<TopicPartition, Set<Long>> marked = new HashMap<>();
      long[] notWhole = {0};
      read(
          consumer,
          starts,
          ends,
          deadline,
          () -> {},
          (partition, record) -> {
            OptionalLong redriven = markerOf(record);
            if (redriven.isPresent()) {
              marked.computeIfAbsent(partition, p -> new HashSet<>()).add(redriven.getAsLong());
            } else if (matches(record, request)) {
              if ("original".equals(header(record, "dlq.form"))) {
                matched.computeIfAbsent(partition, p -> new HashSet<>()).add(record.offset());
              } else {
                notWhole[0]++;
              }
            }
          });
      long[] counts = {0, 0};
      boolean[] open = {false};
      read(
          consumer,
          starts,
          ends,
          deadline,
          () -> {
            // one transaction per batch read: the records and their markers go together
            if (open[0]) {
              producer.commitTransaction();
              open[0] = false;
            }
          },
          (partition, record) -> {
            if (!matched.getOrDefault(partition, Set.of()).contains(record.offset())) {
              return;
            }
            if (marked.getOrDefault(partition, Set.of()).contains(record.offset())) {
              counts[1]++;
              return;
            }
            if (!open[0]) {
              producer.beginTransaction();
              open[0] = true;
            }
            producer.send(ingestRecord(partition, record));
            producer.send(marker(partition, record.offset()));
            counts[0]++;
          });
      return new Report(counts[0] + counts[1] + notWhole[0], counts[0], counts[1], notWhole[0]);
    }
  }

  private static Map<TopicPartition, Long> starts(
      KafkaConsumer<?, ?> consumer,
      List<TopicPartition> partitions,
      Instant from,
      Map<TopicPartition, Long> ends) {
    Map<TopicPartition, Long> at = new HashMap<>();
    partitions.forEach(p -> at.put(p, from.toEpochMilli()));
    Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(at);
    Map<TopicPartition, Long> starts = new HashMap<>();
    for (TopicPartition p : partitions) {
      OffsetAndTimestamp offset = found.get(p);
      starts.put(p, offset == null ? ends.get(p) : offset.offset());
    }
    return starts;
  }

  /** Every record of each partition from its start to its end, in order. */
  private static void read(
      KafkaConsumer<String, byte[]> consumer,
      Map<TopicPartition, Long> starts,
      Map<TopicPartition, Long> ends,
      long deadline,
      Runnable afterBatch,
      BiConsumer<TopicPartition, ConsumerRecord<String, byte[]>> each)
      throws TimeoutException {
    starts.forEach(consumer::seek);
    while (starts.keySet().stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
      if (System.nanoTime() > deadline) {
        throw new TimeoutException(
            "the re-drive did not read the dead-letter topic to its end in time; what it"
                + " re-drove stays re-driven, once: run it again");
      }
      for (ConsumerRecord<String, byte[]> record : consumer.poll(POLL)) {
        TopicPartition partition = new TopicPartition(record.topic(), record.partition());
        if (record.offset() < ends.get(partition)) {
          each.accept(partition, record);
        }
      }
      afterBatch.run();
    }
  }

  private static boolean matches(ConsumerRecord<String, byte[]> record, Request request) {
    return request.reason().label().equals(header(record, DeadLetters.REASON))
        && record.timestamp() >= request.from().toEpochMilli()
        && record.timestamp() < request.to().toEpochMilli()
        && (request.source() == null || request.source().equals(record.key()));
  }

  private ProducerRecord<String, byte[]> ingestRecord(
      TopicPartition partition, ConsumerRecord<String, byte[]> deadLetter) {
    ProducerRecord<String, byte[]> record =
        new ProducerRecord<>(ingestTopic, null, deadLetter.key(), deadLetter.value());
    for (Header header : deadLetter.headers()) {
      if (!header.key().startsWith(DeadLetters.HEADER_PREFIX)) {
        record.headers().add(header);
      }
    }
    record.headers().add(REDRIVEN_FROM, bytes(partition + "@" + deadLetter.offset()));
    return record;
  }

  private ProducerRecord<String, byte[]> marker(TopicPartition partition, long offset) {
    ProducerRecord<String, byte[]> marker =
        new ProducerRecord<>(deadLetterTopic, partition.partition(), null, null);
    marker.headers().add(REDRIVEN, bytes(Long.toString(offset)));
    return marker;
  }

  /**
   * The offset of the dead letter a marker says was re-driven; empty for a record that is no
   * marker. Only a re-drive writes markers (no key, no value, one offset); a dead letter never has
   * the header, since it keeps none of its record's {@code dlq.} headers.
   */
  private static OptionalLong markerOf(ConsumerRecord<String, byte[]> record) {
    String offset = header(record, REDRIVEN);
    if (offset == null || record.key() != null || record.value() != null) {
      return OptionalLong.empty();
    }
    try {
      return OptionalLong.of(Long.parseLong(offset));
    } catch (NumberFormatException e) {
      return OptionalLong.empty();
    }
  }

  private static String header(ConsumerRecord<?, ?> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null || header.value() == null
        ? null
        : new String(header.value(), StandardCharsets.UTF_8);
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
