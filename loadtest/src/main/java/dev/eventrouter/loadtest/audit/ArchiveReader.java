package dev.eventrouter.loadtest.audit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eventrouter.loadtest.scenario.Scenario.ArchiveLocation;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Reads the router's archive as any S3 client can: gzip NDJSON objects under the prefix, one job
 * per line with its {@code destination} and {@code messageId} (and its id, payload and trace).
 */
public final class ArchiveReader {

  private static final JsonFactory JSON = new JsonFactory();
  private static final ObjectMapper TREES = new ObjectMapper();

  private ArchiveReader() {}

  /** destination -> messageIds archived there; empty when the bucket does not exist yet. */
  public static Map<String, Set<String>> archived(ArchiveLocation location) {
    Map<String, Set<String>> archived = new HashMap<>();
    eachObject(location, in -> read(in, archived));
    return archived;
  }

  /**
   * Every archived job as stored, one JSON object per line of every object (a job archived twice is
   * there twice); empty when the bucket does not exist yet.
   */
  public static List<JsonNode> records(ArchiveLocation location) {
    List<JsonNode> records = new ArrayList<>();
    eachObject(
        location,
        in -> {
          BufferedReader lines =
              new BufferedReader(
                  new InputStreamReader(new GZIPInputStream(in), StandardCharsets.UTF_8));
          for (String line = lines.readLine(); line != null; line = lines.readLine()) {
            if (!line.isBlank()) {
              records.add(TREES.readTree(line));
            }
          }
        });
    return records;
  }

  private interface ObjectReader {
    void read(InputStream gzipped) throws IOException;
  }

  private static void eachObject(ArchiveLocation location, ObjectReader reader) {
    try (S3Client s3 =
        S3Client.builder()
            .endpointOverride(URI.create(location.endpoint()))
            .region(Region.of(location.region()))
            .forcePathStyle(true)
            .credentialsProvider(
                StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(location.accessKeyId(), location.secretAccessKey())))
            .build()) {
      for (S3Object object :
          s3.listObjectsV2Paginator(
                  ListObjectsV2Request.builder()
                      .bucket(location.bucket())
                      .prefix(location.prefix() + "/")
                      .build())
              .contents()) {
        try (ResponseInputStream<GetObjectResponse> in =
            s3.getObject(
                GetObjectRequest.builder().bucket(location.bucket()).key(object.key()).build())) {
          reader.read(in);
        } catch (NoSuchKeyException | IOException listedWhileWritten) {
          // an object listed while S3 still writes it is read on the next look
        }
      }
    } catch (NoSuchBucketException nothingArchivedYet) {
      // nothing to read
    }
  }

  static void read(InputStream gzipped, Map<String, Set<String>> into) throws IOException {
    BufferedReader lines =
        new BufferedReader(
            new InputStreamReader(new GZIPInputStream(gzipped), StandardCharsets.UTF_8));
    for (String line = lines.readLine(); line != null; line = lines.readLine()) {
      String destination = null;
      String messageId = null;
      try (JsonParser json = JSON.createParser(line)) {
        if (json.nextToken() != JsonToken.START_OBJECT) {
          continue;
        }
        while (json.nextToken() == JsonToken.FIELD_NAME
            && (destination == null || messageId == null)) {
          String field = json.currentName();
          json.nextToken();
          if (field.equals("destination")) {
            destination = json.getText();
          } else if (field.equals("messageId")) {
            messageId = json.getText();
          }
          json.skipChildren();
        }
      }
      if (destination != null && messageId != null) {
        into.computeIfAbsent(destination, d -> new HashSet<>()).add(messageId);
      }
    }
  }
}
