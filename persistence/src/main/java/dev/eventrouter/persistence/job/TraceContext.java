package dev.eventrouter.persistence.job;

import java.util.Objects;

/**
 * The W3C trace context a job's deliveries continue (its {@code traceparent} and {@code
 * tracestate}), as text: kept with the job so that an attempt after a restart still belongs to the
 * trace the event came with. Checked by whoever makes it (the router's tracing), not here: the
 * journal keeps what it is given.
 *
 * @param tracestate null when there is none
 */
public record TraceContext(String traceparent, String tracestate) {

  public TraceContext {
    Objects.requireNonNull(traceparent, "traceparent");
  }
}
