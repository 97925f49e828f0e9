package dev.eventrouter.router.metrics;

import dev.eventrouter.persistence.job.Attempt;
import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.queues.JobEventListener;
import dev.eventrouter.queues.JobEventListener.PassCause;
import dev.eventrouter.router.archive.Archiver;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.Scheduler;
import scala.concurrent.ExecutionContext;

/** The router's Prometheus metrics, served by {@code GET /metrics}. */
public final class RouterMetrics {

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

  {
    // heap, GC, threads: what an operator sizes a node by, and the load test's heap high-water
    JvmMetrics.builder().register(registry);
  }

  public final Counter recordsConsumed =
      Counter.builder()
          .name("eventrouter_ingest_records")
          .help("Kafka records read by the ingest stage")
          .register(registry);
  public final Counter jobsAccepted =
      Counter.builder()
          .name("eventrouter_jobs_accepted")
          .help("Jobs durably accepted by a virtual queue (duplicates not included)")
          .register(registry);
  public final Counter jobsDuplicated =
      Counter.builder()
          .name("eventrouter_jobs_duplicate")
          .help(
              "Jobs a virtual queue already held when they were enqueued again (a re-read record)")
          .register(registry);
  public final Counter deadLetters =
      Counter.builder()
          .name("eventrouter_ingest_dead_letters")
          .help("Records sent to the dead-letter topic, by reason")
          .labelNames("reason")
          .register(registry);
  public final Counter deadLettersUnwritable =
      Counter.builder()
          .name("eventrouter_ingest_dead_letters_unwritable")
          .help(
              "Rejected records the dead-letter topic refused even as their coordinates alone, "
                  + "by reason: logged with those coordinates and passed")
          .labelNames("reason")
          .register(registry);
  public final Counter eventsWithoutDestination =
      Counter.builder()
          .name("eventrouter_ingest_events_without_destination")
          .help(
              "Valid events of a known source that no destination received, by reason: the source"
                  + " has no enabled destination, or every route's filter refused the event (filtered)")
          .labelNames("reason")
          .register(registry);
  public final Counter ingestRetries =
      Counter.builder()
          .name("eventrouter_ingest_write_retries")
          .help(
              "Enqueue or dead-letter writes retried (journal or Kafka unavailable): ingest waits")
          .labelNames("target")
          .register(registry);

  public final Counter segmentRequests =
      Counter.builder()
          .name("eventrouter_segment_api_requests")
          .help(
              "Requests to the Segment-compatible API, by call (track, ..., batch, other) and answer code")
          .labelNames("call", "code")
          .register(registry);
  public final Counter segmentEvents =
      Counter.builder()
          .name("eventrouter_segment_api_events")
          .help(
              "Events of Segment API requests: produced to the ingest topic, or (invalid events of a"
                  + " batch) to the dead-letter topic")
          .labelNames("outcome")
          .register(registry);
  public final Counter segmentBytes =
      Counter.builder()
          .name("eventrouter_segment_api_bytes")
          .help("Request body bytes the Segment API received, as sent (gzip before decompression)")
          .register(registry);
  public final Counter segmentErrors =
      Counter.builder()
          .name("eventrouter_segment_api_errors")
          .help("Segment API requests answered with an error, by the reason the answer names")
          .labelNames("reason")
          .register(registry);
  public final Histogram segmentSeconds =
      Histogram.builder()
          .name("eventrouter_segment_api_request_seconds")
          .help(
              "How long Segment API requests took to answer, Kafka's acknowledgement included, by call")
          .labelNames("call")
          .classicOnly()
          .classicUpperBounds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
          .register(registry);

  public final Counter delivered =
      Counter.builder()
          .name("eventrouter_jobs_delivered")
          .help("Jobs the destination accepted (2xx)")
          .register(registry);
  public final Counter retried =
      Counter.builder()
          .name("eventrouter_jobs_retried")
          .help(
              "Attempts that failed in a way that may pass (the job awaits its retry, or goes to the archive if it expired or was flushed meanwhile), by the number of the attempt that failed")
          .labelNames("attempt")
          .register(registry);
  public final Counter discarded =
      Counter.builder()
          .name("eventrouter_jobs_discarded")
          .help("Jobs that will never be delivered, by who decided: customer (a 4xx) or system")
          .labelNames("origin")
          .register(registry);
  public final Counter archived =
      Counter.builder()
          .name("eventrouter_jobs_archived")
          .help("Jobs not delivered before their expiry, stored in the archive")
          .register(registry);

  public final Counter replayed =
      Counter.builder()
          .name("eventrouter_jobs_replayed")
          .help("Archived jobs put back into their queues by a replay")
          .register(registry);
  public final Counter archiveObjects =
      Counter.builder()
          .name("eventrouter_archive_objects")
          .help("Objects the archiver wrote to S3")
          .register(registry);
  public final Counter archiveBytes =
      Counter.builder()
          .name("eventrouter_archive_bytes")
          .help("Bytes (gzip) the archiver wrote to S3")
          .register(registry);
  public final Counter archiveFailures =
      Counter.builder()
          .name("eventrouter_archive_failures")
          .help("Archive batches S3 did not take (sent again later, with backoff)")
          .register(registry);

  public final Histogram attemptSeconds =
      Histogram.builder()
          .name("eventrouter_delivery_attempt_seconds")
          .help("How long delivery attempts took, from request to answer or failure, by outcome")
          .labelNames("outcome")
          .classicOnly()
          .classicUpperBounds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
          .register(registry);
  public final Histogram deliveryLatency =
      Histogram.builder()
          .name("eventrouter_delivery_latency_seconds")
          .help(
              "From the Kafka record's time to the destination's 2xx, retries included (whole"
                  + " seconds: the time a job id carries; records without a time are not counted)")
          .classicOnly()
          .classicUpperBounds(1, 2, 5, 10, 30, 60, 300, 900, 3600, 14400, 86400)
          .register(registry);
  public final Histogram journalWriteSeconds =
      Histogram.builder()
          .name("eventrouter_journal_write_seconds")
          .help(
              "How long the queues' journal writes took (a queue's, or a group's in the layout groups)")
          .classicOnly()
          .classicUpperBounds(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10)
          .register(registry);
  public final Histogram journalWriteEvents =
      Histogram.builder()
          .name("eventrouter_journal_write_events")
          .help("Job events per journal write of the queues: how well writes are batched")
          .classicOnly()
          .classicUpperBounds(1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000)
          .register(registry);

  public final Counter payloadReads =
      Counter.builder()
          .name("eventrouter_payload_reads")
          .help(
              "Reads of jobs back from the journal: payloads the caches had no room for, and"
                  + " traces for the archive and for carrying payloads forward")
          .register(registry);
  public final Counter payloadReadJobs =
      Counter.builder()
          .name("eventrouter_payload_read_jobs")
          .help("Jobs read back from the journal (payloads or traces)")
          .register(registry);
  public final Counter payloadReadRows =
      Counter.builder()
          .name("eventrouter_payload_read_rows")
          .help("Journal rows read (each decoded whole) to read jobs back")
          .register(registry);

  public final Counter dispatchPasses =
      Counter.builder()
          .name("eventrouter_dispatch_passes")
          .help(
              "Passes of the queues over their schedules for jobs to send, by what ran them"
                  + " (written, handed, answered, timer, read): per delivered job, the share of"
                  + " a pass each job pays")
          .labelNames("cause")
          .register(registry);

  /** Each cause's series, looked up once: a pass must not pay for a label lookup. */
  private final CounterDataPoint[] passesByCause =
      Arrays.stream(PassCause.values())
          .map(cause -> dispatchPasses.labelValues(cause.name().toLowerCase(Locale.ROOT)))
          .toArray(CounterDataPoint[]::new);

  private final Clock clock;
  private final Backlogs backlogs = new Backlogs();
  private final Deliveries deliveries = new Deliveries();
  private final RecentJobs recentJobs = new RecentJobs();
  private volatile Supplier<Map<String, CircuitBreaker.State>> breakers = Map::of;
  private volatile Supplier<Map<String, Integer>> concurrencyLimits = Map::of;
  private volatile Supplier<Map<String, Integer>> concurrencyInUse = Map::of;

  /** The last lag the consumer told; refreshed in the background, never asked for on a scrape. */
  private volatile OptionalDouble lastLag = OptionalDouble.empty();

  private volatile Supplier<Set<Integer>> partitions = Set::of;

  /** The shards this node ran at the last look, with their queues; refreshed in the background. */
  private volatile Map<String, Integer> lastShards = Map.of();

  /**
   * When each destination's oldest job here arrived, at the last look; refreshed in the background.
   */
  private volatile Map<String, Instant> lastOldestJobs = Map.of();

  /** Per queue group on this node, the pairs whose states it holds, as it last told. */
  private final Map<String, Integer> groupPairs = new ConcurrentHashMap<>();

  public RouterMetrics(Clock clock) {
    this.clock = clock;
    GaugeWithCallback.builder()
        .name("eventrouter_queue_group_pairs")
        .help(
            "Pairs whose queue state this node's queue groups hold (the layout groups): those with"
                + " jobs and those remembering finished jobs whose records may be read again")
        .callback(
            callback ->
                callback.call(groupPairs.values().stream().mapToInt(Integer::intValue).sum()))
        .register(registry);
    GaugeWithCallback.builder()
        .name("eventrouter_backlog_jobs")
        .help(
            "Jobs held by this node's queues (waiting, retrying, in flight, archiving), by destination")
        .labelNames("destination")
        .callback(
            callback ->
                backlogs
                    .byDestination()
                    .forEach((destination, jobs) -> callback.call(jobs, destination)))
        .register(registry);
    GaugeWithCallback.builder()
        .name("eventrouter_backlog_oldest_job_age_seconds")
        .help(
            "How long the oldest job held by this node's queues has been in the router (since it was"
                + " accepted), by destination; the oldest job is looked up every few seconds")
        .labelNames("destination")
        .callback(
            callback -> {
              Instant now = clock.instant();
              // a destination emptied since the last look is not reported with its old job's age
              Set<String> holding = backlogs.byDestination().keySet();
              lastOldestJobs.forEach(
                  (destination, at) -> {
                    if (holding.contains(destination)) {
                      callback.call(seconds(at, now), destination);
                    }
                  });
            })
        .register(registry);
    GaugeWithCallback.builder()
        .name("eventrouter_breaker_state")
        .help("Each destination's circuit breaker on this node: 0 closed, 1 half-open, 2 open")
        .labelNames("destination")
        .callback(
            callback ->
                breakers
                    .get()
                    .forEach(
                        (destination, state) -> callback.call(breakerValue(state), destination)))
        .register(registry);
    GaugeWithCallback.builder()
        .name("eventrouter_destination_concurrency_limit")
        .help(
            "Each destination's adaptive concurrency limit on this node: the requests it may have"
                + " under way from here")
        .labelNames("destination")
        .callback(callback -> perDestination(concurrencyLimits, callback))
        .register(registry);
    GaugeWithCallback.builder()
        .name("eventrouter_destination_concurrency_in_use")
        .help("Requests under way from this node to each destination, within its concurrency limit")
        .labelNames("destination")
        .callback(callback -> perDestination(concurrencyInUse, callback))
        .register(registry);
    GaugeWithCallback.builder()
        .name("eventrouter_kafka_consumer_lag_records")
        .help(
            "Records behind the end of the partitions this node consumes (the consumer's own count)")
        .callback(callback -> lastLag.ifPresent(callback::call))
        .register(registry);
    GaugeWithCallback.builder()
        .name("eventrouter_ingest_partition_assigned")
        .help("1 for each partition of the ingest topic this node's consumer reads")
        .labelNames("partition")
        .callback(callback -> partitions.get().forEach(p -> callback.call(1, Integer.toString(p))))
        .register(registry);
    GaugeWithCallback.builder()
        .name("eventrouter_queue_shard_queues")
        .help("Virtual queues running on this node, by shard (a shard is a partition's sources)")
        .labelNames("shard")
        .callback(callback -> lastShards.forEach((shard, queues) -> callback.call(queues, shard)))
        .register(registry);
  }

  /** This node's queues' depths, by pair. */
  public Backlogs backlogs() {
    return backlogs;
  }

  /** This node's attempts, by destination. */
  public Deliveries deliveries() {
    return deliveries;
  }

  /** The latest jobs of the pairs lately busy here. */
  public RecentJobs recentJobs() {
    return recentJobs;
  }

  public void watchBreakers(Supplier<Map<String, CircuitBreaker.State>> states) {
    this.breakers = states;
  }

  /** Each destination's concurrency limit, and the requests under way within it, by destination. */
  public void watchConcurrencyLimits(
      Supplier<Map<String, Integer>> limits, Supplier<Map<String, Integer>> inUse) {
    this.concurrencyLimits = limits;
    this.concurrencyInUse = inUse;
  }

  private static void perDestination(
      Supplier<Map<String, Integer>> values, GaugeWithCallback.Callback callback) {
    values.get().forEach((destination, value) -> callback.call(value, destination));
  }

  public void watchPartitions(Supplier<Set<Integer>> assigned) {
    this.partitions = assigned;
  }

  /** Asks sharding every {@code interval} which shards run on this node. */
  public void watchShards(
      Supplier<CompletionStage<Map<String, Integer>>> hosted,
      Scheduler scheduler,
      Duration interval,
      ExecutionContext executor) {
    refresh(hosted, shards -> lastShards = shards, scheduler, interval, executor);
  }

  /** Asks the consumer for its lag every {@code interval}. */
  public void watchConsumerLag(
      Supplier<CompletionStage<OptionalDouble>> lag,
      Scheduler scheduler,
      Duration interval,
      ExecutionContext executor) {
    refresh(lag, measured -> lastLag = measured, scheduler, interval, executor);
  }

  /**
   * Asks every {@code interval} the queues holding jobs on this node when their oldest job arrived
   * ({@code oldestJobOf}, a question to the pair's queue).
   */
  public void watchOldestJobs(
      Function<PairId, CompletionStage<Instant>> oldestJobOf,
      Scheduler scheduler,
      Duration interval,
      ExecutionContext executor) {
    refresh(
        () -> backlogs.oldestJobs(oldestJobOf),
        oldest -> lastOldestJobs = oldest,
        scheduler,
        interval,
        executor);
  }

  /** Keeps what an asynchronous source last answered; a failed ask keeps the previous answer. */
  private static <T> void refresh(
      Supplier<CompletionStage<T>> source,
      java.util.function.Consumer<T> keep,
      Scheduler scheduler,
      Duration interval,
      ExecutionContext executor) {
    scheduler.scheduleWithFixedDelay(
        interval,
        interval,
        () ->
            source
                .get()
                .whenComplete(
                    (value, failure) -> {
                      if (failure == null) {
                        keep.accept(value);
                      }
                    }),
        executor);
  }

  static double breakerValue(CircuitBreaker.State state) {
    return switch (state) {
      case CLOSED, DISABLED, METRICS_ONLY -> 0;
      case HALF_OPEN -> 1;
      case OPEN, FORCED_OPEN -> 2;
    };
  }

  /** Counts what the archiver wrote. */
  public Archiver.Listener archiveEvents() {
    return new Archiver.Listener() {
      @Override
      public void stored(int objects, long bytes) {
        archiveObjects.inc(objects);
        archiveBytes.inc(bytes);
      }

      @Override
      public void failed() {
        archiveFailures.inc();
      }
    };
  }

  /** Counts what the virtual queues persisted and wrote, and keeps their depths. */
  public JobEventListener jobEvents() {
    return new JobEventListener() {
      @Override
      public void persisted(PairId pair, List<JobEvent> events) {
        recentJobs.persisted(pair, events);
        for (JobEvent event : events) {
          if (event instanceof JobEvent.Succeeded success) {
            delivered.inc();
            deliveries.delivered(pair.destination());
            observe(success.attempt(), "succeeded");
            // a record without a time (or before the ids' range) has its ids at their earliest
            // time: no latency to tell
            if (success.jobId().time().isAfter(Ksuid.EARLIEST)) {
              deliveryLatency.observe(
                  seconds(success.jobId().time(), success.attempt().finishedAt()));
            }
          } else if (event instanceof JobEvent.AwaitingRetry retry) {
            retried.labelValues(attemptLabel(retry.attempt().number())).inc();
            deliveries.failed(pair.destination());
            observe(retry.attempt(), "retry");
          } else if (event instanceof JobEvent.Discarded discard) {
            discarded.labelValues(discard.origin().name().toLowerCase(Locale.ROOT)).inc();
            deliveries.failed(pair.destination());
            observe(discard.attempt(), "discarded");
          } else if (event instanceof JobEvent.Archived) {
            archived.inc();
          }
        }
      }

      @Override
      public void journalWrite(int events, long nanos) {
        journalWriteSeconds.observe(nanos / 1e9);
        journalWriteEvents.observe(events);
      }

      @Override
      public void payloadsRead(int jobs, int rows) {
        payloadReads.inc();
        payloadReadJobs.inc(jobs);
        payloadReadRows.inc(rows);
      }

      @Override
      public void dispatchPass(PassCause cause) {
        passesByCause[cause.ordinal()].inc();
      }

      @Override
      public void depth(PairId pair, int jobs) {
        backlogs.set(pair, jobs);
      }

      @Override
      public void groupPairs(String group, int pairs) {
        if (pairs == 0) {
          groupPairs.remove(group);
        } else {
          groupPairs.put(group, pairs);
        }
      }
    };
  }

  private void observe(Attempt attempt, String outcome) {
    attemptSeconds.labelValues(outcome).observe(seconds(attempt.startedAt(), attempt.finishedAt()));
  }

  private static double seconds(Instant from, Instant to) {
    return Math.max(0, Duration.between(from, to).toNanos() / 1e9);
  }

  /** Attempts 1 to 9 each, then one bucket: the label set stays small. */
  static String attemptLabel(int attempt) {
    return attempt < 10 ? Integer.toString(attempt) : "10+";
  }

  public String contentType() {
    return writer.getContentType();
  }

  public byte[] scrape() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
    try {
      writer.write(out, snapshot());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** Every metric, those with no sample yet too (a scrape leaves them out). */
  MetricSnapshots snapshot() {
    return registry.scrape();
  }
}
