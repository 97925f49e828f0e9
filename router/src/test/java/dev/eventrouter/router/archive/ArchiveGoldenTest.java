package dev.eventrouter.router.archive;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eventrouter.persistence.job.Attempt;
import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.job.Transition;
import dev.eventrouter.persistence.testing.GoldenFiles;
import dev.eventrouter.queues.VirtualQueue;
import dev.eventrouter.queues.archive.ArchivedJob;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The archive as this version wrote it ({@code src/test/resources/golden/v1/archive.*}, see {@link
 * GoldenFiles}): an object of four archived jobs with their traces, its key, and the replay claims
 * beside it, with the marker that versions before claims left. Today's reader reads the object to
 * every field, and a replay over them, on the embedded S3 server, takes what the claims leave.
 */
class ArchiveGoldenTest {

  private static final GoldenFiles V1 = GoldenFiles.version("v1");
  private static final String OBJECT = "archive.object.ndjson.gz";
  private static final String KEY = "archive.object.key";
  private static final String CLAIM = "archive.replay-claim.json";
  private static final String UNCONFIRMED_CLAIM = "archive.replay-claim--unconfirmed.json";
  private static final String MARKER = "archive.replay-claim--marker-before-claims.json";

  private static final PairId PAIR = new PairId("source-1", "webhook");
  private static final ArchiveKeys KEYS = new ArchiveKeys("archive");
  private static final Instant HOUR = Instant.parse("2026-11-26T10:00:00Z");
  private static final String ENDPOINT = "https://hooks.example.com/in";
  private static final Duration EXPIRY = Duration.ofHours(4);
  private static final Duration DEDUPE_WINDOW = Duration.ofMinutes(15);
  private static final Instant CLAIMED_AT = Instant.parse("2026-11-27T08:00:00.500Z");

  /** When the replay runs: within the dedupe window of the unconfirmed claim. */
  private static final Instant NOW = CLAIMED_AT.plus(Duration.ofMinutes(5));

  private static final Job EXPIRED = job("m-a", HOUR.plusMillis(300_250), null);
  private static final Job FLUSHED = job("m-b", HOUR.plus(Duration.ofMinutes(10)), null);
  private static final Job CARRIED = job("m-c", HOUR.plus(Duration.ofMinutes(20)), null);
  private static final Ksuid ORIGINAL = Ksuid.parse("3MdUkXt0Y2wKPC7zL9Rq8hVyBfe");
  private static final Job REPLAYED = job("m-d", HOUR.plus(Duration.ofMinutes(30)), ORIGINAL);

  @TempDir static Path dataDir;
  private static EmbeddedS3 s3;
  private static ExecutorService blocking;

  /** The jobs as the virtual queues hand them to the archive. */
  static List<ArchivedJob> archived() {
    Instant b = FLUSHED.createdAt();
    Instant c = CARRIED.createdAt();
    Instant d = REPLAYED.createdAt();
    return List.of(
        new ArchivedJob(
            EXPIRED,
            List.of(
                new JobEvent.AwaitingScheduling(EXPIRED),
                new JobEvent.Archiving(
                    EXPIRED.id(), EXPIRED.expireAt(), JobEvent.Archiving.EXPIRED))),
        new ArchivedJob(
            FLUSHED,
            List.of(
                new JobEvent.AwaitingScheduling(FLUSHED),
                new JobEvent.AwaitingRetry(
                    FLUSHED.id(),
                    Attempt.failed(1, b.plusSeconds(1), b.plusSeconds(11), "timeout"),
                    b.plusSeconds(41)),
                new JobEvent.RetryRequested(FLUSHED.id(), b.plusSeconds(20)),
                new JobEvent.AwaitingRetry(
                    FLUSHED.id(),
                    Attempt.responded(2, b.plusSeconds(20), b.plusSeconds(21), 503),
                    b.plusSeconds(81)),
                new JobEvent.Archiving(
                    FLUSHED.id(), b.plus(Duration.ofMinutes(30)), JobEvent.Archiving.FLUSHED))),
        new ArchivedJob(
            CARRIED,
            List.of(
                new JobEvent.CarriedForward(
                    CARRIED,
                    List.of(
                        Attempt.failed(1, c.plusSeconds(1), c.plusSeconds(2), "connection-refused"),
                        Attempt.responded(2, c.plusSeconds(32), c.plusSeconds(33), 500))),
                new JobEvent.Archiving(
                    CARRIED.id(), CARRIED.expireAt(), JobEvent.Archiving.EXPIRED))),
        new ArchivedJob(
            REPLAYED,
            List.of(
                new JobEvent.AwaitingScheduling(REPLAYED),
                new JobEvent.AwaitingRetry(
                    REPLAYED.id(),
                    Attempt.responded(1, d.plusSeconds(1), d.plusSeconds(2), 429),
                    d.plusSeconds(62)),
                new JobEvent.Archiving(
                    REPLAYED.id(), REPLAYED.expireAt(), JobEvent.Archiving.EXPIRED))));
  }

  /** The object's records, each field written out: what a reader of the archive finds. */
  static List<ArchiveRecords.Record> records() {
    Instant b = FLUSHED.createdAt();
    Instant c = CARRIED.createdAt();
    Instant d = REPLAYED.createdAt();
    return List.of(
        stored(
            EXPIRED,
            List.of(
                new Transition(
                    "awaiting_scheduling",
                    EXPIRED.createdAt(),
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null),
                new Transition(
                    "archiving",
                    EXPIRED.expireAt(),
                    null,
                    null,
                    null,
                    null,
                    "expired",
                    null,
                    null,
                    null))),
        stored(
            FLUSHED,
            List.of(
                new Transition(
                    "awaiting_scheduling", b, null, null, null, null, null, null, null, null),
                new Transition(
                    "executing", b.plusSeconds(1), 1, null, null, null, null, null, null, null),
                new Transition(
                    "awaiting_retry",
                    b.plusSeconds(11),
                    1,
                    null,
                    "timeout",
                    b.plusSeconds(41),
                    null,
                    null,
                    null,
                    null),
                new Transition(
                    "awaiting_retry",
                    b.plusSeconds(20),
                    null,
                    null,
                    null,
                    b.plusSeconds(20),
                    "retry-now",
                    null,
                    null,
                    null),
                new Transition(
                    "executing", b.plusSeconds(20), 2, null, null, null, null, null, null, null),
                new Transition(
                    "awaiting_retry",
                    b.plusSeconds(21),
                    2,
                    503,
                    null,
                    b.plusSeconds(81),
                    null,
                    null,
                    null,
                    null),
                new Transition(
                    "archiving",
                    b.plus(Duration.ofMinutes(30)),
                    null,
                    null,
                    null,
                    null,
                    "flushed",
                    null,
                    null,
                    null))),
        stored(
            CARRIED,
            List.of(
                new Transition(
                    "executing", c.plusSeconds(1), 1, null, null, null, null, null, null, null),
                new Transition(
                    "awaiting_retry",
                    c.plusSeconds(2),
                    1,
                    null,
                    "connection-refused",
                    null,
                    null,
                    null,
                    null,
                    null),
                new Transition(
                    "executing", c.plusSeconds(32), 2, null, null, null, null, null, null, null),
                new Transition(
                    "awaiting_retry",
                    c.plusSeconds(33),
                    2,
                    500,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null),
                new Transition(
                    "archiving",
                    CARRIED.expireAt(),
                    null,
                    null,
                    null,
                    null,
                    "expired",
                    null,
                    null,
                    null))),
        stored(
            REPLAYED,
            List.of(
                new Transition(
                    "awaiting_scheduling", d, null, null, null, null, null, null, null, ORIGINAL),
                new Transition(
                    "executing", d.plusSeconds(1), 1, null, null, null, null, null, null, null),
                new Transition(
                    "awaiting_retry",
                    d.plusSeconds(2),
                    1,
                    429,
                    null,
                    d.plusSeconds(62),
                    null,
                    null,
                    null,
                    null),
                new Transition(
                    "archiving",
                    REPLAYED.expireAt(),
                    null,
                    null,
                    null,
                    null,
                    "expired",
                    null,
                    null,
                    null))));
  }

  @BeforeAll
  static void start() throws Exception {
    s3 = EmbeddedS3.start(settings("golden"));
    blocking = Executors.newCachedThreadPool();
    if (Boolean.getBoolean(GoldenFiles.WRITE)) {
      writeMissingFiles();
    }
  }

  /**
   * The object and the claims as today's code writes them; the marker as versions before claims
   * did.
   */
  private static void writeMissingFiles() throws Exception {
    List<Ksuid> ids = archived().stream().map(archived -> archived.job().id()).toList();
    V1.writeIfMissing(KEY, KEYS.object(PAIR, HOUR, ids).getBytes(StandardCharsets.UTF_8));
    V1.writeIfMissing(OBJECT, ArchiveRecords.write(archived()));
    try (ArchiveStore writer = ArchiveStore.connect(settings("golden-writer"), s3.endpoint())) {
      ReplayClaims claims = new ReplayClaims(writer, KEYS, PAIR);
      ReplayClaims.Taken confirmed =
          claims.claim("api-7", HOUR, List.of(EXPIRED.id()), CLAIMED_AT.minusSeconds(3600));
      claims.confirm(confirmed);
      V1.writeIfMissing(CLAIM, writer.get(confirmed.key()));
      ReplayClaims.Taken unconfirmed =
          claims.claim("api-8", HOUR, List.of(CARRIED.id()), CLAIMED_AT);
      V1.writeIfMissing(UNCONFIRMED_CLAIM, writer.get(unconfirmed.key()));
    }
    Map<String, Object> marker = new LinkedHashMap<>();
    marker.put("replayedAt", CLAIMED_AT.minus(Duration.ofHours(2)).toString());
    marker.put("jobs", List.of(FLUSHED.id().toString()));
    V1.writeIfMissing(MARKER, new ObjectMapper().writeValueAsBytes(marker));
  }

  @AfterAll
  static void stop() {
    blocking.shutdownNow();
    s3.close();
  }

  @Test
  void readsTheObjectAsThisVersionWroteIt() {
    List<ArchiveRecords.Record> read = ArchiveRecords.read(V1.read(OBJECT)).records();

    assertThat(read)
        .usingRecursiveFieldByFieldElementComparator()
        .containsExactlyElementsOf(records());
  }

  @Test
  void theObjectKeySaysItsPairAndHourAsThisVersionNamedIt() {
    String key = new String(V1.read(KEY), StandardCharsets.UTF_8);

    assertThat(key).startsWith(KEYS.pairPrefix(PAIR));
    assertThat(KEYS.hourOf(key)).contains(HOUR);
    // writing the same jobs again replaces the object: the name must not change
    assertThat(KEYS.object(PAIR, HOUR, records().stream().map(ArchiveRecords.Record::id).toList()))
        .isEqualTo(key);
  }

  @Test
  void aReplayTakesWhatTheStoredClaimsLeave() {
    List<Job> enqueued = Collections.synchronizedList(new ArrayList<>());
    try (ArchiveStore store = ArchiveStore.connect(settings("golden"), s3.endpoint())) {
      String key = new String(V1.read(KEY), StandardCharsets.UTF_8);
      store.put(key, V1.read(OBJECT), "application/x-ndjson");
      String claims = KEYS.replayClaims(PAIR, HOUR);
      store.put(claims + "api-7-1.json", V1.read(CLAIM), "application/json");
      store.put(claims + "api-8-1.json", V1.read(UNCONFIRMED_CLAIM), "application/json");
      // versions before claims kept one marker per object, named after it
      store.put(
          claims + key.substring(key.lastIndexOf('/') + 1), V1.read(MARKER), "application/json");
      Replayer replayer =
          new Replayer(
              store,
              KEYS,
              (pair, jobs) -> {
                enqueued.addAll(jobs);
                return CompletableFuture.completedFuture(new VirtualQueue.Accepted(jobs.size(), 0));
              },
              pair ->
                  Optional.of(
                      new Replayer.Route(
                          ENDPOINT,
                          Map.of("Content-Type", "application/json", "X-Tenant", "acme"),
                          EXPIRY)),
              blocking,
              Clock.fixed(NOW, ZoneOffset.UTC),
              DEDUPE_WINDOW,
              replayed -> {});

      Replayer.Report report =
          replayer
              .replay(
                  "golden",
                  new Replayer.Request(
                      PAIR.source(),
                      PAIR.destination(),
                      HOUR,
                      HOUR.plus(Duration.ofHours(1)),
                      false))
              .toCompletableFuture()
              .join();

      // the confirmed claim and the marker took EXPIRED and FLUSHED; CARRIED's claim was not
      // confirmed, recently: taken over
      assertThat(report)
          .usingRecursiveComparison()
          .isEqualTo(
              new Replayer.Report(
                  List.of(PAIR.entityId()), 1, 1, 0, 2, 2, 0, 2, 1, 0, 0, List.of(), 0));
      assertThat(enqueued)
          .usingRecursiveFieldByFieldElementComparator()
          .containsExactly(CARRIED.replay(NOW, EXPIRY), REPLAYED.replay(NOW, EXPIRY));
    }
  }

  @Test
  void everyGoldenFileOfTheArchiveIsRead() {
    assertThat(V1.files())
        .filteredOn(file -> file.startsWith("archive."))
        .containsExactlyInAnyOrder(OBJECT, KEY, CLAIM, UNCONFIRMED_CLAIM, MARKER);
  }

  private static Job job(String messageId, Instant createdAt, Ksuid replayOf) {
    return new Job(
        Ksuid.derive(createdAt, PAIR.source(), messageId, PAIR.destination()),
        PAIR,
        messageId,
        ENDPOINT,
        ("{\"type\":\"track\",\"messageId\":\"" + messageId + "\"}")
            .getBytes(StandardCharsets.UTF_8),
        Map.of("Content-Type", "application/json", "X-Tenant", "acme"),
        createdAt,
        createdAt.plus(EXPIRY),
        replayOf);
  }

  private static ArchiveRecords.Record stored(Job job, List<Transition> trace) {
    return new ArchiveRecords.Record(
        job.id(),
        job.pair().source(),
        job.pair().destination(),
        job.messageId(),
        job.endpoint(),
        job.headers(),
        job.createdAt(),
        job.expireAt(),
        job.replayOf(),
        job.payload(),
        trace,
        null,
        null);
  }

  private static ArchiveSettings settings(String bucket) {
    return new ArchiveSettings(
        "",
        "us-east-1",
        "",
        "",
        bucket,
        true,
        true,
        "archive",
        1,
        16,
        Duration.ofSeconds(10),
        Duration.ofSeconds(30),
        "127.0.0.1",
        0,
        dataDir.resolve("s3"),
        "tester",
        "tester-secret");
  }
}
