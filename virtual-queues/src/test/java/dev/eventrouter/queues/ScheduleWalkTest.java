package dev.eventrouter.queues;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventrouter.persistence.job.Attempt;
import dev.eventrouter.persistence.job.JobBatch;
import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.testing.JobFixtures;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * A pass's walk over the schedule, taken up by the next pass: from the first job the pass left not
 * under way, every job it passed over walked again, and never over a schedule that changed since.
 */
class ScheduleWalkTest {

  private static final Duration WINDOW = Duration.ofMinutes(15);
  private static final Instant NOW = Instant.parse("2026-11-30T10:00:00Z");

  @Test
  void theNextPassStartsAtTheFirstJobLeftNotUnderWayAndWalksThosePassedOverAgain() {
    QueueState state = stateWith(10);
    List<PendingJob> schedule = List.copyOf(state.schedule());
    InFlight inFlight = new InFlight();
    inFlight.sent(schedule.get(0).id(), 1); // under way before the pass

    ScheduleWalk walk = ScheduleWalk.of(state, state.schedule());
    assertThat(take(walk, 5)).containsExactlyElementsOf(schedule.subList(0, 5));
    // the pass sends the second and fourth, passes over the third, stops at the fifth
    inFlight.sent(schedule.get(1).id(), 1);
    inFlight.sent(schedule.get(3).id(), 1);
    ScheduleWalk.Stop stop = walk.stop(inFlight);

    assertThat(stop.lastUnderWay()).isEqualTo(schedule.get(1));
    assertThat(stop.next().takesUp(state)).isTrue();
    assertThat(take(stop.next(), 100)).containsExactlyElementsOf(schedule.subList(2, 10));
  }

  @Test
  void aPassThatSendsNothingLeavesItsWholeWalkToTheNext() {
    QueueState state = stateWith(4);
    List<PendingJob> schedule = List.copyOf(state.schedule());
    ScheduleWalk walk = ScheduleWalk.of(state, state.schedule());
    take(walk, 2);

    ScheduleWalk.Stop stop = walk.stop(new InFlight());

    assertThat(stop.lastUnderWay()).isNull();
    assertThat(take(stop.next(), 100)).containsExactlyElementsOf(schedule);
  }

  @Test
  void aScheduleChangedSinceIsWalkedAfresh() {
    QueueState state = stateWith(3);
    PendingJob first = state.schedule().first();
    InFlight inFlight = new InFlight();
    ScheduleWalk walk = ScheduleWalk.of(state, state.schedule());
    take(walk, 1);
    inFlight.sent(first.id(), 1);
    ScheduleWalk next = walk.stop(inFlight).next();

    state.apply(
        new JobEvent.Succeeded(first.id(), Attempt.responded(1, NOW, NOW.plusMillis(3), 200)));

    assertThat(next.takesUp(state)).isFalse();
    assertThat(next.takesUp(stateWith(3))).isFalse();
  }

  @Test
  void aLongWalkIsNotTakenUpButItsRunUnderWayStillCounts() {
    QueueState state = stateWith(100);
    List<PendingJob> schedule = List.copyOf(state.schedule());
    InFlight inFlight = new InFlight();
    ScheduleWalk walk = ScheduleWalk.of(state, state.schedule());
    for (PendingJob job : take(walk, 80)) {
      if (schedule.indexOf(job) < 10) {
        inFlight.sent(job.id(), 1);
      }
    }

    ScheduleWalk.Stop stop = walk.stop(inFlight);

    assertThat(stop.next()).isNull();
    assertThat(stop.lastUnderWay()).isEqualTo(schedule.get(9));
  }

  private static QueueState stateWith(int jobs) {
    QueueState state = new QueueState(WINDOW, 1_000);
    PairId pair = new PairId("source", "destination");
    state.apply(
        new JobBatch(
            IntStream.range(0, jobs)
                .mapToObj(i -> JobFixtures.job(pair, "m-" + i, "https://hooks.example.com", NOW))
                .<JobEvent>map(JobEvent.AwaitingScheduling::new)
                .toList()));
    return state;
  }

  private static List<PendingJob> take(ScheduleWalk walk, int most) {
    List<PendingJob> taken = new ArrayList<>();
    while (taken.size() < most && walk.hasNext()) {
      taken.add(walk.next());
    }
    return taken;
  }
}
