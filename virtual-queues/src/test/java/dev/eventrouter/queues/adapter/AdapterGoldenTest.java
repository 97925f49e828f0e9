package dev.eventrouter.queues.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.testing.JobFixtures;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The third-party adapters against their documentation's examples (src/test/resources/adapters:
 * each folder's README names the example each file reproduces): events in, request out; answer in,
 * a verdict per event out.
 */
class AdapterGoldenTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static final Map<String, String> SECRETS =
      Map.of(
          "AMPLITUDE_API_KEY", "API_KEY",
          "MIXPANEL_SA_SECRET", "sa-secret",
          "MIXPANEL_TOKEN", "project-token");

  private static final PairId PAIR = new PairId("web", "analytics");

  private static final Instant ACCEPTED = Instant.parse("2024-01-02T03:04:05Z");

  @TestFactory
  Stream<DynamicTest> amplitude() {
    return cases(
        "amplitude",
        List.of(
            "request-track",
            "request-identify-page",
            "request-short-ids",
            "response-200",
            "response-400",
            "response-400-ids",
            "response-400-whole",
            "response-413",
            "response-413-batch",
            "response-429",
            "response-503"));
  }

  @TestFactory
  Stream<DynamicTest> mixpanel() {
    return cases(
        "mixpanel",
        List.of(
            "request-service-account",
            "request-project-token",
            "response-200",
            "response-400",
            "response-401",
            "response-413",
            "response-413-batch",
            "response-429",
            "response-429-retry-after"));
  }

  private static Stream<DynamicTest> cases(String vendor, List<String> names) {
    return names.stream()
        .map(
            name ->
                DynamicTest.dynamicTest(
                    vendor + "/" + name,
                    () -> {
                      JsonNode golden = read("/adapters/" + vendor + "/" + name + ".json");
                      ApiAdapter adapter = adapter(vendor, golden);
                      if (name.startsWith("request-")) {
                        assertRequest(adapter, golden);
                      } else {
                        assertOutcomes(adapter, golden);
                      }
                    }));
  }

  private static ApiAdapter adapter(String vendor, JsonNode golden) {
    if (vendor.equals("amplitude")) {
      return new AmplitudeAdapter(AmplitudeAdapter.DEFAULT_ENDPOINT, "AMPLITUDE_API_KEY", 2000);
    }
    boolean token = golden.path("credentials").asText().equals("project-token");
    return new MixpanelAdapter(
        MixpanelAdapter.DEFAULT_ENDPOINT,
        token ? null : "12345",
        token
            ? new MixpanelAdapter.ProjectToken("MIXPANEL_TOKEN")
            : new MixpanelAdapter.ServiceAccount("sa.username", "MIXPANEL_SA_SECRET"),
        2000);
  }

  private static void assertRequest(ApiAdapter adapter, JsonNode golden) throws IOException {
    List<Job> jobs = jobs(golden);
    jobs.forEach(job -> assertThat(adapter.refuse(job)).isEmpty());
    ApiRequest request = adapter.request(jobs, SECRETS::get);
    JsonNode expected = golden.get("request");
    assertThat(request.endpoint()).hasToString(expected.get("url").asText());
    assertThat(request.headers()).isEqualTo(JSON.convertValue(expected.get("headers"), Map.class));
    assertThat(request.contentType()).isEqualTo("application/json");
    assertThat(JSON.readTree(request.body())).isEqualTo(expected.get("body"));
  }

  private static void assertOutcomes(ApiAdapter adapter, JsonNode golden) throws IOException {
    List<Job> jobs = jobs(golden);
    Optional<Duration> retryAfter =
        golden.has("retryAfter")
            ? Optional.of(Duration.ofSeconds(golden.get("retryAfter").asLong()))
            : Optional.empty();
    ApiResponse response =
        new ApiResponse(
            golden.get("status").asInt(), retryAfter, JSON.writeValueAsBytes(golden.get("body")));
    List<String> outcomes =
        adapter.classify(jobs, response).stream().map(AdapterGoldenTest::describe).toList();
    assertThat(outcomes)
        .containsExactlyElementsOf(JSON.convertValue(golden.get("outcomes"), List.class));
  }

  static String describe(JobVerdict verdict) {
    if (verdict instanceof JobVerdict.Retry retry) {
      return "retry"
          + retry.after().map(after -> " after " + after).orElse("")
          + (retry.reason() == null ? "" : ": " + retry.reason());
    }
    if (verdict instanceof JobVerdict.Split split) {
      return "split: " + split.reason();
    }
    if (verdict instanceof JobVerdict.Discard discard) {
      return "discard" + (discard.reason() == null ? "" : ": " + discard.reason());
    }
    return "delivered";
  }

  /** The file's events as jobs, or {@code count} generated track events. */
  private static List<Job> jobs(JsonNode golden) throws IOException {
    List<Job> jobs = new ArrayList<>();
    if (golden.has("events")) {
      for (JsonNode event : golden.get("events")) {
        jobs.add(job(event.path("messageId").asText("m" + jobs.size()), event));
      }
    } else {
      for (int i = 0; i < golden.get("count").asInt(); i++) {
        jobs.add(
            job(
                "m" + i,
                JSON.createObjectNode()
                    .put("type", "track")
                    .put("userId", "user-" + i)
                    .put("event", "Event " + i)
                    .put("messageId", "m" + i)));
      }
    }
    return jobs;
  }

  private static Job job(String messageId, JsonNode event) throws IOException {
    return JobFixtures.job(
        PAIR, messageId, "https://unused.example", ACCEPTED, JSON.writeValueAsBytes(event));
  }

  private static JsonNode read(String resource) {
    try (InputStream in = AdapterGoldenTest.class.getResourceAsStream(resource)) {
      return JSON.readTree(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
