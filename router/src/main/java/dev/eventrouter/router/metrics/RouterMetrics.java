package dev.eventrouter.router.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

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
