package dev.eventrouter.queues;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.testing.JobFixtures;
import dev.eventrouter.queues.delivery.DeliveryOutcome;
import dev.eventrouter.queues.delivery.DeliveryRequest;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A request holds one in-flight slot until it is answered: the answer of a job an API adapter
 * refused before the request went out (the others of its batch still on their way) is not the
 * request's answer.
 */
class InFlightTest {

  private static final PairId PAIR = new PairId("shop", "amplitude");
  private static final Instant AT = Instant.parse("2026-12-01T10:00:00Z");

  private final InFlight inFlight = new InFlight();
  private final Job a = job("a");
  private final Job b = job("b");
  private final Job c = job("c");

  @Test
  void aBatchWhoseFirstJobWasRefusedHoldsItsSlotUntilTheRequestIsAnswered() {
    inFlight.sent(List.of(sent(a), sent(b), sent(c)));
    assertThat(inFlight.unanswered()).isOne();

    assertThat(inFlight.answered(refused(a))).isEqualTo(InFlight.Answer.RIDER);
    assertThat(inFlight.unanswered()).as("b and c are still on their way").isOne();

    assertThat(
            inFlight.answered(DeliveryOutcome.responded(b.id(), 1, AT, AT, 503, Optional.empty())))
        .as("the request's answer, told to the breaker and the limit")
        .isEqualTo(InFlight.Answer.REQUEST);
    assertThat(inFlight.unanswered()).isZero();
    assertThat(
            inFlight.answered(DeliveryOutcome.responded(c.id(), 1, AT, AT, 503, Optional.empty())))
        .isEqualTo(InFlight.Answer.RIDER);
  }

  @Test
  void aBatchWhoseJobsWereAllRefusedFreesItsSlotWithTheLast() {
    inFlight.sent(List.of(sent(a), sent(b)));

    assertThat(inFlight.answered(refused(a))).isEqualTo(InFlight.Answer.RIDER);
    assertThat(inFlight.answered(refused(b))).isEqualTo(InFlight.Answer.REQUEST);
    assertThat(inFlight.unanswered()).isZero();
  }

  @Test
  void aRequestOfOneJobIsAnsweredByItsOutcomeAndAnOutcomeOfAnotherAttemptIsNot() {
    inFlight.sent(List.of(sent(a)));

    assertThat(
            inFlight.answered(DeliveryOutcome.responded(a.id(), 2, AT, AT, 200, Optional.empty())))
        .isEqualTo(InFlight.Answer.UNKNOWN);
    assertThat(inFlight.answered(refused(a))).isEqualTo(InFlight.Answer.REQUEST);
    assertThat(inFlight.unanswered()).isZero();
    inFlight.persisted(a.id());
    assertThat(inFlight.isEmpty()).isTrue();
  }

  private static DeliveryOutcome refused(Job job) {
    return new DeliveryOutcome(
        job.id(),
        1,
        AT,
        AT,
        0,
        DeliveryOutcome.INVALID_EVENT,
        Optional.empty(),
        null,
        "alias: Amplitude has no alias");
  }

  private static DeliveryRequest.Sent sent(Job job) {
    return new DeliveryRequest.Sent(job, 1);
  }

  private static Job job(String messageId) {
    return JobFixtures.job(PAIR, messageId, "https://api2.amplitude.com/2/httpapi", AT);
  }
}
