package dev.eventrouter.router.admin;

import static dev.eventrouter.router.admin.AdminJson.error;
import static dev.eventrouter.router.admin.AdminJson.instant;
import static dev.eventrouter.router.admin.AdminJson.json;
import static dev.eventrouter.router.admin.AdminJson.object;
import static dev.eventrouter.router.admin.AdminJson.ok;
import static dev.eventrouter.router.admin.AdminJson.optionalInt;
import static dev.eventrouter.router.admin.AdminJson.optionalText;
import static dev.eventrouter.router.admin.AdminJson.quoted;
import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.queues.VirtualQueue;
import dev.eventrouter.queues.VirtualQueues;
import dev.eventrouter.router.admin.AdminTokens.Scope;
import dev.eventrouter.router.archive.Replayer;
import dev.eventrouter.router.ingest.DeadLetterRedrive;
import dev.eventrouter.router.ingest.Rejection;
import dev.eventrouter.router.metrics.Backlogs;
import dev.eventrouter.router.metrics.Deliveries;
import dev.eventrouter.router.metrics.RecentJobs;
import dev.eventrouter.router.registry.Destination;
import dev.eventrouter.router.registry.InvalidRegistryException;
import dev.eventrouter.router.registry.Registry;
import dev.eventrouter.router.registry.RegistryLoader;
import dev.eventrouter.router.registry.SecretBindings;
import dev.eventrouter.router.registry.SettingsRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;

/**
 * The operator API under {@code /admin} (documented in {@code /admin/openapi.json}): look at pairs,
 * destinations and jobs with a read token; pause, resume, flush and replay with an operate token
 * ({@link AdminAccess}). Every action, allowed or not, is written to the audit log ({@link
 * AdminAudit}). Every bad request gets a 4xx with a JSON {@code error} saying what is wrong ({@link
 * AdminJson}); nothing is changed by it. Here: the routes, by group.
 */
public final class AdminApi extends AllDirectives {

  private static final Duration BODY_TIMEOUT = Duration.ofSeconds(10);
  private static final Set<String> REPLAY_FIELDS =
      Set.of("source", "destination", "from", "to", "force");

  private static final int TOP_DEFAULT = 10;
  private static final int TOP_MAX = 1000;
  private static final Set<String> LIMIT_FIELDS = Set.of("ratePerSecond", "maxInFlight");
  private static final Set<String> REDRIVE_FIELDS = Set.of("reason", "source", "from", "to");

  /** The secrets a registry replacement may send to origins they are not bound to. */
  static final String ACKNOWLEDGE_MOVE = "acknowledge-secret-move";

  /**
   * @param maxBodyBytes of any body but a registry's
   */
  public record Limits(long maxBodyBytes, long maxRegistryBytes) {}

  private final AdminAccess access;
  private final SettingsRegistry registry;
  private final Config registryDefaults;
  private final VirtualQueues queues;
  private final Backlogs backlogs;
  private final ControlsView controls;
  private final Replayer replayer;
  private final Runs<Replayer.Request, Replayer.Report> replays = new Runs<>();
  private final Deliveries deliveries;
  private final RecentJobs recentJobs;
  private final DeadLetterRedrive redrive;
  private final Runs<DeadLetterRedrive.Request, DeadLetterRedrive.Report> redrives = new Runs<>();
  private final Limits limits;
  private final byte[] openApi;

  public AdminApi(
      AdminTokens tokens,
      SettingsRegistry registry,
      Config registryDefaults,
      VirtualQueues queues,
      Backlogs backlogs,
      ControlsView controls,
      Replayer replayer,
      Deliveries deliveries,
      RecentJobs recentJobs,
      DeadLetterRedrive redrive,
      Limits limits) {
    this.backlogs = backlogs;
    this.deliveries = deliveries;
    this.recentJobs = recentJobs;
    this.redrive = redrive;
    this.access = new AdminAccess(tokens);
    this.registry = registry;
    this.registryDefaults = registryDefaults;
    this.queues = queues;
    this.controls = controls;
    this.replayer = replayer;
    this.limits = limits;
    this.openApi = resource("/eventrouter/openapi.json");
  }

  public Route routes() {
    return pathPrefix(
        "admin",
        () ->
            concat(
                path(
                    "openapi.json",
                    () ->
                        get(
                            () ->
                                complete(
                                    HttpResponse.create()
                                        .withEntity(
                                            HttpEntities.create(
                                                ContentTypes.APPLICATION_JSON, openApi))))),
                access.authenticated(
                    caller ->
                        concat(
                            pathPrefix(
                                segment("pairs").slash(segment()).slash(segment()),
                                (source, destination) -> pair(caller, source, destination)),
                            path("pairs", () -> get(() -> largestBacklogs(caller))),
                            // who the token is, so that the console offers only what it may do
                            path(
                                "whoami",
                                () ->
                                    get(
                                        () ->
                                            complete(
                                                ok(
                                                    Map.of(
                                                        "name",
                                                        caller.name(),
                                                        "scope",
                                                        caller
                                                            .scope()
                                                            .name()
                                                            .toLowerCase(Locale.ROOT)))))),
                            path(
                                "destinations",
                                () ->
                                    get(
                                        () ->
                                            access.allowed(
                                                caller,
                                                Scope.READ,
                                                "destinations",
                                                null,
                                                () ->
                                                    CompletableFuture.completedFuture(
                                                        ok(destinations()))))),
                            pathPrefix(
                                segment("destinations").slash(segment()),
                                destination -> destination(caller, destination)),
                            path(
                                "paused",
                                () ->
                                    get(
                                        () ->
                                            access.allowed(
                                                caller,
                                                Scope.READ,
                                                "paused",
                                                null,
                                                () ->
                                                    CompletableFuture.completedFuture(
                                                        ok(controls.state()))))),
                            path(
                                "replay",
                                () ->
                                    post(
                                        () ->
                                            body(
                                                limits.maxBodyBytes(),
                                                body ->
                                                    access.allowed(
                                                        caller,
                                                        Scope.OPERATE,
                                                        "replay",
                                                        body,
                                                        () -> replay(body))))),
                            runStatus(caller, "replays", "replay-status", replays),
                            path(
                                segment("dead-letters").slash("redrive"),
                                () ->
                                    post(
                                        () ->
                                            body(
                                                limits.maxBodyBytes(),
                                                body ->
                                                    access.allowed(
                                                        caller,
                                                        Scope.OPERATE,
                                                        "redrive-dead-letters",
                                                        body,
                                                        () -> redrive(body))))),
                            runStatus(caller, "redrives", "redrive-status", redrives),
                            path(
                                "registry",
                                () ->
                                    concat(
                                        // the text holds destinations' headers, credentials among
                                        // them: operators only
                                        get(
                                            () ->
                                                access.allowed(
                                                    caller,
                                                    Scope.OPERATE,
                                                    "read-registry",
                                                    null,
                                                    () ->
                                                        controls
                                                            .registryText()
                                                            .thenApply(AdminJson::ok))),
                                        put(
                                            () ->
                                                parameterOptional(
                                                    ACKNOWLEDGE_MOVE,
                                                    acknowledged ->
                                                        body(
                                                            limits.maxRegistryBytes(),
                                                            body ->
                                                                access.allowed(
                                                                    caller,
                                                                    Scope.OPERATE,
                                                                    "replace-registry",
                                                                    body.length() + " characters",
                                                                    () ->
                                                                        replaceRegistry(
                                                                            caller,
                                                                            body,
                                                                            names(
                                                                                acknowledged)))))))),
                            complete(
                                error(
                                    StatusCodes.NOT_FOUND,
                                    "no such admin endpoint; see /admin/openapi.json"))))));
  }

  // ---- pairs ----

  private Route pair(AdminTokens.Caller caller, String source, String destination) {
    String target = source + ":" + destination;
    Optional<String> invalid =
        invalidId("source", source).or(() -> invalidId("destination", destination));
    if (invalid.isPresent()) {
      return complete(error(StatusCodes.BAD_REQUEST, invalid.get()));
    }
    PairId pair = new PairId(source, destination);
    Registry current = registry.current();
    if (!current.knowsSource(source) || current.destination(destination).isEmpty()) {
      return complete(
          error(
              StatusCodes.NOT_FOUND,
              "unknown pair " + target + ": the registry has no such source or destination"));
    }
    // a reader looks at what is routed, or at what this node holds: every other source x
    // destination of the registry would have its queue started (and remembered) by a look
    if (!caller.may(Scope.OPERATE) && registry.route(pair).isEmpty() && !backlogs.holds(pair)) {
      return complete(
          error(
              StatusCodes.NOT_FOUND,
              "pair "
                  + target
                  + " is not routed (its source does not send to that destination): a read token"
                  + " does not wake its queue, an operate token does"));
    }
    return concat(
        pathEnd(
            () ->
                get(
                    () ->
                        access.allowed(
                            caller,
                            Scope.READ,
                            "pair-stats",
                            target,
                            () ->
                                queues
                                    .stats(pair)
                                    .thenApply(stats -> ok(pairStats(pair, stats)))))),
        path(
            "jobs",
            () ->
                get(
                    () ->
                        access.allowed(
                            caller,
                            Scope.READ,
                            "recent-jobs",
                            target,
                            () ->
                                CompletableFuture.completedFuture(
                                    ok(Map.of("jobs", recentJobs.of(pair))))))),
        path(
            segment("jobs").slash(segment()),
            jobId ->
                get(
                    () -> {
                      Ksuid id;
                      try {
                        id = Ksuid.parse(jobId);
                      } catch (IllegalArgumentException e) {
                        return complete(
                            error(StatusCodes.BAD_REQUEST, "job id: " + e.getMessage()));
                      }
                      return access.allowed(
                          caller,
                          Scope.READ,
                          "job-trace",
                          target + "/" + id,
                          () ->
                              queues
                                  .trace(pair, id)
                                  .thenApply(
                                      trace ->
                                          trace.steps().isEmpty()
                                              ? error(
                                                  StatusCodes.NOT_FOUND,
                                                  "job "
                                                      + id
                                                      + " is not in "
                                                      + target
                                                      + " (never, or finished long enough ago that its events were compacted)")
                                              : ok(trace)));
                    })),
        lever(caller, "pause", target, () -> controls.pause(OperatorControls.Target.pair(pair))),
        lever(caller, "resume", target, () -> controls.resume(OperatorControls.Target.pair(pair))),
        lever(caller, "flush", target, () -> queues.flushToArchive(pair)),
        lever(caller, "retry-now", target, () -> queues.retryNow(pair)),
        path(
            "limits",
            () ->
                concat(
                    put(
                        () ->
                            body(
                                limits.maxBodyBytes(),
                                body ->
                                    access.allowed(
                                        caller,
                                        Scope.OPERATE,
                                        "set-limits",
                                        target + " " + body,
                                        () -> setLimits(pair, body)))),
                    delete(
                        () ->
                            access.allowed(
                                caller,
                                Scope.OPERATE,
                                "clear-limits",
                                target,
                                () ->
                                    controls
                                        .setLimits(
                                            pair, new OperatorControls.PairLimits(null, null))
                                        .thenApply(
                                            state ->
                                                ok(
                                                    Map.of(
                                                        "pair", target, "limits", Map.of()))))))));
  }

  private CompletionStage<HttpResponse> setLimits(PairId pair, String body) {
    OperatorControls.PairLimits set;
    try {
      JsonNode json = object(body, LIMIT_FIELDS);
      set =
          new OperatorControls.PairLimits(
              optionalInt(json, "ratePerSecond"), optionalInt(json, "maxInFlight"));
    } catch (IllegalArgumentException e) {
      return CompletableFuture.completedFuture(error(StatusCodes.BAD_REQUEST, e.getMessage()));
    }
    return controls
        .setLimits(pair, set)
        .thenApply(
            state ->
                ok(
                    Map.of(
                        "pair",
                        pair.entityId(),
                        "limits",
                        state.limitsOf(pair).map(l -> (Object) l).orElse(Map.of()))));
  }

  // ---- the settings registry ----

  /**
   * Checks the text as the registry file is checked at start; stores it only if it is valid and
   * sends no secret where it is not bound, unless the caller acknowledged that secret's move.
   */
  private CompletionStage<HttpResponse> replaceRegistry(
      AdminTokens.Caller caller, String text, Set<String> acknowledged) {
    Registry parsed;
    try {
      parsed = RegistryLoader.parseText(text, registryDefaults);
    } catch (InvalidRegistryException e) {
      return CompletableFuture.completedFuture(error(StatusCodes.BAD_REQUEST, e.getMessage()));
    }
    return controls
        .replaceRegistry(text, SecretBindings.of(parsed), acknowledged)
        .thenApply(
            answer -> {
              if (!answer.refused().isEmpty()) {
                return error(
                    StatusCodes.CONFLICT,
                    "the registry sends secrets where they are not bound: "
                        + answer.refused().stream()
                            .map(Object::toString)
                            .collect(Collectors.joining("; "))
                        + ". If that is meant, send it again with ?"
                        + ACKNOWLEDGE_MOVE
                        + "="
                        + answer.refused().stream()
                            .map(SecretBindings.Move::secret)
                            .distinct()
                            .collect(Collectors.joining(","))
                        + " (written to the audit log)");
              }
              answer.moved().forEach(move -> AdminAudit.secretMoved(caller, move));
              return ok(
                  Map.of(
                      "version", answer.state().registryVersion(),
                      "destinations", parsed.destinations().size(),
                      "sources", parsed.routes().size()));
            });
  }

  /** {@code A,B} as a set of names. */
  private static Set<String> names(Optional<String> list) {
    return list.map(
            text ->
                Arrays.stream(text.split(","))
                    .map(String::trim)
                    .filter(n -> !n.isEmpty())
                    .collect(Collectors.toUnmodifiableSet()))
        .orElse(Set.of());
  }

  private static Map<String, Object> pairStats(PairId pair, VirtualQueue.QueueStats stats) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("source", pair.source());
    body.put("destination", pair.destination());
    body.put("depth", stats.pending());
    body.put("inFlight", stats.inFlight());
    body.put("awaitingRetry", stats.awaitingRetry());
    body.put("archiving", stats.archiving());
    body.put(
        "oldestJobAgeSeconds",
        stats.oldestJobAt() == null
            ? null
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
        pathEnd(
            () ->
                get(
                    () ->
                        access.allowed(
                            caller,
                            Scope.READ,
                            "destination-summary",
                            destination,
                            () -> summary(destination)))),
        lever(caller, "pause", destination, () -> controls.pause(target)),
        lever(caller, "resume", destination, () -> controls.resume(target)));
  }

  /**
   * {@code POST .../<action>}: an operator's lever on the target, with the operate scope, audited
   * under the action's name.
   */
  private Route lever(
      AdminTokens.Caller caller, String action, String target, Supplier<CompletionStage<?>> pull) {
    return path(
        action,
        () ->
            post(
                () ->
                    access.allowed(
                        caller,
                        Scope.OPERATE,
                        action,
                        target,
                        () -> pull.get().thenApply(AdminJson::ok))));
  }

  /**
   * Its pairs on this node: their summed depth and the largest backlogs, from what the queues
   * report (no queue is woken to answer), with its breaker and whether it is paused.
   */
  private CompletionStage<HttpResponse> summary(String destination) {
    Map<PairId, Integer> pairs = backlogs.ofDestination(destination);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("destination", destination);
    body.put(
        "paused",
        controls.state().paused().contains(OperatorControls.Target.destination(destination)));
    body.put("breaker", String.valueOf(queues.breakers().states().getOrDefault(destination, null)));
    List<String> routedFrom =
        registry.current().routes().entrySet().stream()
            .filter(
                routes ->
                    routes.getValue().stream()
                        .anyMatch(r -> r.destination().id().equals(destination)))
            .map(Map.Entry::getKey)
            .sorted()
            .toList();
    body.put("sources", routedFrom.size());
    // where an operator goes from here to a pair: the first ones by name
    body.put("routedFrom", routedFrom.subList(0, Math.min(routedFrom.size(), TOP_MAX)));
    body.put("pairsWithJobs", pairs.size());
    body.put("depth", pairs.values().stream().mapToLong(Integer::longValue).sum());
    body.put(
        "largestBacklogs",
        pairs.entrySet().stream()
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
    return parameterOptional(
        "top",
        top -> {
          int limit;
          try {
            limit = top.map(Integer::parseInt).orElse(TOP_DEFAULT);
          } catch (NumberFormatException e) {
            return complete(
                error(StatusCodes.BAD_REQUEST, "top must be a whole number from 1 to " + TOP_MAX));
          }
          if (limit < 1 || limit > TOP_MAX) {
            return complete(
                error(StatusCodes.BAD_REQUEST, "top must be a whole number from 1 to " + TOP_MAX));
          }
          return access.allowed(
              caller,
              Scope.READ,
              "largest-backlogs",
              null,
              () ->
                  CompletableFuture.completedFuture(
                      ok(
                          Map.of(
                              "pairs",
                              backlogs.largest(limit).stream()
                                  .map(
                                      e ->
                                          new Backlog(
                                              e.getKey().source(),
                                              e.getKey().destination(),
                                              e.getValue()))
                                  .toList()))));
        });
  }

  /**
   * Every destination of the registry with what this node knows of it: its jobs held here, its
   * attempts here since the node started (a caller derives rates from two looks), its breaker,
   * whether it is paused, its per-pair limits, and its adaptive concurrency limit on this node with
   * the requests under way within it (absent before its first request here).
   */
  private Map<String, Object> destinations() {
    Registry current = registry.current();
    Map<String, Long> depths = backlogs.byDestination();
    Map<String, Deliveries.Counts> counts = deliveries.counts();
    Map<String, ?> breakers = queues.breakers().states();
    Map<String, Integer> limits = queues.limits().limits();
    Map<String, Integer> inUse = queues.limits().inUse();
    Set<OperatorControls.Target> paused = Set.copyOf(controls.state().paused());
    return Map.of(
        "at",
        Instant.now(),
        "destinations",
        current.destinations().values().stream()
            .sorted(Comparator.comparing(Destination::id))
            .map(
                d -> {
                  Deliveries.Counts attempts =
                      counts.getOrDefault(d.id(), new Deliveries.Counts(0, 0));
                  Map<String, Object> row = new LinkedHashMap<>();
                  row.put("destination", d.id());
                  row.put("enabled", d.enabled());
                  row.put("depth", depths.getOrDefault(d.id(), 0L));
                  row.put("delivered", attempts.delivered());
                  row.put("failed", attempts.failed());
                  row.put("breaker", String.valueOf(breakers.getOrDefault(d.id(), null)));
                  row.put("paused", paused.contains(OperatorControls.Target.destination(d.id())));
                  row.put("maxInFlightPerPair", d.delivery().maxInFlightPerPair());
                  row.put("ratePerSecond", d.delivery().ratePerSecond());
                  if (limits.containsKey(d.id())) {
                    row.put("concurrencyLimit", limits.get(d.id()));
                    row.put("concurrencyInUse", inUse.getOrDefault(d.id(), 0));
                  }
                  return row;
                })
            .toList());
  }

  /** {@code GET /admin/<kind>/<id>}: how a run on this node went, or goes. */
  private Route runStatus(AdminTokens.Caller caller, String kind, String action, Runs<?, ?> runs) {
    return path(
        segment(kind).slash(segment()),
        id ->
            get(
                () ->
                    access.allowed(
                        caller,
                        Scope.READ,
                        action,
                        null,
                        () ->
                            CompletableFuture.completedFuture(
                                runs.get(id)
                                    .map(AdminJson::ok)
                                    .orElseGet(
                                        () ->
                                            error(
                                                StatusCodes.NOT_FOUND,
                                                "no "
                                                    + action.replace("-status", "")
                                                    + " "
                                                    + quoted(id)
                                                    + " on this node (the latest "
                                                    + Runs.KEPT
                                                    + " are kept)"))))));
  }

  // ---- dead letters ----

  private CompletionStage<HttpResponse> redrive(String body) {
    DeadLetterRedrive.Request request;
    try {
      request = redriveRequest(body);
    } catch (IllegalArgumentException e) {
      return CompletableFuture.completedFuture(error(StatusCodes.BAD_REQUEST, e.getMessage()));
    }
    Runs.Run<DeadLetterRedrive.Request, DeadLetterRedrive.Report> started =
        redrives.start(request, (id, progress) -> redrive.redrive(request));
    return CompletableFuture.completedFuture(
        json(StatusCodes.ACCEPTED, started)
            .addHeader(RawHeader.create("Location", "/admin/redrives/" + started.id())));
  }

  static DeadLetterRedrive.Request redriveRequest(String body) {
    JsonNode json = object(body, REDRIVE_FIELDS);
    String label = optionalText(json, "reason");
    String fixable =
        Arrays.stream(Rejection.values())
            .filter(Rejection::fixable)
            .map(Rejection::label)
            .collect(Collectors.joining(", "));
    if (label == null) {
      throw new IllegalArgumentException("reason is required, one of: " + fixable);
    }
    Rejection reason =
        Rejection.ofLabel(label)
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "unknown reason '" + quoted(label) + "'; re-drivable: " + fixable));
    if (!reason.fixable()) {
      throw new IllegalArgumentException(
          "dead letters of reason "
              + label
              + " would be refused again as they are: only "
              + fixable
              + " can be re-driven");
    }
    String source = optionalText(json, "source");
    if (source != null) {
      invalidId("source", source)
          .ifPresent(
              message -> {
                throw new IllegalArgumentException(message);
              });
    }
    Instant from = instant(json, "from");
    Instant to = instant(json, "to");
    if (!from.isBefore(to)) {
      throw new IllegalArgumentException("from must be before to");
    }
    // the dead letters' times, as Kafka keeps them: milliseconds since 1970, which it seeks by
    if (from.isBefore(Instant.EPOCH) || to.isAfter(LATEST_RECORD_TIME)) {
      throw new IllegalArgumentException(
          "from and to must be within " + Instant.EPOCH + " and " + LATEST_RECORD_TIME);
    }
    return new DeadLetterRedrive.Request(reason, source, from, to);
  }

  /** The latest time a re-drive's range may end at: no record is later than a job's id can be. */
  private static final Instant LATEST_RECORD_TIME = Ksuid.LATEST;

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
    Runs.Run<Replayer.Request, Replayer.Report> started =
        replays.start(request, (id, progress) -> replayer.replay(id, request, progress));
    return CompletableFuture.completedFuture(
        json(StatusCodes.ACCEPTED, started)
            .addHeader(RawHeader.create("Location", "/admin/replays/" + started.id())));
  }

  static Replayer.Request replayRequest(String body) {
    JsonNode json = object(body, REPLAY_FIELDS);
    String source = optionalText(json, "source");
    String destination = optionalText(json, "destination");
    if (destination == null) {
      throw new IllegalArgumentException("destination is required");
    }
    invalidId("destination", destination)
        .ifPresent(
            message -> {
              throw new IllegalArgumentException(message);
            });
    if (source != null) {
      invalidId("source", source)
          .ifPresent(
              message -> {
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

  /** The request's body as text, at most {@code maxBodyBytes} of it (413 beyond). */
  private Route body(long maxBodyBytes, Function<String, Route> inner) {
    return extractMaterializer(
        materializer ->
            extractRequestEntity(
                entity -> {
                  if (entity.getContentLengthOption().orElse(0L) > maxBodyBytes) {
                    return complete(tooLarge(maxBodyBytes));
                  }
                  return onComplete(
                      entity.toStrict(BODY_TIMEOUT.toMillis(), maxBodyBytes, materializer),
                      strict -> {
                        if (strict.isSuccess()) {
                          return inner.apply(strict.get().getData().utf8String());
                        }
                        Throwable failure = strict.failed().get();
                        return complete(
                            tooLarge(failure)
                                ? tooLarge(maxBodyBytes)
                                : error(
                                    StatusCodes.BAD_REQUEST,
                                    "the body could not be read: " + failure.getMessage()));
                      });
                }));
  }

  private static HttpResponse tooLarge(long maxBodyBytes) {
    return error(
        StatusCodes.PAYLOAD_TOO_LARGE, "the body is larger than " + maxBodyBytes + " bytes");
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

  private static Optional<String> invalidId(String what, String id) {
    return PairId.ID.matcher(id).matches()
        ? Optional.empty()
        : Optional.of(what + " must match " + PairId.ID.pattern() + ", not '" + quoted(id) + "'");
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
