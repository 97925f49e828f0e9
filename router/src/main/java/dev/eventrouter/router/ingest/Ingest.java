package dev.eventrouter.router.ingest;

import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.persistence.job.PersistedRecords;
import dev.eventrouter.persistence.job.RecordPosition;
import dev.eventrouter.persistence.job.TraceContext;
import dev.eventrouter.queues.VirtualQueue;
import dev.eventrouter.queues.VirtualQueues;
import dev.eventrouter.queues.destination.RetryPolicy;
import dev.eventrouter.queues.tracing.JobTracing;
import dev.eventrouter.router.kafka.Topics;
import dev.eventrouter.router.metrics.RouterMetrics;
import dev.eventrouter.router.registry.Route;
import dev.eventrouter.router.registry.SettingsRegistry;
import dev.eventrouter.router.tracing.RecordSpans;
import io.opentelemetry.api.trace.Span;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.kafka.CommitterSettings;
import org.apache.pekko.kafka.ConsumerMessage;
import org.apache.pekko.kafka.ConsumerMessage.CommittableMessage;
import org.apache.pekko.kafka.ConsumerMessage.CommittableOffset;
import org.apache.pekko.kafka.ConsumerSettings;
import org.apache.pekko.kafka.RestrictedConsumer;
import org.apache.pekko.kafka.Subscriptions;
import org.apache.pekko.kafka.javadsl.Committer;
import org.apache.pekko.kafka.javadsl.Consumer;
import org.apache.pekko.kafka.javadsl.PartitionAssignmentHandler;
import org.apache.pekko.pattern.Patterns;
import org.apache.pekko.stream.RestartSettings;
import org.apache.pekko.stream.javadsl.RestartSource;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka ingest stage, at-least-once: records become jobs, jobs are grouped per pair and
 * enqueued in one write per pair, and a record's offset is committed only after every job made from
 * it (or its dead letter) is durable, and every record before it too.
 *
 * <pre>
 * committableSource -> route (parse, validate, fan out) -> groupedWithin
 *   -> mapAsync: enqueue per pair + dead letters, retried until durable
 *   -> note what is persisted -> commit offsets
 * </pre>
 *
 * A write that fails is retried with backoff, never skipped: while the journal is down, ingest
 * waits and Kafka holds the backlog.
 *
 * <p>Batches leave the write stage in order, each once all its jobs are durable: every record of a
 * partition below the next offset of the last batch out has its jobs persisted in their queues
 * (those before the batches of this run were committed, so persisted too). Each enqueue tells its
 * queue that offset for the partitions its jobs come from, which is how a queue tells a record read
 * twice without remembering every job it finished ({@code QueueState}). Batches written out of
 * order (a retried enqueue completes after later ones) do not move it early.
 */
public final class Ingest {

  private static final Logger log = LoggerFactory.getLogger(Ingest.class);

  /**
   * Kafka record header: the time (epoch milliseconds, as text) the ids of the record's jobs carry
   * instead of the record's, given by a producer that may send the same event again in another
   * record (the Segment-compatible API, for a request an SDK retries). Such jobs have no record
   * position: their queue refuses them again by id, for its dedupe window.
   */
  public static final String ID_TIME_HEADER = "eventrouter.id-time";

  private final ActorSystem<?> system;
  private final IngestSettings settings;
  private final SettingsRegistry registry;
  private final VirtualQueues queues;
  private final RouterMetrics metrics;
  private final EventParser parser;
  private final DeadLetters deadLetters;
  private final RetryPolicy writeRetry;
  private final RecordSpans spans;
  private final AtomicReference<Consumer.Control> control =
      new AtomicReference<>(Consumer.createNoopControl());
  private final Set<Integer> assigned = ConcurrentHashMap.newKeySet();

  /**
   * Per partition, the offset below which every record's jobs are persisted; only ever raised. Kept
   * across rebalances and restarts of the consumer: it stays true whoever reads the partition next,
   * and queues keep the highest they were told.
   */
  private final Map<Integer, Long> persistedBelow = new ConcurrentHashMap<>();

  /**
   * The topic incarnation those offsets are of (Kafka's topic id), read at each assignment, before
   * any record of it is read: a topic made again under the same name counts from zero again, and
   * offsets of the old one must not refuse its records. Null while not known: then no offset is
   * told.
   */
  private volatile String topicId;

  private volatile CompletionStage<Done> completion;

  /** Set when the node drains the ingest to stop: no consumer is started again after. */
  private volatile boolean draining;

  private Ingest(
      ActorSystem<?> system,
      IngestSettings settings,
      SettingsRegistry registry,
      VirtualQueues queues,
      RouterMetrics metrics,
      JobTracing tracing) {
    this.system = system;
    this.spans = new RecordSpans(tracing);
    this.settings = settings;
    this.registry = registry;
    this.queues = queues;
    this.metrics = metrics;
    this.parser = new EventParser(settings.maxNestingDepth());
    this.writeRetry = new RetryPolicy(settings.retryMinBackoff(), settings.retryMaxBackoff());
    this.deadLetters =
        new DeadLetters(
            settings.client(),
            settings.deadLetterTopic(),
            settings.deadLetterMaxValueBytes(),
            "eventrouter-dead-letters");
  }

  public static Ingest start(
      ActorSystem<?> system,
      IngestSettings settings,
      SettingsRegistry registry,
      VirtualQueues queues,
      RouterMetrics metrics,
      JobTracing tracing) {
    Ingest ingest = new Ingest(system, settings, registry, queues, metrics, tracing);
    ingest.run();
    return ingest;
  }

  /**
   * The consumer is restarted with backoff if the stream ever fails; it resumes from the last
   * commit.
   */
  private void run() {
    ConsumerSettings<String, byte[]> consumer =
        ConsumerSettings.create(system, new StringDeserializer(), new ByteArrayDeserializer())
            .withProperties(settings.client().properties())
            .withGroupId(settings.groupId())
            .withProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest")
            // a dead-letter re-drive that was aborted (fenced by another) produced nothing
            .withProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    CommitterSettings committer = CommitterSettings.create(system);
    RestartSettings restart =
        RestartSettings.create(settings.retryMinBackoff(), settings.retryMaxBackoff(), 0.2);
    completion =
        RestartSource.onFailuresWithBackoff(
                restart,
                // once draining, a restart (the consumer failed just before, or during, the
                // drain) starts no new consumer: it would join the group again on a leaving node
                () -> draining ? Source.<Done>empty() : consume(consumer, committer))
            .runWith(Sink.ignore(), system);
    completion.whenComplete(
        (done, failure) -> {
          if (failure != null) {
            log.error("ingest stopped", failure);
          }
        });
  }

  private Source<Done, Consumer.Control> consume(
      ConsumerSettings<String, byte[]> consumer, CommitterSettings committer) {
    return Consumer.committableSource(
            consumer,
            Subscriptions.topics(settings.topic())
                .withPartitionAssignmentHandler(new PlaceQueuesWithPartitions()))
        .mapMaterializedValue(
            c -> {
              control.set(c);
              return c;
            })
        .map(this::route)
        .groupedWeightedWithin(
            settings.batchMaxBytes(),
            settings.batchMaxRecords(),
            Routed::bytes,
            settings.batchMaxWait())
        .mapAsync(settings.parallelism(), this::write)
        .map(this::persisted)
        .via(Committer.flow(committer));
  }

  /**
   * Records behind the end of the partitions this node consumes, as the consumer counts them; empty
   * before its first fetch.
   */
  public CompletionStage<OptionalDouble> consumerLag() {
    return control
        .get()
        .getMetrics()
        .thenApply(
            metrics -> {
              double lag = 0;
              boolean measured = false;
              for (Map.Entry<MetricName, Metric> metric : metrics.entrySet()) {
                MetricName name = metric.getKey();
                if (name.name().equals("records-lag")
                    && name.tags().containsKey("partition")
                    && metric.getValue().metricValue() instanceof Double value
                    && !value.isNaN()) {
                  lag += value;
                  measured = true;
                }
              }
              return measured ? OptionalDouble.of(lag) : OptionalDouble.empty();
            });
  }

  /** The partitions of the ingest topic this node's consumer reads now. */
  public Set<Integer> assignedPartitions() {
    return Set.copyOf(assigned);
  }

  /**
   * Reads the topic's id; blocking, in the consumer's thread, so that no record of the new
   * assignment is read before. What was persisted of another incarnation is forgotten.
   */
  private void learnTopicId() {
    String id;
    try {
      id = Topics.topicId(settings.client(), settings.topic());
    } catch (RuntimeException e) {
      log.warn(
          "could not read the id of topic {}; queues are told no persisted offsets until it is known: {}",
          settings.topic(),
          e.toString());
      id = null;
    }
    if (!Objects.equals(id, topicId)) {
      persistedBelow.clear();
      topicId = id;
    }
  }

  /**
   * Moves the queues of the partitions this consumer is assigned to this node, so that ingest's
   * asks stay local. The consumer's thread calls it: it only starts the update.
   */
  private final class PlaceQueuesWithPartitions implements PartitionAssignmentHandler {

    @Override
    public void onAssign(Set<TopicPartition> partitions, RestrictedConsumer consumer) {
      learnTopicId();
      List<Integer> numbers = partitions.stream().map(TopicPartition::partition).toList();
      assigned.addAll(numbers);
      if (!numbers.isEmpty()) {
        queues
            .placeHere(numbers)
            .whenComplete(
                (done, failure) -> {
                  if (failure != null) {
                    // the queues still work where they are, a network hop away
                    log.warn(
                        "could not place the queues of partitions {} on this node: {}",
                        numbers,
                        failure.toString());
                  }
                });
      }
    }

    @Override
    public void onRevoke(Set<TopicPartition> partitions, RestrictedConsumer consumer) {
      partitions.forEach(p -> assigned.remove(p.partition()));
    }

    @Override
    public void onLost(Set<TopicPartition> partitions, RestrictedConsumer consumer) {
      onRevoke(partitions, consumer);
    }

    @Override
    public void onStop(Set<TopicPartition> partitions, RestrictedConsumer consumer) {
      // only its own: a consumer that restarted (RestartSource) may already have new ones
      onRevoke(partitions, consumer);
    }
  }

  /** True while the stream runs. */
  public boolean isRunning() {
    return !completion.toCompletableFuture().isDone();
  }

  /** Stops reading, lets the batches in flight finish and commit, then stops the consumer. */
  public CompletionStage<Done> drainAndShutdown() {
    draining = true;
    return control
        .get()
        .drainAndShutdown(completion, system.executionContext())
        .whenComplete((done, failure) -> deadLetters.close());
  }

  // ---- per record ----

  /** What became of one record. */
  private sealed interface Routed {
    CommittableOffset offset();

    /** What it holds of its record's value, for the batch's weight. */
    long bytes();
  }

  /** The jobs of one record; they share its value. */
  private record Jobs(CommittableOffset offset, List<Job> jobs) implements Routed {
    @Override
    public long bytes() {
      return jobs.isEmpty() ? 0 : jobs.get(0).payload().length;
    }
  }

  private record Rejected(
      CommittableOffset offset,
      ConsumerRecord<String, byte[]> record,
      Rejection reason,
      String detail)
      implements Routed {
    @Override
    public long bytes() {
      return record.value() == null ? 0 : record.value().length;
    }
  }

  private Routed route(CommittableMessage<String, byte[]> message) {
    metrics.recordsConsumed.inc();
    if (!spans.on()) {
      return route(message, null);
    }
    Span span = spans.start(message.record());
    Routed routed = route(message, JobTracing.traceOf(span));
    if (routed instanceof Jobs jobs) {
      RecordSpans.routed(span, message.record().key(), jobs.jobs().size());
    } else if (routed instanceof Rejected rejected) {
      RecordSpans.rejected(span, rejected.reason().label());
    }
    return routed;
  }

  /**
   * @param trace what the record's jobs continue: its ingest span; null when tracing is off
   */
  private Routed route(CommittableMessage<String, byte[]> message, TraceContext trace) {
    ConsumerRecord<String, byte[]> record = message.record();
    CommittableOffset offset = message.committableOffset();
    String source = record.key();
    if (source == null || source.isBlank()) {
      return new Rejected(
          offset, record, Rejection.NO_SOURCE_KEY, "the record has no key (the source id)");
    }
    byte[] value = record.value();
    if (value == null) {
      return new Rejected(offset, record, Rejection.NOT_JSON, "the record has no value");
    }
    if (value.length > settings.maxPayloadBytes()) {
      return new Rejected(
          offset,
          record,
          Rejection.PAYLOAD_TOO_LARGE,
          value.length + " bytes, over the maximum of " + settings.maxPayloadBytes());
    }
    try {
      return route(record, offset, source, value, trace);
    } catch (RuntimeException e) {
      // a defect on one record must not stop its partition: the stream would fail, restart
      // from the last commit and meet the same record again, forever
      log.warn(
          "ingest failed on the record at {}-{}@{} of source {}; dead-lettered as unprocessable",
          record.topic(),
          record.partition(),
          record.offset(),
          printable(source),
          e);
      return new Rejected(
          offset, record, Rejection.UNPROCESSABLE, "the router failed on it: " + e.getClass());
    }
  }

  /**
   * The time a record's job ids are derived from: the record's, the same however often it is read.
   * A record without one (-1: an old message format, a producer that set none) takes the ids'
   * earliest time, not the time of reading: read again after a crash, before its offset was
   * committed, it would otherwise make new ids, and its jobs be delivered twice.
   */
  static Instant recordTime(ConsumerRecord<?, ?> record) {
    return record.timestamp() >= 0 ? Instant.ofEpochMilli(record.timestamp()) : Ksuid.EARLIEST;
  }

  private Routed route(
      ConsumerRecord<String, byte[]> record,
      CommittableOffset offset,
      String source,
      byte[] value,
      TraceContext trace) {
    var registryNow = registry.current();
    if (!registryNow.knowsSource(source)) {
      return new Rejected(
          offset, record, Rejection.UNKNOWN_SOURCE, "no source '" + printable(source) + "'");
    }
    List<Route> routes = registryNow.routesOf(source);
    EventParser.Result parsed = parser.parse(value, Fanout.fieldsRead(routes));
    if (parsed instanceof EventParser.Invalid invalid) {
      return new Rejected(offset, record, invalid.reason(), invalid.detail());
    }
    EventParser.Parsed event = (EventParser.Parsed) parsed;
    Instant idTime = idTime(record);
    // with an id time, no position: its queue remembers the finished job by id for its dedupe
    // window, so that the record of a request sent again (the same ids) is refused, not only
    // this one read again
    List<Job> jobs =
        idTime != null
            ? Fanout.jobs(event, value, routes, idTime, null, Instant.now())
            : Fanout.jobs(
                event,
                value,
                routes,
                recordTime(record),
                new RecordPosition(record.partition(), record.offset()),
                Instant.now());
    if (trace != null) {
      jobs = jobs.stream().map(job -> job.withTrace(trace)).toList();
    }
    if (jobs.isEmpty()) {
      // handled all the same: its offset is committed with its batch's
      metrics
          .eventsWithoutDestination
          .labelValues(routes.isEmpty() ? "no-enabled-destination" : "filtered")
          .inc();
    }
    return new Jobs(offset, jobs);
  }

  /**
   * The time the record's jobs ids carry, when its producer gave one in header {@value
   * #ID_TIME_HEADER} (epoch milliseconds) because the same event may come again in another record;
   * null when it gave none, or one that is not a number.
   */
  private static Instant idTime(ConsumerRecord<String, byte[]> record) {
    Header header = record.headers().lastHeader(ID_TIME_HEADER);
    if (header == null || header.value() == null) {
      return null;
    }
    try {
      return Instant.ofEpochMilli(
          Long.parseLong(new String(header.value(), StandardCharsets.US_ASCII)));
    } catch (NumberFormatException e) {
      return null;
    }
  }

  // ---- per batch ----

  /**
   * A batch whose jobs and dead letters are durable, and the next offset of each partition in it.
   */
  private record Written(
      ConsumerMessage.CommittableOffsetBatch offsets,
      Map<Integer, Long> nextOffsets,
      String topicId) {}

  private CompletionStage<Written> write(List<Routed> batch) {
    String readFrom = topicId;
    List<Job> jobs = new ArrayList<>();
    List<CompletionStage<?>> writes = new ArrayList<>();
    List<CommittableOffset> offsets = new ArrayList<>(batch.size());
    Map<Integer, Long> nextOffsets = new HashMap<>();
    for (Routed routed : batch) {
      offsets.add(routed.offset());
      nextOffsets.merge(
          routed.offset().partitionOffset().key().partition(),
          routed.offset().partitionOffset().offset() + 1,
          Math::max);
      if (routed instanceof Jobs made) {
        jobs.addAll(made.jobs());
      } else if (routed instanceof Rejected rejected) {
        writes.add(
            retrying(
                    "dead-letter",
                    () -> deadLetters.send(rejected.record(), rejected.reason(), rejected.detail()))
                .thenAccept(outcome -> count(rejected, outcome)));
      }
    }
    // one enqueue per actor that hosts queues: a pair's own, or its shard's group
    for (List<Job> hosted : queues.byHost(jobs)) {
      Set<Integer> partitions =
          hosted.stream()
              .filter(job -> job.position() != null)
              .map(job -> job.position().partition())
              .collect(Collectors.toSet());
      // read at each attempt: a retry tells what the batches before it have persisted since
      writes.add(
          retrying("enqueue", () -> queues.enqueue(hosted, persisted(readFrom, partitions)))
              .thenAccept(this::count));
    }
    return CompletableFuture.allOf(
            writes.stream()
                .map(CompletionStage::toCompletableFuture)
                .toArray(CompletableFuture[]::new))
        .thenApply(
            done ->
                new Written(
                    ConsumerMessage.createCommittableOffsetBatch(offsets), nextOffsets, readFrom));
  }

  /** In the order batches were read: all before this one are persisted too. */
  private ConsumerMessage.CommittableOffsetBatch persisted(Written written) {
    // a batch read from an incarnation of the topic that is gone tells nothing of the new one
    if (written.topicId() != null && written.topicId().equals(topicId)) {
      written
          .nextOffsets()
          .forEach((partition, next) -> persistedBelow.merge(partition, next, Math::max));
    }
    return written.offsets();
  }

  /**
   * What is persisted of these partitions, if the records were read from the incarnation known now.
   */
  private PersistedRecords persisted(String readFrom, Set<Integer> partitions) {
    String known = topicId;
    if (known == null || !known.equals(readFrom)) {
      return PersistedRecords.NONE;
    }
    Map<Integer, Long> below = new HashMap<>();
    for (int partition : partitions) {
      Long offset = persistedBelow.get(partition);
      if (offset != null) {
        below.put(partition, offset);
      }
    }
    return new PersistedRecords(known, below);
  }

  private void count(Rejected rejected, DeadLetters.Outcome outcome) {
    String reason = rejected.reason().label();
    if (outcome instanceof DeadLetters.Unwritable unwritable) {
      ConsumerRecord<String, byte[]> record = rejected.record();
      log.error(
          "the dead-letter topic refuses even the coordinates of record {}-{}@{} ({}): it is "
              + "passed without a dead letter; find it at those coordinates: {}",
          record.topic(),
          record.partition(),
          record.offset(),
          reason,
          unwritable.why());
      metrics.deadLettersUnwritable.labelValues(reason).inc();
    } else {
      metrics.deadLetters.labelValues(reason).inc();
    }
  }

  private void count(VirtualQueue.Accepted accepted) {
    metrics.jobsAccepted.inc(accepted.enqueued());
    metrics.jobsDuplicated.inc(accepted.duplicates());
  }

  /** Retries until it succeeds: dropping a write would lose the record's jobs. */
  private <T> CompletionStage<T> retrying(String target, Supplier<CompletionStage<T>> write) {
    return attempt(target, write, 1);
  }

  private <T> CompletionStage<T> attempt(
      String target, Supplier<CompletionStage<T>> write, int attempt) {
    return write
        .get()
        .handle(
            (value, failure) -> {
              if (failure == null) {
                return CompletableFuture.completedFuture(value);
              }
              metrics.ingestRetries.labelValues(target).inc();
              Duration backoff = writeRetry.delay(attempt, ThreadLocalRandom.current());
              log.warn(
                  "{} failed (attempt {}), ingest waits {} and tries again: {}",
                  target,
                  attempt,
                  backoff,
                  failure.toString());
              return Patterns.after(
                  backoff,
                  system.classicSystem().scheduler(),
                  system.executionContext(),
                  () -> attempt(target, write, attempt + 1));
            })
        .thenCompose(stage -> stage);
  }

  private static String printable(String text) {
    String shortened = text.length() > 128 ? text.substring(0, 128) + "..." : text;
    return shortened.replaceAll("[^\\x20-\\x7E]", "?");
  }
}
