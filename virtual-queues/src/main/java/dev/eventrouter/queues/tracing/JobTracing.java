package dev.eventrouter.queues.tracing;

import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.job.TraceContext;
import dev.eventrouter.queues.archive.ArchivedJob;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The spans of jobs, from OpenTelemetry's API (the router gives the SDK, or nothing). Off, it makes
 * no span and touches no job: every method returns at its first line, and a span it returns is the
 * invalid one, whose methods do nothing.
 *
 * <p>A job's {@link TraceContext} is the parent of each of its attempts; the accept of a batch and
 * the archive write of one are spans of their own, linked to the jobs they hold (one write carries
 * jobs of many traces). Only the W3C format is read and written, whatever else is configured: it is
 * what the journal keeps and what destinations receive.
 */
public final class JobTracing {

  /** No spans at all. */
  public static final JobTracing OFF = new JobTracing(null);

  public static final AttributeKey<String> SOURCE = AttributeKey.stringKey("eventrouter.source");
  public static final AttributeKey<String> DESTINATION =
      AttributeKey.stringKey("eventrouter.destination");
  public static final AttributeKey<String> JOB_ID = AttributeKey.stringKey("eventrouter.job.id");
  public static final AttributeKey<Long> JOBS = AttributeKey.longKey("eventrouter.jobs");

  private static final W3CTraceContextPropagator W3C = W3CTraceContextPropagator.getInstance();

  private static final TextMapGetter<TraceContext> FROM_JOB =
      new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(TraceContext trace) {
          return List.of("traceparent", "tracestate");
        }

        @Override
        public String get(TraceContext trace, String key) {
          if (trace == null) {
            return null;
          }
          return switch (key) {
            case "traceparent" -> trace.traceparent();
            case "tracestate" -> trace.tracestate();
            default -> null;
          };
        }
      };

  /** Null when off. */
  private final Tracer tracer;

  private JobTracing(Tracer tracer) {
    this.tracer = tracer;
  }

  public static JobTracing with(OpenTelemetry openTelemetry) {
    return new JobTracing(openTelemetry.getTracer("eventrouter"));
  }

  public boolean on() {
    return tracer != null;
  }

  /** Null when off. */
  public Tracer tracer() {
    return tracer;
  }

  /** The context a job's trace continues from; the root when it has none. */
  public static Context parentOf(TraceContext trace) {
    return trace == null ? Context.root() : W3C.extract(Context.root(), trace, FROM_JOB);
  }

  /** The span's context as a job keeps it and a destination receives it; null if it has none. */
  public static TraceContext traceOf(Span span) {
    if (!span.getSpanContext().isValid()) {
      return null;
    }
    Map<String, String> carrier = new HashMap<>(4);
    W3C.inject(Context.root().with(span), carrier, Map::put);
    return new TraceContext(carrier.get("traceparent"), kept(carrier.get("tracestate")));
  }

  /**
   * The longest tracestate a job keeps, the W3C's: every job of an event carries it, in the
   * journal, between nodes and to its destination, and the propagator lets 32 members of up to 256
   * characters each (16 KB) through.
   */
  static final int MAX_TRACESTATE = 512;

  /**
   * The tracestate's leading members that fit {@link #MAX_TRACESTATE} characters (the W3C's rule:
   * members are dropped from the end); null if none does.
   */
  static String kept(String tracestate) {
    if (tracestate == null || tracestate.length() <= MAX_TRACESTATE) {
      return tracestate;
    }
    int end = 0;
    for (int comma = tracestate.indexOf(',');
        comma >= 0 && comma <= MAX_TRACESTATE;
        comma = tracestate.indexOf(',', comma + 1)) {
      end = comma;
    }
    return end == 0 ? null : tracestate.substring(0, end);
  }

  /**
   * The write of jobs into their queue's journal (they were not there before), linked to each job's
   * trace (up to the SDK's link limit, 128 unless OTEL_SPAN_LINK_COUNT_LIMIT says otherwise).
   */
  public Span accept(PairId pair, List<Job> jobs, int duplicates) {
    if (tracer == null) {
      return Span.getInvalid();
    }
    SpanBuilder builder =
        pairSpan("accept", pair)
            .setAttribute(JOBS, (long) jobs.size())
            .setAttribute("eventrouter.duplicates", (long) duplicates);
    jobs.forEach(job -> link(builder, job));
    return builder.startSpan();
  }

  /** The hand-over of jobs to the archive, linked to each job's trace; ended by {@link #ended}. */
  public Span archive(PairId pair, List<ArchivedJob> batch) {
    if (tracer == null) {
      return Span.getInvalid();
    }
    SpanBuilder builder = pairSpan("archive", pair).setAttribute(JOBS, (long) batch.size());
    batch.forEach(archived -> link(builder, archived.job()));
    return builder.startSpan();
  }

  /** Ends the span, failed with this reason when there is one. */
  public static void ended(Span span, Throwable failure) {
    if (failure != null) {
      span.setStatus(StatusCode.ERROR, failure.getClass().getSimpleName());
      span.setAttribute("error.type", failure.getClass().getName());
    }
    span.end();
  }

  /** The attempts of one queue; each queue keeps its own. */
  public AttemptSpans attempts() {
    return new AttemptSpans(this);
  }

  /** A span of one attempt to deliver the job, a client call, child of the job's trace. */
  Span attempt(Job job, int attempt) {
    return tracer
        .spanBuilder("attempt")
        .setParent(parentOf(job.trace()))
        .setSpanKind(SpanKind.CLIENT)
        .setAttribute(SOURCE, job.pair().source())
        .setAttribute(DESTINATION, job.pair().destination())
        .setAttribute(JOB_ID, job.id().toString())
        .setAttribute("eventrouter.attempt", (long) attempt)
        .setAttribute("http.request.method", "POST")
        .startSpan();
  }

  private SpanBuilder pairSpan(String name, PairId pair) {
    return tracer
        .spanBuilder(name)
        .setNoParent()
        .setSpanKind(SpanKind.INTERNAL)
        .setAttribute(SOURCE, pair.source())
        .setAttribute(DESTINATION, pair.destination());
  }

  private static void link(SpanBuilder builder, Job job) {
    if (job.trace() != null) {
      SpanContext linked = Span.fromContext(parentOf(job.trace())).getSpanContext();
      if (linked.isValid()) {
        builder.addLink(linked);
      }
    }
  }
}
