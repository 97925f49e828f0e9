package dev.eventrouter.persistence.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.eventrouter.persistence.job.Attempt;
import dev.eventrouter.persistence.job.DiscardOrigin;
import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.serialization.JobEventSerializer;
import dev.eventrouter.persistence.testing.JobFixtures;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Function;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.persistence.AtomicWrite;
import org.apache.pekko.persistence.JournalProtocol;
import org.apache.pekko.persistence.Persistence;
import org.apache.pekko.persistence.PersistentEnvelope;
import org.apache.pekko.persistence.PersistentRepr;
import org.apache.pekko.persistence.PersistentRepr$;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import scala.jdk.javaapi.CollectionConverters;

/**
 * One suite, every journal database: what the virtual queues rely on. A subclass names the database
 * by its actor-system configuration.
 */
abstract class JournalContract {

  private static final Duration TIMEOUT = Duration.ofSeconds(20);
  private final List<ActorTestKit> testKits = new ArrayList<>();

  /** The configuration of an actor system journaling to the database under test. */
  protected abstract Config journalConfig();

  /**
   * Whether a write waiting on another session's lock waits for it (for seconds), which is how the
   * suite holds the journal's writers as a busy database would.
   */
  protected boolean writersWaitOnALock() {
    return true;
  }

  @AfterEach
  void shutdown() {
    testKits.forEach(ActorTestKit::shutdownTestKit);
  }

  @Test
  void aBatchWrittenInOneCallIsRecoveredInOrderByANewActorSystem() {
    String pid = uniquePersistenceId();
    List<JobEvent> events = acceptedJobs(pid, 200, 1_024);
    events.add(new JobEvent.Succeeded(events.get(0).jobId(), attempt(200)));
    events.add(new JobEvent.AwaitingRetry(events.get(1).jobId(), attempt(503), Instant.now()));

    ActorTestKit writer = startSystem();
    assertThat(append(writer, pid, events)).isEqualTo(events.size());
    writer.shutdownTestKit();

    ActorTestKit reader = startSystem();
    assertThat(read(reader, pid)).isEqualTo(events);
  }

  @Test
  void payloadsAreReadBackBySequenceRange() {
    String pid = uniquePersistenceId();
    List<JobEvent> events = acceptedJobs(pid, 50, 512);
    ActorTestKit testKit = startSystem();
    append(testKit, pid, events);
    Set<Ksuid> wanted =
        Set.of(events.get(3).jobId(), events.get(17).jobId(), events.get(49).jobId());

    // sequence numbers start at 1: events 3, 17 and 49 are at 4, 18 and 50
    Map<Ksuid, Job> found =
        new JobPayloads(testKit.system())
            .read(pid, new TreeSet<>(List.of(4L, 18L, 50L)), wanted)
            .toCompletableFuture()
            .join();

    assertThat(found).containsOnlyKeys(wanted);
    wanted.forEach(id -> assertThat(found.get(id)).isEqualTo(jobOf(events, id)));
    assertThat(
            new JobPayloads(testKit.system())
                .read(pid, new TreeSet<>(List.of(4L, 17L)), wanted)
                .toCompletableFuture()
                .join())
        .as("only what the sequence numbers hold")
        .containsOnlyKeys(events.get(3).jobId());
  }

  @Test
  void aRowThatCannotBeReadSpoilsOnlyItselfAndAGoneRowIsAbsent() throws Exception {
    String pid = uniquePersistenceId();
    List<JobEvent> events = acceptedJobs(pid, 10, 64);
    ActorTestKit testKit = startSystem();
    append(testKit, pid, events);
    JournalSettings settings = JournalSettings.fromConfig(journalConfig());
    try (Connection c = settings.shardOf(pid).connect();
        PreparedStatement corrupt =
            c.prepareStatement(
                quote(
                    settings,
                    "UPDATE %s SET %s = ? WHERE %s = ? AND %s = 4",
                    "event_journal",
                    "event_payload",
                    "persistence_id",
                    "sequence_number"));
        PreparedStatement delete =
            c.prepareStatement(
                quote(
                    settings,
                    "DELETE FROM %s WHERE %s = ? AND %s = 6",
                    "event_journal",
                    "persistence_id",
                    "sequence_number"))) {
      corrupt.setBytes(1, new byte[] {(byte) 0xde, (byte) 0xad, (byte) 0xbe, (byte) 0xef});
      corrupt.setString(2, pid);
      assertThat(corrupt.executeUpdate()).isEqualTo(1);
      delete.setString(1, pid);
      assertThat(delete.executeUpdate()).isEqualTo(1);
    }
    Set<Ksuid> wanted =
        Set.of(
            events.get(1).jobId(),
            events.get(3).jobId(),
            events.get(5).jobId(),
            events.get(6).jobId());

    JobPayloads.Found found =
        new JobPayloads(testKit.system())
            .readEvents(pid, new TreeSet<>(List.of(2L, 4L, 6L, 7L)), wanted)
            .toCompletableFuture()
            .join();

    assertThat(found.events()).containsOnlyKeys(events.get(1).jobId(), events.get(6).jobId());
    assertThat(found.unreadable()).containsExactly(4L);
    assertThat(found.rows()).as("read one by one: 2 and 7; 4 unreadable, 6 gone").isEqualTo(2);
  }

  /**
   * A read counts the rows it decoded: those between the asked-for sequence numbers too, read in
   * one range where the gap is small, and not those of a range it did not read.
   */
  @Test
  void aReadCountsTheRowsItDecoded() {
    String pid = uniquePersistenceId();
    List<JobEvent> events = acceptedJobs(pid, 200, 16);
    ActorTestKit testKit = startSystem();
    append(testKit, pid, events);

    JobPayloads.Found found =
        new JobPayloads(testKit.system())
            .readEvents(
                pid,
                new TreeSet<>(List.of(2L, 5L, 190L)),
                Set.of(events.get(1).jobId(), events.get(4).jobId(), events.get(189).jobId()))
            .toCompletableFuture()
            .join();

    assertThat(found.events()).hasSize(3);
    assertThat(found.rows()).as("2 to 5 in one range, then 190").isEqualTo(5);
  }

  /** A range longer than one statement reads is read whole, each row once. */
  @Test
  void aLongRangeIsReadWholeAcrossStatements() {
    String pid = uniquePersistenceId();
    List<JobEvent> events = acceptedJobs(pid, 3 * (int) JdbcJournalRows.CHUNK + 10, 16);
    ActorTestKit testKit = startSystem();
    append(testKit, pid, events);
    TreeSet<Long> sequenceNrs = new TreeSet<>();
    for (long nr = 1; nr <= events.size(); nr += 50) {
      sequenceNrs.add(nr);
    }
    Set<Ksuid> wanted = new HashSet<>();
    sequenceNrs.forEach(nr -> wanted.add(events.get(nr.intValue() - 1).jobId()));

    JobPayloads.Found found =
        new JobPayloads(testKit.system())
            .readEvents(pid, sequenceNrs, wanted)
            .toCompletableFuture()
            .join();

    assertThat(found.events()).containsOnlyKeys(wanted);
    found.events().values().forEach(trace -> assertThat(trace).hasSize(1));
    assertThat(found.rows())
        .as("one range from the first to the last, every row in it once")
        .isEqualTo(sequenceNrs.last().intValue());
  }

  @Test
  void aJobsEventsAreFoundAmongOthersByItsId() {
    String pid = uniquePersistenceId();
    List<JobEvent> events = acceptedJobs(pid, 2 * (int) JdbcJournalRows.CHUNK, 16);
    Ksuid id = events.get(5).jobId();
    JobEvent succeeded = new JobEvent.Succeeded(id, attempt(200));
    events.add(succeeded);
    ActorTestKit testKit = startSystem();
    append(testKit, pid, events);

    assertThat(
            new JobPayloads(testKit.system())
                .eventsOf(pid, 1, events.size(), id)
                .toCompletableFuture()
                .join())
        .containsExactly(events.get(5), succeeded);
  }

  /** What lets the journal run without Pekko's replay filter (journal.conf). */
  @Test
  void aSecondWriterCannotWriteANumberTheFirstWrote() {
    String pid = uniquePersistenceId();
    ActorTestKit staleSystem = startSystem();
    ActorRef<JobLog.Command> stale = spawn(staleSystem, pid);
    TestProbe<List<JobEvent>> recovered = staleSystem.createTestProbe();
    stale.tell(new JobLog.Read(recovered.ref()));
    assertThat(recovered.receiveMessage(TIMEOUT)).as("recovered before the other writes").isEmpty();
    List<JobEvent> written = acceptedJobs(pid, 3, 64);
    append(startSystem(), pid, written);

    List<JobEvent> staleEvents = acceptedJobs(pid + "-stale", 2, 64);
    TestProbe<Long> refused = staleSystem.createTestProbe();
    stale.tell(new JobLog.Append(staleEvents, refused.ref()));

    refused.expectTerminated(stale, TIMEOUT);
    assertThat(read(startSystem(), pid)).isEqualTo(written);
    assertThat(append(startSystem(), uniquePersistenceId(), staleEvents))
        .as("the same events are written where no other writer was first")
        .isEqualTo(staleEvents.size());
    Config config = staleSystem.system().settings().config();
    for (JournalShard shard : JournalSettings.fromConfig(config).shards()) {
      assertThat(config.getString(shard.journalPlugin() + ".replay-filter.mode"))
          .as("the replay filter of " + shard.journalPlugin())
          .isEqualTo("off");
    }
  }

  /**
   * Pekko persists an actor's writes one at a time, so the journal holds at most one write per
   * queue; a node with tens of thousands of cold queues can have that many waiting on a slow
   * database. The journal's write queue used to refuse writes past 20,000 ("queue buffer was
   * full"), and ten refusals opened its circuit breaker, failing every queue's writes and
   * recoveries for half a minute (BENCHMARKS.md, "A journal queue that refused writes").
   */
  @Test
  void writesWaitingForABusyDatabaseAreAllTaken() throws Exception {
    assumeTrue(writersWaitOnALock(), "the database fails a write that waits on a lock for long");
    int writes = 30_000; // more than the old buffer and the writers' batches in flight together
    ActorTestKit testKit = startSystem();
    JournalSettings settings = JournalSettings.fromConfig(journalConfig());
    String prefix = uniquePersistenceId() + "-";
    List<String> pids = new ArrayList<>(writes);
    for (int i = 0; i < writes; i++) {
      pids.add(prefix + i);
    }
    TestProbe<Object> replies = testKit.createTestProbe();
    org.apache.pekko.actor.ActorRef repliesTo = Adapter.toClassic(replies.ref());
    Persistence persistence = Persistence.get(Adapter.toClassic(testKit.system()));
    List<Connection> blockers = new ArrayList<>();
    try {
      Map<JournalShard, List<String>> byShard = new LinkedHashMap<>();
      pids.forEach(
          pid -> byShard.computeIfAbsent(settings.shardOf(pid), s -> new ArrayList<>()).add(pid));
      for (Map.Entry<JournalShard, List<String>> shard : byShard.entrySet()) {
        Connection blocker = shard.getKey().connect();
        blockers.add(blocker);
        holdWriters(settings, blocker);
      }
      for (String pid : pids) {
        writeFirstEvent(persistence, settings.shardOf(pid), pid, repliesTo);
      }
      // a journal handles its messages in order: once it answers a read sent after the writes
      // (whether the read succeeds or not), it has queued or refused every one of them. Their
      // answers come in the order they were sent, so none comes while the first waits.
      for (JournalShard shard : byShard.keySet()) {
        persistence
            .journalFor(shard.journalPluginId(), ConfigFactory.empty())
            .tell(
                new JournalProtocol.ReplayMessages(
                    1, Long.MAX_VALUE, 1, prefix + "none", repliesTo),
                org.apache.pekko.actor.ActorRef.noSender());
      }
      int read = 0;
      while (read < byShard.size()) {
        Object reply = replies.receiveMessage(TIMEOUT);
        if (reply instanceof JournalProtocol.RecoverySuccess
            || reply instanceof JournalProtocol.ReplayMessagesFailure) {
          read++;
        }
      }
    } finally {
      for (Connection blocker : blockers) {
        releaseWriters(settings, blocker);
        blocker.close();
      }
    }
    int answered = 0;
    int failed = 0;
    while (answered < writes) {
      Object reply = replies.receiveMessage(Duration.ofSeconds(60));
      if (reply instanceof JournalProtocol.WriteMessageSuccess) {
        answered++;
      } else if (reply instanceof JournalProtocol.WriteMessageFailure
          || reply instanceof JournalProtocol.WriteMessageRejected) {
        answered++;
        failed++;
      }
    }
    assertThat(failed).as("writes refused while the database was busy").isZero();
    assertThat(read(startSystem(), pids.get(writes - 1))).hasSize(1);
  }

  /** A job event at number 1 of the id, sent to its journal as a queue's first write would be. */
  private static void writeFirstEvent(
      Persistence persistence,
      JournalShard shard,
      String pid,
      org.apache.pekko.actor.ActorRef replyTo) {
    PersistentRepr event =
        PersistentRepr$.MODULE$.apply(
            acceptedJobs(pid, 1, 16).get(0),
            1L,
            pid,
            "",
            false,
            org.apache.pekko.actor.ActorRef.noSender(),
            "journal-suite");
    List<PersistentEnvelope> write =
        List.of(new AtomicWrite(CollectionConverters.asScala(List.of(event)).toList()));
    persistence
        .journalFor(shard.journalPluginId(), ConfigFactory.empty())
        .tell(
            new JournalProtocol.WriteMessages(
                CollectionConverters.asScala(write).toList(), replyTo, 1),
            org.apache.pekko.actor.ActorRef.noSender());
  }

  /**
   * Makes the journal's writes wait until {@link #releaseWriters}: a lock on its table, as a busy
   * database (a vacuum, a migration, a slow disk) holds them.
   */
  private static void holdWriters(JournalSettings settings, Connection connection)
      throws Exception {
    try (var statement = connection.createStatement()) {
      switch (settings.database()) {
        case POSTGRES -> {
          connection.setAutoCommit(false);
          statement.execute("LOCK TABLE event_journal IN SHARE MODE");
        }
        case MARIADB -> statement.execute("LOCK TABLES event_journal READ");
        case H2 -> throw new IllegalStateException("H2 fails writes that wait on a lock");
      }
    }
  }

  private static void releaseWriters(JournalSettings settings, Connection connection)
      throws Exception {
    if (settings.database() == JournalSettings.Database.MARIADB) {
      try (var statement = connection.createStatement()) {
        statement.execute("UNLOCK TABLES");
      }
    } else {
      connection.rollback();
    }
  }

  @Test
  void aPayloadOfTheIngestMaximumFits() {
    String pid = uniquePersistenceId();
    List<JobEvent> events = acceptedJobs(pid, 2, 1024 * 1024);
    ActorTestKit testKit = startSystem();
    append(testKit, pid, events);
    testKit.shutdownTestKit();

    assertThat(read(startSystem(), pid)).isEqualTo(events);
  }

  @Test
  void eventsAreStoredUnderTheirStableNames() throws Exception {
    String pid = uniquePersistenceId();
    List<JobEvent> events = acceptedJobs(pid, 1, 10);
    events.add(
        new JobEvent.Discarded(
            events.get(0).jobId(), attempt(404), "HTTP 404", DiscardOrigin.CUSTOMER));
    append(startSystem(), pid, events);

    JournalSettings settings = JournalSettings.fromConfig(journalConfig());
    try (Connection c = settings.shardOf(pid).connect();
        PreparedStatement q =
            c.prepareStatement(
                quote(
                    settings,
                    "SELECT %s, %s FROM %s WHERE %s = ? ORDER BY %s",
                    "event_ser_id",
                    "event_ser_manifest",
                    "event_journal",
                    "persistence_id",
                    "sequence_number"))) {
      q.setString(1, pid);
      List<String> rows = new ArrayList<>();
      try (ResultSet rs = q.executeQuery()) {
        while (rs.next()) {
          assertThat(rs.getInt(1)).isEqualTo(JobEventSerializer.IDENTIFIER);
          rows.add(rs.getString(2));
        }
      }
      assertThat(rows).containsExactly("job.awaiting-scheduling", "job.discarded");
    }
  }

  @Test
  void creatingTheSchemaAgainChangesNothing() {
    String pid = uniquePersistenceId();
    List<JobEvent> events = acceptedJobs(pid, 3, 10);
    append(startSystem(), pid, events);

    JournalSchema.createIfMissing(JournalSettings.fromConfig(journalConfig()));

    assertThat(read(startSystem(), pid)).isEqualTo(events);
  }

  @Test
  void compactionDeletesTheOlderRowsAndTheSequenceGoesOn() {
    String pid = uniquePersistenceId();
    List<JobEvent> events = acceptedJobs(pid, 50, 64);
    ActorTestKit testKit = startSystem();
    append(testKit, pid, events);
    JdbcJournalCompaction compaction = new JdbcJournalCompaction(testKit.system());

    int deleted = compaction.deleteBelow(pid, 50, 50).toCompletableFuture().join();

    assertThat(deleted).isEqualTo(49);
    assertThat(compaction.eventRows(pid).toCompletableFuture().join()).isEqualTo(1);
    testKit.shutdownTestKit();
    ActorTestKit restarted = startSystem();
    assertThat(read(restarted, pid)).containsExactly(events.get(49));
    List<JobEvent> more = acceptedJobs(pid + "-more", 1, 64);
    append(restarted, pid, more);
    assertThat(
            new JobPayloads(restarted.system())
                .read(pid, new TreeSet<>(List.of(51L)), Set.of(more.get(0).jobId()))
                .toCompletableFuture()
                .join())
        .as("the next event is number 51")
        .containsOnlyKeys(more.get(0).jobId());
  }

  /**
   * Pair ids are case-sensitive ("Shop" and "shop" are two sources): so are persistence ids, on
   * every database. Each journal is read, and compacted, alone.
   */
  @Test
  void idsThatDifferOnlyInCaseAreTwoJournals() {
    String lower = uniquePersistenceId();
    String upper = lower.toUpperCase(Locale.ROOT);
    List<JobEvent> lowerEvents = acceptedJobs(lower, 3, 16);
    List<JobEvent> upperEvents = acceptedJobs(upper, 2, 16);
    ActorTestKit testKit = startSystem();
    append(testKit, lower, lowerEvents);
    append(testKit, upper, upperEvents);

    JdbcJournalCompaction compaction = new JdbcJournalCompaction(testKit.system());
    assertThat(compaction.deleteBelow(upper, 2, 2).toCompletableFuture().join()).isEqualTo(1);

    ActorTestKit reader = startSystem();
    assertThat(read(reader, lower)).isEqualTo(lowerEvents);
    assertThat(read(reader, upper)).containsExactly(upperEvents.get(1));
  }

  ActorTestKit startSystem() {
    ActorTestKit testKit = ActorTestKit.create(journalConfig());
    testKits.add(testKit);
    return testKit;
  }

  static long append(ActorTestKit testKit, String pid, List<JobEvent> events) {
    return ask(testKit, pid, replyTo -> new JobLog.Append(events, replyTo));
  }

  private static List<JobEvent> read(ActorTestKit testKit, String pid) {
    return ask(testKit, pid, JobLog.Read::new);
  }

  private static <R> R ask(
      ActorTestKit testKit, String pid, Function<ActorRef<R>, JobLog.Command> command) {
    TestProbe<R> probe = testKit.createTestProbe();
    spawn(testKit, pid).tell(command.apply(probe.ref()));
    return probe.receiveMessage(TIMEOUT);
  }

  private static ActorRef<JobLog.Command> spawn(ActorTestKit testKit, String pid) {
    JournalShard shard =
        JournalSettings.fromConfig(testKit.system().settings().config()).shardOf(pid);
    return testKit.spawn(JobLog.create(pid, shard));
  }

  static List<JobEvent> acceptedJobs(String pid, int count, int payloadBytes) {
    Random random = new Random(count);
    PairId pair = new PairId(pid.replace('|', '-'), "webhook");
    List<JobEvent> events = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      byte[] payload = new byte[payloadBytes];
      random.nextBytes(payload);
      Job job = JobFixtures.job(pair, "m-" + i, "http://127.0.0.1:1/", Instant.now(), payload);
      events.add(new JobEvent.AwaitingScheduling(job));
    }
    return events;
  }

  private static Job jobOf(List<JobEvent> events, Ksuid id) {
    return events.stream()
        .filter(e -> e.jobId().equals(id))
        .map(e -> ((JobEvent.AwaitingScheduling) e).job())
        .findFirst()
        .orElseThrow();
  }

  private static Attempt attempt(int status) {
    Instant now = Instant.now();
    return Attempt.responded(1, now, now.plusMillis(5), status);
  }

  static String uniquePersistenceId() {
    return "journal-suite-" + UUID.randomUUID();
  }

  /** H2's tables have quoted lower-case names; the others take them bare. */
  static String quote(JournalSettings settings, String sql, String... names) {
    String q = settings.database() == JournalSettings.Database.H2 ? "\"" : "";
    return String.format(sql, Arrays.stream(names).map(n -> q + n + q).toArray());
  }
}
