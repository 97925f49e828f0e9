package dev.eventrouter.router.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.typesafe.config.ConfigFactory;
import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.router.filter.EventFields;
import dev.eventrouter.router.registry.Registry;
import dev.eventrouter.router.registry.RegistryLoader;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

class FanoutTest {

  /**
   * A job's id is derived from its record's time, so that a record read again (after a crash,
   * before its offset was committed) makes the same ids and its queue refuses them. A record
   * without a time (-1) takes the ids' earliest time, whenever it is read, not the time of reading.
   */
  @Test
  void aRecordWithoutATimeMakesTheSameIdsWheneverItIsRead() {
    ConsumerRecord<String, byte[]> timeless =
        new ConsumerRecord<>(
            "events",
            0,
            5L,
            ConsumerRecord.NO_TIMESTAMP,
            TimestampType.NO_TIMESTAMP_TYPE,
            -1,
            -1,
            "shop",
            new byte[0],
            new RecordHeaders(),
            Optional.empty());
    ConsumerRecord<String, byte[]> timed =
        new ConsumerRecord<>(
            "events",
            0,
            6L,
            1_764_000_000_000L,
            TimestampType.CREATE_TIME,
            -1,
            -1,
            "shop",
            new byte[0],
            new RecordHeaders(),
            Optional.empty());

    assertThat(Ingest.recordTime(timeless)).isEqualTo(Ksuid.EARLIEST);
    assertThat(Ingest.recordTime(timed)).isEqualTo(Instant.ofEpochMilli(1_764_000_000_000L));
  }

  /**
   * Requests are JSON unless the destination says otherwise (the delivery client's default), so a
   * job stores no Content-Type of its own: only what its destination configured.
   */
  @Test
  void aJobCarriesItsDestinationsHeadersAsConfiguredAndNothingMore() {
    Registry registry =
        RegistryLoader.parse(
            ConfigFactory.parseString(
                """
        destinations {
          plain { endpoint = "https://plain.example.com/in" }
          form { endpoint = "https://form.example.com/in",
                 headers { Content-Type = "application/x-www-form-urlencoded", X-Api-Key = { secret = FORM_KEY } } }
        }
        sources { shop { destinations = [plain, form] } }
        """),
            ConfigFactory.load().getConfig("eventrouter.registry.destination-defaults"));
    Instant now = Instant.now();

    List<Job> jobs =
        Fanout.jobs(
            new EventParser.Parsed("m-1", EventFields.NONE),
            "{}".getBytes(StandardCharsets.UTF_8),
            registry.routesOf("shop"),
            now,
            null,
            now);

    assertThat(jobs)
        .extracting(job -> job.pair().destination(), Job::headers)
        .containsExactly(
            tuple("plain", Map.of()),
            tuple("form", registry.destination("form").orElseThrow().headers()));
    assertThat(jobs.get(1).headers())
        .containsEntry("Content-Type", "application/x-www-form-urlencoded");
  }

  /**
   * An ordered destination's jobs carry the hash of the event's key: its userId, else its
   * anonymousId, or the fields its registry names; one key, one hash. Other destinations' jobs, and
   * events with none of the fields, carry none.
   */
  @Test
  void aJobForAnOrderedDestinationCarriesItsKeysHash() {
    Registry registry =
        RegistryLoader.parse(
            ConfigFactory.parseString(
                """
        destinations {
          plain { endpoint = "https://plain.example.com/in" }
          ordered { endpoint = "https://ordered.example.com/in", ordering = per-key }
          byAccount {
            endpoint = "https://accounts.example.com/in"
            ordering = per-key
            ordering-key = [context.traits.accountId]
          }
        }
        sources { shop { destinations = [plain, ordered, byAccount] } }
        """),
            ConfigFactory.load().getConfig("eventrouter.registry.destination-defaults"));

    Map<String, Long> ofAlice = keys(registry, "{\"messageId\":\"1\",\"userId\":\"alice\"}");
    Map<String, Long> ofAliceAgain =
        keys(
            registry,
            """
            {"messageId":"2","anonymousId":"a-7","userId":"alice",
             "context":{"traits":{"accountId":42}}}""");
    Map<String, Long> anonymous = keys(registry, "{\"messageId\":\"3\",\"anonymousId\":\"a-7\"}");
    Map<String, Long> keyless = keys(registry, "{\"messageId\":\"4\",\"userId\":null}");

    assertThat(ofAlice.get("plain")).isEqualTo(Job.UNORDERED);
    assertThat(ofAlice.get("ordered"))
        .isNotEqualTo(Job.UNORDERED)
        .isEqualTo(ofAliceAgain.get("ordered"))
        .isNotEqualTo(anonymous.get("ordered"));
    assertThat(anonymous.get("ordered")).isNotEqualTo(Job.UNORDERED);
    assertThat(ofAlice.get("byAccount")).isEqualTo(Job.UNORDERED);
    assertThat(ofAliceAgain.get("byAccount")).isNotEqualTo(Job.UNORDERED);
    assertThat(keyless).containsOnlyKeys("plain", "ordered", "byAccount");
    assertThat(keyless.values()).containsOnly(Job.UNORDERED);
  }

  /**
   * A number's key is its value in full, the same for {@code 1000}, {@code 1e3} and the text {@code
   * "1000"}; an exponent too large to write in full ({@code 1e2147483647}, 12 characters in the
   * event, two billion digits in full) still makes a key, and a key of its own.
   */
  @Test
  void aNumericKeyIsItsValueAndAnyExponentMakesOne() {
    Registry registry =
        RegistryLoader.parse(
            ConfigFactory.parseString(
                """
        destinations { ordered { endpoint = "https://ordered.example.com/in", ordering = per-key } }
        sources { shop { destinations = [ordered] } }
        """),
            ConfigFactory.load().getConfig("eventrouter.registry.destination-defaults"));
    Map<String, Long> keys = new LinkedHashMap<>();
    for (String id :
        List.of(
            "1000",
            "1e3",
            "\"1000\"",
            "1001",
            "1e2147483647",
            "1e2147483646",
            "-1e-2147483647",
            "1e999999999")) {
      keys.put(id, keys(registry, "{\"messageId\":\"m\",\"userId\":" + id + "}").get("ordered"));
    }

    assertThat(keys.get("1e3")).isEqualTo(keys.get("1000")).isEqualTo(keys.get("\"1000\""));
    assertThat(keys.values()).doesNotContain(Job.UNORDERED);
    assertThat(keys.values().stream().distinct()).hasSize(keys.size() - 2);
  }

  /** Each destination's job's ordering key, for this event of source shop. */
  private static Map<String, Long> keys(Registry registry, String event) {
    byte[] payload = event.getBytes(StandardCharsets.UTF_8);
    var routes = registry.routesOf("shop");
    EventParser.Parsed parsed =
        (EventParser.Parsed) new EventParser(64).parse(payload, Fanout.fieldsRead(routes));
    Instant now = Instant.now();
    Map<String, Long> keys = new LinkedHashMap<>();
    for (Job job : Fanout.jobs(parsed, payload, routes, now, null, now)) {
      keys.put(job.pair().destination(), job.orderingKey());
    }
    return keys;
  }
}
