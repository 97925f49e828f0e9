package dev.eventrouter.queues;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.testing.JobFixtures;
import dev.eventrouter.persistence.testing.TestJournals;
import dev.eventrouter.queues.delivery.DeliveryClient;
import dev.eventrouter.queues.delivery.DeliveryRequest;
import dev.eventrouter.queues.delivery.HttpDeliveryClient;
import dev.eventrouter.queues.delivery.Secrets;
import dev.eventrouter.queues.destination.DestinationSettings;
import dev.eventrouter.queues.destination.Destinations;
import dev.eventrouter.queues.destination.RetryPolicy;
import dev.eventrouter.queues.testing.RecordingArchive;
import dev.eventrouter.queues.testing.ScriptedDestination;
import dev.eventrouter.queues.testing.ScriptedDestination.Response;
import dev.eventrouter.queues.testing.TestQueues;
import dev.eventrouter.queues.testing.Traces;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A queue passivates only when it holds no job, and a queue holding jobs is never forgotten by its
 * shard.
 *
 * <p>The race needs a message the shard delivers after the queue asked to passivate and before the
 * shard's stop message; the shard cannot be slowed down for that, so these tests play it: the queue
 * under test is spawned with a probe as its shard, next to the node's real sharding of the same
 * queues. Whatever restarts it after the stop has to go through that sharding, as in production.
 */
@ExtendWith(LogCapturingExtension.class)
class PassivationTest {

  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path dataDir;

  @Test
  void jobsAcceptedAfterTheQueueAskedToPassivateAreDeliveredWithoutFurtherTraffic() {
    ActorTestKit node = TestQueues.startNode(idleAfter("200ms"));
    try {
      ScriptedDestination destination = new ScriptedDestination(node.system());
      DestinationSettings base = TestQueues.destination("webhook");
      DestinationSettings webhook =
          new DestinationSettings(
              base.id(),
              base.maxInFlightPerPair(),
              base.ratePerSecond(),
              base.maxConnections(),
              base.timeout(),
              new RetryPolicy(Duration.ofSeconds(2), Duration.ofSeconds(2)),
              base.expireAfter(),
              base.breaker());
      PairId pair = newPair(webhook);
      // the first attempts fail: the jobs outlive the stopped queue, waiting for a retry
      destination.script(
          path(pair),
          Response.status(503),
          Response.status(503),
          Response.status(503),
          Response.status(200));
      HttpDeliveryClient http =
          new HttpDeliveryClient(
              node.system(), Clock.systemUTC(), 64, TestQueues.LOOPBACK, Secrets.NONE);
      TestQueues.queues(node, TestQueues.only(webhook), http::send, new RecordingArchive());
      List<Job> jobs = jobs(pair, 3, destination.url(path(pair)));

      PassivatingQueue queue =
          PassivatingQueue.spawn(node, pair, TestQueues.only(webhook), http::send);
      queue.enqueueAfterItAskedToPassivate(jobs);
      node.createTestProbe()
          .awaitAssert(
              WAIT,
              () -> {
                assertThat(Traces.events(node.system(), pair))
                    .filteredOn(JobEvent.AwaitingRetry.class::isInstance)
                    .hasSize(jobs.size());
                return null;
              });
      queue.stopAsTheShardDoes();

      // nothing is sent to the queue any more: it must come back by itself and deliver
      node.createTestProbe()
          .awaitAssert(
              WAIT,
              () -> {
                assertThat(Traces.events(node.system(), pair))
                    .filteredOn(JobEvent.Succeeded.class::isInstance)
                    .extracting(JobEvent::jobId)
                    .containsExactlyInAnyOrderElementsOf(jobs.stream().map(Job::id).toList());
                return null;
              });
      destination.close();
    } finally {
      node.shutdownTestKit();
    }
  }

  @Test
  void jobsInFlightWhenAPassivatingQueueStopsAreDeliveredAfterAFullRestart() {
    DestinationSettings webhook = TestQueues.destination("webhook");
    PairId pair = newPair(webhook);
    List<Job> jobs = jobs(pair, 4, "http://127.0.0.1:9/unused");

    ActorTestKit first = TestQueues.startNode(idleAfter("200ms"));
    try {
      // requests are taken and never answered: every job is in flight when the stop comes
      List<DeliveryRequest> neverAnswered = new CopyOnWriteArrayList<>();
      TestQueues.queues(
          first, TestQueues.only(webhook), neverAnswered::add, new RecordingArchive());
      PassivatingQueue queue =
          PassivatingQueue.spawn(first, pair, TestQueues.only(webhook), neverAnswered::add);
      queue.enqueueAfterItAskedToPassivate(jobs);
      first
          .createTestProbe()
          .awaitAssert(
              WAIT,
              () -> {
                assertThat(neverAnswered).hasSize(jobs.size());
                return null;
              });
      queue.stopAsTheShardDoes();

      // the queue came back through sharding (so the shard remembers it): it sends them again
      first
          .createTestProbe()
          .awaitAssert(
              WAIT,
              () -> {
                assertThat(neverAnswered).hasSize(2 * jobs.size());
                return null;
              });
    } finally {
      first.shutdownTestKit();
    }

    ActorTestKit second = TestQueues.startNode(TestJournals.h2(dataDir));
    try {
      List<DeliveryRequest> sent = new CopyOnWriteArrayList<>();
      TestQueues.queues(second, TestQueues.only(webhook), sent::add, new RecordingArchive());
      // nothing asks for the queue: it starts by itself, remembered
      second
          .createTestProbe()
          .awaitAssert(
              WAIT,
              () -> {
                assertThat(sent)
                    .extracting(request -> request.job().id())
                    .containsExactlyInAnyOrderElementsOf(jobs.stream().map(Job::id).toList());
                return null;
              });
    } finally {
      second.shutdownTestKit();
    }
  }

  @Test
  void theIdleTimeCountsFromTheLastJobNotFromTheStart() {
    Duration idle = Duration.ofSeconds(2);
    Duration answerTakes = Duration.ofMillis(500);
    ActorTestKit node = TestQueues.startNode(idleAfter(idle.toMillis() + "ms"));
    try {
      ScriptedDestination destination = new ScriptedDestination(node.system());
      DestinationSettings webhook = TestQueues.destination("webhook");
      PairId pair = newPair(webhook);
      destination.script(path(pair), Response.status(200).after(answerTakes));
      HttpDeliveryClient http =
          new HttpDeliveryClient(
              node.system(), Clock.systemUTC(), 64, TestQueues.LOOPBACK, Secrets.NONE);
      TestProbe<ClusterSharding.ShardCommand> shard = node.createTestProbe();
      ActorRef<VirtualQueue.Command> queue =
          node.spawn(
              VirtualQueue.create(
                  pair,
                  shard.ref(),
                  VirtualQueues.dependencies(
                      node.system(),
                      TestQueues.only(webhook),
                      http::send,
                      new RecordingArchive(),
                      JobEventListener.NONE)));

      // recovered (and its first idle timer running) before the job comes
      TestProbe<VirtualQueue.QueueStats> stats = node.createTestProbe();
      queue.tell(new VirtualQueue.GetStats(stats.ref()));
      stats.receiveMessage(WAIT);
      Instant sent = Instant.now();
      enqueue(node, queue, jobs(pair, 1, destination.url(path(pair))));

      // the queue was busy for answerTakes; its idle time starts after that, not when it started
      shard.expectMessageClass(ClusterSharding.Passivate.class, WAIT);
      assertThat(Duration.between(sent, Instant.now()))
          .isGreaterThanOrEqualTo(answerTakes.plus(idle));
      assertThat(destination.received(path(pair))).hasSize(1);
      destination.close();
    } finally {
      node.shutdownTestKit();
    }
  }

  /** A queue whose shard is a probe: the test decides what reaches it and when it is stopped. */
  private record PassivatingQueue(
      ActorTestKit node,
      ActorRef<VirtualQueue.Command> ref,
      TestProbe<ClusterSharding.ShardCommand> shard) {

    static PassivatingQueue spawn(
        ActorTestKit node, PairId pair, Destinations destinations, DeliveryClient client) {
      TestProbe<ClusterSharding.ShardCommand> shard = node.createTestProbe();
      ActorRef<VirtualQueue.Command> ref =
          node.spawn(
              VirtualQueue.create(
                  pair,
                  shard.ref(),
                  VirtualQueues.dependencies(
                      node.system(),
                      destinations,
                      client,
                      new RecordingArchive(),
                      JobEventListener.NONE)));
      return new PassivatingQueue(node, ref, shard);
    }

    /**
     * The queue, empty, asks to passivate; jobs reach it and are acknowledged, as when the shard
     * delivers them before it handles the Passivate.
     */
    void enqueueAfterItAskedToPassivate(List<Job> jobs) {
      shard.expectMessageClass(ClusterSharding.Passivate.class, WAIT);
      assertThat(enqueue(node, ref, jobs).enqueued()).isEqualTo(jobs.size());
    }

    /** The shard's answer to the Passivate: it stops the queue and then forgets it. */
    void stopAsTheShardDoes() {
      ref.tell(VirtualQueue.Stop.INSTANCE);
      shard.expectTerminated(ref, WAIT);
    }
  }

  private static VirtualQueue.Accepted enqueue(
      ActorTestKit node, ActorRef<VirtualQueue.Command> queue, List<Job> jobs) {
    TestProbe<StatusReply<VirtualQueue.Accepted>> reply = node.createTestProbe();
    queue.tell(new VirtualQueue.Enqueue(jobs, reply.ref()));
    return reply.receiveMessage(WAIT).getValue();
  }

  private Config idleAfter(String duration) {
    return ConfigFactory.parseString("eventrouter.virtual-queue.passivate-idle-after = " + duration)
        .withFallback(TestJournals.h2(dataDir));
  }

  private static PairId newPair(DestinationSettings destination) {
    return new PairId(
        "passivation-" + UUID.randomUUID().toString().substring(0, 8), destination.id());
  }

  private static List<Job> jobs(PairId pair, int count, String endpoint) {
    return IntStream.range(0, count)
        .mapToObj(i -> JobFixtures.job(pair, pair.source() + "-" + i, endpoint, Instant.now()))
        .toList();
  }

  private static String path(PairId pair) {
    return "/" + pair.destination() + "/" + pair.source();
  }
}
