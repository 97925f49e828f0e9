package dev.eventrouter.router.testing;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads the router's dead-letter topic as an operator's consumer would, in a group of its own. */
public final class DeadLetters {

  public static final String TOPIC = "events.dead-letter";

  private DeadLetters() {}

  /**
   * The first {@code count} dead letters (fewer if they do not come within {@code within}), in the
   * order of the source offsets they carry: the tests write their records to one partition.
   *
   * @param client the client settings (bootstrap servers, security), as the router's own
   */
  public static List<ConsumerRecord<String, byte[]>> read(
      Properties client, int count, Duration within) {
    Properties props = new Properties();
    props.putAll(client);
    props.put(ConsumerConfig.GROUP_ID_CONFIG, "dead-letter-reader-" + UUID.randomUUID());
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.putIfAbsent(
        ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(4 * 1024 * 1024));
    List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(TOPIC));
      long deadline = System.nanoTime() + within.toNanos();
      while (records.size() < count && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(500)).forEach(records::add);
      }
    }
    // a re-drive's markers carry no source offset: last
    records.sort(
        Comparator.comparingLong(
            record -> {
              String offset = header(record, "dlq.offset");
              return offset == null ? Long.MAX_VALUE : Long.parseLong(offset);
            }));
    return records;
  }

  public static List<ConsumerRecord<String, byte[]>> read(
      String bootstrapServers, int count, Duration within) {
    Properties client = new Properties();
    client.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    return read(client, count, within);
  }

  /** A header's value as text, or null when the record has none by that name. */
  public static String header(ConsumerRecord<?, ?> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }
}
