package dev.eventrouter.router;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import dev.eventrouter.persistence.journal.JournalSchema;
import dev.eventrouter.persistence.journal.JournalSettings;
import dev.eventrouter.queues.VirtualQueue;
import dev.eventrouter.queues.VirtualQueueSettings;
import dev.eventrouter.queues.VirtualQueues;
import dev.eventrouter.queues.delivery.DeliveryWarmUp;
import dev.eventrouter.queues.delivery.EnvironmentSecrets;
import dev.eventrouter.queues.tracing.JobTracing;
import dev.eventrouter.router.admin.AdminApi;
import dev.eventrouter.router.admin.Console;
import dev.eventrouter.router.admin.ControlsView;
import dev.eventrouter.router.archive.ArchiveKeys;
import dev.eventrouter.router.archive.ArchiveSettings;
import dev.eventrouter.router.archive.ArchiveStore;
import dev.eventrouter.router.archive.Archiver;
import dev.eventrouter.router.archive.EmbeddedS3;
import dev.eventrouter.router.archive.Replayer;
import dev.eventrouter.router.archive.S3ArchiveSink;
import dev.eventrouter.router.cluster.ClusterFormation;
import dev.eventrouter.router.cluster.QueueShardsCheck;
import dev.eventrouter.router.http.HttpApi;
import dev.eventrouter.router.ingest.DeadLetterRedrive;
import dev.eventrouter.router.ingest.Ingest;
import dev.eventrouter.router.ingest.IngestSettings;
import dev.eventrouter.router.kafka.ConsumerGroups;
import dev.eventrouter.router.kafka.EmbeddedKafka;
import dev.eventrouter.router.kafka.KafkaClientSettings;
import dev.eventrouter.router.kafka.SourcePartitions;
import dev.eventrouter.router.kafka.Topics;
import dev.eventrouter.router.metrics.RouterMetrics;
import dev.eventrouter.router.registry.PairOverrides;
import dev.eventrouter.router.registry.Registry;
import dev.eventrouter.router.registry.RegistryLoader;
import dev.eventrouter.router.registry.SecretBindings;
import dev.eventrouter.router.registry.SettingsRegistry;
import dev.eventrouter.router.segment.SegmentApi;
import dev.eventrouter.router.segment.SegmentApiSettings;
import dev.eventrouter.router.tracing.Tracing;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.server.Directives;
import org.apache.pekko.http.javadsl.settings.ServerSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One router node, started in order: the registry, the journal's tables, the archive's store (the
 * embedded S3-compatible server when no endpoint is configured), the embedded broker (when no Kafka
 * is configured), the topics, the actor system and its cluster (with the management server and
 * cluster bootstrap when configured), the virtual queues, the ingest stage, the HTTP endpoints. It
 * stops in reverse through Pekko's coordinated shutdown (on SIGTERM, Ctrl-C, or {@link #close()}):
 * HTTP unbinds, ingest drains and commits, the queues persist the outcomes they hold and stop, the
 * broker stops last.
 */
public final class Router implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Router.class);

  /** How often the metrics look at the queues' shards and the consumer's lag. */
  private static final Duration WATCH_INTERVAL = Duration.ofSeconds(5);

  private final ActorSystem<Void> system;
  private final String kafkaBootstrapServers;
  private final ServerBinding binding;
  private final Optional<ServerBinding> segmentBinding;

  private Router(
      ActorSystem<Void> system,
      String kafkaBootstrapServers,
      ServerBinding binding,
      Optional<ServerBinding> segmentBinding) {
    this.system = system;
    this.kafkaBootstrapServers = kafkaBootstrapServers;
    this.binding = binding;
    this.segmentBinding = segmentBinding;
  }

  /** A node traced as the {@code OTEL_*} variables say ({@link Tracing}), or not at all. */
  public static Router start(Config loaded) {
    Optional<OpenTelemetrySdk> sdk = Tracing.configured(loaded);
    Router router = start(loaded, sdk.map(JobTracing::with).orElse(JobTracing.OFF));
    sdk.ifPresent(configured -> Tracing.shutDownWith(router.system, configured));
    return router;
  }

  /**
   * @param tracing the spans of ingest, accepts, attempts and archive writes; the caller owns the
   *     SDK behind it
   */
  public static Router start(Config loaded, JobTracing tracing) {
    // every setting is read and checked first, before anything is started
    RouterSettings settings =
        RouterSettings.fromConfig(VirtualQueues.applyTo(JournalSettings.applyTo(loaded)));
    ControlsView controls = new ControlsView(settings.fileRegistryText());
    SettingsRegistry registry = new SettingsRegistry(settings.fileRegistry(), controls);
    JournalSchema.prepare(settings.journal());
    Archive archive = Archive.open(settings.archive());
    Kafka kafka = Kafka.start(settings, archive);
    ActorSystem<Void> system = actorSystem(settings.config(), kafka.partitions());
    kafka.stopWith(system);
    archive.closeWith(system);
    ClusterFormation.join(system, settings.clusterFormation());
    connectControls(system, controls, registry, settings);
    RouterMetrics metrics = new RouterMetrics(Clock.systemUTC());
    Executor blocking = system.dispatchers().lookup(DispatcherSelector.blocking());
    VirtualQueues queues =
        initQueues(
            system,
            settings,
            registry,
            archive.sink(system, metrics, blocking),
            metrics,
            kafka.partitions(),
            tracing);
    warmUpDelivery(system, settings);
    Ingest ingest = initIngest(system, kafka.ingest(), registry, queues, metrics, tracing);
    AdminApi admin =
        new AdminApi(
            settings.adminTokens(),
            registry,
            settings.registryDefaults(),
            queues,
            metrics.backlogs(),
            controls,
            archive.replayer(queues, registry, blocking, settings.queues(), metrics),
            metrics.deliveries(),
            metrics.recentJobs(),
            new DeadLetterRedrive(
                kafka.ingest().client(),
                kafka.ingest().topic(),
                kafka.ingest().deadLetterTopic(),
                blocking,
                settings.config().getDuration("eventrouter.admin.redrive-max-duration")),
            settings.adminLimits());
    ServerBinding binding =
        bindHttp(
            system,
            settings.config(),
            new HttpApi(
                metrics,
                Directives.concat(admin.routes(), Console.routes()),
                readiness(system, ingest)));
    Optional<ServerBinding> segmentBinding =
        settings.segmentApi().enabled()
            ? Optional.of(
                bindSegmentApi(
                    system,
                    settings.config(),
                    settings.segmentApi(),
                    kafka.ingest(),
                    registry,
                    settings.secrets(),
                    metrics,
                    blocking))
            : Optional.empty();
    log.info(
        "router started: kafka {} topic {}, journal {}, http {}, segment api {}",
        kafka.bootstrapServers(),
        kafka.ingest().topic(),
        settings.journal(),
        binding.localAddress(),
        segmentBinding.map(b -> b.localAddress().toString()).orElse("off"));
    return new Router(system, kafka.bootstrapServers(), binding, segmentBinding);
  }

  /**
   * The archive's store, opened before the actor system (on the embedded S3-compatible server when
   * no endpoint is configured), closed once the actor system is.
   */
  private record Archive(
      ArchiveSettings settings, Optional<EmbeddedS3> embedded, ArchiveStore store) {

    static Archive open(ArchiveSettings settings) {
      Optional<EmbeddedS3> embedded =
          settings.embedded() ? Optional.of(EmbeddedS3.start(settings)) : Optional.empty();
      return new Archive(
          settings,
          embedded,
          ArchiveStore.connect(settings, embedded.map(EmbeddedS3::endpoint).orElse(null)));
    }

    void close() {
      store.close();
      embedded.ifPresent(EmbeddedS3::close);
    }

    void closeWith(ActorSystem<?> system) {
      CoordinatedShutdown.get(system)
          .addTask(
              CoordinatedShutdown.PhaseBeforeActorSystemTerminate(),
              "close-archive",
              () -> {
                close();
                return CompletableFuture.completedFuture(Done.getInstance());
              });
    }

    /** The archiver actor, and the sink through which the queues hand it what they archive. */
    S3ArchiveSink sink(ActorSystem<?> system, RouterMetrics metrics, Executor blocking) {
      ActorRef<Archiver.Command> archiver =
          system.systemActorOf(
              Archiver.create(
                  store,
                  keys(),
                  settings.maxConcurrentUploads(),
                  settings.maxWaitingBatches(),
                  blocking,
                  metrics.archiveEvents()),
              "archiver",
              Props.empty());
      return new S3ArchiveSink(archiver, system, settings.batchTimeout());
    }

    /** What the admin API's replays read the archive with, back into the pairs' queues. */
    Replayer replayer(
        VirtualQueues queues,
        SettingsRegistry registry,
        Executor blocking,
        VirtualQueueSettings queueSettings,
        RouterMetrics metrics) {
      return new Replayer(
          store,
          keys(),
          queues::enqueue,
          pair ->
              registry
                  .route(pair)
                  .map(
                      route ->
                          new Replayer.Route(
                              route.endpoint().toString(),
                              route.destination().headers(),
                              route.delivery().expireAfter())),
          blocking,
          Clock.systemUTC(),
          queueSettings.dedupeWindow(),
          metrics.replayed::inc);
    }

    private ArchiveKeys keys() {
      return new ArchiveKeys(settings.prefix());
    }
  }

  /**
   * Kafka: the embedded broker when no bootstrap servers are configured (stopped last, once the
   * actor system is), the ingest settings, and the ingest topic's partitions, the shards of the
   * virtual queues.
   */
  private record Kafka(
      Optional<EmbeddedKafka> embedded,
      String bootstrapServers,
      IngestSettings ingest,
      SourcePartitions partitions) {

    /** Closes the archive if it fails: the node does not start, what was started for it stops. */
    static Kafka start(RouterSettings settings, Archive archive) {
      Config kafka = settings.config().getConfig("eventrouter.kafka");
      Optional<EmbeddedKafka> embedded = Optional.empty();
      try {
        embedded =
            kafka.getString("bootstrap-servers").isBlank()
                ? Optional.of(EmbeddedKafka.start(kafka.getConfig("embedded"), settings.dataDir()))
                : Optional.empty();
        String bootstrapServers =
            embedded
                .map(EmbeddedKafka::bootstrapServers)
                .orElse(kafka.getString("bootstrap-servers"));
        IngestSettings ingest =
            IngestSettings.fromConfig(
                settings.config(),
                KafkaClientSettings.fromConfig(
                    kafka.getConfig("client"), bootstrapServers, settings.secrets()));
        SourcePartitions partitions = prepareTopics(kafka, ingest);
        if (embedded.isPresent()) {
          forgetEarlierConsumers(ingest);
        }
        return new Kafka(embedded, bootstrapServers, ingest, partitions);
      } catch (RuntimeException e) {
        embedded.ifPresent(EmbeddedKafka::close);
        archive.close();
        throw e;
      }
    }

    /**
     * The embedded broker still lists the consumer of the run before, which a crash left there:
     * without this, ingest would wait out that consumer's session before reading anything. A
     * failure only costs that wait.
     */
    private static void forgetEarlierConsumers(IngestSettings ingest) {
      try {
        int removed = ConsumerGroups.removeMembers(ingest.client(), ingest.groupId());
        if (removed > 0) {
          log.info(
              "removed {} consumer(s) of an earlier run from group {}", removed, ingest.groupId());
        }
      } catch (RuntimeException e) {
        log.warn(
            "could not remove the consumers of an earlier run from group {}; ingest starts once"
                + " their session times out: {}",
            ingest.groupId(),
            e.toString());
      }
    }

    void stopWith(ActorSystem<?> system) {
      embedded.ifPresent(
          broker ->
              CoordinatedShutdown.get(system)
                  .addTask(
                      CoordinatedShutdown.PhaseBeforeActorSystemTerminate(),
                      "stop-embedded-kafka",
                      () ->
                          CompletableFuture.supplyAsync(
                              () -> {
                                broker.close();
                                return Done.getInstance();
                              })));
    }
  }

  /** The actor system, whose queue shards must be as many as the ingest topic's partitions. */
  private static ActorSystem<Void> actorSystem(Config config, SourcePartitions partitions) {
    return ActorSystem.create(
        Behaviors.empty(),
        config.getString("eventrouter.cluster.system-name"),
        config.withValue(
            QueueShardsCheck.KEY,
            ConfigValueFactory.fromAnyRef(QueueShardsCheck.byPartitions(partitions.partitions()))));
  }

  /**
   * The operator controls, read from the journal before ingest starts: a registry an operator
   * replaced earlier is in use before the first record is routed, and so is every later one.
   */
  private static void connectControls(
      ActorSystem<Void> system,
      ControlsView controls,
      SettingsRegistry registry,
      RouterSettings settings) {
    controls.onRegistry(
        replaced -> {
          try {
            RegistryLoader.Stored stored =
                RegistryLoader.parseStored(replaced.text(), settings.registryDefaults());
            registry.replace(stored.registry());
            // what it sends was bound when it was put, but not its write keys by versions before
            // they were bound: bound now, so that a later registry cannot send them unacknowledged
            controls
                .bindSecrets(SecretBindings.of(stored.registry()))
                .whenComplete(
                    (bound, failure) -> {
                      if (failure != null) {
                        log.warn(
                            "the secrets of settings registry version {} could not be bound: {}",
                            replaced.version(),
                            failure.toString());
                      }
                    });
            log.info(
                "settings registry version {} from {} in use",
                replaced.version(),
                replaced.changedAt());
            if (!stored.overlooked().isEmpty()) {
              log.warn(
                  "settings registry version {} has what this version refuses in a registry sent"
                      + " now, overlooked since an earlier version accepted it (left out, or a"
                      + " bound taken, as each says); put a corrected registry: {}",
                  replaced.version(),
                  stored.overlooked());
            }
          } catch (RuntimeException e) {
            log.error(
                "settings registry version {} cannot be used; keeping the current one: {}",
                replaced.version(),
                e.getMessage());
          }
        });
    try {
      controls.connect(system).toCompletableFuture().get(60, TimeUnit.SECONDS);
      // the file is the operator's own: where it sends a secret, the admin API may too
      controls
          .bindSecrets(SecretBindings.of(settings.fileRegistry()))
          .toCompletableFuture()
          .get(60, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException(
          "the operator controls could not be read from the journal", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting", e);
    }
  }

  private static VirtualQueues initQueues(
      ActorSystem<Void> system,
      RouterSettings settings,
      SettingsRegistry registry,
      S3ArchiveSink archive,
      RouterMetrics metrics,
      SourcePartitions partitions,
      JobTracing tracing) {
    VirtualQueues queues =
        VirtualQueues.init(
            system,
            registry,
            settings
                .deliveryClient()
                .create(
                    system,
                    Clock.systemUTC(),
                    settings.queues().deliveryQueueSize(),
                    settings.addresses(),
                    settings.secrets()),
            archive,
            metrics.jobEvents(),
            partitions,
            tracing);
    // the registry's destinations only: one removed or renamed would keep its series for ever,
    // its breaker's last state (open) among them
    metrics.watchBreakers(() -> inRegistry(registry, queues.breakers().states()));
    metrics.watchConcurrencyLimits(
        () -> inRegistry(registry, queues.limits().limits()),
        () -> inRegistry(registry, queues.limits().inUse()));
    metrics.watchShards(
        queues::hostedShards, system.scheduler(), WATCH_INTERVAL, system.executionContext());
    // less often than the others: each look is a question to every queue holding jobs here, and
    // a queue answers it by going over its index
    metrics.watchOldestJobs(
        pair -> queues.stats(pair).thenApply(VirtualQueue.QueueStats::oldestJobAt),
        system.scheduler(),
        Duration.ofSeconds(15),
        system.executionContext());
    return queues;
  }

  /**
   * The delivery client's path run hot before ingest starts ({@link DeliveryWarmUp} says why). A
   * warm-up that does not finish in time only costs the node its first seconds' speed: the node
   * starts all the same.
   */
  private static void warmUpDelivery(ActorSystem<Void> system, RouterSettings settings) {
    DeliveryWarmUp warmUp = settings.deliveryWarmUp();
    if (warmUp.requests() == 0) {
      return;
    }
    long started = System.nanoTime();
    try {
      long answered =
          warmUp
              .run(system, settings.deliveryClient())
              .toCompletableFuture()
              .get(warmUp.maxDuration().plusSeconds(5).toMillis(), TimeUnit.MILLISECONDS);
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      if (answered == 0) {
        log.warn("delivery warm-up: none of its requests was answered in {} ms", millis);
      } else {
        log.info("delivery warmed up: {} requests answered in {} ms", answered, millis);
      }
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      log.warn("delivery warm-up did not finish; starting without it", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while warming up delivery", e);
    }
  }

  /** Ingest, drained (what it read persisted and committed) when the node stops serving. */
  private static Ingest initIngest(
      ActorSystem<Void> system,
      IngestSettings settings,
      SettingsRegistry registry,
      VirtualQueues queues,
      RouterMetrics metrics,
      JobTracing tracing) {
    Ingest ingest = Ingest.start(system, settings, registry, queues, metrics, tracing);
    metrics.watchConsumerLag(
        ingest::consumerLag, system.scheduler(), WATCH_INTERVAL, system.executionContext());
    metrics.watchPartitions(ingest::assignedPartitions);
    CoordinatedShutdown.get(system)
        .addTask(
            CoordinatedShutdown.PhaseServiceRequestsDone(),
            "drain-ingest",
            ingest::drainAndShutdown);
    return ingest;
  }

  /** Ready: this node is an Up member of the cluster and ingest is running. */
  private static Supplier<Map<String, Boolean>> readiness(ActorSystem<Void> system, Ingest ingest) {
    Cluster cluster = Cluster.get(system);
    return () -> {
      Map<String, Boolean> checks = new LinkedHashMap<>();
      checks.put("cluster-member-up", cluster.selfMember().status() == MemberStatus.up());
      checks.put("ingest-running", ingest.isRunning());
      return checks;
    };
  }

  /**
   * A node that runs the Segment-compatible API alone (the {@code segment-api} command), to be
   * scaled apart from the router nodes: the registry file (for the sources' write keys), the
   * producer to the ingest topic of an external Kafka, and the HTTP port's health and metrics. No
   * cluster, journal, queues or ingest: the router nodes consume what it produces. It reads the
   * registry at start only: a registry an operator replaces through the admin API is not seen here
   * until a restart.
   */
  public static Router startSegmentApi(Config config) {
    SegmentApiSettings segmentApi = SegmentApiSettings.fromConfig(config);
    Config kafka = config.getConfig("eventrouter.kafka");
    String bootstrapServers = kafka.getString("bootstrap-servers");
    if (bootstrapServers.isBlank()) {
      throw new IllegalArgumentException(
          "the Segment API on its own produces to the router nodes' Kafka: "
              + "set eventrouter.kafka.bootstrap-servers (ROUTER_KAFKA_BOOTSTRAP_SERVERS)");
    }
    SettingsRegistry registry =
        new SettingsRegistry(RouterSettings.loadRegistry(config), PairOverrides.NONE);
    EnvironmentSecrets secrets = EnvironmentSecrets.fromConfig(config, System::getenv);
    IngestSettings ingest =
        IngestSettings.fromConfig(
            config,
            KafkaClientSettings.fromConfig(kafka.getConfig("client"), bootstrapServers, secrets));
    ActorSystem<Void> system =
        ActorSystem.create(
            Behaviors.empty(),
            "eventrouter-segment-api",
            config.withValue("pekko.actor.provider", ConfigValueFactory.fromAnyRef("local")));
    RouterMetrics metrics = new RouterMetrics(Clock.systemUTC());
    Executor blocking = system.dispatchers().lookup(DispatcherSelector.blocking());
    ServerBinding segmentBinding =
        bindSegmentApi(system, config, segmentApi, ingest, registry, secrets, metrics, blocking);
    HttpApi api =
        new HttpApi(metrics, Directives.reject(), () -> Map.of("segment-api-bound", true));
    ServerBinding binding = bindHttp(system, config, api);
    log.info(
        "segment api started alone: kafka {} topic {}, segment api {}, http {}",
        bootstrapServers,
        ingest.topic(),
        segmentBinding.localAddress(),
        binding.localAddress());
    return new Router(system, bootstrapServers, binding, Optional.of(segmentBinding));
  }

  /** The HTTP port: health, metrics, and the admin API where the node has one. */
  private static ServerBinding bindHttp(ActorSystem<Void> system, Config config, HttpApi api) {
    Config http = config.getConfig("eventrouter.http");
    return Http.get(system)
        .newServerAt(http.getString("host"), http.getInt("port"))
        .bind(api.routes())
        .toCompletableFuture()
        .join()
        .addToCoordinatedShutdown(Duration.ofSeconds(10), system);
  }

  /**
   * The Segment-compatible API on its own port. Its requests wait for Kafka up to the produce
   * timeout, so its server's request timeout is over it (the HTTP port's is for quick answers); it
   * unbinds with the HTTP port, and its producers close once it has.
   */
  private static ServerBinding bindSegmentApi(
      ActorSystem<Void> system,
      Config config,
      SegmentApiSettings settings,
      IngestSettings ingest,
      SettingsRegistry registry,
      EnvironmentSecrets secrets,
      RouterMetrics metrics,
      Executor blocking) {
    SegmentApi api =
        new SegmentApi(
            settings, ingest, registry, secrets, metrics, blocking, system, Clock.systemUTC());
    CoordinatedShutdown.get(system)
        .addTask(
            CoordinatedShutdown.PhaseServiceStop(),
            "close-segment-api",
            () ->
                CompletableFuture.supplyAsync(
                    () -> {
                      api.close();
                      return Done.getInstance();
                    }));
    ServerSettings server =
        ServerSettings.create(
            config.withValue(
                "pekko.http.server.request-timeout",
                ConfigValueFactory.fromAnyRef(
                    settings.produceTimeout().plusSeconds(10).toMillis() + "ms")));
    return Http.get(system)
        .newServerAt(settings.host(), settings.port())
        .withSettings(server)
        .bind(api.routes())
        .toCompletableFuture()
        .join()
        .addToCoordinatedShutdown(Duration.ofSeconds(10), system);
  }

  /**
   * Creates the topics when configured to, and reads the ingest topic's partitions: the shards of
   * the virtual queues.
   */
  private static SourcePartitions prepareTopics(Config kafka, IngestSettings ingest) {
    KafkaClientSettings client = ingest.client();
    if (kafka.getBoolean("create-topics")) {
      short replication = (short) kafka.getInt("replication-factor");
      long maxMessageBytes = kafka.getBytes("max-message-bytes");
      Topics.createIfMissing(
          client,
          List.of(
              new Topics.Spec(
                  ingest.topic(), kafka.getInt("partitions"), replication, maxMessageBytes),
              new Topics.Spec(
                  ingest.deadLetterTopic(),
                  kafka.getInt("partitions"),
                  replication,
                  maxMessageBytes + 64 * 1024)));
    }
    return new SourcePartitions(Topics.partitions(client, ingest.topic()));
  }

  public ActorSystem<Void> system() {
    return system;
  }

  public String kafkaBootstrapServers() {
    return kafkaBootstrapServers;
  }

  public int httpPort() {
    return binding.localAddress().getPort();
  }

  /** The port of the Segment-compatible API; empty when it is off. */
  public Optional<Integer> segmentApiPort() {
    return segmentBinding.map(b -> b.localAddress().getPort());
  }

  /** Runs the coordinated shutdown and waits for it. */
  @Override
  public void close() {
    CoordinatedShutdown.get(system)
        .runAll(CoordinatedShutdown.unknownReason())
        .toCompletableFuture()
        .join();
  }

  /** What the map holds of the destinations the registry has now. */
  private static <V> Map<String, V> inRegistry(SettingsRegistry registry, Map<String, V> values) {
    Registry now = registry.current();
    Map<String, V> kept = new TreeMap<>();
    values.forEach(
        (destination, value) -> {
          if (now.destination(destination).isPresent()) {
            kept.put(destination, value);
          }
        });
    return kept;
  }
}
