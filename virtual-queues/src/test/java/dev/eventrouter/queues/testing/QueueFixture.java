package dev.eventrouter.queues.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.testing.JobFixtures;
import dev.eventrouter.persistence.testing.TestJournals;
import dev.eventrouter.queues.VirtualQueue;
import dev.eventrouter.queues.VirtualQueues;
import dev.eventrouter.queues.delivery.DeliveryRequest;
import dev.eventrouter.queues.delivery.HttpDeliveryClient;
import dev.eventrouter.queues.destination.DestinationSettings;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;

/**
 * A single-node cluster running the virtual queues on an H2 journal, delivering over real HTTP to
 * a {@link ScriptedDestination}, archiving to a {@link RecordingArchive}. Destinations are
 * registered per test; requests to a destination whose id starts with "held-" are accepted and
 * never answered.
 */
public final class QueueFixture implements AutoCloseable {

  public static final Duration WAIT = Duration.ofSeconds(30);

  private final AtomicInteger sources = new AtomicInteger();
  private final Map<String, DestinationSettings> destinations = new ConcurrentHashMap<>();
  private final List<DeliveryRequest> held = new CopyOnWriteArrayList<>();
  public final ActorTestKit testKit;
  public final ScriptedDestination destination;
  public final RecordingArchive archive = new RecordingArchive();
  public final VirtualQueues queues;

  public QueueFixture(Path dataDir) {
    this(dataDir, ConfigFactory.empty());
  }

  /** @param overrides settings over the defaults, e.g. {@code eventrouter.virtual-queue.*} */
  public QueueFixture(Path dataDir, Config overrides) {
    testKit = TestQueues.startNode(overrides.withFallback(TestJournals.h2(dataDir)));
    destination = new ScriptedDestination(testKit.system());
    HttpDeliveryClient http = new HttpDeliveryClient(testKit.system(), Clock.systemUTC(), 1024);
    queues = TestQueues.queues(testKit,
        pair -> Optional.ofNullable(destinations.get(pair.destination())),
        request -> request.destination().id().startsWith("held-") ? held.add(request) : http.send(request),
        archive);
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

  public List<DeliveryRequest> held(PairId pair) {
    return held.stream().filter(r -> r.job().pair().equals(pair)).toList();
  }

  public VirtualQueue.Accepted enqueue(PairId pair, List<Job> jobs) {
    return queues.enqueue(pair, jobs).toCompletableFuture().join();
  }

  public VirtualQueue.QueueStats stats(PairId pair) {
    return queues.stats(pair).toCompletableFuture().join();
  }

  public void awaitEmpty(PairId pair) {
    testKit.createTestProbe().awaitAssert(WAIT, () -> {
      VirtualQueue.QueueStats stats = stats(pair);
      assertThat(stats.pending()).isZero();
      assertThat(stats.inFlight()).isZero();
      return stats;
    });
  }

  public void await(Runnable assertion) {
    testKit.createTestProbe().awaitAssert(WAIT, () -> {
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
