package dev.eventrouter.queues;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import dev.eventrouter.persistence.job.DiscardOrigin;
import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.job.Transition;
import dev.eventrouter.persistence.journal.JournalSettings;
import dev.eventrouter.queues.testing.QueueFixture;
import dev.eventrouter.queues.testing.Traces;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.LoggingTestKit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A job whose payload the journal no longer holds (its row deleted, or bytes that cannot be read)
 * ends, discarded by the system with the reason in its trace, and the other jobs of its pair go on,
 * whether dispatch or archiving reaches it first. A read that fails ends no job.
 */
@ExtendWith(LogCapturingExtension.class)
class LostPayloadTest {

  // no payload is kept in memory: every job's payload is read back from the journal
  @RegisterExtension
  static final QueueFixture fixture =
      new QueueFixture(
          ConfigFactory.parseString(
              """
      eventrouter.virtual-queue.payload-cache-bytes = 0
      pekko.actor.testkit.typed.filter-leeway = 30s
      """));

  @Test
  void aJobWhosePayloadRowIsGoneIsDiscardedAndTheOthersOfItsPairAreDelivered() throws SQLException {
    PairId pair = fixture.newPair("row-gone");
    List<Job> jobs = enqueuedWhilePaused(pair, 5);

    // the jobs were the pair's first events: the third one's payload is at sequence number 3
    journal(pair, "DELETE FROM %s WHERE %s = ? AND %s = 3");
    fixture.resume(pair);

    fixture.awaitEmpty(pair);
    assertThat(deliveredMessageIds(pair))
        .containsExactlyInAnyOrder(
            jobs.get(0).messageId(),
            jobs.get(1).messageId(),
            jobs.get(3).messageId(),
            jobs.get(4).messageId());
    assertDiscarded(fixture.trace(pair, jobs.get(2).id()).steps(), LostPayload.MISSING);
  }

  @Test
  void aJobWhosePayloadBytesCannotBeReadIsDiscardedAndTheOthersOfItsPairAreDelivered()
      throws SQLException {
    PairId pair = fixture.newPair("row-unreadable");
    List<Job> jobs = enqueuedWhilePaused(pair, 5);

    journal(pair, "UPDATE %s SET event_payload = X'DEADBEEF' WHERE %s = ? AND %s = 2");
    fixture.resume(pair);

    fixture.awaitEmpty(pair);
    assertThat(deliveredMessageIds(pair))
        .containsExactlyInAnyOrder(
            jobs.get(0).messageId(),
            jobs.get(2).messageId(),
            jobs.get(3).messageId(),
            jobs.get(4).messageId());
    // the trace read over the unreadable row fails; the events after it tell the discard
    assertThat(Traces.events(fixture.testKit().system(), pair, 5))
        .filteredOn(e -> e.jobId().equals(jobs.get(1).id()))
        .singleElement()
        .isInstanceOfSatisfying(
            JobEvent.Discarded.class,
            discarded -> {
              assertThat(discarded.reason()).isEqualTo(LostPayload.UNREADABLE);
              assertThat(discarded.origin()).isEqualTo(DiscardOrigin.SYSTEM);
            });
  }

  @Test
  void aJobFlushedToTheArchiveWithoutItsPayloadIsDiscardedAndTheOthersAreArchived()
      throws SQLException {
    PairId pair = fixture.newPair("archive-row-gone");
    List<Job> jobs = enqueuedWhilePaused(pair, 4);
    journal(pair, "DELETE FROM %s WHERE %s = ? AND %s = 2");

    fixture.flushToArchive(pair);

    fixture.awaitEmpty(pair);
    assertThat(fixture.archive().archivedIds(pair))
        .containsExactlyInAnyOrder(jobs.get(0).id(), jobs.get(2).id(), jobs.get(3).id());
    List<Transition> steps = fixture.trace(pair, jobs.get(1).id()).steps();
    assertThat(steps).extracting(Transition::state).contains("archiving");
    assertDiscarded(steps, LostPayload.MISSING);
    assertThat(fixture.destination().received(QueueFixture.path(pair))).isEmpty();
  }

  @Test
  void aReadBackThatFailsForAWhileEndsNoJob() throws SQLException {
    PairId pair = fixture.newPair("read-fails");
    List<Job> jobs = enqueuedWhilePaused(pair, 3);
    // the journal table is away: reading fails (as it would with the database down)
    journal(pair, "ALTER TABLE %s RENAME TO \"event_journal_away\"");

    LoggingTestKit.warn("back from the journal failed")
        .withOccurrences(1)
        .expect(
            fixture.testKit().system(),
            () -> {
              fixture.resume(pair);
              return null;
            });
    try (Connection c = connect(pair);
        Statement rename = c.createStatement()) {
      rename.execute("ALTER TABLE \"event_journal_away\" RENAME TO \"event_journal\"");
    }

    fixture.awaitEmpty(pair);
    assertThat(deliveredMessageIds(pair))
        .containsExactlyInAnyOrderElementsOf(jobs.stream().map(Job::messageId).toList());
    for (Job job : jobs) {
      assertThat(fixture.trace(pair, job.id()).steps())
          .extracting(Transition::state)
          .containsExactly("awaiting_scheduling", "executing", "succeeded");
    }
  }

  /**
   * Jobs the pair holds without attempting them yet, enqueued one by one: job i's payload is at
   * sequence number i + 1, alone in its row (in a batch, a lost row loses the batch's jobs).
   */
  private static List<Job> enqueuedWhilePaused(PairId pair, int count) {
    fixture.pause(pair);
    List<Job> jobs = fixture.jobs(pair, count);
    for (Job job : jobs) {
      assertThat(fixture.enqueue(pair, List.of(job)).enqueued()).isEqualTo(1);
    }
    return jobs;
  }

  private static void assertDiscarded(List<Transition> steps, String reason) {
    assertThat(steps.get(steps.size() - 1))
        .satisfies(
            last -> {
              assertThat(last.state()).isEqualTo("discarded");
              assertThat(last.reason()).isEqualTo(reason);
              assertThat(last.origin()).isEqualTo(DiscardOrigin.SYSTEM);
            });
  }

  /**
   * Runs {@code sql} on the pair's journal: its three %s are the table, the persistence id and the
   * sequence number columns (H2 quotes them); its one parameter is the persistence id.
   */
  private static void journal(PairId pair, String sql) throws SQLException {
    try (Connection c = connect(pair)) {
      String statement =
          String.format(sql, "\"event_journal\"", "\"persistence_id\"", "\"sequence_number\"");
      try (PreparedStatement update = c.prepareStatement(statement)) {
        if (statement.contains("?")) {
          update.setString(1, VirtualQueue.persistenceId(pair).id());
          assertThat(update.executeUpdate()).as(statement).isEqualTo(1);
        } else {
          update.execute();
        }
      }
    }
  }

  private static Connection connect(PairId pair) throws SQLException {
    return JournalSettings.fromConfig(fixture.testKit().system().settings().config())
        .shardOf(VirtualQueue.persistenceId(pair).id())
        .connect();
  }

  private static List<String> deliveredMessageIds(PairId pair) {
    return fixture.destination().received(QueueFixture.path(pair)).stream()
        .map(received -> new String(received.body(), StandardCharsets.UTF_8))
        .map(body -> body.replaceAll(".*\"messageId\":\"([^\"]+)\".*", "$1"))
        .toList();
  }
}
