package dev.eventrouter.queues.delivery;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Function;

/**
 * Secrets from a folder of files, one per secret named after it (how Kubernetes mounts a
 * Secret), else from the environment variable of that name. Read at each use: a rotated secret
 * is in use for the next request.
 */
public final class EnvironmentSecrets implements Secrets {

  private final Optional<Path> dir;
  private final Function<String, String> environment;

  /** @param dir the folder of secret files, or empty for the environment only */
  public EnvironmentSecrets(Optional<Path> dir) {
    this(dir, System::getenv);
  }

  EnvironmentSecrets(Optional<Path> dir, Function<String, String> environment) {
    this.dir = dir;
    this.environment = environment;
  }

  @Override
  public Optional<String> value(String name) {
    if (!NAME.matcher(name).matches()) {
      return Optional.empty();
    }
    if (dir.isPresent()) {
      Path file = dir.get().resolve(name);
      if (Files.isRegularFile(file)) {
        try {
          // a file written by hand or by kubectl often ends with a newline the secret does not have
          return Optional.of(Files.readString(file, StandardCharsets.UTF_8).strip());
        } catch (IOException e) {
          throw new UncheckedIOException("cannot read the secret " + name + " in " + dir.get(), e);
        }
      }
    }
    return Optional.ofNullable(environment.apply(name));
  }
}
