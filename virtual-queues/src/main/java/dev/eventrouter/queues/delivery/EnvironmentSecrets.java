package dev.eventrouter.queues.delivery;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Secrets from a folder of files, one per secret named after it (how Kubernetes mounts a Secret),
 * else from the environment variable of that name behind a prefix the operator chose: {@code {
 * secret = GA_TOKEN }} with the prefix {@code EVENTROUTER_SECRET_} reads {@code
 * EVENTROUTER_SECRET_GA_TOKEN}. The prefix keeps a registry (which an operate token can replace)
 * from naming the router's own settings, {@code ROUTER_JOURNAL_PASSWORD} or {@code
 * AWS_SECRET_ACCESS_KEY}, and sending them to a host of its choosing. Read at each use: a rotated
 * secret is in use for the next request.
 */
public final class EnvironmentSecrets implements Secrets {

  /**
   * The namespaces of the variables the router and its JVM read for themselves. A prefix inside one
   * of them, or one that starts one of them, would let a registry reach those variables again:
   * {@code ROUTER_ADMIN_} with {@code { secret = TOKEN }} reads the admin token.
   */
  private static final List<String> OWN_NAMESPACES =
      List.of("ROUTER_", "AWS_", "JAVA_", "JDK_", "_JAVA_");

  private final Optional<Path> dir;
  private final String environmentPrefix;
  private final Function<String, String> environment;

  /**
   * From {@code eventrouter.secrets} ({@code dir}, {@code env-prefix}: documented in the router's
   * {@code reference.conf}).
   *
   * @param environment the process's environment variables ({@code System::getenv})
   */
  public static EnvironmentSecrets fromConfig(Config config, Function<String, String> environment) {
    Config secrets = config.getConfig("eventrouter.secrets");
    String dir = secrets.getString("dir");
    String prefix = secrets.getString("env-prefix");
    for (String own : OWN_NAMESPACES) {
      if (!prefix.isEmpty() && (prefix.startsWith(own) || own.startsWith(prefix))) {
        throw new ConfigException.BadValue(
            secrets.origin(),
            "env-prefix",
            "'"
                + prefix
                + "' would let a registry name the router's own variables ("
                + own
                + "...): choose a "
                + "prefix of its own, such as EVENTROUTER_SECRET_, or none for the secrets folder only");
      }
    }
    return new EnvironmentSecrets(
        dir.isBlank() ? Optional.empty() : Optional.of(Path.of(dir)), prefix, environment);
  }

  /**
   * @param dir the folder of secret files, or empty for the environment only
   * @param environmentPrefix what a secret's environment variable starts with; empty: secrets never
   *     come from the environment
   */
  EnvironmentSecrets(
      Optional<Path> dir, String environmentPrefix, Function<String, String> environment) {
    this.dir = dir;
    this.environmentPrefix = environmentPrefix;
    this.environment = environment;
  }

  @Override
  public Optional<String> value(String name) {
    if (!NAME.matcher(name).matches()) {
      return Optional.empty();
    }
    if (dir.isPresent()) {
      Path file = dir.get().resolve(name);
      // a folder or an unreadable file by this name is a mistake to report, not a reason to look
      // elsewhere
      if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
        return present(read(name, file));
      }
    }
    if (environmentPrefix.isEmpty()) {
      return Optional.empty();
    }
    return present(environment.apply(environmentPrefix + name));
  }

  /**
   * An empty value is no secret: a file being rewritten (a shell's {@code >} empties it first), a
   * Kubernetes Secret whose value has not come yet. Sent, it is an empty credential that the
   * destination refuses and its jobs are discarded; missing, they wait for it.
   */
  private static Optional<String> present(String value) {
    return value == null || value.isEmpty() ? Optional.empty() : Optional.of(value);
  }

  private static String read(String name, Path file) {
    try {
      // a file written by hand or by kubectl often ends with a newline the secret does not have
      return Files.readString(file, StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      // the exception's class only: a decoder's message could quote the bytes
      throw new InvalidSecretException(
          name, "its file cannot be read as UTF-8 text (" + e.getClass().getSimpleName() + ")");
    }
  }
}
