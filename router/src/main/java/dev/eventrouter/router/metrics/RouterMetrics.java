package dev.eventrouter.router.metrics;

import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.queues.JobEventListener;
import dev.eventrouter.router.archive.Archiver;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;

/** The router's Prometheus metrics, served by {@code GET /metrics}. */
public final class RouterMetrics {

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

  public final Counter recordsConsumed = Counter.builder()
      .name("eventrouter_ingest_records")
      .help("Kafka records read by the ingest stage")
      .register(registry);
  public final Counter jobsAccepted = Counter.builder()
      .name("eventrouter_jobs_accepted")
      .help("Jobs durably accepted by a virtual queue (duplicates not included)")
      .register(registry);
  public final Counter jobsDuplicated = Counter.builder()
      .name("eventrouter_jobs_duplicate")
      .help("Jobs a virtual queue already held when they were enqueued again (a re-read record)")
      .register(registry);
  public final Counter deadLetters = Counter.builder()
      .name("eventrouter_ingest_dead_letters")
      .help("Records sent to the dead-letter topic, by reason")
      .labelNames("reason")
      .register(registry);
  public final Counter eventsWithoutDestination = Counter.builder()
      .name("eventrouter_ingest_events_without_destination")
      .help("Valid events of a known source that has no enabled destination")
      .register(registry);
  public final Counter ingestRetries = Counter.builder()
      .name("eventrouter_ingest_write_retries")
      .help("Enqueue or dead-letter writes retried (journal or Kafka unavailable): ingest waits")
      .labelNames("target")
      .register(registry);

  public final Counter delivered = Counter.builder()
      .name("eventrouter_jobs_delivered")
      .help("Jobs the destination accepted (2xx)")
      .register(registry);
  public final Counter retried = Counter.builder()
      .name("eventrouter_jobs_retried")
      .help("Attempts that failed and will be made again, by the number of the attempt that failed")
      .labelNames("attempt")
      .register(registry);
  public final Counter discarded = Counter.builder()
      .name("eventrouter_jobs_discarded")
      .help("Jobs that will never be delivered, by who decided: customer (a 4xx) or system")
      .labelNames("origin")
      .register(registry);
  public final Counter archived = Counter.builder()
      .name("eventrouter_jobs_archived")
      .help("Jobs not delivered before their expiry, stored in the archive")
      .register(registry);

  public final Counter replayed = Counter.builder()
      .name("eventrouter_jobs_replayed")
      .help("Archived jobs put back into their queues by a replay")
      .register(registry);
  public final Counter archiveObjects = Counter.builder()
      .name("eventrouter_archive_objects")
      .help("Objects the archiver wrote to S3")
      .register(registry);
  public final Counter archiveBytes = Counter.builder()
      .name("eventrouter_archive_bytes")
      .help("Bytes (gzip) the archiver wrote to S3")
      .register(registry);
  public final Counter archiveFailures = Counter.builder()
      .name("eventrouter_archive_failures")
      .help("Archive batches S3 did not take (sent again later, with backoff)")
      .register(registry);

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

  /** Counts what the virtual queues persisted. */
  public JobEventListener jobEvents() {
    return (pair, events) -> {
      for (JobEvent event : events) {
        if (event instanceof JobEvent.Succeeded) {
          delivered.inc();
        } else if (event instanceof JobEvent.AwaitingRetry retry) {
          retried.labelValues(attemptLabel(retry.attempt().number())).inc();
        } else if (event instanceof JobEvent.Discarded discard) {
          discarded.labelValues(discard.origin().name().toLowerCase(Locale.ROOT)).inc();
        } else if (event instanceof JobEvent.Archived) {
          archived.inc();
        }
      }
    };
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
      writer.write(out, registry.scrape());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
