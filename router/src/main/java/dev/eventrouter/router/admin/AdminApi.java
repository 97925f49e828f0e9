package dev.eventrouter.router.admin;

import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.typesafe.config.Config;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.serialization.JobJacksonModule;
import dev.eventrouter.queues.VirtualQueue;
import dev.eventrouter.queues.VirtualQueues;
import dev.eventrouter.router.archive.Replayer;
import dev.eventrouter.router.metrics.Backlogs;
import dev.eventrouter.router.registry.Registry;
import dev.eventrouter.router.registry.InvalidRegistryException;
import dev.eventrouter.router.registry.RegistryLoader;
import dev.eventrouter.router.registry.SecretBindings;
import dev.eventrouter.router.registry.SettingsRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator API under {@code /admin} (documented in {@code /admin/openapi.json}): look at
 * pairs, destinations and jobs with a read token; pause, resume, flush and replay with an
 * operate token. Every action, allowed or not, is written to the audit log (logger {@code
 * eventrouter.audit}) with the caller's token name, never the token. Every bad request gets a
 * 4xx with a JSON {@code error} saying what is wrong; nothing is changed by it.
 */
public final class AdminApi extends AllDirectives {

  private static final Logger audit = LoggerFactory.getLogger("eventrouter.audit");
  private static final ObjectMapper JSON = JsonMapper.builder()
      .addModule(new JavaTimeModule())
      .addModule(new JobJacksonModule())
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      // an operator's {"maxInFlight":1,"maxInFlight":50} is refused rather than guessed at
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .serializationInclusion(JsonInclude.Include.NON_NULL)
      .build();
  private static final Duration BODY_TIMEOUT = Duration.ofSeconds(10);
  private static final Set<String> REPLAY_FIELDS = Set.of("source", "destination", "from", "to", "force");

  private static final int TOP_DEFAULT = 10;
  private static final int TOP_MAX = 1000;
  private static final Set<String> LIMIT_FIELDS = Set.of("ratePerSecond", "maxInFlight");
  /** The secrets a registry replacement may send to origins they are not bound to. */
  static final String ACKNOWLEDGE_MOVE = "acknowledge-secret-move";

  /** @param maxBodyBytes of any body but a registry's */
  public record Limits(long maxBodyBytes, long maxRegistryBytes) {}

  private final AdminTokens tokens;
  private final SettingsRegistry registry;
  private final Config registryDefaults;
  private final VirtualQueues queues;
  private final Backlogs backlogs;
  private final ControlsView controls;
  private final Replayer replayer;
  private final Replays replays = new Replays();
  private final Limits limits;
  private final byte[] openApi;

  public AdminApi(AdminTokens tokens, SettingsRegistry registry, Config registryDefaults,
      VirtualQueues queues, Backlogs backlogs, ControlsView controls, Replayer replayer, Limits limits) {
    this.backlogs = backlogs;
    this.tokens = tokens;
    this.registry = registry;
    this.registryDefaults = registryDefaults;
    this.queues = queues;
    this.controls = controls;
    this.replayer = replayer;
    this.limits = limits;
    this.openApi = resource("/eventrouter/openapi.json");
  }

  public Route routes() {
    return pathPrefix("admin", () -> concat(
        path("openapi.json", () -> get(() -> complete(HttpResponse.create()
            .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, openApi))))),
        authenticated(caller -> concat(
            pathPrefix(segment("pairs").slash(segment()).slash(segment()), (source, destination) ->
                pair(caller, source, destination)),
            path("pairs", () -> get(() -> largestBacklogs(caller))),
            pathPrefix(segment("destinations").slash(segment()), destination ->
                destination(caller, destination)),
            path("paused", () -> get(() -> allowed(caller, AdminTokens.Scope.READ, "paused", null, () ->
                CompletableFuture.completedFuture(ok(controls.state()))))),
            path("replay", () -> post(() -> body(limits.maxBodyBytes(), body ->
                allowed(caller, AdminTokens.Scope.OPERATE, "replay", body, () -> replay(body))))),
            path(segment("replays").slash(segment()), id -> get(() ->
                allowed(caller, AdminTokens.Scope.READ, "replay-status", null, () ->
                    CompletableFuture.completedFuture(replays.get(id).map(AdminApi::ok)
                        .orElseGet(() -> error(StatusCodes.NOT_FOUND, "no replay " + truncate(id)
                            + " on this node (the latest " + Replays.KEPT + " are kept)")))))),
            path("registry", () -> concat(
                // the text holds destinations' headers, credentials among them: operators only
                get(() -> allowed(caller, AdminTokens.Scope.OPERATE, "read-registry", null, () ->
                    controls.registry().thenApply(AdminApi::ok))),
                put(() -> parameterOptional(ACKNOWLEDGE_MOVE, acknowledged ->
                    body(limits.maxRegistryBytes(), body ->
                        allowed(caller, AdminTokens.Scope.OPERATE, "replace-registry",
                            body.length() + " characters", () -> replaceRegistry(caller, body, names(acknowledged)))))))),
            complete(error(StatusCodes.NOT_FOUND, "no such admin endpoint; see /admin/openapi.json"))))));
  }

  // ---- pairs ----

  private Route pair(AdminTokens.Caller caller, String source, String destination) {
    String target = source + ":" + destination;
    Optional<String> invalid = invalidId("source", source).or(() -> invalidId("destination", destination));
    if (invalid.isPresent()) {
      return complete(error(StatusCodes.BAD_REQUEST, invalid.get()));
    }
    PairId pair = new PairId(source, destination);
    Registry current = registry.current();
    if (!current.knowsSource(source) || current.destination(destination).isEmpty()) {
      return complete(error(StatusCodes.NOT_FOUND, "unknown pair " + target
          + ": the registry has no such source or destination"));
    }
    return concat(
        pathEnd(() -> get(() -> allowed(caller, AdminTokens.Scope.READ, "pair-stats", target, () ->
            queues.stats(pair).thenApply(stats -> ok(pairStats(pair, stats)))))),
        path(segment("jobs").slash(segment()), jobId -> get(() -> {
          Ksuid id;
          try {
            id = Ksuid.parse(jobId);
          } catch (IllegalArgumentException e) {
            return complete(error(StatusCodes.BAD_REQUEST, "job id: " + e.getMessage()));
          }
          return allowed(caller, AdminTokens.Scope.READ, "job-trace", target + "/" + id, () ->
              queues.trace(pair, id).thenApply(trace -> trace.steps().isEmpty()
                  ? error(StatusCodes.NOT_FOUND, "job " + id + " is not in " + target
                      + " (never, or finished long enough ago that its events were compacted)")
                  : ok(trace)));
        })),
        path("pause", () -> post(() -> allowed(caller, AdminTokens.Scope.OPERATE, "pause", target, () ->
            controls.pause(OperatorControls.Target.pair(pair)).thenApply(AdminApi::ok)))),
        path("resume", () -> post(() -> allowed(caller, AdminTokens.Scope.OPERATE, "resume", target, () ->
            controls.resume(OperatorControls.Target.pair(pair)).thenApply(AdminApi::ok)))),
        path("flush", () -> post(() -> allowed(caller, AdminTokens.Scope.OPERATE, "flush", target, () ->
            queues.flushToArchive(pair).thenApply(AdminApi::ok)))),
        path("retry-now", () -> post(() -> allowed(caller, AdminTokens.Scope.OPERATE, "retry-now", target, () ->
            queues.retryNow(pair).thenApply(AdminApi::ok)))),
        path("limits", () -> concat(
            put(() -> body(limits.maxBodyBytes(), body ->
                allowed(caller, AdminTokens.Scope.OPERATE, "set-limits", target + " " + body, () ->
                    setLimits(pair, body)))),
            delete(() -> allowed(caller, AdminTokens.Scope.OPERATE, "clear-limits", target, () ->
                controls.setLimits(pair, new OperatorControls.PairLimits(null, null))
                    .thenApply(state -> ok(Map.of("pair", target, "limits", Map.of()))))))));
  }

  private CompletionStage<HttpResponse> setLimits(PairId pair, String body) {
    OperatorControls.PairLimits set;
    try {
      JsonNode json = object(body, LIMIT_FIELDS);
      set = new OperatorControls.PairLimits(optionalInt(json, "ratePerSecond"), optionalInt(json, "maxInFlight"));
    } catch (IllegalArgumentException e) {
      return CompletableFuture.completedFuture(error(StatusCodes.BAD_REQUEST, e.getMessage()));
    }
    return controls.setLimits(pair, set).thenApply(state ->
        ok(Map.of("pair", pair.entityId(), "limits", state.limitsOf(pair).map(l -> (Object) l).orElse(Map.of()))));
  }

  private static Integer optionalInt(JsonNode json, String field) {
    JsonNode node = json.get(field);
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.canConvertToInt() || !node.isIntegralNumber()) {
      throw new IllegalArgumentException(field + " must be a whole number (or null for the destination's)");
    }
    return node.asInt();
  }

  // ---- the settings registry ----

  /**
   * Checks the text as the registry file is checked at start; stores it only if it is valid and
   * sends no secret where it is not bound, unless the caller acknowledged that secret's move.
   */
  private CompletionStage<HttpResponse> replaceRegistry(AdminTokens.Caller caller, String text,
      Set<String> acknowledged) {
    Registry parsed;
    try {
      parsed = RegistryLoader.parseText(text, registryDefaults);
    } catch (InvalidRegistryException e) {
      return CompletableFuture.completedFuture(error(StatusCodes.BAD_REQUEST, e.getMessage()));
    }
    return controls.replaceRegistry(text, SecretBindings.of(parsed), acknowledged).thenApply(answer -> {
      if (!answer.refused().isEmpty()) {
        return error(StatusCodes.CONFLICT, "the registry sends secrets where they are not bound: "
            + answer.refused().stream().map(Object::toString).collect(Collectors.joining("; "))
            + ". If that is meant, send it again with ?" + ACKNOWLEDGE_MOVE + "="
            + answer.refused().stream().map(SecretBindings.Move::secret).distinct()
                .collect(Collectors.joining(",")) + " (written to the audit log)");
      }
      for (SecretBindings.Move move : answer.moved()) {
        audit.atWarn().addKeyValue("caller", caller.name()).addKeyValue("action", "move-secret")
            .addKeyValue("secret", move.secret()).addKeyValue("from", String.join(",", new TreeSet<>(move.boundTo())))
            .addKeyValue("to", move.to())
            .log("admin move-secret by {}: {}, moved there as acknowledged", caller.name(), move);
      }
      return ok(Map.of(
          "version", answer.state().registryVersion(),
          "destinations", parsed.destinations().size(),
          "sources", parsed.routes().size()));
    });
  }

  /** {@code A,B} as a set of names. */
  private static Set<String> names(Optional<String> list) {
    return list.map(text -> Arrays.stream(text.split(",")).map(String::trim).filter(n -> !n.isEmpty())
        .collect(Collectors.toUnmodifiableSet())).orElse(Set.of());
  }

  private static Map<String, Object> pairStats(PairId pair, VirtualQueue.QueueStats stats) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("source", pair.source());
    body.put("destination", pair.destination());
    body.put("depth", stats.pending());
    body.put("inFlight", stats.inFlight());
    body.put("awaitingRetry", stats.awaitingRetry());
    body.put("archiving", stats.archiving());
    body.put("oldestJobAgeSeconds", stats.oldestJobAt() == null ? null
        : Duration.between(stats.oldestJobAt(), Instant.now()).toSeconds());
    body.put("ratePerSecond", stats.rateLimit());
    body.put("maxInFlight", stats.maxInFlight());
    body.put("breaker", stats.breaker());
    body.put("paused", stats.paused());
    body.put("lastError", stats.lastError());
    body.put("lastErrorAt", stats.lastErrorAt());
    return body;
  }

  // ---- destinations ----

  private Route destination(AdminTokens.Caller caller, String destination) {
    Optional<String> invalid = invalidId("destination", destination);
    if (invalid.isPresent()) {
      return complete(error(StatusCodes.BAD_REQUEST, invalid.get()));
    }
    if (registry.current().destination(destination).isEmpty()) {
      return complete(error(StatusCodes.NOT_FOUND, "unknown destination " + destination));
    }
    OperatorControls.Target target = OperatorControls.Target.destination(destination);
    return concat(
        pathEnd(() -> get(() -> allowed(caller, AdminTokens.Scope.READ, "destination-summary", destination, () ->
            summary(destination)))),
        path("pause", () -> post(() -> allowed(caller, AdminTokens.Scope.OPERATE, "pause", destination, () ->
            controls.pause(target).thenApply(AdminApi::ok)))),
        path("resume", () -> post(() -> allowed(caller, AdminTokens.Scope.OPERATE, "resume", destination, () ->
            controls.resume(target).thenApply(AdminApi::ok)))));
  }

  /**
   * Its pairs on this node: their summed depth and the largest backlogs, from what the queues
   * report (no queue is woken to answer), with its breaker and whether it is paused.
   */
  private CompletionStage<HttpResponse> summary(String destination) {
    Map<PairId, Integer> pairs = backlogs.ofDestination(destination);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("destination", destination);
    body.put("paused", controls.state().paused().contains(OperatorControls.Target.destination(destination)));
    body.put("breaker", String.valueOf(queues.breakers().states().getOrDefault(destination, null)));
    body.put("sources", registry.current().routes().values().stream()
        .filter(routes -> routes.stream().anyMatch(r -> r.destination().id().equals(destination))).count());
    body.put("pairsWithJobs", pairs.size());
    body.put("depth", pairs.values().stream().mapToLong(Integer::longValue).sum());
    body.put("largestBacklogs", pairs.entrySet().stream()
        .sorted(Map.Entry.<PairId, Integer>comparingByValue().reversed())
        .limit(TOP_DEFAULT)
        .map(e -> new Backlog(e.getKey().source(), null, e.getValue()))
        .toList());
    return CompletableFuture.completedFuture(ok(body));
  }

  /** A pair's jobs held, as listed. */
  record Backlog(String source, String destination, int depth) {}

  /** The pairs on this node holding the most jobs. */
  private Route largestBacklogs(AdminTokens.Caller caller) {
    return parameterOptional("top", top -> {
      int limit;
      try {
        limit = top.map(Integer::parseInt).orElse(TOP_DEFAULT);
      } catch (NumberFormatException e) {
        return complete(error(StatusCodes.BAD_REQUEST, "top must be a whole number from 1 to " + TOP_MAX));
      }
      if (limit < 1 || limit > TOP_MAX) {
        return complete(error(StatusCodes.BAD_REQUEST, "top must be a whole number from 1 to " + TOP_MAX));
      }
      return allowed(caller, AdminTokens.Scope.READ, "largest-backlogs", null, () ->
          CompletableFuture.completedFuture(ok(Map.of("pairs", backlogs.largest(limit).stream()
              .map(e -> new Backlog(e.getKey().source(), e.getKey().destination(), e.getValue()))
              .toList()))));
    });
  }

  // ---- replay ----

  private CompletionStage<HttpResponse> replay(String body) {
    Replayer.Request request;
    try {
      request = replayRequest(body);
    } catch (IllegalArgumentException e) {
      return CompletableFuture.completedFuture(error(StatusCodes.BAD_REQUEST, e.getMessage()));
    }
    if (registry.current().destination(request.destination()).isEmpty()) {
      return CompletableFuture.completedFuture(
          error(StatusCodes.NOT_FOUND, "unknown destination " + request.destination()));
    }
    Replays.Replay started = replays.start(replayer, request);
    return CompletableFuture.completedFuture(json(StatusCodes.ACCEPTED, started)
        .addHeader(RawHeader.create("Location", "/admin/replays/" + started.id())));
  }

  static Replayer.Request replayRequest(String body) {
    JsonNode json = object(body, REPLAY_FIELDS);
    String source = optionalText(json, "source");
    String destination = optionalText(json, "destination");
    if (destination == null) {
      throw new IllegalArgumentException("destination is required");
    }
    invalidId("destination", destination).ifPresent(message -> {
      throw new IllegalArgumentException(message);
    });
    if (source != null) {
      invalidId("source", source).ifPresent(message -> {
        throw new IllegalArgumentException(message);
      });
    }
    Instant from = instant(json, "from");
    Instant to = instant(json, "to");
    JsonNode force = json.get("force");
    if (force != null && !force.isBoolean()) {
      throw new IllegalArgumentException("force must be true or false");
    }
    if (!from.isBefore(to)) {
      throw new IllegalArgumentException("from must be before to");
    }
    return new Replayer.Request(source, destination, from, to, force != null && force.asBoolean());
  }

  /** The body as a JSON object with only these fields. */
  private static JsonNode object(String body, Set<String> fields) {
    JsonNode json;
    try {
      json = JSON.readTree(body);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("the body is not JSON: " + e.getOriginalMessage());
    }
    if (json == null || !json.isObject()) {
      throw new IllegalArgumentException("the body must be a JSON object with the fields " + fields);
    }
    for (Iterator<String> names = json.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!fields.contains(name)) {
        throw new IllegalArgumentException("unknown field '" + truncate(name) + "'; known: " + fields);
      }
    }
    return json;
  }

  private static String optionalText(JsonNode json, String field) {
    JsonNode node = json.get(field);
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isTextual()) {
      throw new IllegalArgumentException(field + " must be a string");
    }
    return node.asText();
  }

  private static Instant instant(JsonNode json, String field) {
    String text = optionalText(json, field);
    if (text == null) {
      throw new IllegalArgumentException(field + " is required (an ISO-8601 instant, e.g. 2026-11-26T10:00:00Z)");
    }
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(field + " is not an ISO-8601 instant (e.g. 2026-11-26T10:00:00Z): " + text);
    }
  }

  /** The request's body as text, at most {@code maxBodyBytes} of it (413 beyond). */
  private Route body(long maxBodyBytes, Function<String, Route> inner) {
    return extractMaterializer(materializer -> extractRequestEntity(entity -> {
      if (entity.getContentLengthOption().orElse(0L) > maxBodyBytes) {
        return complete(tooLarge(maxBodyBytes));
      }
      return onComplete(entity.toStrict(BODY_TIMEOUT.toMillis(), maxBodyBytes, materializer), strict -> {
        if (strict.isSuccess()) {
          return inner.apply(strict.get().getData().utf8String());
        }
        Throwable failure = strict.failed().get();
        return complete(tooLarge(failure) ? tooLarge(maxBodyBytes)
            : error(StatusCodes.BAD_REQUEST, "the body could not be read: " + failure.getMessage()));
      });
    }));
  }

  private static HttpResponse tooLarge(long maxBodyBytes) {
    return error(StatusCodes.PAYLOAD_TOO_LARGE, "the body is larger than " + maxBodyBytes + " bytes");
  }

  /** A body sent without its length (chunked) and over the limit. */
  private static boolean tooLarge(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof EntityStreamSizeException) {
        return true;
      }
    }
    return false;
  }

  // ---- authentication, authorization, audit ----

  private Route authenticated(Function<AdminTokens.Caller, Route> inner) {
    return optionalHeaderValueByName("Authorization", header -> {
      if (tokens.isEmpty()) {
        return complete(error(StatusCodes.SERVICE_UNAVAILABLE,
            "the admin API has no tokens configured (ROUTER_ADMIN_TOKEN, ROUTER_ADMIN_READ_TOKEN)"));
      }
      if (header.isEmpty() || !header.get().regionMatches(true, 0, "Bearer ", 0, 7)) {
        return complete(unauthorized("an Authorization: Bearer <token> header is required"));
      }
      Optional<AdminTokens.Caller> caller = tokens.caller(header.get().substring(7).trim());
      if (caller.isEmpty()) {
        audit.atWarn().addKeyValue("action", "authenticate").addKeyValue("outcome", "refused")
            .log("admin request with an unknown token refused");
        return complete(unauthorized("the token is not valid"));
      }
      return inner.apply(caller.get());
    });
  }

  /** Runs the action if the caller's scope allows it; audits what was done, or refused. */
  private Route allowed(AdminTokens.Caller caller, AdminTokens.Scope needed, String action, String target,
      Supplier<CompletionStage<HttpResponse>> run) {
    if (!caller.may(needed)) {
      auditLog(caller, needed, action, target, 403);
      return complete(error(StatusCodes.FORBIDDEN, "the token '" + caller.name() + "' may only read; "
          + action + " needs the operate scope"));
    }
    CompletionStage<HttpResponse> response;
    try {
      response = run.get();
    } catch (RuntimeException e) {
      response = CompletableFuture.failedFuture(e);
    }
    return completeWithFuture(response
        .exceptionally(failure -> error(StatusCodes.SERVICE_UNAVAILABLE, action + " failed, try again: "
            + (failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure)))
        .thenApply(done -> {
          auditLog(caller, needed, action, target, done.status().intValue());
          return done;
        }));
  }

  private static void auditLog(AdminTokens.Caller caller, AdminTokens.Scope needed, String action,
      String target, int status) {
    if (needed == AdminTokens.Scope.READ && status < 400) {
      return; // looking is not an operator action
    }
    audit.atInfo().addKeyValue("caller", caller.name()).addKeyValue("action", action)
        .addKeyValue("target", target == null ? "" : truncate(target)).addKeyValue("status", status)
        .log("admin {} {} by {}: {}", action, target == null ? "" : truncate(target), caller.name(), status);
  }

  private static String truncate(String text) {
    return text.length() <= 512 ? text : text.substring(0, 512) + "...";
  }

  private static Optional<String> invalidId(String what, String id) {
    return PairId.ID.matcher(id).matches() ? Optional.empty()
        : Optional.of(what + " must match " + PairId.ID.pattern() + ", not '" + truncate(id) + "'");
  }

  // ---- responses ----

  static HttpResponse ok(Object body) {
    return json(StatusCodes.OK, body);
  }

  static HttpResponse error(StatusCode status, String message) {
    return json(status, Map.of("error", message));
  }

  private static HttpResponse unauthorized(String message) {
    return error(StatusCodes.UNAUTHORIZED, message)
        .addHeader(RawHeader.create("WWW-Authenticate", "Bearer realm=\"eventrouter-admin\""));
  }

  private static HttpResponse json(StatusCode status, Object body) {
    try {
      return HttpResponse.create().withStatus(status)
          .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, JSON.writeValueAsBytes(body)));
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] resource(String name) {
    try (InputStream in = AdminApi.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException(name + " is missing from the classpath");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
