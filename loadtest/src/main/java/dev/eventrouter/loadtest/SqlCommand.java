package dev.eventrouter.loadtest;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * One JDBC connection kept open, answering the queries it reads from stdin (one a line) with their
 * rows ({@code ROW} and the values, tab-separated), then a line {@code END} (or {@code ERROR
 * <message>}, then {@code END}). The cost benchmark reads the journal's row counts and sizes
 * through it at the edges of each phase, without starting a JVM each time; with H2 it needs the
 * router's URL with {@code AUTO_SERVER=TRUE}, the H2 file being open in the router's process.
 */
@Command(
    name = "sql",
    description = "Answer SQL queries read from stdin, one a line, over one JDBC connection.")
final class SqlCommand implements Callable<Integer> {

  @Option(names = "--url", required = true, description = "JDBC URL.")
  String url;

  @Option(names = "--user", defaultValue = "", description = "(${DEFAULT-VALUE})")
  String user;

  @Option(names = "--password", defaultValue = "", description = "(${DEFAULT-VALUE})")
  String password;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    try (Connection c = DriverManager.getConnection(url, user, password)) {
      c.setAutoCommit(true);
      String line;
      while ((line = in.readLine()) != null) {
        if (line.isBlank()) {
          continue;
        }
        try (Statement s = c.createStatement()) {
          if (s.execute(line)) {
            try (ResultSet rs = s.getResultSet()) {
              int columns = rs.getMetaData().getColumnCount();
              while (rs.next()) {
                StringBuilder row = new StringBuilder("ROW");
                for (int i = 1; i <= columns; i++) {
                  row.append('\t').append(rs.getString(i));
                }
                out.println(row);
              }
            }
          }
        } catch (SQLException e) {
          out.println("ERROR " + e.getMessage().replace('\n', ' '));
        }
        out.println("END");
        out.flush();
      }
    }
    return 0;
  }
}
