package dev.eventrouter.persistence.journal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;

/**
 * Creates the journal's tables when they are missing, in every shard. It runs before the actor
 * system uses the journal, over a plain JDBC connection, and fails loudly: a router that cannot
 * write its journal must not start consuming.
 */
public final class JournalSchema {

  private JournalSchema() {}

  /**
   * What a node does before its actor system starts: creates the tables (when {@code create-schema}
   * is on) and checks that every shard is still the one it was.
   */
  public static void prepare(JournalSettings settings) {
    if (settings.createSchema()) {
      createIfMissing(settings);
    } else if (settings.database() == JournalSettings.Database.MARIADB) {
      for (JournalShard shard : settings.shards()) {
        try (Connection connection = shard.connect()) {
          MariaDbIds.check(connection);
        } catch (SQLException e) {
          throw new IllegalStateException(
              "cannot read the journal tables of " + shard + ": " + e.getMessage(), e);
        }
      }
    }
    JournalLayout.pinShards(settings);
  }

  public static void createIfMissing(JournalSettings settings) {
    List<String> statements = statements(settings.database().schemaResource());
    for (JournalShard shard : settings.shards()) {
      try (Connection connection = shard.connect();
          Statement statement = connection.createStatement()) {
        for (String sql : statements) {
          statement.execute(sql);
        }
        if (settings.database() == JournalSettings.Database.POSTGRES) {
          PostgresCompression.useLz4(connection);
        }
        if (settings.database() == JournalSettings.Database.MARIADB) {
          MariaDbIds.compareExactly(connection);
        }
      } catch (SQLException e) {
        throw new IllegalStateException(
            "cannot create the journal tables in " + shard + ": " + e.getMessage(), e);
      }
    }
  }

  static List<String> statements(String resource) {
    try (InputStream in = JournalSchema.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing schema script " + resource);
      }
      String script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      String withoutComments = script.replaceAll("(?m)^\\s*--.*$", "");
      return Arrays.stream(withoutComments.split(";"))
          .map(String::strip)
          .filter(s -> !s.isEmpty())
          .toList();
    } catch (IOException e) {
      throw new IllegalStateException("cannot read schema script " + resource, e);
    }
  }
}
