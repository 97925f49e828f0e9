package dev.eventrouter.queues.testing;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.queues.JobEventListener;
import dev.eventrouter.queues.VirtualQueues;
import dev.eventrouter.queues.archive.ArchiveSink;
import dev.eventrouter.queues.delivery.AddressPolicy;
import dev.eventrouter.queues.delivery.DeliveryClient;
import dev.eventrouter.queues.destination.BreakerSettings;
import dev.eventrouter.queues.destination.DestinationSettings;
import dev.eventrouter.queues.destination.Destinations;
import dev.eventrouter.queues.destination.RetryPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;

/** A single-node cluster running the virtual queues over a given journal, for tests. */
public final class TestQueues {

  private TestQueues() {}

  /**
   * Set to a layout ({@code pairs}, {@code groups}) to run every test node's queues in it, whatever
   * a suite's own settings say: how the build runs the queue suites against both.
   */
  public static final String LAYOUT = "eventrouter.test.queue-layout";

  /**
   * Cluster on an ephemeral port, messages checked for serializability; {@code journal} may also
   * set {@code eventrouter.virtual-queue.*} (queues passivate after 10 minutes unless it says
   * otherwise).
   */
  public static Config clusterConfig(Config journal) {
    Config layout =
        System.getProperty(LAYOUT) == null
            ? ConfigFactory.empty()
            : ConfigFactory.parseMap(
                Map.of("eventrouter.virtual-queue.layout", System.getProperty(LAYOUT)));
    return layout.withFallback(clusterConfigOf(journal));
  }

  private static Config clusterConfigOf(Config journal) {
    return VirtualQueues.applyTo(
        ConfigFactory.parseString(
                """
            pekko.actor.provider = cluster
            pekko.remote.artery.canonical.hostname = 127.0.0.1
            pekko.remote.artery.canonical.port = 0
            pekko.actor.serialize-messages = on
            pekko.cluster.jmx.multi-mbeans-in-same-jvm = on
            pekko.coordinated-shutdown.exit-jvm = off
            pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off
            # a node leaves its cluster and hands its shards off before it stops, each phase with
            # a timeout of its own; the test kit's 10 s for the whole was once not enough on a
            # loaded 2-core CI machine
            pekko.actor.testkit.typed.system-shutdown-default = 30s
            """)
            .withFallback(journal)
            .withFallback(
                ConfigFactory.parseString("eventrouter.virtual-queue.passivate-idle-after = 10m")));
  }

  /** Starts the test kit and joins the node to itself; returns once it is up. */
  public static ActorTestKit startNode(Config journal) {
    ActorTestKit testKit = ActorTestKit.create(clusterConfig(journal));
    joinSelf(testKit);
    return testKit;
  }

  public static void joinSelf(ActorTestKit testKit) {
    Cluster cluster = Cluster.get(testKit.system());
    cluster.manager().tell(Join.create(cluster.selfMember().address()));
    testKit
        .createTestProbe()
        .awaitAssert(
            Duration.ofSeconds(20),
            () -> {
              if (cluster.selfMember().status() != MemberStatus.up()) {
                throw new AssertionError(
                    "the node is not up yet: " + cluster.selfMember().status());
              }
              return null;
            });
  }

  public static VirtualQueues queues(
      ActorTestKit testKit, Destinations destinations, DeliveryClient client, ArchiveSink archive) {
    return queues(testKit, destinations, client, archive, JobEventListener.NONE);
  }

  public static VirtualQueues queues(
      ActorTestKit testKit,
      Destinations destinations,
      DeliveryClient client,
      ArchiveSink archive,
      JobEventListener listener) {
    return VirtualQueues.init(
        testKit.system(), destinations, client, archive, listener, TestQueues::shardOf);
  }

  /** Whether the node runs its queues in groups ({@link #LAYOUT}, or the suite's settings). */
  public static boolean inGroups(ActorSystem<?> system) {
    return system
        .settings()
        .config()
        .getString("eventrouter.virtual-queue.layout")
        .equals("groups");
  }

  /** The group of a source's queues on a test node, when they run in groups. */
  public static String groupOf(String source) {
    return Integer.toString(shardOf(source));
  }

  /**
   * The first {@code count} pairs, of sources named {@code prefix-0}, {@code prefix-1}, ..., that a
   * test node puts in the shard: under the layout groups, pairs of one group.
   */
  public static List<PairId> pairsOfShard(int shard, String prefix, String destination, int count) {
    List<PairId> pairs = new ArrayList<>();
    for (int i = 0; pairs.size() < count; i++) {
      String source = prefix + "-" + i;
      if (shardOf(source) == shard) {
        pairs.add(new PairId(source, destination));
      }
    }
    return pairs;
  }

  /** The shard of a source's queues on a test node. */
  public static int shardOf(String source) {
    return Math.floorMod(source.hashCode(), SHARDS);
  }

  /**
   * Shards of the test node's queues, by a hash of the source (the router's are Kafka partitions).
   */
  private static final int SHARDS = 16;

  /** Test destinations listen on loopback, which deliveries refuse by default. */
  public static final AddressPolicy LOOPBACK = AddressPolicy.allowing("127.0.0.0/8, ::1");

  /**
   * A destination with fast retries (so retry tests take milliseconds), no rate limit, 8 requests
   * in flight per pair, and a breaker that opens at half of 10 attempts failing.
   */
  public static DestinationSettings destination(String id) {
    return new DestinationSettings(
        id,
        8,
        0,
        16,
        Duration.ofSeconds(5),
        new RetryPolicy(Duration.ofMillis(20), Duration.ofMillis(200)),
        Duration.ofHours(4),
        new BreakerSettings(50, 10, 10, Duration.ofSeconds(1), 2));
  }

  public static Destinations only(DestinationSettings destination) {
    return pair ->
        pair.destination().equals(destination.id()) ? Optional.of(destination) : Optional.empty();
  }
}
