package dev.eventrouter.loadtest.produce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eventrouter.loadtest.produce.EventProducer.Plan;
import dev.eventrouter.loadtest.produce.EventProducer.Produced;
import dev.eventrouter.loadtest.produce.EventProducer.Result;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class EventProducerTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> SOURCES = List.of("source-1", "source-2", "source-3");

  @Test
  void publishesEveryEventKeyedByItsSource() throws Exception {
    MockProducer<String, byte[]> kafka = new MockProducer<>(true, strings(), bytes());

    Result result = EventProducer.publish(plan(100), "run1", kafka);

    assertThat(result.sent()).isEqualTo(100);
    assertThat(result.failed()).isZero();
    assertThat(result.produced()).hasSize(100).doesNotHaveDuplicates();
    assertThat(result.produced())
        .extracting(Produced::messageId)
        .doesNotHaveDuplicates()
        .allSatisfy(id -> assertThat(id).startsWith("run1-"));
    assertThat(result.produced().subList(0, 4))
        .containsExactly(
            new Produced("source-1", "run1-0"), new Produced("source-2", "run1-1"),
            new Produced("source-3", "run1-2"), new Produced("source-1", "run1-3"));
    List<ProducerRecord<String, byte[]>> records = kafka.history();
    assertThat(records).hasSize(100).allSatisfy(r -> assertThat(r.topic()).isEqualTo("events"));
    for (int n = 0; n < records.size(); n++) {
      ProducerRecord<String, byte[]> record = records.get(n);
      assertThat(record.key()).isEqualTo(result.produced().get(n).source());
      assertThat(JSON.readTree(record.value()).get("messageId").asText())
          .isEqualTo(result.produced().get(n).messageId());
    }
  }

  @Test
  void countsRecordsThatFailAfterBeingSent() {
    MockProducer<String, byte[]> kafka =
        new MockProducer<>(false, strings(), bytes()) {
          @Override
          public synchronized void flush() {
            int n = 0;
            boolean more = true;
            while (more) {
              more =
                  ++n % 10 == 0
                      ? errorNext(new TimeoutException("expired in the test"))
                      : completeNext();
            }
          }
        };

    Result result = EventProducer.publish(plan(100), "run1", kafka);

    assertThat(result.sent()).isEqualTo(90);
    assertThat(result.failed()).isEqualTo(10);
    assertThat(result.produced())
        .hasSize(90)
        .extracting(Produced::messageId)
        .doesNotContain("run1-9", "run1-19", "run1-99");
  }

  @Test
  void stopsSendingAtTheFirstFailureAndCountsTheRestAsFailed() {
    MockProducer<String, byte[]> kafka =
        new MockProducer<>(false, strings(), bytes()) {
          @Override
          public synchronized Future<RecordMetadata> send(
              ProducerRecord<String, byte[]> record, Callback callback) {
            Future<RecordMetadata> sent = super.send(record, callback);
            if (history().size() == 5) {
              errorNext(new TimeoutException("expired in the test"));
            } else {
              completeNext();
            }
            return sent;
          }
        };

    Result result = EventProducer.publish(plan(100), "run1", kafka);

    assertThat(kafka.history()).hasSize(5);
    assertThat(result.sent()).isEqualTo(4);
    assertThat(result.failed()).isEqualTo(96);
    assertThat(result.produced())
        .extracting(Produced::messageId)
        .containsExactly("run1-0", "run1-1", "run1-2", "run1-3");
  }

  @Test
  void countsASendRefusedOutright() {
    MockProducer<String, byte[]> kafka = new MockProducer<>(true, strings(), bytes());
    kafka.sendException = new KafkaException("refused in the test");

    Result result = EventProducer.publish(plan(5), "run1", kafka);

    assertThat(result.sent()).isZero();
    assertThat(result.failed()).isEqualTo(5);
    assertThat(result.produced()).isEmpty();
  }

  @Test
  void drawsTheSamePayloadsFromTheSameSeed() {
    MockProducer<String, byte[]> first = new MockProducer<>(true, strings(), bytes());
    MockProducer<String, byte[]> again = new MockProducer<>(true, strings(), bytes());

    EventProducer.publish(plan(20), "run1", first);
    EventProducer.publish(plan(20), "run1", again);

    assertThat(again.history())
        .extracting(r -> withoutSentAt(r.value()))
        .containsExactlyElementsOf(
            first.history().stream().map(r -> withoutSentAt(r.value())).toList());
  }

  @Test
  void stampedEventsAreTheSameBytesAndRecordTimesEveryTime() {
    MockProducer<String, byte[]> first = new MockProducer<>(true, strings(), bytes());
    MockProducer<String, byte[]> again = new MockProducer<>(true, strings(), bytes());
    Instant from = Instant.parse("2026-11-28T10:00:00Z");

    EventProducer.publish(plan(20), "run1", from, first);
    EventProducer.publish(plan(20), "run1", from, again);

    assertThat(again.history())
        .extracting(r -> new String(r.value(), StandardCharsets.UTF_8))
        .containsExactlyElementsOf(
            first.history().stream()
                .map(r -> new String(r.value(), StandardCharsets.UTF_8))
                .toList());
    assertThat(first.history())
        .extracting(ProducerRecord::timestamp)
        .containsExactlyElementsOf(
            LongStream.range(0, 20).map(n -> from.toEpochMilli() + n).boxed().toList());
    assertThat(again.history())
        .extracting(ProducerRecord::timestamp)
        .containsExactlyElementsOf(
            first.history().stream().map(ProducerRecord::timestamp).toList());
  }

  @Test
  void drawsSourcesWithAPowerLawAndSizesAroundTheMedian() {
    MockProducer<String, byte[]> producer = new MockProducer<>(true, strings(), bytes());
    List<String> sources = List.of("s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10");

    EventProducer.publish(
        new Plan("unused:9092", "events", 5_000, sources, 1.0, 2048, 65_536, 0, 7),
        "run1",
        producer);

    Map<String, Long> bySource =
        producer.history().stream()
            .collect(Collectors.groupingBy(ProducerRecord::key, Collectors.counting()));
    // 1/k: the first source sends ten times what the tenth does (1/H(10) = 34 %)
    assertThat(bySource.get("s1")).isBetween(1_550L, 1_850L);
    assertThat(bySource.get("s10")).isBetween(120L, 220L);
    List<Integer> sizes = producer.history().stream().map(r -> r.value().length).sorted().toList();
    assertThat(sizes.get(sizes.size() / 2)).isBetween(1_800, 2_300);
    assertThat(sizes.get(sizes.size() - 1)).isLessThanOrEqualTo(65_536).isGreaterThan(20_000);
  }

  @Test
  void stampsEachPacedEventWithWhenItWasDueThoughAStallSentItLate() throws Exception {
    MockProducer<String, byte[]> kafka =
        new MockProducer<>(true, strings(), bytes()) {
          @Override
          public synchronized Future<RecordMetadata> send(
              ProducerRecord<String, byte[]> record, Callback callback) {
            if (history().isEmpty()) {
              // the first send blocks for 20 events' time, as a send waiting on Kafka's metadata
              // does
              LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
            }
            return super.send(record, callback);
          }
        };

    EventProducer.publish(
        new Plan("unused:9092", "events", 20, SOURCES, 256, 100, 1), "run1", kafka);

    List<Instant> sentAt = new ArrayList<>();
    for (ProducerRecord<String, byte[]> record : kafka.history()) {
      sentAt.add(Instant.parse(JSON.readTree(record.value()).get("sentAt").asText()));
    }
    // 100 events/s: 10 ms apart, the ones the stall held up included
    for (int n = 1; n < sentAt.size(); n++) {
      assertThat(Duration.between(sentAt.get(0), sentAt.get(n)))
          .isEqualTo(Duration.ofMillis(10L * n));
    }
  }

  /** The payload but for its sentAt, the one field not drawn from the seed. */
  private static String withoutSentAt(byte[] value) {
    return new String(value, StandardCharsets.UTF_8).replaceFirst("\"sentAt\":\"[^\"]*\"", "");
  }

  @Test
  void givesEachRunItsOwnMessageIds() {
    assertThat(EventProducer.newRunId()).isNotEqualTo(EventProducer.newRunId());
  }

  @Test
  void asksForDurableIdempotentWrites() {
    assertThat(EventProducer.config(plan(1)))
        .containsEntry(ProducerConfig.ACKS_CONFIG, "all")
        .containsEntry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true)
        .containsEntry(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
  }

  @Test
  void refusesAPlanWithoutSources() {
    assertThatThrownBy(() -> new Plan("b:9092", "events", 1, List.of(), 256, 0, 1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static Plan plan(int events) {
    return new Plan("unused:9092", "events", events, SOURCES, 256, 0, 1);
  }

  private static StringSerializer strings() {
    return new StringSerializer();
  }

  private static ByteArraySerializer bytes() {
    return new ByteArraySerializer();
  }
}
