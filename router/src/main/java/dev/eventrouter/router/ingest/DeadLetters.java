package dev.eventrouter.router.ingest;

import java.nio.charset.StandardCharsets;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Writes rejected records to the dead-letter topic: the original key, value and headers, plus
 * {@code dlq.*} headers saying why and where the record came from. The ingest stage commits a
 * rejected record's offset only after this write is acknowledged.
 */
final class DeadLetters implements AutoCloseable {

  static final String REASON = "dlq.reason";
  static final String DETAIL = "dlq.detail";

  private final KafkaProducer<String, byte[]> producer;
  private final String topic;

  DeadLetters(String bootstrapServers, String topic, long maxRecordBytes) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Long.toString(maxRecordBytes));
    props.put(ProducerConfig.CLIENT_ID_CONFIG, "eventrouter-dead-letters");
    this.producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    this.topic = topic;
  }

  CompletionStage<RecordMetadata> send(ConsumerRecord<String, byte[]> original, Rejection reason,
      String detail) {
    ProducerRecord<String, byte[]> record =
        new ProducerRecord<>(topic, null, original.key(), original.value());
    for (Header header : original.headers()) {
      record.headers().add(header);
    }
    record.headers()
        .add(REASON, bytes(reason.label()))
        .add(DETAIL, bytes(detail))
        .add("dlq.topic", bytes(original.topic()))
        .add("dlq.partition", bytes(Integer.toString(original.partition())))
        .add("dlq.offset", bytes(Long.toString(original.offset())))
        .add("dlq.timestamp", bytes(Long.toString(original.timestamp())));
    CompletableFuture<RecordMetadata> sent = new CompletableFuture<>();
    try {
      producer.send(record, (metadata, failure) -> {
        if (failure != null) {
          sent.completeExceptionally(failure);
        } else {
          sent.complete(metadata);
        }
      });
    } catch (RuntimeException e) {
      sent.completeExceptionally(e);
    }
    return sent;
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    producer.close();
  }
}
