package dev.eventrouter.router.ingest;

import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.job.RecordPosition;
import dev.eventrouter.router.registry.Destination;
import dev.eventrouter.router.registry.Route;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Turns one event into one job per enabled destination of its source. */
final class Fanout {

  private Fanout() {}

  /**
   * @param recordTime the Kafka record's timestamp: part of every job id, so that reading the
   *     record again yields the same ids (the client's own event time can be anything)
   * @param position the record's partition and offset, by which its queues tell it read again;
   *     null when they tell the jobs by id alone
   * @param now the creation time of the jobs, from which they expire
   */
  static List<Job> jobs(String source, String messageId, byte[] payload, List<Route> routes,
      Instant recordTime, RecordPosition position, Instant now) {
    List<Job> jobs = new ArrayList<>(routes.size());
    for (Route route : routes) {
      Destination destination = route.destination();
      jobs.add(new Job(
          Ksuid.derive(recordTime, source, messageId, destination.id()),
          new PairId(source, destination.id()),
          messageId,
          route.endpoint().toString(),
          payload,
          // as configured: a request is JSON unless they say otherwise, so no job stores it
          destination.headers(),
          now,
          now.plus(destination.delivery().expireAfter()),
          null,
          position));
    }
    return jobs;
  }
}
