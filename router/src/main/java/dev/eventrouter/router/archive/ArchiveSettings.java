package dev.eventrouter.router.archive;

import com.typesafe.config.Config;
import dev.eventrouter.router.settings.BoundedSettings;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The settings under {@code eventrouter.archive}; the router's reference.conf documents each.
 *
 * @param endpoint the S3 API's URL; empty for the embedded server
 * @param embeddedDir where the embedded server keeps its objects
 */
public record ArchiveSettings(
    String endpoint,
    String region,
    String accessKeyId,
    String secretAccessKey,
    String bucket,
    boolean pathStyle,
    boolean createBucket,
    String prefix,
    int maxConcurrentUploads,
    int maxWaitingBatches,
    Duration requestTimeout,
    Duration batchTimeout,
    String embeddedHost,
    int embeddedPort,
    Path embeddedDir,
    String embeddedAccessKeyId,
    String embeddedSecretAccessKey) {

  public static ArchiveSettings fromConfig(Config config, Path dataDir) {
    Config c = config.getConfig("eventrouter.archive");
    // with no upload slot, or no time, expired jobs would never be archived
    BoundedSettings bounded = new BoundedSettings(config, "eventrouter.archive");
    String dir = c.getString("embedded.dir");
    return new ArchiveSettings(
        c.getString("s3.endpoint"),
        c.getString("s3.region"),
        c.getString("s3.access-key-id"),
        c.getString("s3.secret-access-key"),
        c.getString("s3.bucket"),
        c.getBoolean("s3.path-style"),
        c.getBoolean("s3.create-bucket"),
        c.getString("prefix"),
        bounded.intAtLeast("max-concurrent-uploads", 1),
        bounded.intAtLeast("max-waiting-batches", 0),
        c.getDuration("s3.request-timeout"),
        bounded.positiveDuration("batch-timeout"),
        c.getString("embedded.host"),
        c.getInt("embedded.port"),
        dir.isBlank() ? dataDir.resolve("s3") : Path.of(dir),
        c.getString("embedded.access-key-id"),
        c.getString("embedded.secret-access-key"));
  }

  public boolean embedded() {
    return endpoint.isBlank();
  }

  // never the secret
  @Override
  public String toString() {
    return "ArchiveSettings["
        + (embedded() ? "embedded " + embeddedDir : endpoint)
        + " bucket="
        + bucket
        + " prefix="
        + prefix
        + "]";
  }
}
