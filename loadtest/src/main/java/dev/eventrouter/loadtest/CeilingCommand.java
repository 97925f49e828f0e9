package dev.eventrouter.loadtest;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The raw ceilings of the parts the router is made of, measured alone, so that the cost benchmark
 * ({@code loadtest/bench/cost.py}) can give each of its figures as a ratio: how fast a bare Kafka
 * consumer reads a topic, and how fast a database takes batched inserts of rows of the journal's
 * size. (The black hole's ceiling under raw HTTP is {@code blast}.) Each prints one line of {@code
 * key=value} pairs.
 */
@Command(
    name = "ceiling",
    description = "Raw ceilings of the router's parts alone: Kafka consume, batched JDBC insert.",
    subcommands = {CeilingCommand.Kafka.class, CeilingCommand.Jdbc.class})
final class CeilingCommand implements Runnable {

  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "kafka or jdbc");
  }

  @Command(
      name = "kafka",
      description =
          "Read a topic from its beginning to the end offsets it had at start, with a fresh"
              + " consumer group and the router's max.poll.records; prints records/s.")
  static final class Kafka implements Callable<Integer> {
    @Option(
        names = "--bootstrap",
        defaultValue = "127.0.0.1:9092",
        description = "(${DEFAULT-VALUE})")
    String bootstrap;

    @Option(names = "--topic", defaultValue = "events", description = "(${DEFAULT-VALUE})")
    String topic;

    @Option(
        names = "--max-seconds",
        defaultValue = "120",
        description = "Stop after (${DEFAULT-VALUE}).")
    int maxSeconds;

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      Properties props = new Properties();
      props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
      props.put(ConsumerConfig.GROUP_ID_CONFIG, "ceiling-" + UUID.randomUUID());
      props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
      props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
      props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "1000");
      try (KafkaConsumer<byte[], byte[]> consumer =
          new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
        List<TopicPartition> partitions = new ArrayList<>();
        for (PartitionInfo info : consumer.partitionsFor(topic)) {
          partitions.add(new TopicPartition(topic, info.partition()));
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
        long expected = end.values().stream().mapToLong(Long::longValue).sum();
        long records = 0;
        long bytes = 0;
        long first = 0;
        long last = 0;
        long deadline = System.nanoTime() + Duration.ofSeconds(maxSeconds).toNanos();
        while (records < expected && System.nanoTime() < deadline) {
          ConsumerRecords<byte[], byte[]> polled = consumer.poll(Duration.ofMillis(200));
          for (ConsumerRecord<byte[], byte[]> r : polled) {
            if (first == 0) {
              first = System.nanoTime();
            }
            records++;
            bytes += r.serializedValueSize() + Math.max(0, r.serializedKeySize());
          }
          if (!polled.isEmpty()) {
            last = System.nanoTime();
          }
        }
        double seconds = (last - first) / 1e9;
        PrintWriter out = spec.commandLine().getOut();
        out.printf(
            Locale.ROOT,
            "records=%d expected=%d bytes=%d seconds=%.3f records/s=%.0f%n",
            records,
            expected,
            bytes,
            seconds,
            seconds > 0 ? records / seconds : 0);
        out.flush();
        return records == expected ? 0 : 1;
      }
    }
  }

  @Command(
      name = "jdbc",
      description =
          "Batched inserts of rows shaped like the journal's (persistence id, sequence number,"
              + " payload of --bytes) into a scratch table, a commit per batch; the first"
              + " --warmup-seconds are not counted; prints rows/s. The table is dropped after.")
  static final class Jdbc implements Callable<Integer> {
    @Option(names = "--url", required = true, description = "JDBC URL (PostgreSQL, MariaDB or H2).")
    String url;

    @Option(names = "--user", defaultValue = "", description = "(${DEFAULT-VALUE})")
    String user;

    @Option(names = "--password", defaultValue = "", description = "(${DEFAULT-VALUE})")
    String password;

    @Option(
        names = "--bytes",
        defaultValue = "1024",
        description = "Payload bytes a row (${DEFAULT-VALUE}).")
    int bytes;

    @Option(
        names = "--batch",
        defaultValue = "400",
        description =
            "Rows a batch, one commit each (pekko-persistence-jdbc's batchSize: ${DEFAULT-VALUE}).")
    int batch;

    @Option(
        names = "--connections",
        defaultValue = "1",
        description = "Connections inserting at once (${DEFAULT-VALUE}).")
    int connections;

    @Option(names = "--seconds", defaultValue = "10", description = "Measured (${DEFAULT-VALUE}).")
    int seconds;

    @Option(
        names = "--warmup-seconds",
        defaultValue = "3",
        description = "Before measuring (${DEFAULT-VALUE}).")
    int warmupSeconds;

    @Option(
        names = "--table",
        defaultValue = "bench_ceiling",
        description = "Scratch table (${DEFAULT-VALUE}).")
    String table;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      String blob =
          url.startsWith("jdbc:postgresql:")
              ? "BYTEA"
              : url.startsWith("jdbc:h2:") ? "VARBINARY(1000000)" : "LONGBLOB";
      try (Connection c = connect();
          Statement s = c.createStatement()) {
        s.execute("DROP TABLE IF EXISTS " + table);
        s.execute(
            "CREATE TABLE "
                + table
                + " (persistence_id VARCHAR(255) NOT NULL,"
                + " sequence_number BIGINT NOT NULL, payload "
                + blob
                + " NOT NULL,"
                + " PRIMARY KEY (persistence_id, sequence_number))");
      }
      long start = System.nanoTime();
      long measureFrom = start + Duration.ofSeconds(warmupSeconds).toNanos();
      long until = measureFrom + Duration.ofSeconds(seconds).toNanos();
      AtomicLong counted = new AtomicLong();
      List<Thread> threads = new ArrayList<>();
      List<Exception> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
      for (int t = 0; t < connections; t++) {
        int worker = t;
        Thread thread =
            new Thread(
                () -> {
                  try {
                    insert(worker, measureFrom, until, counted);
                  } catch (SQLException e) {
                    failures.add(e);
                  }
                },
                "insert-" + t);
        thread.start();
        threads.add(thread);
      }
      for (Thread t : threads) {
        t.join();
      }
      try (Connection c = connect();
          Statement s = c.createStatement()) {
        s.execute("DROP TABLE IF EXISTS " + table);
      }
      if (!failures.isEmpty()) {
        throw failures.get(0);
      }
      PrintWriter out = spec.commandLine().getOut();
      out.printf(
          Locale.ROOT,
          "rows=%d bytes=%d batch=%d connections=%d seconds=%d rows/s=%.0f%n",
          counted.get(),
          bytes,
          batch,
          connections,
          seconds,
          counted.get() / (double) seconds);
      out.flush();
      return 0;
    }

    private void insert(int worker, long measureFrom, long until, AtomicLong counted)
        throws SQLException {
      byte[] payload = new byte[bytes];
      new Random(worker).nextBytes(payload);
      try (Connection c = connect();
          PreparedStatement insert =
              c.prepareStatement(
                  "INSERT INTO "
                      + table
                      + " (persistence_id, sequence_number, payload) VALUES (?, ?, ?)")) {
        c.setAutoCommit(false);
        long seq = 0;
        while (true) {
          long now = System.nanoTime();
          if (now >= until) {
            return;
          }
          for (int i = 0; i < batch; i++) {
            // a persistence id per 100 rows, like many queues appending a few events each
            insert.setString(1, "w" + worker + "-q" + (seq / 100));
            insert.setLong(2, seq++);
            insert.setBytes(3, payload);
            insert.addBatch();
          }
          insert.executeBatch();
          c.commit();
          long done = System.nanoTime();
          if (now >= measureFrom && done <= until) {
            counted.addAndGet(batch);
          }
        }
      }
    }

    private Connection connect() throws SQLException {
      return DriverManager.getConnection(url, user, password);
    }
  }
}
