package dev.eventrouter.queues.delivery;

import dev.eventrouter.persistence.job.Job;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one attempt sends, whichever {@link DeliveryClient} sends it: the endpoint checked, every
 * header checked and its secret looked up now. Every request carries {@code Idempotency-Key} (the
 * job id), {@code X-Message-Id} and {@code X-Delivery-Attempt}, so a destination can drop the
 * duplicates that at-least-once delivery allows. Each carries one {@code User-Agent}: the job's,
 * or else the router's ({@link DeliveryClientSettings#userAgent}).
 *
 * @param target the request target: path and query
 * @param headers the job's headers (less those the HTTP layer writes) and the delivery headers
 */
record OutgoingRequest(PoolKey pool, String target, ContentType contentType, List<Header> headers,
    byte[] body) {

  private static final Logger log = LoggerFactory.getLogger(OutgoingRequest.class);

  /** Headers the HTTP layer writes itself; a job may not set them. */
  private static final Set<String> MANAGED_HEADERS =
      Set.of("content-type", "content-length", "host", "transfer-encoding", "connection");

  record Header(String name, String value) {}

  /** A request ready to go, or the reason it cannot be made now. */
  sealed interface Prepared {}

  record Ready(OutgoingRequest request) implements Prepared {}

  /** Answered at once as an attempt that failed with this reason; nothing is sent. */
  record NotMade(String reason) implements Prepared {}

  /** @param userAgent the {@code User-Agent} if the job sets none */
  static Prepared prepare(DeliveryRequest request, Secrets secrets, String userAgent) {
    try {
      return new Ready(of(request, secrets, userAgent));
    } catch (MissingSecretException e) {
      // the operator may yet provide it: the job waits, retried with backoff
      return new NotMade(DeliveryOutcome.SECRET_MISSING);
    } catch (InvalidSecretException e) {
      // the operator may yet fix it: the job waits, retried with backoff; the message has the
      // secret's name and what is wrong, never its value
      log.warn("destination {}: {}", request.destination().id(), e.getMessage());
      return new NotMade(DeliveryOutcome.SECRET_INVALID);
    } catch (IllegalArgumentException e) {
      // no attempt can ever succeed (an endpoint or a literal header the HTTP model refuses): the
      // job is discarded, by the system, with the reason. Not logged: a message could quote a
      // header's value.
      return new NotMade(DeliveryOutcome.INVALID_REQUEST);
    }
  }

  /** Tells the caller at once that the request could not be made, as an attempt that failed. */
  static void answerNotMade(DeliveryRequest request, Clock clock, String reason) {
    Instant now = clock.instant();
    request.replyTo().tell(DeliveryOutcome.failed(request.job().id(), request.attempt(), now, now, reason));
  }

  private static OutgoingRequest of(DeliveryRequest request, Secrets secrets, String userAgent) {
    Job job = request.job();
    URI endpoint = httpEndpoint(job.endpoint());
    List<Header> headers = new ArrayList<>(job.headers().size() + 5);
    ContentType contentType = ContentTypes.APPLICATION_JSON;
    boolean ownUserAgent = false;
    for (Map.Entry<String, String> header : job.headers().entrySet()) {
      String name = header.getKey().toLowerCase(Locale.ROOT);
      if (name.equals("content-type")) {
        contentType = contentType(header.getValue());
      } else if (!MANAGED_HEADERS.contains(name)) {
        ownUserAgent |= name.equals("user-agent");
        headers.add(header(header.getKey(), header.getValue(), secrets));
      }
    }
    if (!ownUserAgent) {
      headers.add(new Header("User-Agent", userAgent));
    }
    headers.add(new Header("Idempotency-Key", job.id().toString()));
    headers.add(new Header("X-Message-Id", job.messageId()));
    headers.add(new Header("X-Delivery-Attempt", Integer.toString(request.attempt())));
    // lets a destination rate-limit or account per tenant, as Segment's destinations can
    headers.add(new Header("X-Source-Id", job.pair().source()));
    return new OutgoingRequest(PoolKey.of(request.destination().id(), endpoint), target(endpoint),
        contentType, headers, job.payload());
  }

  /** Path and query as they go on the request line: ASCII, what is not percent-encoded (UTF-8). */
  private static String target(URI endpoint) {
    String target = endpoint.getRawPath().isEmpty() ? "/" : endpoint.getRawPath();
    if (endpoint.getRawQuery() != null) {
      target = target + "?" + endpoint.getRawQuery();
    }
    for (int i = 0; i < target.length(); i++) {
      if (target.charAt(i) > 0x7e) {
        return target(URI.create(endpoint.toASCIIString()));
      }
    }
    return target;
  }

  /**
   * The endpoint, if it is http or https to a host. The registry checks this when it loads, but a
   * job carries its endpoint: any other scheme would go out as plain HTTP to its host.
   */
  private static URI httpEndpoint(String text) {
    URI endpoint = URI.create(text);
    String scheme = endpoint.getScheme() == null ? "" : endpoint.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("http") || scheme.equals("https")) || endpoint.getHost() == null) {
      throw new IllegalArgumentException("not an http(s) endpoint with a host");
    }
    return endpoint;
  }

  /**
   * A job's header, with the secret its value refers to looked up now; checked, so that the HTTP
   * layer never drops it (and logs its value) on the way out.
   */
  private static Header header(String name, String value, Secrets secrets) {
    HeaderText.invalidName(name).ifPresent(problem -> {
      throw new IllegalArgumentException(problem);
    });
    Optional<String> secret = value == null ? Optional.empty() : Secrets.referenced(value);
    if (secret.isEmpty()) {
      HeaderText.invalidValue(value).ifPresent(problem -> {
        throw new IllegalArgumentException("header " + name + ": " + problem);
      });
      return new Header(name, value);
    }
    String resolved = secrets.value(secret.get()).orElseThrow(() -> new MissingSecretException(secret.get()));
    HeaderText.invalidValue(resolved).ifPresent(problem -> {
      throw new InvalidSecretException(secret.get(), problem);
    });
    return new Header(name, resolved);
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
