package dev.eventrouter.queues;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.job.PersistedRecords;
import dev.eventrouter.persistence.journal.JdbcJournalCompaction;
import dev.eventrouter.persistence.journal.JobPayloads;
import dev.eventrouter.persistence.journal.JournalSettings;
import dev.eventrouter.queues.archive.ArchiveSink;
import dev.eventrouter.queues.breaker.DestinationBreakers;
import dev.eventrouter.queues.delivery.DeliveryClient;
import dev.eventrouter.queues.destination.Destinations;
import dev.eventrouter.queues.limit.ConcurrencyLimitSettings;
import dev.eventrouter.queues.limit.DestinationLimits;
import dev.eventrouter.queues.placement.ConsumerAllocation;
import dev.eventrouter.queues.placement.ShardBySource;
import dev.eventrouter.queues.tracing.JobTracing;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.function.ToIntFunction;
import org.apache.pekko.Done;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingSettings;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.pattern.Patterns;
import org.apache.pekko.pattern.StatusReply;

/**
 * The virtual queues of this node's cluster: registers the sharded entity and is how the rest of
 * the router talks to a pair's queue.
 */
public final class VirtualQueues {

  /**
   * How long a shard's allocation waits for this node's copy of the places before giving the shard
   * to the node that asked (Pekko's default).
   */
  private static final Duration PLACES_TIMEOUT = Duration.ofSeconds(5);

  private final ActorSystem<?> system;
  private final ClusterSharding sharding;
  private final DestinationBreakers breakers;
  private final DestinationLimits limits;
  private final Duration askTimeout;
  private final EnqueueBatches enqueueBatches;
  private final Layout layout;
  private final ToIntFunction<String> shardOfSource;

  /** Where a pair's queue runs: {@code eventrouter.virtual-queue.layout}. */
  public enum Layout {
    /** In an actor of its own, with a journal of its own ({@link VirtualQueue}). */
    PAIRS,
    /** With the other pairs of its shard in one actor, sharing its log ({@link QueueGroup}). */
    GROUPS;

    static Layout fromConfig(Config config) {
      String name = config.getString("eventrouter.virtual-queue.layout");
      return switch (name) {
        case "pairs" -> PAIRS;
        case "groups" -> GROUPS;
        default ->
            throw new IllegalArgumentException(
                "eventrouter.virtual-queue.layout must be pairs or groups, not '" + name + "'");
      };
    }
  }

  private VirtualQueues(
      ActorSystem<?> system,
      ClusterSharding sharding,
      DestinationBreakers breakers,
      DestinationLimits limits,
      Duration askTimeout,
      ToIntFunction<String> shardOfSource) {
    this.system = system;
    this.sharding = sharding;
    this.breakers = breakers;
    this.limits = limits;
    this.askTimeout = askTimeout;
    this.shardOfSource = shardOfSource;
    this.enqueueBatches = EnqueueBatches.fromConfig(system.settings().config());
    this.layout = Layout.fromConfig(system.settings().config());
  }

  /**
   * {@code config} with what the virtual queues need changed in Pekko's settings ({@code
   * eventrouter/virtual-queues.conf}); the actor system must be created from it.
   */
  public static Config applyTo(Config config) {
    return ConfigFactory.parseResources(VirtualQueues.class, "/eventrouter/virtual-queues.conf")
        .withFallback(config);
  }

  /**
   * Starts sharding of the virtual queues on this node.
   *
   * @param shardOfSource the shard of a source's queues (the router: its Kafka partition); the same
   *     on every node of the cluster, or a pair's queue would run in two shards at once. It may
   *     change across a full restart: remembered queues are started through the region, which puts
   *     them in their new shard
   */
  public static VirtualQueues init(
      ActorSystem<?> system,
      Destinations destinations,
      DeliveryClient deliveryClient,
      ArchiveSink archive,
      JobEventListener listener,
      ToIntFunction<String> shardOfSource) {
    return init(
        system, destinations, deliveryClient, archive, listener, shardOfSource, JobTracing.OFF);
  }

  /**
   * @param tracing the spans of the queues' accepts, attempts and archive writes
   */
  public static VirtualQueues init(
      ActorSystem<?> system,
      Destinations destinations,
      DeliveryClient deliveryClient,
      ArchiveSink archive,
      JobEventListener listener,
      ToIntFunction<String> shardOfSource,
      JobTracing tracing) {
    VirtualQueue.Dependencies dependencies =
        dependencies(system, destinations, deliveryClient, archive, listener, tracing);
    ClusterSharding sharding = ClusterSharding.get(system);
    // Both layouts run whichever is chosen: queues of the other, remembered, start again and
    // deliver what they hold; only new jobs go to the chosen one.
    sharding.init(
        remembered(
            system,
            Entity.of(
                    VirtualQueue.ENTITY_TYPE,
                    entity ->
                        VirtualQueue.create(
                            PairId.ofEntityId(entity.getEntityId()),
                            entity.getShard(),
                            dependencies))
                .withMessageExtractor(new ShardBySource<VirtualQueue.Command>(shardOfSource))
                .withStopMessage(VirtualQueue.Stop.INSTANCE)));
    sharding.init(
        remembered(
            system,
            Entity.of(
                    QueueGroup.ENTITY_TYPE,
                    entity -> QueueGroup.create(entity.getEntityId(), dependencies))
                .withMessageExtractor(ShardBySource.<QueueGroup.Command>groups())
                .withStopMessage(QueueGroup.Stop.INSTANCE)));
    return new VirtualQueues(
        system,
        sharding,
        dependencies.breakers(),
        dependencies.limits(),
        dependencies.settings().askTimeout(),
        shardOfSource);
  }

  /** Placed where their shard's partition is consumed, and started again after a restart. */
  private static <M> Entity<M, Object> remembered(ActorSystem<?> system, Entity<M, Object> entity) {
    return entity
        .withAllocationStrategy(
            ConsumerAllocation.create(
                system.classicSystem(), entity.typeKey().name(), PLACES_TIMEOUT))
        .withSettings(
            ClusterShardingSettings.create(system)
                .withRememberEntities(true)
                .withRememberEntitiesStoreMode(
                    ClusterShardingSettings.RememberEntitiesStoreModeEventSourced$.MODULE$));
  }

  /** What the queues of a node share, from its configuration. */
  static VirtualQueue.Dependencies dependencies(
      ActorSystem<?> system,
      Destinations destinations,
      DeliveryClient deliveryClient,
      ArchiveSink archive,
      JobEventListener listener) {
    return dependencies(system, destinations, deliveryClient, archive, listener, JobTracing.OFF);
  }

  static VirtualQueue.Dependencies dependencies(
      ActorSystem<?> system,
      Destinations destinations,
      DeliveryClient deliveryClient,
      ArchiveSink archive,
      JobEventListener listener,
      JobTracing tracing) {
    VirtualQueueSettings settings = VirtualQueueSettings.fromConfig(system.settings().config());
    return new VirtualQueue.Dependencies(
        destinations,
        deliveryClient,
        new DestinationBreakers(),
        new DestinationLimits(ConcurrencyLimitSettings.fromConfig(system.settings().config())),
        archive,
        JournalSettings.fromConfig(system.settings().config()),
        new JobPayloads(system),
        new TraceScans(settings.traceScansAtOnce()),
        new JdbcJournalCompaction(system),
        new PayloadBudget(settings.payloadMemoryBytes()),
        listener,
        settings,
        Clock.systemUTC(),
        tracing);
  }

  /**
   * Asks for these shards to run on this node (the router: the partitions its consumer was just
   * assigned). Shards elsewhere hand their queues over at the coordinator's next rebalance.
   */
  public CompletionStage<Done> placeHere(Collection<Integer> shards) {
    Address self = Cluster.get(system).selfMember().address();
    Map<String, Address> places = new HashMap<>();
    shards.forEach(shard -> places.put(Integer.toString(shard), self));
    return ConsumerAllocation.place(system.classicSystem(), VirtualQueue.ENTITY_TYPE.name(), places)
        .thenCompose(
            done ->
                ConsumerAllocation.place(
                    system.classicSystem(), QueueGroup.ENTITY_TYPE.name(), places));
  }

  /**
   * The shards running on this node, each with the number of queues it holds. Asked as region
   * statistics, which each shard answers with a count: the region's state would have every shard
   * build the set of all its queue ids, each time it is asked.
   */
  public CompletionStage<Map<String, Integer>> hostedShards() {
    ActorRef region =
        org.apache.pekko.cluster.sharding.ClusterSharding.get(system.classicSystem())
            .shardRegion(
                layout == Layout.PAIRS
                    ? VirtualQueue.ENTITY_TYPE.name()
                    : QueueGroup.ENTITY_TYPE.name());
    return Patterns.ask(region, ShardRegion.getRegionStatsInstance(), askTimeout)
        .thenApply(
            reply -> {
              Map<String, Integer> shards = new TreeMap<>();
              ((ShardRegion.ShardRegionStats) reply)
                  .getStats()
                  .forEach((shard, queues) -> shards.put(shard, (Integer) queues));
              return shards;
            });
  }

  /** This node's adaptive concurrency limits, one per destination. */
  public DestinationLimits limits() {
    return limits;
  }

  /** This node's circuit breakers, one per destination. */
  public DestinationBreakers breakers() {
    return breakers;
  }

  /**
   * Where a function of an ask's reply runs: on the thread that completes it. The stage Pekko's ask
   * returns runs even {@code thenApply} asynchronously, on the JDK's default pool, and where that
   * pool has fewer than two threads (two cores or fewer) the JDK starts a new thread for each such
   * task: a thread started per enqueue.
   */
  private static final Executor ON_THE_REPLYING_THREAD = Runnable::run;

  /**
   * Enqueues jobs of one pair; completes once they are durable (or fails: then retry, and the queue
   * counts the jobs it already has as duplicates). They go in as many Enqueues, one after the
   * other, as it takes for each to fit a cluster frame ({@link EnqueueBatches}).
   */
  public CompletionStage<VirtualQueue.Accepted> enqueue(PairId pair, List<Job> jobs) {
    return enqueue(pair, jobs, PersistedRecords.NONE);
  }

  /**
   * Enqueues jobs of one pair made from Kafka records, telling their queue, per partition they came
   * from, the offset below which every record's jobs are persisted in their queues: what lets it
   * forget the finished jobs of those records ({@link VirtualQueue.Enqueue}).
   */
  public CompletionStage<VirtualQueue.Accepted> enqueue(
      PairId pair, List<Job> jobs, PersistedRecords persisted) {
    return inFrames(
        jobs,
        batch ->
            askWithStatus(pair, replyTo -> new VirtualQueue.Enqueue(batch, persisted, replyTo)));
  }

  /**
   * Jobs as the enqueues that carry them: per pair in the layout {@code pairs}, per group (the
   * pairs of a shard) in {@code groups}; each list, in the order given, for {@link #enqueue(List,
   * PersistedRecords)}.
   */
  public Collection<List<Job>> byHost(List<Job> jobs) {
    Map<PairId, List<Job>> byPair = new LinkedHashMap<>();
    for (Job job : jobs) {
      byPair.computeIfAbsent(job.pair(), pair -> new ArrayList<>()).add(job);
    }
    if (layout == Layout.PAIRS) {
      return byPair.values();
    }
    Map<String, List<Job>> byGroup = new LinkedHashMap<>();
    byPair.forEach(
        (pair, ofPair) ->
            byGroup.computeIfAbsent(groupOf(pair), group -> new ArrayList<>()).addAll(ofPair));
    return byGroup.values();
  }

  /**
   * As {@link #enqueue(PairId, List, PersistedRecords)}, for jobs that {@link #byHost} put
   * together: in {@code groups}, one message for all the pairs of a group, written in one go.
   *
   * @throws IllegalArgumentException for jobs of more than one host
   */
  public CompletionStage<VirtualQueue.Accepted> enqueue(
      List<Job> jobs, PersistedRecords persisted) {
    if (jobs.isEmpty()) {
      return CompletableFuture.completedFuture(new VirtualQueue.Accepted(0, 0));
    }
    PairId first = jobs.get(0).pair();
    if (layout == Layout.PAIRS) {
      return enqueue(first, jobs, persisted);
    }
    String group = groupOf(first);
    PairId checked = first;
    for (Job job : jobs) {
      if (!job.pair().equals(checked)) {
        checked = job.pair();
        if (!groupOf(checked).equals(group)) {
          throw new IllegalArgumentException(
              "jobs of " + first + " and " + checked + " are in different queue groups");
        }
      }
    }
    EntityRef<QueueGroup.Command> ref = sharding.entityRefFor(QueueGroup.ENTITY_TYPE, group);
    return inFrames(
        jobs,
        batch ->
            ref.<StatusReply<VirtualQueue.Accepted>>ask(
                    replyTo -> new QueueGroup.EnqueueAll(batch, persisted, replyTo), askTimeout)
                .thenComposeAsync(VirtualQueues::value, ON_THE_REPLYING_THREAD));
  }

  /**
   * The jobs sent in as many messages, one after the other, as it takes for each to fit a cluster
   * frame ({@link EnqueueBatches}); their replies summed.
   */
  private CompletionStage<VirtualQueue.Accepted> inFrames(
      List<Job> jobs, Function<List<Job>, CompletionStage<VirtualQueue.Accepted>> send) {
    CompletionStage<VirtualQueue.Accepted> sent =
        CompletableFuture.completedFuture(new VirtualQueue.Accepted(0, 0));
    for (List<Job> batch : enqueueBatches.split(jobs)) {
      sent =
          sent.thenCompose(
              before -> send.apply(batch).thenApplyAsync(before::plus, ON_THE_REPLYING_THREAD));
    }
    return sent;
  }

  /** The trace of one job of the pair; see {@link VirtualQueue.GetTrace}. */
  public CompletionStage<VirtualQueue.JobTrace> trace(PairId pair, Ksuid id) {
    return askWithStatus(pair, replyTo -> new VirtualQueue.GetTrace(id, replyTo));
  }

  /** Sends every job the pair holds to the archive; see {@link VirtualQueue.FlushToArchive}. */
  public CompletionStage<VirtualQueue.LeverPulled> flushToArchive(PairId pair) {
    return ask(pair, VirtualQueue.FlushToArchive::new);
  }

  /** Attempts now what the pair would retry later; see {@link VirtualQueue.RetryNow}. */
  public CompletionStage<VirtualQueue.LeverPulled> retryNow(PairId pair) {
    return ask(pair, VirtualQueue.RetryNow::new);
  }

  public CompletionStage<VirtualQueue.QueueStats> stats(PairId pair) {
    return ask(pair, VirtualQueue.GetStats::new);
  }

  /** Asks the pair's queue, wherever the layout runs it. */
  private <R> CompletionStage<R> ask(
      PairId pair,
      Function<org.apache.pekko.actor.typed.ActorRef<R>, VirtualQueue.Command> message) {
    if (layout == Layout.PAIRS) {
      return sharding
          .entityRefFor(VirtualQueue.ENTITY_TYPE, pair.entityId())
          .ask(message::apply, askTimeout);
    }
    return group(pair)
        .ask(replyTo -> new QueueGroup.ToPair(pair, message.apply(replyTo)), askTimeout);
  }

  /** As {@link #ask}, the reply's error a failure. */
  private <R> CompletionStage<R> askWithStatus(
      PairId pair,
      Function<org.apache.pekko.actor.typed.ActorRef<StatusReply<R>>, VirtualQueue.Command>
          message) {
    return this.<StatusReply<R>>ask(pair, message)
        .thenComposeAsync(VirtualQueues::value, ON_THE_REPLYING_THREAD);
  }

  /** The reply's value, its error a failure. */
  private static <R> CompletionStage<R> value(StatusReply<R> reply) {
    return reply.isSuccess()
        ? CompletableFuture.completedFuture(reply.getValue())
        : CompletableFuture.failedFuture(reply.getError());
  }

  private EntityRef<QueueGroup.Command> group(PairId pair) {
    return sharding.entityRefFor(QueueGroup.ENTITY_TYPE, groupOf(pair));
  }

  /** The group (the shard) a pair's queue is in. */
  private String groupOf(PairId pair) {
    return Integer.toString(shardOfSource.applyAsInt(pair.source()));
  }
}
