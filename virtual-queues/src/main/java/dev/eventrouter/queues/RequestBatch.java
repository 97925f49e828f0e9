package dev.eventrouter.queues;

import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.queues.adapter.Batching;
import dev.eventrouter.queues.adapter.DestinationAdapter;
import dev.eventrouter.queues.delivery.DeliveryRequest;
import java.util.ArrayList;
import java.util.List;

/**
 * The jobs a dispatch pass gathers for one request, where the destination's adapter batches: due
 * jobs, in schedule order, alike enough to share a request, up to its events and bytes. A batch
 * that is not full may wait (the adapter's max-wait) for more, measured from the pass that first
 * found it waiting; one job per request otherwise, as always, and for a job whose batch was refused
 * as a whole.
 */
final class RequestBatch {

  private final List<DeliveryRequest.Sent> jobs = new ArrayList<>();
  private long bytes;

  /** When a pass first left a batch that was not full to wait; -1 for none waiting. */
  private long waitingSince = -1;

  boolean isEmpty() {
    return jobs.isEmpty();
  }

  /**
   * Whether the job may join the batch; if not, the batch goes first.
   *
   * @param alone the job must go alone in its request (a batch it was in was refused as a whole)
   */
  boolean fits(DestinationAdapter adapter, Job payload, boolean alone) {
    if (jobs.isEmpty()) {
      return true;
    }
    if (alone) {
      return false;
    }
    Batching batching = adapter.batching();
    return jobs.size() < batching.maxEvents()
        && bytes + payload.payload().length <= batching.maxBytes()
        && adapter.sameRequest(jobs.get(0).job(), payload);
  }

  void add(PendingJob job, Job payload) {
    jobs.add(new DeliveryRequest.Sent(payload, job.attempts() + 1));
    bytes += payload.payload().length;
  }

  boolean full(Batching batching) {
    return jobs.size() >= batching.maxEvents();
  }

  /** When the batch may go: now, if it is full or does not wait; else when it has waited enough. */
  long sendAt(long now, Batching batching) {
    if (full(batching) || batching.maxWait().isZero()) {
      return now;
    }
    if (waitingSince < 0) {
      waitingSince = now;
    }
    return waitingSince + batching.maxWait().toMillis();
  }

  /** The jobs, for a request; the batch starts again empty. */
  List<DeliveryRequest.Sent> take() {
    List<DeliveryRequest.Sent> taken = List.copyOf(jobs);
    jobs.clear();
    bytes = 0;
    waitingSince = -1;
    return taken;
  }

  /** Left to wait: the jobs stay in the schedule, gathered again by the next pass. */
  void hold() {
    jobs.clear();
    bytes = 0;
  }
}
