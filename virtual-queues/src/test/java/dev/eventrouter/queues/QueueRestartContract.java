package dev.eventrouter.queues;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.testing.JobFixtures;
import dev.eventrouter.queues.delivery.DeliveryRequest;
import dev.eventrouter.queues.delivery.HttpDeliveryClient;
import dev.eventrouter.queues.destination.DestinationSettings;
import dev.eventrouter.queues.testing.RecordingArchive;
import dev.eventrouter.queues.testing.ScriptedDestination;
import dev.eventrouter.queues.testing.TestQueues;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.Test;

/**
 * Jobs persisted but not yet delivered when the actor system stops are delivered after a restart
 * on the same journal, without any new message reaching their queue. One suite, every journal.
 */
abstract class QueueRestartContract {

  protected abstract Config journalConfig();

  @Test
  void jobsAcceptedBeforeAStopAreDeliveredAfterTheRestart() {
    String source = "restart-" + UUID.randomUUID().toString().substring(0, 8);
    DestinationSettings webhook = TestQueues.destination("webhook");
    PairId pair = new PairId(source, webhook.id());
    String path = "/webhook/" + source;

    ActorTestKit first = TestQueues.startNode(journalConfig());
    List<DeliveryRequest> neverAnswered = new CopyOnWriteArrayList<>();
    ScriptedDestination destination = new ScriptedDestination(first.system());
    List<Job> jobs = IntStream.range(0, 30)
        .mapToObj(i -> JobFixtures.job(pair, source + "-" + i, destination.url(path), Instant.now()))
        .toList();
    // the first node only accepts: its delivery client swallows every request
    VirtualQueues queues = TestQueues.queues(first, TestQueues.only(webhook), neverAnswered::add,
        new RecordingArchive());
    assertThat(queues.enqueue(pair, jobs).toCompletableFuture().join().enqueued()).isEqualTo(30);
    first.createTestProbe().awaitAssert(() -> assertThat(neverAnswered).hasSize(8));
    destination.close();
    first.shutdownTestKit();

    ActorTestKit second = TestQueues.startNode(journalConfig());
    try {
      ScriptedDestination restarted = new ScriptedDestination(second.system());
      // same jobs, new port: point them at the new server through a client that rewrites the port
      HttpDeliveryClient http = new HttpDeliveryClient(second.system(), Clock.systemUTC(), 1024);
      TestQueues.queues(second, TestQueues.only(webhook),
          request -> http.send(retarget(request, restarted.url(path))), new RecordingArchive());

      second.createTestProbe().awaitAssert(Duration.ofSeconds(30), () -> {
        assertThat(restarted.received(path)).extracting(r -> r.header("Idempotency-Key"))
            .containsExactlyInAnyOrderElementsOf(jobs.stream().map(j -> j.id().toString()).toList());
        return null;
      });
      restarted.close();
    } finally {
      second.shutdownTestKit();
    }
  }

  private static DeliveryRequest retarget(DeliveryRequest request, String endpoint) {
    Job job = request.job();
    Job moved = new Job(job.id(), job.pair(), job.messageId(), endpoint, job.payload(),
        job.headers(), job.createdAt(), job.expireAt());
    return new DeliveryRequest(moved, request.attempt(), request.destination(), request.replyTo());
  }
}
