package dev.eventrouter.queues.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.queues.delivery.DeliveryOutcome.Signal;
import dev.eventrouter.queues.delivery.DeliveryOutcome.Verdict;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DeliveryOutcomeTest {

  @ParameterizedTest(name = "HTTP {0} -> {1}")
  @CsvSource({
    "200, SUCCEEDED",
    "201, SUCCEEDED",
    "204, SUCCEEDED",
    "299, SUCCEEDED",
    "301, DISCARDED",
    "400, DISCARDED",
    "401, DISCARDED",
    "403, DISCARDED",
    "404, DISCARDED",
    "413, DISCARDED",
    "422, DISCARDED",
    "408, RETRY",
    "429, RETRY",
    "500, RETRY",
    "502, RETRY",
    "503, RETRY",
    "504, RETRY"
  })
  void classifiesEveryStatus(int status, Verdict verdict) {
    Instant now = Instant.now();
    assertThat(
            DeliveryOutcome.responded(Ksuid.derive(now, "x"), 1, now, now, status, Optional.empty())
                .verdict())
        .isEqualTo(verdict);
  }

  @ParameterizedTest
  @CsvSource({"timeout", "connection-refused", "dns", "connection-reset", "error"})
  void retriesEveryFailureWithoutAResponse(String error) {
    Instant now = Instant.now();
    assertThat(DeliveryOutcome.failed(Ksuid.derive(now, "x"), 1, now, now, error).verdict())
        .isEqualTo(Verdict.RETRY);
  }

  @ParameterizedTest(name = "HTTP {0} -> {1}")
  @CsvSource({"200, HEALTHY", "404, HEALTHY", "408, FAILING", "429, THROTTLED", "503, FAILING"})
  void tellsTheBreakerWhatAnAnswerSaysOfTheDestination(int status, Signal signal) {
    Instant now = Instant.now();
    assertThat(
            DeliveryOutcome.responded(Ksuid.derive(now, "x"), 1, now, now, status, Optional.empty())
                .signal())
        .isEqualTo(signal);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "timeout, FAILING",
    "secret-missing, FAILING",
    "invalid-request, NOT_SENT",
    "address-refused, NOT_SENT"
  })
  void tellsTheBreakerNothingOfARequestNeverMade(String error, Signal signal) {
    Instant now = Instant.now();
    assertThat(DeliveryOutcome.failed(Ksuid.derive(now, "x"), 1, now, now, error).signal())
        .isEqualTo(signal);
  }

  /** Up to thirty days: a wait of a year is a destination's mistake or its attack. */
  @ParameterizedTest
  @CsvSource({
    "0, PT0S",
    "7, PT7S",
    "86400, PT24H",
    "' 2592000 ', PT720H",
    "31536000, PT720H",
    "9223372036854775807, PT720H"
  })
  void readsRetryAfterSeconds(String header, Duration expected) {
    assertThat(RetryAfter.parse(header, Instant.now())).contains(expected);
  }

  @ParameterizedTest
  @CsvSource({
    "'Wed, 21 Oct 2015 07:28:30 GMT', PT30S",
    "'Wed, 21 Oct 2015 07:27:00 GMT', PT0S",
    "'Wed, 21 Oct 2099 07:28:00 GMT', PT720H"
  })
  void readsRetryAfterDatesAgainstNow(String header, Duration expected) {
    Instant now = Instant.parse("2015-10-21T07:28:00Z");
    assertThat(RetryAfter.parse(header, now)).contains(expected);
  }

  /** A destination's words cut to length are whole characters still, on one line. */
  @Test
  void aReasonIsCutBetweenCharactersNotInsideOne() {
    String emoji = "\uD83D\uDE00";
    String cut = AdapterAnswers.reasonText("x".repeat(AdapterAnswers.MAX_REASON_CHARS - 1) + emoji);

    assertThat(cut).isEqualTo("x".repeat(AdapterAnswers.MAX_REASON_CHARS - 1) + "\u2026");
    assertThat(AdapterAnswers.reasonText("a\nb" + emoji)).isEqualTo("a b" + emoji);
  }

  @ParameterizedTest
  @CsvSource({"''", "soon", "-5", "1.5", "99999999999999999999999"})
  void ignoresARetryAfterItCannotRead(String header) {
    assertThat(RetryAfter.parse(header, Instant.now())).isEmpty();
  }
}
