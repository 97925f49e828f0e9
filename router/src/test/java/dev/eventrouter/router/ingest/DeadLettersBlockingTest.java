package dev.eventrouter.router.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.eventrouter.router.kafka.KafkaClientSettings;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/**
 * The ingest hands dead letters over from Pekko's default dispatcher, which the queues share: a
 * producer that cannot send (the broker down, the topic deleted) must not hold that thread.
 */
class DeadLettersBlockingTest {

  @Test
  void aDeadLetterThatCannotBeSentHoldsNoCallerAndFailsInSeconds() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    try (DeadLetters deadLetters =
        new DeadLetters(
            KafkaClientSettings.plain("127.0.0.1:" + closedPort),
            "events.dead-letter",
            1024,
            "dead-letters-blocking-test")) {
      ConsumerRecord<String, byte[]> record =
          new ConsumerRecord<>(
              "events",
              0,
              7L,
              1_764_000_000_000L,
              TimestampType.CREATE_TIME,
              -1,
              -1,
              "shop",
              "not json".getBytes(StandardCharsets.UTF_8),
              new RecordHeaders(),
              Optional.empty());

      // the producer waits for the topic's metadata, which never comes: before, send returned
      // only once that wait ended (60 s), with its failure already in the stage
      CompletableFuture<DeadLetters.Outcome> sent =
          deadLetters.send(record, Rejection.NOT_JSON, "not json").toCompletableFuture();
      assertThat(sent).isNotDone();

      assertThatThrownBy(() -> sent.get(30, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class);
    }
  }
}
