package dev.eventrouter.queues.adapter;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.eventrouter.persistence.job.Job;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Amplitude's HTTP V2 API (https://amplitude.com/docs/apis/analytics/http-v2): {@code {"api_key",
 * "events": [...]}} POSTed to {@code /2/httpapi}. The API key is a secret, by reference, put in the
 * body at each attempt; it is never in a job.
 *
 * <p>Its answers: 200 ingested all; 400 ingested none, naming the events with invalid or missing
 * fields by their index (those are discarded with the field, the others sent again); 413 too large;
 * 429 throttled devices or users, or their daily quota spent (all sent again, after 30 s, as the
 * documentation asks, unless it says otherwise); 5xx sent again.
 *
 * @param endpoint {@code https://api2.amplitude.com/2/httpapi}, or the EU one
 * @param apiKeySecret the secret holding the project's API key
 * @param maxBatch events per request, at most {@link #MAX_EVENTS}
 */
public record AmplitudeAdapter(URI endpoint, String apiKeySecret, int maxBatch)
    implements ApiAdapter {

  public static final String TYPE = "amplitude";

  public static final URI DEFAULT_ENDPOINT = URI.create("https://api2.amplitude.com/2/httpapi");

  /** "fewer than 2000 events per request" (the documentation's upload limit). */
  public static final int MAX_EVENTS = 2000;

  /** Events per request unless set: "no more than 10 events per batch" (Starter plans). */
  public static final int DEFAULT_BATCH = 10;

  /** "Stop sending events for 30 seconds before trying again" after a 429. */
  static final Duration THROTTLED_WAIT = Duration.ofSeconds(30);

  /**
   * The shortest user or device id Amplitude takes when a request says so ({@code options
   * .min_id_length}; 5 when it does not, a 400 naming the event otherwise): Segment sends ids as
   * short as "42", and an event with neither is refused.
   */
  static final int MIN_ID_LENGTH = 1;

  public AmplitudeAdapter {
    if (maxBatch < 1 || maxBatch > MAX_EVENTS) {
      throw new IllegalArgumentException("max-batch must be 1 to " + MAX_EVENTS);
    }
  }

  @Override
  public String type() {
    return TYPE;
  }

  /**
   * "Keep request sizes under 1 MB": the events' payloads up to 800 kB, leaving room for what the
   * mapping changes.
   */
  @Override
  public long maxBatchBytes() {
    return 800_000;
  }

  @Override
  public List<String> secrets() {
    return List.of(apiKeySecret);
  }

  @Override
  public boolean readsBody() {
    return true;
  }

  @Override
  public Optional<String> refuse(Job job) {
    try {
      return event(job).isPresent() ? Optional.empty() : Optional.of(unmapped(job));
    } catch (IllegalArgumentException e) {
      return Optional.of(e.getMessage());
    }
  }

  @Override
  public ApiRequest request(List<Job> jobs, SecretLookup secrets) {
    ObjectNode body = SegmentEvent.JSON.createObjectNode();
    body.put("api_key", secrets.value(apiKeySecret));
    ArrayNode events = body.putArray("events");
    body.putObject("options").put("min_id_length", MIN_ID_LENGTH);
    for (Job job : jobs) {
      events.add(event(job).orElseThrow(() -> new IllegalArgumentException(unmapped(job))));
    }
    try {
      return new ApiRequest(
          endpoint, "application/json", Map.of(), SegmentEvent.JSON.writeValueAsBytes(body));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e); // a tree of nodes always writes
    }
  }

  /** Amplitude's event for the job's, if it maps to one. */
  static Optional<ObjectNode> event(Job job) {
    SegmentEvent in = SegmentEvent.parse(job.payload());
    String userId = in.userId();
    String deviceId = in.anonymousId();
    if (userId == null && deviceId == null) {
      throw new IllegalArgumentException("Amplitude needs a userId or an anonymousId");
    }
    ObjectNode out = SegmentEvent.JSON.createObjectNode();
    if (userId != null) {
      out.put("user_id", userId);
    }
    if (deviceId != null) {
      out.put("device_id", deviceId);
    }
    switch (in.type()) {
      case "track", "page", "screen" -> {
        Optional<String> name = in.eventName();
        if (name.isEmpty()) {
          throw new IllegalArgumentException("a track event needs its event name");
        }
        out.put("event_type", name.get());
        out.set("event_properties", in.propertiesOrEmpty());
      }
      case "identify" -> {
        out.put("event_type", "$identify");
        ObjectNode set = out.putObject("user_properties").putObject("$set");
        if (in.traits() != null) {
          set.setAll(in.traits());
        }
      }
      default -> {
        return Optional.empty();
      }
    }
    out.put("time", in.timestamp().orElse(job.createdAt()).toEpochMilli());
    // Amplitude drops an event whose insert_id it has seen in the last 7 days: a retry is safe
    out.put("insert_id", in.messageId() != null ? in.messageId() : job.id().toString());
    return Optional.of(out);
  }

  private static String unmapped(Job job) {
    String type = SegmentEvent.parse(job.payload()).type();
    return type.equals("alias")
        ? "alias: the HTTP V2 API has no alias (Amplitude's User Mapping API does)"
        : type + ": not an event Amplitude's HTTP V2 API takes";
  }

  @Override
  public List<JobVerdict> classify(List<Job> jobs, ApiResponse response) {
    int n = jobs.size();
    if (response.success()) {
      return Collections.nCopies(n, JobVerdict.DELIVERED);
    }
    JsonNode body = response.json();
    String error = body.path("error").asText("HTTP " + response.status());
    return switch (response.status()) {
      case 400 -> invalid(n, body, error);
      case 413 ->
          n == 1
              ? List.of(new JobVerdict.Discard("Amplitude: event too large (413)"))
              : Collections.nCopies(
                  n, new JobVerdict.Split("Amplitude: batch too large (413): each is sent alone"));
      case 429 -> throttled(jobs, response, body);
      default ->
          response.retryable() || response.status() < 400
              ? Collections.nCopies(
                  n, new JobVerdict.Retry(response.retryAfter(), "Amplitude: " + error))
              : Collections.nCopies(n, new JobVerdict.Discard("Amplitude: " + error));
    };
  }

  /**
   * A 400 ingests nothing. The events it names (an invalid or missing field, an id of a length it
   * refuses, a silenced device) are discarded with the reason; the others are sent again. One that
   * names none refused the request as a whole: a wrong API key is the operator's to fix (retried);
   * anything else, the events' (discarded).
   */
  private static List<JobVerdict> invalid(int n, JsonNode body, String error) {
    List<JobVerdict> verdicts = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      verdicts.add(null);
    }
    boolean named = false;
    named |= mark(verdicts, body.path("events_with_invalid_fields"), "invalid field ");
    named |= mark(verdicts, body.path("events_with_missing_fields"), "missing field ");
    named |= mark(verdicts, body.path("events_with_invalid_id_lengths"), "invalid id length ");
    for (JsonNode index : body.path("silenced_events")) {
      int i = index.asInt(-1);
      if (i >= 0 && i < n && verdicts.get(i) == null) {
        verdicts.set(i, new JobVerdict.Discard("Amplitude: its device is silenced"));
        named = true;
      }
    }
    if (!named) {
      JobVerdict all =
          error.toLowerCase(Locale.ROOT).contains("api_key")
                  || error.toLowerCase(Locale.ROOT).contains("api key")
              ? JobVerdict.retry("Amplitude: " + error)
              : new JobVerdict.Discard("Amplitude: " + error);
      return Collections.nCopies(n, all);
    }
    for (int i = 0; i < n; i++) {
      if (verdicts.get(i) == null) {
        verdicts.set(i, JobVerdict.retry("Amplitude: another event of the request was invalid"));
      }
    }
    return verdicts;
  }

  /** Discards the events a field's indices name: {@code {"time": [3, 17]}}. */
  private static boolean mark(List<JobVerdict> verdicts, JsonNode fields, String what) {
    boolean named = false;
    for (Iterator<Map.Entry<String, JsonNode>> it = fields.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      for (JsonNode index : field.getValue()) {
        int i = index.asInt(-1);
        if (i >= 0 && i < verdicts.size() && verdicts.get(i) == null) {
          verdicts.set(i, new JobVerdict.Discard("Amplitude: " + what + field.getKey()));
          named = true;
        }
      }
    }
    return named;
  }

  /**
   * A 429 ingests nothing: every event is sent again; the reason says which of its user or device
   * was throttled or spent its daily quota.
   */
  private static List<JobVerdict> throttled(List<Job> jobs, ApiResponse response, JsonNode body) {
    Optional<Duration> after = Optional.of(response.retryAfter().orElse(THROTTLED_WAIT));
    List<JobVerdict> verdicts = new ArrayList<>(jobs.size());
    for (Job job : jobs) {
      String reason = "Amplitude: throttled (429)";
      try {
        SegmentEvent event = SegmentEvent.parse(job.payload());
        if (listed(body, "exceeded_daily_quota_users", event.userId())
            || listed(body, "exceeded_daily_quota_devices", event.anonymousId())) {
          reason = "Amplitude: daily quota of its user or device exceeded (429)";
        } else if (listed(body, "throttled_users", event.userId())
            || listed(body, "throttled_devices", event.anonymousId())) {
          reason = "Amplitude: its user or device sends too fast (429)";
        }
      } catch (IllegalArgumentException unreadable) {
        // it was sent, so it was read then; the general reason does
      }
      verdicts.add(new JobVerdict.Retry(after, reason));
    }
    return verdicts;
  }

  private static boolean listed(JsonNode body, String field, String id) {
    return id != null && body.path(field).has(id);
  }
}
