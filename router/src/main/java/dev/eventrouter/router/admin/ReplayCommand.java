package dev.eventrouter.router.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code replay}: asks a running router, through its admin API, to put archived jobs back into
 * their queues. The token comes from the environment, never from the command line (where any user
 * of the machine could read it).
 */
@Command(
    name = "replay",
    description = {
      "Re-enqueues archived jobs of a destination (one source, or all) created in [from, to),",
      "with a fresh expiry. Jobs replayed before are skipped unless --force; a job its queue",
      "still holds is not added twice. Needs an operate token: in ROUTER_ADMIN_TOKEN, or in a",
      "file given with --token-file."
    })
public final class ReplayCommand implements Callable<Integer> {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration POLL = Duration.ofSeconds(1);

  @Spec CommandSpec spec;

  @Option(names = "--destination", required = true, description = "The destination's id.")
  String destination;

  @Option(
      names = "--source",
      description = "One source; default: every source archived for the destination.")
  String source;

  @Option(
      names = "--from",
      required = true,
      description = "Earliest creation time, ISO-8601 (2026-11-26T00:00:00Z).")
  Instant from;

  @Option(
      names = "--to",
      required = true,
      description = "Latest creation time (exclusive), ISO-8601.")
  Instant to;

  @Option(names = "--force", description = "Replay jobs replayed before too.")
  boolean force;

  @Option(
      names = "--url",
      defaultValue = "http://127.0.0.1:8080",
      description = "The router's HTTP address (default: ${DEFAULT-VALUE}).")
  URI url;

  @Option(
      names = "--token-file",
      description =
          "A file holding the operate token (e.g. a mounted Kubernetes Secret); default: ROUTER_ADMIN_TOKEN.")
  Path tokenFile;

  @Option(
      names = "--timeout",
      defaultValue = "PT1H",
      description =
          "How long to wait for the replay to finish (default: ${DEFAULT-VALUE}; it goes on after).")
  Duration timeout;

  /**
   * Exit codes: 0 the replay is done; 1 it failed, or the router could not be reached or answered
   * otherwise; 2 a usage mistake (no token, an unreadable token file). A mistake is said in one
   * line, never with the token in it.
   */
  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    String token;
    try {
      token =
          (tokenFile != null
                  ? Files.readString(tokenFile)
                  : Objects.requireNonNullElse(System.getenv("ROUTER_ADMIN_TOKEN"), ""))
              .strip();
    } catch (IOException e) {
      err.println(
          "replay: cannot read the token file "
              + tokenFile
              + " ("
              + e.getClass().getSimpleName()
              + ")");
      return 2;
    }
    if (token.isEmpty()) {
      err.println(
          "replay: set ROUTER_ADMIN_TOKEN, or --token-file, to an operate token of the router");
      return 2;
    }
    if (token.chars().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c))) {
      err.println("replay: the operate token has spaces or control characters inside it");
      return 2;
    }
    try {
      return replay(out, err, token);
    } catch (IOException e) {
      err.println("replay: cannot reach the router at " + url + " (" + e + ")");
      return 1;
    }
  }

  private int replay(PrintWriter out, PrintWriter err, String token)
      throws IOException, InterruptedException {
    String body =
        "{"
            + (source == null ? "" : "\"source\":" + quote(source) + ",")
            + "\"destination\":"
            + quote(destination)
            + ",\"from\":\""
            + from
            + "\",\"to\":\""
            + to
            + "\",\"force\":"
            + force
            + "}";
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    HttpResponse<String> started =
        http.send(
            HttpRequest.newBuilder(url.resolve("/admin/replay"))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (started.statusCode() != 202) {
      err.println("replay: the router answered " + started.statusCode() + ": " + started.body());
      return 1;
    }
    URI status = url.resolve(started.headers().firstValue("Location").orElseThrow());
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      HttpResponse<String> replay =
          http.send(
              HttpRequest.newBuilder(status)
                  .timeout(Duration.ofSeconds(30))
                  .header("Authorization", "Bearer " + token)
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      JsonNode json = JSON.readTree(replay.body());
      if (replay.statusCode() != 200) {
        err.println(
            "replay: asking about "
                + status
                + " the router answered "
                + replay.statusCode()
                + ": "
                + replay.body());
        return 1;
      }
      if (!"RUNNING".equals(json.path("status").asText())) {
        out.println(replay.body());
        return "DONE".equals(json.path("status").asText()) ? 0 : 1;
      }
      Thread.sleep(POLL.toMillis());
    }
    err.println("replay: still running after " + timeout + "; ask " + status);
    return 1;
  }

  /**
   * A JSON string of an id (ids are checked by the router; quotes and backslashes escaped here).
   */
  private static String quote(String text) {
    return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
