package dev.eventrouter.router.tracing;

import dev.eventrouter.queues.tracing.JobTracing;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * The span of one Kafka record's ingest (parse, validate, fan out into jobs): a consumer span,
 * child of the W3C {@code traceparent} in the record's headers when it has one (the producer's, or
 * the Segment-compatible API's caller's), else the root of a new trace. Per record rather than per
 * poll: it is what the record's jobs continue, each attempt a child of it.
 */
public final class RecordSpans {

  private static final TextMapGetter<Headers> FROM_RECORD =
      new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Headers headers) {
          List<String> keys = new ArrayList<>();
          headers.forEach(header -> keys.add(header.key()));
          return keys;
        }

        @Override
        public String get(Headers headers, String key) {
          Header header = headers == null ? null : headers.lastHeader(key);
          return header == null || header.value() == null
              ? null
              : new String(header.value(), StandardCharsets.US_ASCII);
        }
      };

  private final JobTracing tracing;

  public RecordSpans(JobTracing tracing) {
    this.tracing = tracing;
  }

  public boolean on() {
    return tracing.on();
  }

  /** Starts the record's span; only when tracing is {@link #on}. */
  public Span start(ConsumerRecord<String, byte[]> record) {
    Context parent =
        W3CTraceContextPropagator.getInstance()
            .extract(Context.root(), record.headers(), FROM_RECORD);
    return tracing
        .tracer()
        .spanBuilder("ingest")
        .setParent(parent)
        .setSpanKind(SpanKind.CONSUMER)
        .setAttribute("messaging.system", "kafka")
        .setAttribute("messaging.operation.type", "process")
        .setAttribute("messaging.destination.name", record.topic())
        .setAttribute("messaging.destination.partition.id", Integer.toString(record.partition()))
        .setAttribute("messaging.kafka.offset", record.offset())
        .startSpan();
  }

  /** The record became these many jobs of this source (none when its routes filter it out). */
  public static void routed(Span span, String source, int jobs) {
    span.setAttribute(JobTracing.SOURCE, source);
    span.setAttribute(JobTracing.JOBS, (long) jobs);
    span.end();
  }

  /** The record went to the dead-letter topic, for this reason. */
  public static void rejected(Span span, String reason) {
    span.setAttribute("eventrouter.dead_letter.reason", reason);
    span.setStatus(StatusCode.ERROR, reason);
    span.end();
  }
}
