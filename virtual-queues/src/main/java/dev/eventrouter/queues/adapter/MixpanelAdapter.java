package dev.eventrouter.queues.adapter;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.eventrouter.persistence.job.Job;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Mixpanel's Import Events API (https://docs.mixpanel.com/reference/import-events): a JSON array of
 * {@code {"event", "properties"}} POSTed to {@code /import?strict=1}, with Basic authentication by
 * a service account (and the project id) or by the project token; both by reference.
 *
 * <p>Its answers: 200 imported all; 400 imported all but the {@code failed_records}, each named by
 * its index with the field and the message (those are discarded, the others delivered: the
 * documentation calls a 400 "a partial success"); 401 and 403 credentials refused (retried: the
 * operator's to fix); 413 too large; 429 the project's rate (retried with backoff); 5xx retried.
 *
 * @param endpoint {@code https://api.mixpanel.com/import}, or the EU or India one
 * @param projectId the project's id; required with a service account
 * @param maxBatch events per request, at most {@link #MAX_EVENTS}
 */
public record MixpanelAdapter(URI endpoint, String projectId, Credentials credentials, int maxBatch)
    implements ApiAdapter {

  public static final String TYPE = "mixpanel";

  public static final URI DEFAULT_ENDPOINT = URI.create("https://api.mixpanel.com/import");

  /** "We accept up to 2000 events ... per request." */
  public static final int MAX_EVENTS = 2000;

  /** What Mixpanel takes as {@code $insert_id}: at most 36 of these. */
  private static final Pattern INSERT_ID = Pattern.compile("[A-Za-z0-9-]{1,36}");

  /** How the request authenticates: Basic, with secrets looked up at each attempt. */
  public sealed interface Credentials {}

  /**
   * @param username the service account's user name (not secret)
   * @param secretName the secret holding the service account's secret
   */
  public record ServiceAccount(String username, String secretName) implements Credentials {}

  /**
   * @param secretName the secret holding the project token (sent as the user, no password)
   */
  public record ProjectToken(String secretName) implements Credentials {}

  public MixpanelAdapter {
    if (maxBatch < 1 || maxBatch > MAX_EVENTS) {
      throw new IllegalArgumentException("max-batch must be 1 to " + MAX_EVENTS);
    }
    if (credentials instanceof ServiceAccount && (projectId == null || projectId.isBlank())) {
      throw new IllegalArgumentException("project-id is required with a service account");
    }
  }

  @Override
  public String type() {
    return TYPE;
  }

  /** "10MB uncompressed per request": the events' payloads up to 8 MB. */
  @Override
  public long maxBatchBytes() {
    return 8_000_000;
  }

  @Override
  public List<String> secrets() {
    return List.of(
        credentials instanceof ServiceAccount account
            ? account.secretName()
            : ((ProjectToken) credentials).secretName());
  }

  @Override
  public boolean readsBody() {
    return true;
  }

  @Override
  public Optional<String> refuse(Job job) {
    try {
      event(job);
      return Optional.empty();
    } catch (IllegalArgumentException e) {
      return Optional.of(e.getMessage());
    }
  }

  @Override
  public ApiRequest request(List<Job> jobs, SecretLookup secrets) {
    ArrayNode events = SegmentEvent.JSON.createArrayNode();
    for (Job job : jobs) {
      events.add(event(job));
    }
    String user;
    String password;
    if (credentials instanceof ServiceAccount account) {
      user = account.username();
      password = secrets.value(account.secretName());
    } else {
      user = secrets.value(((ProjectToken) credentials).secretName());
      password = "";
    }
    String basic =
        Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    try {
      return new ApiRequest(
          target(),
          "application/json",
          Map.of("Authorization", "Basic " + basic),
          SegmentEvent.JSON.writeValueAsBytes(events));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e); // a tree of nodes always writes
    }
  }

  /** Strict mode: Mixpanel validates each event and names those it refused. */
  URI target() {
    String query = "strict=1";
    if (projectId != null) {
      query += "&project_id=" + URLEncoder.encode(projectId, StandardCharsets.UTF_8);
    }
    return URI.create(endpoint + (endpoint.getRawQuery() == null ? "?" : "&") + query);
  }

  /**
   * Mixpanel's event for the job's: track, page and screen are events; identify, group and alias
   * change profiles, which go to other APIs than /import.
   */
  static ObjectNode event(Job job) {
    SegmentEvent in = SegmentEvent.parse(job.payload());
    Optional<String> name = in.eventName();
    if (name.isEmpty()) {
      throw new IllegalArgumentException(
          in.type().equals("track")
              ? "a track event needs its event name"
              : in.type() + ": profiles and aliases are not imported by Mixpanel's /import");
    }
    ObjectNode out = SegmentEvent.JSON.createObjectNode();
    out.put("event", name.get());
    ObjectNode properties = out.putObject("properties");
    properties.setAll(in.propertiesOrEmpty());
    properties.put("time", in.timestamp().orElse(job.createdAt()).toEpochMilli());
    // an event of nobody is "" (the documentation's rule), never a placeholder it rejects
    String distinctId = in.userId() != null ? in.userId() : in.anonymousId();
    properties.put("distinct_id", distinctId == null ? "" : distinctId);
    if (in.userId() != null) {
      properties.put("$user_id", in.userId());
    }
    if (in.anonymousId() != null) {
      properties.put("$device_id", in.anonymousId());
    }
    properties.put(
        "$insert_id", insertId(in.messageId() != null ? in.messageId() : job.id().toString()));
    return out;
  }

  /**
   * Mixpanel deduplicates on {@code $insert_id}, which makes a retry safe; it takes at most 36
   * letters, digits and dashes, so another message id is hashed to 36 of them (as its documentation
   * advises).
   */
  static String insertId(String messageId) {
    if (INSERT_ID.matcher(messageId).matches()) {
      return messageId;
    }
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256").digest(messageId.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash).substring(0, 36);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e); // every Java runtime has SHA-256
    }
  }

  @Override
  public List<JobVerdict> classify(List<Job> jobs, ApiResponse response) {
    int n = jobs.size();
    if (response.success()) {
      return Collections.nCopies(n, JobVerdict.DELIVERED);
    }
    JsonNode body = response.json();
    String error = "Mixpanel: " + body.path("error").asText("HTTP " + response.status());
    return switch (response.status()) {
      case 400 -> partial(n, body, error);
      case 401, 403 ->
          Collections.nCopies(
              n,
              JobVerdict.retry(
                  error + " (" + response.status() + "): check the destination's credentials"));
      case 413 ->
          n == 1
              ? List.of(new JobVerdict.Discard(error + " (413)"))
              : Collections.nCopies(n, new JobVerdict.Split(error + " (413): each is sent alone"));
      default ->
          response.retryable() || response.status() < 400
              ? Collections.nCopies(n, new JobVerdict.Retry(response.retryAfter(), error))
              : Collections.nCopies(n, new JobVerdict.Discard(error));
    };
  }

  /**
   * A 400 imported all but the failed records: those are discarded with their field and message.
   * One that names none refused the request as a whole.
   */
  private static List<JobVerdict> partial(int n, JsonNode body, String error) {
    JsonNode failed = body.path("failed_records");
    if (!failed.isArray() || failed.isEmpty()) {
      return Collections.nCopies(n, new JobVerdict.Discard(error));
    }
    List<JobVerdict> verdicts = new ArrayList<>(Collections.nCopies(n, JobVerdict.DELIVERED));
    for (JsonNode record : failed) {
      int i = record.path("index").asInt(-1);
      if (i >= 0 && i < n) {
        String message = record.path("message").asText(record.path("field").asText("invalid"));
        verdicts.set(i, new JobVerdict.Discard("Mixpanel: " + message));
      }
    }
    return verdicts;
  }
}
