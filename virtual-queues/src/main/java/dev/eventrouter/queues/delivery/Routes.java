package dev.eventrouter.queues.delivery;

import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.queues.adapter.ApiAdapter;
import dev.eventrouter.queues.adapter.ApiRequest;
import dev.eventrouter.queues.destination.WebhookSigning;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes each attempt's {@link OutgoingRequest}. What the requests of one route (destination,
 * endpoint, headers) share is worked out once per route: the endpoint parsed and checked, the pool
 * and request target, the literal headers checked. Per request remain the job's own headers (id,
 * message id, attempt, source), the secrets, looked up at every attempt so that a secret changed or
 * added is used from the next one, and the signature of a destination that signs: made here, once
 * per attempt, so that every client sends the same.
 */
final class Routes {

  private static final Logger log = LoggerFactory.getLogger(Routes.class);

  /** Headers the HTTP layer writes itself; a job may not set them. */
  private static final Set<String> MANAGED_HEADERS =
      Set.of("content-type", "content-length", "host", "transfer-encoding", "connection");

  /**
   * Routes kept; past it they are all forgotten and worked out again. A bound in case the registry
   * keeps changing endpoints or headers: a node has a route per destination and header set in use,
   * far fewer.
   */
  private static final int MAX_ROUTES = 10_000;

  private final Secrets secrets;
  private final String userAgent;
  private final Clock clock;
  private final Map<Key, Route> routes = new ConcurrentHashMap<>();

  /**
   * @param userAgent the {@code User-Agent} of requests whose job sets none
   * @param clock the time of each attempt, which its signature carries
   */
  Routes(Secrets secrets, String userAgent, Clock clock) {
    this.secrets = secrets;
    this.userAgent = userAgent;
    this.clock = clock;
  }

  private record Key(String destination, String endpoint, Map<String, String> headers) {}

  /** A header as the route has it: a literal, checked, or the name of a secret to look up. */
  private record Slot(String name, String literal, String secret) {}

  private record Route(PoolKey pool, String target, ContentType contentType, List<Slot> headers) {}

  OutgoingRequest.Prepared prepare(DeliveryRequest request) {
    DeliveryRequest sending = request;
    try {
      if (request.destination().adapter() instanceof ApiAdapter api) {
        sending = refuse(request, api);
        if (sending == null) {
          return new OutgoingRequest.Answered();
        }
        return new OutgoingRequest.Ready(make(sending, api), sending);
      }
      return new OutgoingRequest.Ready(make(request), request);
    } catch (MissingSecretException e) {
      // the operator may yet provide it: the job waits, retried with backoff
      return new OutgoingRequest.NotMade(sending, DeliveryOutcome.SECRET_MISSING);
    } catch (InvalidSecretException e) {
      // the operator may yet fix it: the job waits, retried with backoff; the message has the
      // secret's name and what is wrong, never its value
      log.warn("destination {}: {}", request.destination().id(), e.getMessage());
      return new OutgoingRequest.NotMade(sending, DeliveryOutcome.SECRET_INVALID);
    } catch (IllegalArgumentException e) {
      // no attempt can ever succeed (an endpoint or a literal header the HTTP model refuses): the
      // job is discarded, by the system, with the reason. Not logged: a message could quote a
      // header's value.
      return new OutgoingRequest.NotMade(sending, DeliveryOutcome.INVALID_REQUEST);
    }
  }

  /**
   * Answers at once the jobs the API cannot take, discarded with the adapter's reason; the others
   * go on, in a request of their own. Null when none is left.
   */
  private DeliveryRequest refuse(DeliveryRequest request, ApiAdapter api) {
    List<DeliveryRequest.Sent> kept = new ArrayList<>(request.jobs().size());
    List<DeliveryOutcome> refusedOutcomes = new ArrayList<>();
    Instant now = clock.instant();
    for (DeliveryRequest.Sent sent : request.jobs()) {
      Optional<String> refused = api.refuse(sent.job());
      if (refused.isPresent()) {
        refusedOutcomes.add(
            new DeliveryOutcome(
                sent.job().id(),
                sent.attempt(),
                now,
                now,
                0,
                DeliveryOutcome.INVALID_EVENT,
                Optional.empty(),
                null,
                refused.get()));
      } else {
        kept.add(sent);
      }
    }
    if (!refusedOutcomes.isEmpty()) {
      request.replyTo().tell(new DeliveryOutcomes(refusedOutcomes));
    }
    if (kept.isEmpty()) {
      return null;
    }
    return kept.size() == request.jobs().size() ? request : request.only(kept);
  }

  private OutgoingRequest make(DeliveryRequest request) {
    Job job = request.job();
    Route route = route(new Key(request.destination().id(), job.endpoint(), job.headers()));
    List<OutgoingRequest.Header> headers = new ArrayList<>(route.headers().size() + 4);
    for (Slot slot : route.headers()) {
      headers.add(
          new OutgoingRequest.Header(
              slot.name(), slot.secret() == null ? slot.literal() : secretValue(slot.secret())));
    }
    String requestId = requestId(request);
    headers.add(new OutgoingRequest.Header("Idempotency-Key", requestId));
    byte[] body = job.payload();
    if (request.jobs().size() == 1) {
      headers.add(fromEvent("X-Message-Id", job.messageId()));
    } else {
      headers.add(
          new OutgoingRequest.Header("X-Batch-Size", Integer.toString(request.jobs().size())));
      body = jsonArray(request.jobList());
    }
    headers.add(
        new OutgoingRequest.Header("X-Delivery-Attempt", Integer.toString(request.attempt())));
    // lets a destination rate-limit or account per tenant, as Segment's destinations can
    headers.add(new OutgoingRequest.Header("X-Source-Id", job.pair().source()));
    if (request.trace() != null) {
      headers.add(fromEvent("traceparent", request.trace().traceparent()));
      if (request.trace().tracestate() != null) {
        headers.add(fromEvent("tracestate", request.trace().tracestate()));
      }
    }
    WebhookSigning signing = request.destination().signing();
    if (signing.signs()) {
      headers.addAll(signature(signing, requestId, body));
    }
    return new OutgoingRequest(route.pool(), route.target(), route.contentType(), headers, body);
  }

  /**
   * What names a request to its receiver, which drops one it has processed: a job's id, or for a
   * batch a digest of its jobs' ids ({@code batch_} and 32 hex digits). Not the batch's first job:
   * batches are made afresh at each pass, and a job whose attempt timed out (processed all the
   * same) may lead another batch, whose other events would then be dropped with it. The same jobs
   * sent again, in any order, carry the same id.
   */
  static String requestId(DeliveryRequest request) {
    if (request.jobs().size() == 1) {
      return request.job().id().toString();
    }
    MessageDigest sha256;
    try {
      sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
    request.jobs().stream()
        .map(sent -> sent.job().id().toString())
        .sorted()
        .forEach(id -> sha256.update((id + ",").getBytes(StandardCharsets.US_ASCII)));
    return "batch_" + HexFormat.of().formatHex(sha256.digest(), 0, 16);
  }

  /**
   * A third-party API's request, as its adapter makes it from the event and its settings: the job's
   * endpoint and headers are not used (the adapter's settings hold them, and its secrets are never
   * in a job).
   */
  private OutgoingRequest make(DeliveryRequest request, ApiAdapter api) {
    Job job = request.job();
    ApiRequest made = api.request(request.jobList(), this::secretValue);
    List<OutgoingRequest.Header> headers = new ArrayList<>(made.headers().size() + 3);
    // the adapter's values may come from the event
    made.headers().forEach((name, value) -> headers.add(fromEvent(name, value)));
    headers.add(new OutgoingRequest.Header("User-Agent", userAgent));
    if (request.jobs().size() == 1) {
      headers.add(fromEvent("X-Message-Id", job.messageId()));
    }
    headers.add(
        new OutgoingRequest.Header("X-Delivery-Attempt", Integer.toString(request.attempt())));
    URI endpoint = made.endpoint();
    return new OutgoingRequest(
        PoolKey.of(request.destination().id(), endpoint),
        target(endpoint),
        contentType(made.contentType()),
        headers,
        made.body());
  }

  /**
   * A header whose value comes with the event (a message id journaled before the ingest refused
   * control characters, a trace's context), checked at each request since the route's checks never
   * see it: no client writes a line break or another control character into a request. Such an
   * attempt is an invalid request, the value in no message. The route's own values were checked
   * once, when it was worked out.
   */
  private static OutgoingRequest.Header fromEvent(String name, String value) {
    HeaderText.controlCharacter(value)
        .ifPresent(
            problem -> {
              throw new IllegalArgumentException("header " + name + ": " + problem);
            });
    return new OutgoingRequest.Header(name, value);
  }

  /** The route, worked out on first use; one that cannot be made is not kept. */
  private Route route(Key key) {
    Route route = routes.get(key);
    if (route == null) {
      route = route(key.destination(), key.endpoint(), key.headers());
      if (routes.size() >= MAX_ROUTES) {
        routes.clear();
      }
      routes.put(key, route);
    }
    return route;
  }

  private Route route(String destination, String endpointText, Map<String, String> jobHeaders) {
    URI endpoint = HttpEndpoint.parse(endpointText);
    List<Slot> headers = new ArrayList<>(jobHeaders.size() + 1);
    // events are JSON; a job carries a Content-Type only where its destination sets one (and
    // jobs written by versions that gave each job application/json)
    ContentType contentType = ContentTypes.APPLICATION_JSON;
    boolean ownUserAgent = false;
    for (Map.Entry<String, String> header : jobHeaders.entrySet()) {
      String name = header.getKey().toLowerCase(Locale.ROOT);
      if (name.equals("content-type")) {
        contentType = contentType(header.getValue());
      } else if (!MANAGED_HEADERS.contains(name)) {
        ownUserAgent |= name.equals("user-agent");
        headers.add(slot(header.getKey(), header.getValue()));
      }
    }
    if (!ownUserAgent) {
      headers.add(new Slot("User-Agent", userAgent, null));
    }
    return new Route(
        PoolKey.of(destination, endpoint), target(endpoint), contentType, List.copyOf(headers));
  }

  /**
   * Path and query as they go on the request line: ASCII, what is not percent-encoded (UTF-8). A
   * parsed URI holds no space or control character; checked here all the same, once per route,
   * since the Netty client does not check the request line again for each request.
   */
  private static String target(URI endpoint) {
    String target = endpoint.getRawPath().isEmpty() ? "/" : endpoint.getRawPath();
    if (endpoint.getRawQuery() != null) {
      target = target + "?" + endpoint.getRawQuery();
    }
    for (int i = 0; i < target.length(); i++) {
      char c = target.charAt(i);
      if (c <= 0x20 || c == 0x7f) {
        throw new IllegalArgumentException("the endpoint's path or query holds a space or control");
      }
      if (c > 0x7f) {
        return target(URI.create(endpoint.toASCIIString()));
      }
    }
    return target;
  }

  /**
   * A job's header, checked, so that the HTTP layer never drops it (and logs its value) on the way
   * out; a value that refers to a secret is looked up (and checked) at each attempt.
   */
  private static Slot slot(String name, String value) {
    HeaderText.invalidName(name)
        .ifPresent(
            problem -> {
              throw new IllegalArgumentException(problem);
            });
    Optional<String> secret = value == null ? Optional.empty() : Secrets.referenced(value);
    if (secret.isPresent()) {
      return new Slot(name, null, secret.get());
    }
    HeaderText.invalidValue(value)
        .ifPresent(
            problem -> {
              throw new IllegalArgumentException("header " + name + ": " + problem);
            });
    return new Slot(name, value, null);
  }

  /**
   * The signature headers: the job's id (the same at every attempt: a receiver drops what it saw)
   * and the attempt's time (a receiver drops what is too old), signed with the body as sent.
   */
  private List<OutgoingRequest.Header> signature(WebhookSigning signing, String id, byte[] body) {
    List<byte[]> keys = new ArrayList<>(signing.secrets().size());
    for (String secret : signing.secrets()) {
      keys.add(WebhookSignature.key(secret, secret(secret)));
    }
    return WebhookSignature.headers(id, clock.instant().getEpochSecond(), body, keys);
  }

  /** The jobs' payloads (each a JSON event, as received) as one JSON array, byte for byte. */
  private static byte[] jsonArray(List<Job> jobs) {
    int size = 1 + jobs.size();
    for (Job job : jobs) {
      size += job.payload().length;
    }
    byte[] body = new byte[size];
    int at = 0;
    body[at++] = '[';
    for (int i = 0; i < jobs.size(); i++) {
      if (i > 0) {
        body[at++] = ',';
      }
      byte[] payload = jobs.get(i).payload();
      System.arraycopy(payload, 0, body, at, payload.length);
      at += payload.length;
    }
    body[at] = ']';
    return body;
  }

  private String secret(String name) {
    return secrets.value(name).orElseThrow(() -> new MissingSecretException(name));
  }

  private String secretValue(String name) {
    String resolved = secret(name);
    HeaderText.invalidValue(resolved)
        .ifPresent(
            problem -> {
              throw new InvalidSecretException(name, problem);
            });
    return resolved;
  }

  private static ContentType contentType(String value) {
    try {
      return HeaderText.contentType(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("header Content-Type: " + e.getMessage());
    }
  }

  /** A job refers to a secret that is not there (yet): its name, never a value. */
  private static final class MissingSecretException extends RuntimeException {
    MissingSecretException(String name) {
      super("secret " + name + " is not set", null, false, false);
    }
  }
}
