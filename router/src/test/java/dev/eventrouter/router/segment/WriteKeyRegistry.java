package dev.eventrouter.router.segment;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the Segment API tests route through: a registry of one source that sends to one destination
 * and accepts one write key, the key a secret in its own folder.
 *
 * @param registry the registry file
 * @param secrets the secrets folder ({@code eventrouter.secrets.dir})
 */
record WriteKeyRegistry(Path registry, Path secrets) {

  /**
   * @param secret the name of the secret holding the key, its file's name
   * @param keyFile the file's content (the key, with or without a line end)
   */
  static WriteKeyRegistry write(
      Path dir, String source, String secret, String keyFile, String endpoint) throws IOException {
    Path secrets = Files.createDirectories(dir.resolve("secrets"));
    Files.writeString(secrets.resolve(secret), keyFile);
    Path registry = dir.resolve("registry.conf");
    Files.writeString(
        registry,
        """
        destinations { hook { endpoint = "%s" } }
        sources { %s { destinations = [hook], write-keys = [{ secret = %s }] } }
        """
            .formatted(endpoint, source, secret));
    return new WriteKeyRegistry(registry, secrets);
  }
}
