package dev.eventrouter.router.archive;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The archive's bucket, through the AWS SDK: any S3-compatible endpoint, or the embedded one.
 * Blocking calls: callers run them on a blocking dispatcher.
 */
public final class ArchiveStore implements AutoCloseable {

  private final S3Client s3;
  private final String bucket;

  public ArchiveStore(S3Client s3, String bucket) {
    this.s3 = s3;
    this.bucket = bucket;
  }

  /**
   * A client for the settings' endpoint (or {@code embeddedEndpoint}). Credentials of a real
   * endpoint are the configured ones, or else the SDK's default chain: environment variables
   * ({@code AWS_ACCESS_KEY_ID}, {@code AWS_SECRET_ACCESS_KEY}, as a Kubernetes Secret provides
   * them), web identity, instance profile. They are never logged.
   */
  public static ArchiveStore connect(ArchiveSettings settings, URI embeddedEndpoint) {
    AwsCredentialsProvider credentials;
    if (settings.embedded()) {
      credentials =
          StaticCredentialsProvider.create(
              AwsBasicCredentials.create(
                  settings.embeddedAccessKeyId(), settings.embeddedSecretAccessKey()));
    } else if (!settings.accessKeyId().isBlank() && !settings.secretAccessKey().isBlank()) {
      credentials =
          StaticCredentialsProvider.create(
              AwsBasicCredentials.create(settings.accessKeyId(), settings.secretAccessKey()));
    } else {
      credentials = DefaultCredentialsProvider.builder().build();
    }
    S3Client s3 =
        S3Client.builder()
            .endpointOverride(
                settings.embedded() ? embeddedEndpoint : URI.create(settings.endpoint()))
            .region(Region.of(settings.region()))
            .forcePathStyle(settings.pathStyle())
            .credentialsProvider(credentials)
            .overrideConfiguration(c -> c.apiCallTimeout(settings.requestTimeout()))
            .build();
    ArchiveStore store = new ArchiveStore(s3, settings.bucket());
    if (settings.createBucket()) {
      store.createBucketIfMissing();
    }
    return store;
  }

  public void createBucketIfMissing() {
    try {
      s3.headBucket(b -> b.bucket(bucket));
    } catch (NoSuchBucketException e) {
      s3.createBucket(b -> b.bucket(bucket));
    }
  }

  public void put(String key, byte[] bytes, String contentType) {
    s3.putObject(
        b -> b.bucket(bucket).key(key).contentType(contentType), RequestBody.fromBytes(bytes));
  }

  public byte[] get(String key) {
    return s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray();
  }

  /**
   * The object's bytes as they come from the store, to be closed. A failure to fetch them (the
   * connection, not the object's content) is thrown as an {@link UncheckedIOException}, so that a
   * reader can tell an object cut short by the network from one stored cut short.
   */
  public InputStream open(String key) {
    InputStream object = s3.getObject(b -> b.bucket(bucket).key(key));
    return new FilterInputStream(object) {
      @Override
      public int read() {
        try {
          return super.read();
        } catch (IOException e) {
          throw new UncheckedIOException("reading archive object " + key + " failed", e);
        }
      }

      @Override
      public int read(byte[] bytes, int offset, int length) {
        try {
          return super.read(bytes, offset, length);
        } catch (IOException e) {
          throw new UncheckedIOException("reading archive object " + key + " failed", e);
        }
      }
    };
  }

  public Optional<byte[]> getIfPresent(String key) {
    try {
      return Optional.of(get(key));
    } catch (NoSuchKeyException e) {
      return Optional.empty();
    }
  }

  /** The keys under a prefix, in key order. */
  public List<String> keys(String prefix) {
    return keys(prefix, null, null);
  }

  /**
   * The keys under a prefix after {@code after} and before {@code before} (each null for no bound),
   * in order: the listing starts at the one and stops at the other, however many keys the prefix
   * holds outside them.
   */
  public List<String> keys(String prefix, String after, String before) {
    List<String> keys = new ArrayList<>();
    s3
        .listObjectsV2Paginator(
            ListObjectsV2Request.builder().bucket(bucket).prefix(prefix).startAfter(after).build())
        .contents()
        .stream()
        .map(S3Object::key)
        .takeWhile(key -> before == null || key.compareTo(before) < 0)
        .forEach(keys::add);
    return keys;
  }

  /** The next path segments under a prefix ("folders"), without the prefix or a slash. */
  public List<String> folders(String prefix) {
    List<String> folders = new ArrayList<>();
    s3
        .listObjectsV2Paginator(
            ListObjectsV2Request.builder().bucket(bucket).prefix(prefix).delimiter("/").build())
        .commonPrefixes()
        .stream()
        .map(CommonPrefix::prefix)
        .map(p -> p.substring(prefix.length(), p.length() - 1))
        .forEach(folders::add);
    return folders;
  }

  /** How a key is shown in traces and reports. */
  public String location(String key) {
    return "s3://" + bucket + "/" + key;
  }

  @Override
  public void close() {
    s3.close();
  }
}
