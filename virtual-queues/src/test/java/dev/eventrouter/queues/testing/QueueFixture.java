package dev.eventrouter.queues.testing;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.eventrouter.persistence.job.GroupBatch;
import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.testing.JobFixtures;
import dev.eventrouter.persistence.testing.TestJournals;
import dev.eventrouter.queues.JobEventListener;
import dev.eventrouter.queues.QueueGroup;
import dev.eventrouter.queues.VirtualQueue;
import dev.eventrouter.queues.VirtualQueues;
import dev.eventrouter.queues.breaker.DestinationBreakers;
import dev.eventrouter.queues.delivery.DeliveryRequest;
import dev.eventrouter.queues.delivery.HttpDeliveryClient;
import dev.eventrouter.queues.delivery.Secrets;
import dev.eventrouter.queues.destination.DestinationSettings;
import dev.eventrouter.queues.destination.Destinations;
import dev.eventrouter.queues.limit.DestinationLimits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A single-node cluster running the virtual queues on an H2 journal, delivering over real HTTP to a
 * {@link ScriptedDestination}, archiving to a {@link RecordingArchive}. Destinations are registered
 * per test; requests to a destination whose id starts with "held-" are accepted and never answered.
 *
 * <p>As a JUnit extension ({@code @RegisterExtension static QueueFixture fixture = new
 * QueueFixture()}) it runs for a whole test class over a temporary folder; {@link #startOn} runs
 * one over a given journal folder, for tests that restart a node.
 */
public final class QueueFixture implements BeforeAllCallback, AfterAllCallback, AutoCloseable {

  public static final Duration WAIT = Duration.ofSeconds(30);

  private final AtomicInteger sources = new AtomicInteger();
  private final Map<String, DestinationSettings> destinations = new ConcurrentHashMap<>();
  private final Set<PairId> paused = ConcurrentHashMap.newKeySet();
  private final List<DeliveryRequest> held = new CopyOnWriteArrayList<>();
  private final RecordingArchive archive = new RecordingArchive();
  private final Config overrides;
  private final JobEventListener listener;
  private Path ownDataDir;
  private ActorTestKit testKit;
  private ScriptedDestination destination;
  private VirtualQueues queues;

  public QueueFixture() {
    this(ConfigFactory.empty());
  }

  /**
   * @param overrides settings over the defaults, e.g. {@code eventrouter.virtual-queue.*}
   */
  public QueueFixture(Config overrides) {
    this(overrides, JobEventListener.NONE);
  }

  /**
   * @param listener told what the node's queues do, as the router's metrics are
   */
  public QueueFixture(Config overrides, JobEventListener listener) {
    this.overrides = overrides;
    this.listener = listener;
  }

  /** A fixture running now over the journal in {@code dataDir}; close it when done. */
  public static QueueFixture startOn(Path dataDir, Config overrides) {
    QueueFixture fixture = new QueueFixture(overrides);
    fixture.start(dataDir);
    return fixture;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws IOException {
    ownDataDir = Files.createTempDirectory("queue-fixture");
    start(ownDataDir);
  }

  @Override
  public void afterAll(ExtensionContext context) throws IOException {
    close();
    try (var files = Files.walk(ownDataDir)) {
      files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    }
  }

  private void start(Path dataDir) {
    testKit = TestQueues.startNode(overrides.withFallback(TestJournals.h2(dataDir)));
    destination = new ScriptedDestination(testKit.system());
    HttpDeliveryClient http =
        new HttpDeliveryClient(
            testKit.system(), Clock.systemUTC(), 1024, TestQueues.LOOPBACK, Secrets.NONE);
    queues =
        TestQueues.queues(
            testKit,
            new Destinations() {
              @Override
              public Optional<DestinationSettings> find(PairId pair) {
                return Optional.ofNullable(destinations.get(pair.destination()));
              }

              @Override
              public boolean paused(PairId pair) {
                return paused.contains(pair);
              }
            },
            request ->
                request.destination().id().startsWith("held-")
                    ? held.add(request)
                    : http.send(request),
            archive,
            listener);
  }

  public ActorTestKit testKit() {
    return testKit;
  }

  public ScriptedDestination destination() {
    return destination;
  }

  public RecordingArchive archive() {
    return archive;
  }

  /** The node's circuit breakers, one per destination, as its queues use them. */
  public DestinationBreakers breakers() {
    return queues.breakers();
  }

  /** The node's adaptive concurrency limits, one per destination, as its queues use them. */
  public DestinationLimits limits() {
    return queues.limits();
  }

  /** A new source sending to a destination with {@link TestQueues#destination} settings. */
  public PairId newPair(String destinationId) {
    return newPair(TestQueues.destination(destinationId));
  }

  /** A new source sending to this destination (registered if it is not yet). */
  public PairId newPair(DestinationSettings settings) {
    destinations.putIfAbsent(settings.id(), settings);
    return new PairId("source-" + sources.incrementAndGet(), settings.id());
  }

  /** Where the scripted destination receives the pair's jobs. */
  public static String path(PairId pair) {
    return "/" + pair.destination() + "/" + pair.source();
  }

  public List<Job> jobs(PairId pair, int count) {
    return jobs(pair, count, destination.url(path(pair)), Instant.now());
  }

  public List<Job> jobs(PairId pair, int count, String endpoint, Instant created) {
    String run = UUID.randomUUID().toString().substring(0, 8);
    return IntStream.range(0, count)
        .mapToObj(i -> JobFixtures.job(pair, run + "-" + i, endpoint, created))
        .toList();
  }

  /** Jobs with JSON payloads of exactly {@code bytes} bytes, each different. */
  public List<Job> jobsOfBytes(PairId pair, int count, int bytes) {
    String run = UUID.randomUUID().toString().substring(0, 8);
    String endpoint = destination.url(path(pair));
    return IntStream.range(0, count)
        .mapToObj(
            i -> {
              String head = "{\"messageId\":\"" + run + "-" + i + "\",\"pad\":\"";
              String json = head + "x".repeat(bytes - head.length() - 2) + "\"}";
              return JobFixtures.job(
                  pair, run + "-" + i, endpoint, Instant.now(), json.getBytes(UTF_8));
            })
        .toList();
  }

  /** What the scripted destination received of the pair's jobs. */
  public List<ScriptedDestination.Received> received(PairId pair) {
    return destination.received(path(pair));
  }

  /** The attempt each request the destination received for the pair was, in order. */
  public List<String> attempts(PairId pair) {
    return received(pair).stream().map(r -> r.header("X-Delivery-Attempt")).toList();
  }

  /** The journal rows of the queue group a pair is in (layout groups). */
  public List<GroupBatch> groupRows(PairId pair) {
    String persistenceId = QueueGroup.persistenceId(TestQueues.groupOf(pair.source())).id();
    return Traces.journal(testKit.system(), persistenceId, 0).stream()
        .map(GroupBatch.class::cast)
        .toList();
  }

  public List<DeliveryRequest> held(PairId pair) {
    return held.stream().filter(r -> r.job().pair().equals(pair)).toList();
  }

  public VirtualQueues queues() {
    return queues;
  }

  public VirtualQueue.Accepted enqueue(PairId pair, List<Job> jobs) {
    return queues.enqueue(pair, jobs).toCompletableFuture().join();
  }

  public VirtualQueue.QueueStats stats(PairId pair) {
    return queues.stats(pair).toCompletableFuture().join();
  }

  /** Holds the pair's jobs, as an operator's pause does. */
  /**
   * Stops the actor that runs the pair's queue, as sharding does to hand it over: the queue's own,
   * or its group (with every other pair in it).
   */
  public void stop(PairId pair) {
    ClusterSharding sharding = ClusterSharding.get(testKit.system());
    if (TestQueues.inGroups(testKit.system())) {
      sharding
          .entityRefFor(QueueGroup.ENTITY_TYPE, TestQueues.groupOf(pair.source()))
          .tell(QueueGroup.Stop.INSTANCE);
    } else {
      sharding
          .entityRefFor(VirtualQueue.ENTITY_TYPE, pair.entityId())
          .tell(VirtualQueue.Stop.INSTANCE);
    }
  }

  public void pause(PairId pair) {
    paused.add(pair);
  }

  public void resume(PairId pair) {
    paused.remove(pair);
  }

  public VirtualQueue.LeverPulled flushToArchive(PairId pair) {
    return queues.flushToArchive(pair).toCompletableFuture().join();
  }

  public VirtualQueue.LeverPulled retryNow(PairId pair) {
    return queues.retryNow(pair).toCompletableFuture().join();
  }

  public VirtualQueue.JobTrace trace(PairId pair, Ksuid id) {
    return queues.trace(pair, id).toCompletableFuture().join();
  }

  public void awaitEmpty(PairId pair) {
    awaitEmpty(pair, WAIT);
  }

  /** For a test whose queue has more work than {@link #WAIT} is meant for. */
  public void awaitEmpty(PairId pair, Duration within) {
    testKit
        .createTestProbe()
        .awaitAssert(
            within,
            () -> {
              VirtualQueue.QueueStats stats = stats(pair);
              assertThat(stats.pending()).isZero();
              assertThat(stats.inFlight()).isZero();
              return stats;
            });
  }

  public void await(Runnable assertion) {
    testKit
        .createTestProbe()
        .awaitAssert(
            WAIT,
            () -> {
              assertion.run();
              return null;
            });
  }

  @Override
  public void close() {
    destination.close();
    testKit.shutdownTestKit();
  }
}
