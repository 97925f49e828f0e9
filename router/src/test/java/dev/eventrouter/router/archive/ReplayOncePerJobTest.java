package dev.eventrouter.router.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eventrouter.loadtest.blackhole.BlackHole;
import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.queues.VirtualQueue;
import dev.eventrouter.queues.archive.ArchivedJob;
import dev.eventrouter.router.Router;
import dev.eventrouter.router.testing.TestRouter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replay delivers each archived job once per replay intent, however many archive objects hold the
 * job and however the replays' ranges cut them, even once the queue's dedupe window has passed and
 * the queue no longer recognises the replayed job by its id; and a replay that stopped between
 * enqueueing and recording it does not deliver those jobs again either. A real router with a short
 * dedupe window, its embedded S3 store, and a black hole as the destination.
 */
@ExtendWith(LogCapturingExtension.class)
class ReplayOncePerJobTest {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final Duration DEDUPE_WINDOW = Duration.ofSeconds(1);
  private static final String OPERATE = "operate-token-0123456789";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  /** Two hours ago, whole: the archived jobs' first creation hour; the second follows it. */
  private static final Instant H1 = ArchiveKeys.hour(Instant.now()).minus(Duration.ofHours(2));

  private static final Instant H2 = H1.plus(Duration.ofHours(1));

  @TempDir static Path dataDir;
  static BlackHole blackHole;
  static Router router;
  static TestProbe<Object> probe;
  static ArchiveStore store;
  static ArchiveKeys keys;
  static ExecutorService blocking;

  @BeforeAll
  static void start() throws Exception {
    blackHole = BlackHole.start("127.0.0.1", 0);
    Path registry = dataDir.resolve("registry.conf");
    Files.writeString(
        registry,
        """
        destinations {
          twice { endpoint = "%s" }
          stopped { endpoint = "%s" }
        }
        sources { shop { destinations = [twice, stopped] } }
        """
            .formatted(blackHole.url("twice"), blackHole.url("stopped")));
    int s3Port = TestRouter.freePort();
    router =
        TestRouter.start(
            TestRouter.config(
                dataDir,
                registry,
                Map.of(
                    "eventrouter.admin.operate-token", OPERATE,
                    "eventrouter.archive.embedded.port", s3Port,
                    "eventrouter.virtual-queue.dedupe-window", DEDUPE_WINDOW.toMillis() + "ms")));
    probe = TestProbe.create(router.system());
    ArchiveSettings settings =
        ArchiveSettings.fromConfig(router.system().settings().config(), dataDir);
    store = ArchiveStore.connect(settings, URI.create("http://127.0.0.1:" + s3Port));
    keys = new ArchiveKeys(settings.prefix());
    blocking = Executors.newCachedThreadPool();
  }

  @AfterAll
  static void stop() {
    blocking.shutdownNow();
    store.close();
    router.close();
    blackHole.close();
  }

  @Test
  void aJobInTwoArchiveObjectsIsReplayedOnceEvenAfterTheDedupeWindowPassed() throws Exception {
    PairId pair = new PairId("shop", "twice");
    Job j = job(pair, "j", H1.plus(Duration.ofMinutes(10)));
    Job k = job(pair, "k", H1.plus(Duration.ofMinutes(20)));
    Job l = job(pair, "l", H2.plus(Duration.ofMinutes(10)));
    archive(pair, H1, j, k);
    // its batch written again (S3 had stored it, the queue did not hear so)
    archive(pair, H1, j);
    // and once more in another hour's object
    archive(pair, H2, j, l);

    JsonNode first = replay(pair, H1, H2);
    assertThat(first.get("enqueued").asLong()).isEqualTo(2);
    awaitReplayed(pair, j, k);
    awaitForgotten(pair);

    // covers both hours: only the job not replayed before goes back
    JsonNode second = replay(pair, H1, H2.plus(Duration.ofHours(1)));
    assertThat(second.get("enqueued").asLong()).as(second.toString()).isEqualTo(1);
    assertThat(second.get("replayedBefore").asLong()).isEqualTo(2);
    awaitReplayed(pair, l);
    assertThat(timesDelivered(pair, j, k, l))
        .containsOnly(Map.entry("j", 1), Map.entry("k", 1), Map.entry("l", 1));
  }

  @Test
  void aReplayThatStoppedAfterEnqueueingDoesNotDeliverAgainAfterTheDedupeWindowPassed()
      throws Exception {
    PairId pair = new PairId("shop", "stopped");
    Job m = job(pair, "m", H1.plus(Duration.ofMinutes(10)));
    Job n = job(pair, "n", H1.plus(Duration.ofMinutes(20)));
    Job p = job(pair, "p", H2.plus(Duration.ofMinutes(10)));
    archive(pair, H1, m, n);
    archive(pair, H2, p);

    // the first batch is enqueued and recorded; the second is enqueued and then the replay stops
    AtomicInteger enqueues = new AtomicInteger();
    Replayer stopping =
        new Replayer(
            store,
            keys,
            (to, jobs) -> {
              CompletionStage<VirtualQueue.Accepted> enqueued = enqueue(to, jobs);
              return enqueues.incrementAndGet() == 1
                  ? enqueued
                  : enqueued.thenApply(
                      accepted -> {
                        throw new IllegalStateException("stopped before recording the enqueue");
                      });
            },
            routed ->
                Optional.of(
                    new Replayer.Route(
                        blackHole.url(routed.destination()), Map.of(), Duration.ofMinutes(5))),
            blocking,
            Clock.systemUTC(),
            DEDUPE_WINDOW,
            replayed -> {});
    assertThatThrownBy(
            () ->
                stopping
                    .replay(
                        "stopped",
                        new Replayer.Request(
                            pair.source(),
                            pair.destination(),
                            H1,
                            H2.plus(Duration.ofHours(1)),
                            false))
                    .toCompletableFuture()
                    .join())
        .isInstanceOf(CompletionException.class)
        .hasMessageContaining("stopped before recording");
    awaitReplayed(pair, m, n, p);
    awaitForgotten(pair);

    JsonNode again = replay(pair, H1, H2.plus(Duration.ofHours(1)));
    assertThat(again.get("enqueued").asLong()).as(again.toString()).isZero();
    assertThat(again.get("replayedBefore").asLong()).isEqualTo(2);
    assertThat(again.get("unconfirmed").asLong()).isEqualTo(1);
    assertThat(timesDelivered(pair, m, n, p))
        .containsOnly(Map.entry("m", 1), Map.entry("n", 1), Map.entry("p", 1));
  }

  /** A job of the pair created at {@code createdAt}, sent to the black hole. */
  private static Job job(PairId pair, String messageId, Instant createdAt) {
    return new Job(
        Ksuid.derive(createdAt, pair.entityId(), messageId),
        pair,
        messageId,
        blackHole.url(pair.destination()),
        ("{\"messageId\":\"" + messageId + "\"}").getBytes(StandardCharsets.UTF_8),
        Map.of("Content-Type", "application/json"),
        createdAt,
        createdAt.plus(Duration.ofMinutes(5)));
  }

  /** Writes one archive object of these jobs, as the archiver does, under the given hour. */
  private static void archive(PairId pair, Instant hour, Job... jobs) {
    List<ArchivedJob> archived =
        Arrays.stream(jobs)
            .map(
                job ->
                    new ArchivedJob(
                        job,
                        List.of(
                            new JobEvent.Archiving(
                                job.id(), job.expireAt(), JobEvent.Archiving.EXPIRED))))
            .toList();
    store.put(
        keys.object(pair, hour, archived.stream().map(a -> a.job().id()).sorted().toList()),
        ArchiveRecords.write(archived),
        "application/x-ndjson");
  }

  private static CompletionStage<VirtualQueue.Accepted> enqueue(PairId pair, List<Job> jobs) {
    return ClusterSharding.get(router.system())
        .entityRefFor(VirtualQueue.ENTITY_TYPE, pair.entityId())
        .askWithStatus(replyTo -> new VirtualQueue.Enqueue(jobs, replyTo), WAIT);
  }

  /** Waits until each archived job's replay was delivered and its queue has finished it. */
  private static void awaitReplayed(PairId pair, Job... archived) {
    for (Job job : archived) {
      awaitFinished(pair, job.messageId(), job.replay(Instant.now(), Duration.ZERO).id());
    }
  }

  private static void awaitFinished(PairId pair, String messageId, Ksuid id) {
    probe.awaitAssert(
        WAIT,
        Duration.ofMillis(100),
        () -> {
          assertThat(blackHole.deliveries().getOrDefault(pair.destination(), Map.of()))
              .containsKey(messageId);
          VirtualQueue.JobTrace trace =
              ClusterSharding.get(router.system())
                  .entityRefFor(VirtualQueue.ENTITY_TYPE, pair.entityId())
                  .<VirtualQueue.JobTrace>askWithStatus(
                      replyTo -> new VirtualQueue.GetTrace(id, replyTo), WAIT)
                  .toCompletableFuture()
                  .join();
          assertThat(trace.live()).as("%s still held", messageId).isFalse();
          return null;
        });
  }

  private static Map<String, Integer> timesDelivered(PairId pair, Job... jobs) {
    Map<String, Integer> delivered =
        blackHole.deliveries().getOrDefault(pair.destination(), Map.of());
    return Arrays.stream(jobs)
        .map(Job::messageId)
        .collect(Collectors.toMap(id -> id, id -> delivered.getOrDefault(id, 0)));
  }

  /**
   * Waits until the pair's queue no longer recognises what it finished so far: a sentinel job
   * finished after them is accepted as new again. The queue forgets by the time of the jobs it
   * finishes, so each look that finds the sentinel still known is followed by one more job.
   */
  private static void awaitForgotten(PairId pair) {
    Job sentinel = job(pair, "sentinel", Instant.now());
    enqueue(pair, List.of(sentinel)).toCompletableFuture().join();
    awaitFinished(pair, sentinel.messageId(), sentinel.id());
    AtomicInteger nudges = new AtomicInteger();
    probe.awaitAssert(
        WAIT,
        Duration.ofMillis(200),
        () -> {
          VirtualQueue.Accepted again =
              enqueue(pair, List.of(sentinel)).toCompletableFuture().join();
          if (again.enqueued() == 0) {
            enqueue(pair, List.of(job(pair, "nudge-" + nudges.incrementAndGet(), Instant.now())));
          }
          assertThat(again.enqueued()).as("the sentinel accepted as new").isEqualTo(1);
          return null;
        });
  }

  private static JsonNode replay(PairId pair, Instant from, Instant to) throws Exception {
    HttpResponse<String> started =
        call(
            "POST",
            "/admin/replay",
            "{\"source\":\""
                + pair.source()
                + "\",\"destination\":\""
                + pair.destination()
                + "\",\"from\":\""
                + from
                + "\",\"to\":\""
                + to
                + "\"}");
    assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
    String location = started.headers().firstValue("Location").orElseThrow();
    AtomicReference<JsonNode> report = new AtomicReference<>();
    probe.awaitAssert(
        WAIT,
        Duration.ofMillis(100),
        () -> {
          JsonNode status = JSON.readTree(call("GET", location, null).body());
          assertThat(status.get("status").asText()).as(status.toString()).isEqualTo("DONE");
          report.set(status.get("report"));
          return null;
        });
    return report.get();
  }

  private static HttpResponse<String> call(String method, String path, String body)
      throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + router.httpPort() + path))
            .header("Authorization", "Bearer " + OPERATE)
            .header("Content-Type", "application/json")
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
