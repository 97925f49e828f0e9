package dev.eventrouter.router.ingest;

import dev.eventrouter.router.kafka.KafkaClientSettings;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Writes rejected records to the dead-letter topic, plus {@code dlq.*} headers saying why and where
 * the record came from, so that its original can always be found. The ingest stage commits a
 * rejected record's offset only after this write is done.
 *
 * <p>A dead letter must always be writable, whatever the size of the record (a compressing producer
 * puts records on the ingest topic that are far larger than its limit once read): its value is cut
 * to {@code maxValueBytes}, it is compressed, and when the topic still refuses it as too large it
 * is written again as its {@link Form#COORDINATES} alone. Only when even those are refused does
 * {@link #send} answer {@link Unwritable}: there is no smaller form left to try, and retrying would
 * stop every partition behind it for good. Any other failure (broker down, authorization) fails the
 * stage, and ingest retries it.
 */
public final class DeadLetters implements AutoCloseable {

  /** What every header a dead letter has from the router starts with. */
  static final String HEADER_PREFIX = "dlq.";

  static final String REASON = "dlq.reason";
  static final String DETAIL = "dlq.detail";

  /** What a dead letter carries, in header {@code dlq.form}. */
  public enum Form {
    /** The original key, value and headers. */
    ORIGINAL("original"),
    /** As the original, but only the value's first {@code maxValueBytes} bytes. */
    VALUE_CUT("value-cut"),
    /** No key, value or original headers: the dlq headers alone. */
    COORDINATES("coordinates");

    final String label;

    Form(String label) {
      this.label = label;
    }
  }

  /** What became of a dead letter. */
  public sealed interface Outcome {}

  public record Written(Form form) implements Outcome {}

  /** Even its coordinates were refused as too large: {@code why} is the producer's error. */
  public record Unwritable(String why) implements Outcome {}

  private final KafkaProducer<String, byte[]> producer;

  /**
   * Where records are handed to the producer: its send blocks (up to max.block.ms) while it has no
   * metadata for the topic or no room in its buffer, as when the broker is down or the topic was
   * deleted, and the ingest calls this from Pekko's default dispatcher, which the queues share.
   */
  private final ExecutorService sending;

  private final String topic;
  private final int maxValueBytes;

  /**
   * @param clientId the producer's Kafka client id: one per producer of a process
   */
  public DeadLetters(KafkaClientSettings client, String topic, int maxValueBytes, String clientId) {
    this.producer =
        new KafkaProducer<>(
            client.with(
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true",
                ProducerConfig.LINGER_MS_CONFIG, "5",
                // events are text: a cut value of 1 MiB is typically a fraction of that on the wire
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd",
                // the client checks the uncompressed size: the cut value and room for key and
                // headers; a record over it fails as too large and steps down to its coordinates
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
                    Integer.toString(maxValueBytes + 1024 * 1024),
                // a send that cannot go on fails in seconds, and is tried again by its caller
                ProducerConfig.MAX_BLOCK_MS_CONFIG, "5000",
                ProducerConfig.CLIENT_ID_CONFIG, clientId),
            new StringSerializer(),
            new ByteArraySerializer());
    this.sending =
        Executors.newSingleThreadExecutor(
            runnable -> {
              Thread thread = new Thread(runnable, clientId + "-send");
              thread.setDaemon(true);
              return thread;
            });
    this.topic = topic;
    this.maxValueBytes = maxValueBytes;
  }

  public CompletionStage<Outcome> send(
      ConsumerRecord<String, byte[]> original, Rejection reason, String detail) {
    byte[] value = original.value();
    Form first = value != null && value.length > maxValueBytes ? Form.VALUE_CUT : Form.ORIGINAL;
    return write(original, reason, detail, first);
  }

  private CompletionStage<Outcome> write(
      ConsumerRecord<String, byte[]> original, Rejection reason, String detail, Form form) {
    return produce(record(original, reason, detail, form))
        .handle(
            (written, failure) -> {
              if (failure == null) {
                return CompletableFuture.<Outcome>completedFuture(new Written(form));
              }
              Throwable cause =
                  failure instanceof CompletionException ? failure.getCause() : failure;
              if (!(cause instanceof RecordTooLargeException
                  || cause instanceof RecordBatchTooLargeException)) {
                return CompletableFuture.<Outcome>failedFuture(cause);
              }
              if (form == Form.COORDINATES) {
                return CompletableFuture.<Outcome>completedFuture(new Unwritable(cause.toString()));
              }
              return write(original, reason, detail, Form.COORDINATES);
            })
        .thenCompose(next -> next);
  }

  private ProducerRecord<String, byte[]> record(
      ConsumerRecord<String, byte[]> original, Rejection reason, String detail, Form form) {
    byte[] value = original.value();
    ProducerRecord<String, byte[]> record =
        switch (form) {
          case ORIGINAL -> new ProducerRecord<>(topic, null, original.key(), value);
          case VALUE_CUT ->
              new ProducerRecord<>(
                  topic, null, original.key(), Arrays.copyOf(value, maxValueBytes));
          case COORDINATES -> new ProducerRecord<>(topic, null, null, null);
        };
    if (form != Form.COORDINATES) {
      for (Header header : original.headers()) {
        // dlq.* are this router's, about the dead letter: a record's own would be taken for
        // them (a forged dlq.redriven for a re-drive's marker)
        if (!header.key().startsWith(HEADER_PREFIX)) {
          record.headers().add(header);
        }
      }
    }
    record
        .headers()
        .add(REASON, bytes(reason.label()))
        .add(DETAIL, bytes(detail))
        .add("dlq.form", bytes(form.label))
        .add("dlq.topic", bytes(original.topic()))
        .add("dlq.partition", bytes(Integer.toString(original.partition())))
        .add("dlq.offset", bytes(Long.toString(original.offset())))
        .add("dlq.timestamp", bytes(Long.toString(original.timestamp())));
    if (value != null) {
      record
          .headers()
          .add("dlq.value-length", bytes(Integer.toString(value.length)))
          .add("dlq.value-sha256", bytes(sha256(value)));
    }
    return record;
  }

  private CompletionStage<Void> produce(ProducerRecord<String, byte[]> record) {
    CompletableFuture<Void> sent = new CompletableFuture<>();
    try {
      sending.execute(
          () -> {
            try {
              producer.send(
                  record,
                  (metadata, failure) -> {
                    if (failure != null) {
                      sent.completeExceptionally(failure);
                    } else {
                      sent.complete(null);
                    }
                  });
            } catch (RuntimeException e) {
              sent.completeExceptionally(e);
            }
          });
    } catch (RejectedExecutionException closed) {
      sent.completeExceptionally(closed);
    }
    return sent;
  }

  private static String sha256(byte[] value) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(value));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    sending.shutdown();
    try {
      sending.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    producer.close();
  }
}
