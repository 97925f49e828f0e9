package dev.eventrouter.queues;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.journal.JobPayloads;
import dev.eventrouter.persistence.journal.JournalCompaction;
import dev.eventrouter.persistence.journal.JournalSettings;
import dev.eventrouter.queues.archive.ArchiveSink;
import dev.eventrouter.queues.breaker.DestinationBreakers;
import dev.eventrouter.queues.delivery.DeliveryClient;
import dev.eventrouter.queues.destination.Destinations;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingSettings;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;

/**
 * The virtual queues of this node's cluster: registers the sharded entity and is how the rest of
 * the router talks to a pair's queue.
 */
public final class VirtualQueues {

  private final ClusterSharding sharding;
  private final DestinationBreakers breakers;
  private final Duration askTimeout;

  private VirtualQueues(ClusterSharding sharding, DestinationBreakers breakers, Duration askTimeout) {
    this.sharding = sharding;
    this.breakers = breakers;
    this.askTimeout = askTimeout;
  }

  /**
   * {@code config} with what the virtual queues need changed in Pekko's settings ({@code
   * eventrouter/virtual-queues.conf}); the actor system must be created from it.
   */
  public static Config applyTo(Config config) {
    return ConfigFactory.parseResources(VirtualQueues.class, "/eventrouter/virtual-queues.conf")
        .withFallback(config);
  }

  /** Starts sharding of the virtual queues on this node. */
  public static VirtualQueues init(ActorSystem<?> system, Destinations destinations,
      DeliveryClient deliveryClient, ArchiveSink archive, JobEventListener listener) {
    VirtualQueueSettings settings = VirtualQueueSettings.fromConfig(system.settings().config());
    DestinationBreakers breakers = new DestinationBreakers();
    VirtualQueue.Dependencies dependencies = new VirtualQueue.Dependencies(
        destinations, deliveryClient, breakers, archive,
        JournalSettings.fromConfig(system.settings().config()), new JobPayloads(system),
        new JournalCompaction(system), new PayloadBudget(settings.payloadMemoryBytes()), listener,
        settings, Clock.systemUTC());
    ClusterSharding sharding = ClusterSharding.get(system);
    sharding.init(Entity.of(VirtualQueue.ENTITY_TYPE, entity -> VirtualQueue.create(
            PairId.ofEntityId(entity.getEntityId()), entity.getShard(), dependencies))
        .withStopMessage(VirtualQueue.Stop.INSTANCE)
        .withSettings(ClusterShardingSettings.create(system)
            .withRememberEntities(true)
            .withRememberEntitiesStoreMode(ClusterShardingSettings.RememberEntitiesStoreModeEventSourced$.MODULE$)));
    return new VirtualQueues(sharding, breakers, settings.askTimeout());
  }

  /** This node's circuit breakers, one per destination. */
  public DestinationBreakers breakers() {
    return breakers;
  }

  /** Enqueues jobs of one pair; completes once they are durable (or fails: then retry). */
  public CompletionStage<VirtualQueue.Accepted> enqueue(PairId pair, List<Job> jobs) {
    return sharding.entityRefFor(VirtualQueue.ENTITY_TYPE, pair.entityId())
        .askWithStatus(replyTo -> new VirtualQueue.Enqueue(jobs, replyTo), askTimeout);
  }

  /** The trace of one job of the pair; see {@link VirtualQueue.GetTrace}. */
  public CompletionStage<VirtualQueue.JobTrace> trace(PairId pair, Ksuid id) {
    return sharding.entityRefFor(VirtualQueue.ENTITY_TYPE, pair.entityId())
        .askWithStatus(replyTo -> new VirtualQueue.GetTrace(id, replyTo), askTimeout);
  }

  /** Sends every job the pair holds to the archive; see {@link VirtualQueue.FlushToArchive}. */
  public CompletionStage<VirtualQueue.LeverPulled> flushToArchive(PairId pair) {
    return sharding.entityRefFor(VirtualQueue.ENTITY_TYPE, pair.entityId())
        .ask(VirtualQueue.FlushToArchive::new, askTimeout);
  }

  /** Attempts now what the pair would retry later; see {@link VirtualQueue.RetryNow}. */
  public CompletionStage<VirtualQueue.LeverPulled> retryNow(PairId pair) {
    return sharding.entityRefFor(VirtualQueue.ENTITY_TYPE, pair.entityId())
        .ask(VirtualQueue.RetryNow::new, askTimeout);
  }

  public CompletionStage<VirtualQueue.QueueStats> stats(PairId pair) {
    return sharding.entityRefFor(VirtualQueue.ENTITY_TYPE, pair.entityId())
        .ask(VirtualQueue.GetStats::new, askTimeout);
  }
}
