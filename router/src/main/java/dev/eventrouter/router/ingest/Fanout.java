package dev.eventrouter.router.ingest;

import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.job.RecordPosition;
import dev.eventrouter.router.filter.FieldPath;
import dev.eventrouter.router.filter.FieldSelection;
import dev.eventrouter.router.filter.RouteFilter;
import dev.eventrouter.router.registry.Destination;
import dev.eventrouter.router.registry.Ordering;
import dev.eventrouter.router.registry.Route;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Turns one event into one job per enabled destination of its source that wants it. */
final class Fanout {

  private Fanout() {}

  /**
   * What the filters of these routes and the ordering keys of their destinations read of an event;
   * nothing, at no cost, if none has one: the events of a source without either are only checked,
   * as before filters. Built per event (a few names) rather than kept per source and registry
   * version.
   */
  static FieldSelection fieldsRead(List<Route> routes) {
    Set<FieldPath> fields = null;
    for (Route route : routes) {
      Ordering ordering = route.destination().ordering();
      if (route.filter() != RouteFilter.ALL || ordering.perKey()) {
        if (fields == null) {
          fields = new HashSet<>();
        }
        fields.addAll(route.filter().fields());
        fields.addAll(ordering.keyFields());
      }
    }
    return fields == null ? FieldSelection.NONE : FieldSelection.of(fields);
  }

  /**
   * @param recordTime the Kafka record's timestamp: part of every job id, so that reading the
   *     record again yields the same ids (the client's own event time can be anything)
   * @param position the record's partition and offset, by which its queues tell it read again; null
   *     when they tell the jobs by id alone
   * @param now the creation time of the jobs, from which they expire
   */
  static List<Job> jobs(
      EventParser.Parsed event,
      byte[] payload,
      List<Route> routes,
      Instant recordTime,
      RecordPosition position,
      Instant now) {
    String messageId = event.messageId();
    List<Job> jobs = new ArrayList<>(routes.size());
    for (Route route : routes) {
      if (!route.filter().wants(event.fields())) {
        continue;
      }
      Destination destination = route.destination();
      PairId pair = route.pair();
      jobs.add(
          new Job(
              Ksuid.derive(recordTime, pair.source(), messageId, pair.destination()),
              pair,
              messageId,
              route.endpoint().toString(),
              payload,
              // as configured: a request is JSON unless they say otherwise, so no job stores it
              destination.headers(),
              now,
              now.plus(destination.delivery().expireAfter()),
              null,
              position,
              destination.ordering().keyOf(event.fields())));
    }
    return jobs;
  }
}
