package dev.eventrouter.loadtest.parity;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;

/** The journal each build writes, made fresh before each build's run. */
public sealed interface ParityJournal {

  /** The router's environment for it. */
  Map<String, String> environment();

  /** Empties it: each build starts on a journal of its own, as a new deployment would. */
  void fresh() throws SQLException;

  /** The router's embedded default, a file in the build's data folder (new for each build). */
  record H2() implements ParityJournal {
    @Override
    public Map<String, String> environment() {
      return Map.of();
    }

    @Override
    public void fresh() {
      // the build's folder is new
    }
  }

  /**
   * A database on a PostgreSQL or MariaDB server, dropped and made again before each build (with
   * whatever tables either build made in it).
   *
   * @param kind postgres or mariadb
   * @param server the server's JDBC URL without a database, e.g. jdbc:postgresql://127.0.0.1:5432/
   */
  record Server(String kind, String server, String database, String user, String password)
      implements ParityJournal {

    public Server {
      if (!kind.equals("postgres") && !kind.equals("mariadb")) {
        throw new IllegalArgumentException("the journal is h2, postgres or mariadb, not " + kind);
      }
      if (!database.matches("[A-Za-z_][A-Za-z0-9_]*")) {
        throw new IllegalArgumentException(
            "the journal database must be a plain name, not " + database);
      }
    }

    /** The servers the project's tests use (127.0.0.1, user postgres or root, no password). */
    public static Server local(String kind, String database) {
      return kind.equals("postgres")
          ? new Server(kind, "jdbc:postgresql://127.0.0.1:5432/", database, "postgres", "")
          : new Server(kind, "jdbc:mariadb://127.0.0.1:3306/", database, "root", "");
    }

    @Override
    public Map<String, String> environment() {
      return Map.of(
          "ROUTER_JOURNAL_DATABASE",
          kind,
          "ROUTER_JOURNAL_URL",
          server + database,
          "ROUTER_JOURNAL_USER",
          user,
          "ROUTER_JOURNAL_PASSWORD",
          password);
    }

    @Override
    public void fresh() throws SQLException {
      boolean postgres = kind.equals("postgres");
      try (Connection connection =
              DriverManager.getConnection(server + (postgres ? "postgres" : ""), user, password);
          Statement sql = connection.createStatement()) {
        // FORCE: the connections of the previous build's router, killed or stopped, may linger
        sql.execute("DROP DATABASE IF EXISTS " + database + (postgres ? " WITH (FORCE)" : ""));
        sql.execute("CREATE DATABASE " + database);
      }
    }
  }
}
