package dev.eventrouter.router.archive;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.util.Properties;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;

/**
 * The embedded archive store: S3Proxy, a real S3-compatible server, in this process, over a data
 * folder (objects are plain files under {@code <dir>/<bucket>/<key>}). The router talks to it
 * through the AWS SDK exactly as to S3, so development, tests and production share one code path.
 */
public final class EmbeddedS3 implements AutoCloseable {

  private final S3Proxy proxy;
  private final URI endpoint;

  private EmbeddedS3(S3Proxy proxy, URI endpoint) {
    this.proxy = proxy;
    this.endpoint = endpoint;
  }

  public static EmbeddedS3 start(ArchiveSettings settings) {
    try {
      Files.createDirectories(settings.embeddedDir());
      Properties properties = new Properties();
      properties.setProperty("jclouds.filesystem.basedir", settings.embeddedDir().toString());
      S3Proxy proxy =
          S3Proxy.builder()
              .blobStore(BlobStores.create("filesystem", properties))
              .endpoint(
                  URI.create("http://" + settings.embeddedHost() + ":" + settings.embeddedPort()))
              .awsAuthentication(
                  AuthenticationType.AWS_V2_OR_V4,
                  settings.embeddedAccessKeyId(),
                  settings.embeddedSecretAccessKey())
              .build();
      proxy.start();
      // start() returns before the server listens
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (!"STARTED".equals(proxy.getState())) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("the embedded S3 server did not start within 30 s");
        }
        Thread.sleep(20);
      }
      return new EmbeddedS3(
          proxy, URI.create("http://" + settings.embeddedHost() + ":" + proxy.getPort()));
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot start the embedded S3 server in " + settings.embeddedDir(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting the embedded S3 server", e);
    } catch (Exception e) {
      throw new IllegalStateException("cannot start the embedded S3 server: " + e.getMessage(), e);
    }
  }

  public URI endpoint() {
    return endpoint;
  }

  @Override
  public void close() {
    try {
      proxy.stop();
    } catch (Exception e) {
      throw new IllegalStateException("stopping the embedded S3 server failed", e);
    }
  }
}
