package dev.eventrouter.queues;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.queues.destination.DestinationSettings;
import dev.eventrouter.queues.testing.QueueFixture;
import dev.eventrouter.queues.testing.ScriptedDestination.Received;
import dev.eventrouter.queues.testing.ScriptedDestination.Response;
import dev.eventrouter.queues.testing.TestQueues;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The property the design exists for: a destination that fails or hangs slows no other. The same
 * sources send to a healthy destination and to a second one; the healthy one's deliveries over a
 * window are compared between a run where the second is healthy too and one where it hangs past
 * its timeout or answers 500s.
 */
class IsolationTest {

  private static final int SOURCES = 4;
  private static final Duration WINDOW = Duration.ofSeconds(3);
  // the healthy destination's pace is set by its rate, not by how busy the machine is
  private static final int RATE = 50;

  @RegisterExtension static final QueueFixture fixture = new QueueFixture();

  @Test
  void aHangingOrFailingDestinationDoesNotSlowTheHealthyOne() {
    // the first run warms the JVM up; it is not compared
    healthyDeliveriesInWindow("warm-up", Response.status(200));
    long faultFree = healthyDeliveriesInWindow("free", Response.status(200));
    long besideHanging = healthyDeliveriesInWindow("hanging",
        Response.status(200).after(Duration.ofSeconds(10)));
    long besideFailing = healthyDeliveriesInWindow("failing", Response.status(500));

    // a sanity check that the window measured deliveries at all (the rate allows 600)
    assertThat(faultFree).as("fault-free deliveries in the window")
        .isGreaterThan(SOURCES * RATE * WINDOW.toSeconds() / 4);
    assertThat(besideHanging).isGreaterThanOrEqualTo(Math.round(faultFree * 0.9));
    assertThat(besideFailing).isGreaterThanOrEqualTo(Math.round(faultFree * 0.9));
  }

  /**
   * Starts one run; returns how many jobs reached the healthy destination within the window
   * that starts with its first delivery.
   */
  private static long healthyDeliveriesInWindow(String run, Response other) {
    DestinationSettings healthy = TestQueues.destination("healthy-" + run).withRatePerSecond(RATE);
    DestinationSettings second = VirtualQueueTest.withTimeout(
        TestQueues.destination("other-" + run), Duration.ofMillis(500));
    List<PairId> healthyPairs = new ArrayList<>();
    List<PairId> otherPairs = new ArrayList<>();
    for (int i = 0; i < SOURCES; i++) {
      PairId toHealthy = fixture.newPair(healthy);
      PairId toOther = new PairId(toHealthy.source(), second.id());
      fixture.newPair(second);
      fixture.destination().script(QueueFixture.path(toOther), other);
      healthyPairs.add(toHealthy);
      otherPairs.add(toOther);
    }
    for (PairId pair : otherPairs) {
      fixture.enqueue(pair, fixture.jobs(pair, 400));
    }
    for (PairId pair : healthyPairs) {
      fixture.enqueue(pair, fixture.jobs(pair, 400));
    }
    fixture.await(() -> assertThat(received(healthyPairs)).isNotEmpty());
    Instant start = received(healthyPairs).stream().min(Instant::compareTo).orElseThrow();
    Instant end = start.plus(WINDOW);
    fixture.testKit().createTestProbe()
        .expectNoMessage(Duration.between(Instant.now(), end).plusMillis(200));
    return received(healthyPairs).stream().filter(at -> at.isBefore(end)).count();
  }

  private static List<Instant> received(List<PairId> pairs) {
    return pairs.stream()
        .flatMap(pair -> fixture.destination().received(QueueFixture.path(pair)).stream())
        .map(Received::at)
        .toList();
  }
}
