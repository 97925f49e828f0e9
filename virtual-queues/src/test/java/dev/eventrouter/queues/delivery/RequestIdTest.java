package dev.eventrouter.queues.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.testing.JobFixtures;
import dev.eventrouter.queues.testing.TestQueues;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A receiver drops a request whose id it has processed: a batch's id must name its jobs, not its
 * first one, since batches are made afresh at each pass.
 */
class RequestIdTest {

  private static final PairId PAIR = new PairId("shop", "hook");
  private final Job a = job("a");
  private final Job b = job("b");
  private final Job c = job("c");

  @Test
  void aJobAloneIsNamedByItsIdAndABatchByAllOfItsJobs() {
    assertThat(Routes.requestId(request(a))).isEqualTo(a.id().toString());

    String ab = Routes.requestId(request(a, b));
    assertThat(ab).startsWith("batch_").hasSize("batch_".length() + 32);
    assertThat(Routes.requestId(request(b, a))).as("the same jobs, sent again").isEqualTo(ab);
    assertThat(Routes.requestId(request(a, c)))
        .as("another batch led by the same job")
        .isNotEqualTo(ab);
    assertThat(Routes.requestId(request(a, b, c))).isNotEqualTo(ab);
  }

  private static DeliveryRequest request(Job... jobs) {
    return new DeliveryRequest(
        List.of(jobs).stream().map(job -> new DeliveryRequest.Sent(job, 1)).toList(),
        TestQueues.destination("hook"),
        null);
  }

  private static Job job(String messageId) {
    return JobFixtures.job(PAIR, messageId, "https://hooks.example.com/in", Instant.now());
  }
}
