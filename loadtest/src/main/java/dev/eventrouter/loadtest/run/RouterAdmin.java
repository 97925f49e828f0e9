package dev.eventrouter.loadtest.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/** One router node's operator API ({@code /admin}), called as an operator's script calls it. */
public final class RouterAdmin {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String routerUrl;
  private final String token;

  /**
   * @param routerUrl the node's HTTP address, e.g. http://127.0.0.1:8080
   */
  public RouterAdmin(String routerUrl, String token) {
    this.routerUrl = routerUrl;
    this.token = token;
  }

  /**
   * PUT /admin/registry.
   *
   * @throws IllegalStateException when the router refuses it
   */
  public void replaceRegistry(String registry) throws IOException, InterruptedException {
    HttpResponse<String> response =
        http.send(
            request("/admin/registry")
                .header("Content-Type", "text/plain")
                .PUT(HttpRequest.BodyPublishers.ofString(registry))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() / 100 != 2) {
      throw new IllegalStateException(
          "the router refused the registry: " + response.statusCode() + " " + response.body());
    }
  }

  /**
   * Waits until this node knows the pair: a registry replaced on one node is in force on each
   * within a second or so, and events produced before would meet an unknown source and be
   * dead-lettered.
   */
  public void awaitPair(String source, String destination, Duration timeout)
      throws InterruptedException {
    HttpRequest pair = request("/admin/pairs/" + source + "/" + destination).build();
    RouterProcess.await(
        "the registry in force at " + routerUrl,
        timeout,
        () -> {
          try {
            return http.send(pair, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
          } catch (IOException e) {
            return false;
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
          }
        });
  }

  /**
   * GET /admin/pairs/{source}/{destination}/jobs/{jobId}: {@code {"jobId", "live", "steps":
   * [...]}}; empty when the node has no trace of it (never had the job, or compacted its events).
   *
   * @throws IOException also when the router answers anything but 200 or 404
   */
  public Optional<JsonNode> trace(String source, String destination, String jobId)
      throws IOException, InterruptedException {
    HttpResponse<String> response =
        http.send(
            request(
                    "/admin/pairs/"
                        + source
                        + "/"
                        + destination
                        + "/jobs/"
                        + URLEncoder.encode(jobId, StandardCharsets.UTF_8))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() == 404) {
      return Optional.empty();
    }
    if (response.statusCode() != 200) {
      throw new IOException(
          "trace of " + jobId + ": " + response.statusCode() + " " + response.body());
    }
    return Optional.of(JSON.readTree(response.body()));
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(routerUrl + path))
        .timeout(Duration.ofSeconds(30))
        .header("Authorization", "Bearer " + token);
  }
}
