package dev.eventrouter.persistence.testing;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.eventrouter.persistence.journal.JournalSchema;
import dev.eventrouter.persistence.journal.JournalSettings;
import dev.eventrouter.persistence.journal.JournalShard;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The journal databases the suites run against: an H2 file in a temporary folder, a PostgreSQL and
 * a MariaDB server (the machine's, or ones started for the test run: {@link TestServer}; database
 * {@value #TEST_DATABASE}, created when missing), and PostgreSQL sharded over two databases.
 *
 * <p>Each returns the configuration for an actor system whose journal is that database, with the
 * tables created. The machine's servers outlive a test run: the first use in a JVM empties the
 * tables, so that no queue remembered by an earlier run starts again in this one.
 */
public final class TestJournals {

  /**
   * The database the suites use on each server; EVENTROUTER_TEST_DATABASE names another, so that
   * two checkouts can run their suites on one machine at the same time.
   */
  public static final String TEST_DATABASE = env("EVENTROUTER_TEST_DATABASE", "eventrouter_test");

  private static final Set<String> emptied = ConcurrentHashMap.newKeySet();

  private TestJournals() {}

  public static Config h2(Path dataDir) {
    return journal(
        Map.of("eventrouter.data-dir", dataDir.toString(), "eventrouter.journal.database", "h2"));
  }

  public static Config postgres() {
    Config config = postgresJournal();
    emptyOnce(config, POSTGRES_EMPTY);
    return config;
  }

  /**
   * The PostgreSQL journal, emptied now: for a test whose routers must find nothing an earlier test
   * of the same JVM left there (a registry replaced through the admin API, a pause, remembered
   * queues), since the operator controls live in the journal too.
   */
  public static Config postgresEmptied() {
    Config config = postgresJournal();
    empty(config, POSTGRES_EMPTY);
    return config;
  }

  private static final String POSTGRES_EMPTY = "TRUNCATE TABLE event_tag, event_journal, snapshot";

  private static Config postgresJournal() {
    return journal(
        Map.of(
            "eventrouter.journal.database", "postgres",
            "eventrouter.journal.url", postgresUrl(TEST_DATABASE),
            "eventrouter.journal.user", "postgres"));
  }

  /**
   * A journal sharded over two PostgreSQL databases ({@value #TEST_DATABASE}_shard0 and _shard1,
   * not the single-database suite's: each database records which shard it is). The second URL comes
   * as a comma-separated string, as ROUTER_JOURNAL_SHARD_URLS gives it.
   */
  public static Config postgresShards() {
    List<String> urls =
        List.of(postgresUrl(TEST_DATABASE + "_shard0"), postgresUrl(TEST_DATABASE + "_shard1"));
    Config config =
        journal(
            Map.of(
                "eventrouter.journal.database",
                "postgres",
                "eventrouter.journal.url",
                urls.get(0),
                "eventrouter.journal.shard-urls",
                urls.get(1),
                "eventrouter.journal.user",
                "postgres"));
    emptyOnce(config, "TRUNCATE TABLE event_tag, event_journal, snapshot");
    return config;
  }

  /** The URL of a database of the PostgreSQL server, created when missing. */
  public static String postgresUrl(String database) {
    String server = TestServer.POSTGRES.url();
    createDatabase(
        server + "postgres",
        "postgres",
        "CREATE DATABASE " + database,
        "SELECT 1 FROM pg_database WHERE datname = '" + database + "'");
    return server + database + "?reWriteBatchedInserts=true";
  }

  public static Config mariadb() {
    Config config =
        journal(
            Map.of(
                "eventrouter.journal.database", "mariadb",
                "eventrouter.journal.url", mariadbUrl(TEST_DATABASE),
                "eventrouter.journal.user", "root"));
    emptyOnce(config, "DELETE FROM event_tag", "DELETE FROM event_journal", "DELETE FROM snapshot");
    return config;
  }

  /** The URL of a database of the MariaDB server, created when missing. */
  public static String mariadbUrl(String database) {
    String server = TestServer.MARIADB.url();
    createDatabase(server, "root", "CREATE DATABASE IF NOT EXISTS " + database, null);
    return server + database;
  }

  private static Config journal(Map<String, String> settings) {
    Config config = ConfigFactory.parseMap(settings).withFallback(ConfigFactory.load()).resolve();
    JournalSchema.prepare(JournalSettings.fromConfig(config));
    return JournalSettings.applyTo(config);
  }

  private static void emptyOnce(Config config, String... statements) {
    for (JournalShard shard : JournalSettings.fromConfig(config).shards()) {
      if (emptied.add(shard.url())) {
        empty(shard, statements);
      }
    }
  }

  private static void empty(Config config, String... statements) {
    for (JournalShard shard : JournalSettings.fromConfig(config).shards()) {
      emptied.add(shard.url());
      empty(shard, statements);
    }
  }

  private static void empty(JournalShard shard, String... statements) {
    try (Connection c = shard.connect();
        Statement s = c.createStatement()) {
      for (String statement : statements) {
        s.execute(statement);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot empty the test journal at " + shard, e);
    }
  }

  /** Every row of the shard's database's table journal_layout, by key. */
  public static Map<String, String> layout(JournalShard shard) throws SQLException {
    JournalSettings.Database db = shard.database();
    Map<String, String> rows = new HashMap<>();
    try (Connection c = shard.connect();
        ResultSet rs =
            c.createStatement()
                .executeQuery(
                    "SELECT "
                        + db.identifier("layout_key")
                        + ", "
                        + db.identifier("layout_value")
                        + " FROM "
                        + db.identifier("journal_layout"))) {
      while (rs.next()) {
        rows.put(rs.getString(1), rs.getString(2));
      }
    }
    return rows;
  }

  /** How many journal rows a persistence id has in one shard's database. */
  public static long eventRows(JournalShard shard, String persistenceId) throws SQLException {
    JournalSettings.Database db = shard.database();
    try (Connection c = shard.connect();
        PreparedStatement q =
            c.prepareStatement(
                "SELECT COUNT(*) FROM "
                    + db.identifier("event_journal")
                    + " WHERE "
                    + db.identifier("persistence_id")
                    + " = ?")) {
      q.setString(1, persistenceId);
      try (ResultSet rs = q.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  private static void createDatabase(String url, String user, String create, String exists) {
    try (Connection c = DriverManager.getConnection(url, user, "");
        Statement s = c.createStatement()) {
      if (exists != null) {
        try (ResultSet found = s.executeQuery(exists)) {
          if (found.next()) {
            return;
          }
        }
      }
      s.execute(create);
    } catch (SQLException e) {
      throw new IllegalStateException(
          "the journal suite cannot use the database server at " + url + ": " + e.getMessage(), e);
    }
  }

  private static String env(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value;
  }
}
