package dev.eventrouter.queues.delivery;

import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.queues.destination.DestinationSettings;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.http.javadsl.ClientTransport;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.event.Logging;
import org.apache.pekko.event.LoggingAdapter;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.settings.ClientConnectionSettings;
import org.apache.pekko.http.javadsl.settings.ConnectionPoolSettings;
import org.apache.pekko.http.scaladsl.HttpExt;
import org.apache.pekko.http.scaladsl.model.IllegalUriException;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.AbruptStageTerminationException;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;
import scala.util.Try;

/**
 * Delivers over Pekko HTTP's host connection pools: one long-lived pool per destination and host
 * (keep-alive connections, bounded), fed by a bounded queue. An attempt ends at its deadline
 * (twice the destination's timeout, the time spent waiting for a connection included), and a
 * request whose deadline passed while it waited is never sent. A pool per destination, not per
 * host: two destinations on one host must not share connections, or a slow one would take the
 * other's. The per-request API is several times slower than a pooled flow (STACK.md), so no
 * request goes through {@code singleRequest}.
 *
 * <p>Every request carries {@code Idempotency-Key} (the job id), {@code X-Message-Id} and {@code
 * X-Delivery-Attempt}, so a destination can drop the duplicates that at-least-once delivery
 * allows.
 */
public final class HttpDeliveryClient implements DeliveryClient {

  private static final Logger log = LoggerFactory.getLogger(HttpDeliveryClient.class);

  /** Response body bytes read (and dropped) before the connection is given up. */
  static final long MAX_RESPONSE_BYTES = 64 * 1024;

  /** Headers the HTTP layer writes itself; a job may not set them. */
  private static final Set<String> MANAGED_HEADERS =
      Set.of("content-type", "content-length", "host", "transfer-encoding", "connection");

  private final ActorSystem<?> system;
  private final Clock clock;
  private final int queueSize;
  private final ClientTransport transport;
  private final Secrets secrets;
  private final Map<PoolKey, DestinationPool> pools = new ConcurrentHashMap<>();

  /**
   * @param queueSize requests a destination's pool may hold waiting for a connection; past it,
   *     {@link #send} answers false
   * @param addresses where connections may go, checked on the resolved address of each new one
   * @param secrets the values of the secret headers jobs refer to
   */
  public HttpDeliveryClient(ActorSystem<?> system, Clock clock, int queueSize, AddressPolicy addresses,
      Secrets secrets) {
    this(system, clock, queueSize, addresses, secrets, NameResolver.SYSTEM);
  }

  /** @param names where endpoints' hosts are looked up */
  HttpDeliveryClient(ActorSystem<?> system, Clock clock, int queueSize, AddressPolicy addresses,
      Secrets secrets, NameResolver names) {
    this.system = system;
    this.secrets = secrets;
    this.clock = clock;
    this.queueSize = queueSize;
    Executor blocking = system.dispatchers().lookup(DispatcherSelector.blocking());
    this.transport = ClientTransport.withCustomResolver((host, port) ->
        CompletableFuture.supplyAsync(() -> resolve(names, host, (Integer) port, addresses), blocking));
  }

  /**
   * The first address of the host that the policy allows: the connection goes to exactly the
   * address checked, so a name cannot resolve to a refused one between check and connect.
   */
  private static InetSocketAddress resolve(NameResolver names, String host, int port,
      AddressPolicy addresses) {
    InetAddress[] all;
    try {
      all = names.addresses(host);
      if (all.length == 0) {
        throw new UnknownHostException(host);
      }
    } catch (UnknownHostException e) {
      throw new CompletionException(e);
    }
    for (InetAddress address : all) {
      if (addresses.refusal(address).isEmpty()) {
        return new InetSocketAddress(address, port);
      }
    }
    throw new AddressRefusedException(host, all[0], addresses.refusal(all[0]).orElse("refused"));
  }

  @Override
  public boolean send(DeliveryRequest request) {
    URI endpoint;
    HttpRequest http;
    try {
      endpoint = httpEndpoint(request.job().endpoint());
      http = httpRequest(request, endpoint);
    } catch (MissingSecretException e) {
      // the operator may yet provide it: the job waits, retried with backoff
      return notMade(request, DeliveryOutcome.SECRET_MISSING);
    } catch (InvalidSecretException e) {
      // the operator may yet fix it: the job waits, retried with backoff; the message has the
      // secret's name and what is wrong, never its value
      log.warn("destination {}: {}", request.destination().id(), e.getMessage());
      return notMade(request, DeliveryOutcome.SECRET_INVALID);
    } catch (IllegalArgumentException | IllegalUriException e) {
      // no attempt can ever succeed (an endpoint or a literal header the HTTP model refuses): the
      // job is discarded, by the system, with the reason. Not logged: a message could quote a
      // header's value.
      return notMade(request, DeliveryOutcome.INVALID_REQUEST);
    }
    PoolKey key = PoolKey.of(request.destination().id(), endpoint);
    DestinationPool pool = pools.computeIfAbsent(key, k -> new DestinationPool(k, request.destination()));
    return pool.offer(request, http);
  }

  /** The request could not be made: answered at once, as an attempt that failed. */
  private boolean notMade(DeliveryRequest request, String reason) {
    Instant now = clock.instant();
    request.replyTo().tell(DeliveryOutcome.failed(request.job().id(), request.attempt(), now, now, reason));
    return true;
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

  /** The pools are per (destination, scheme, host, port). */
  private record PoolKey(String destination, boolean https, String host, int port) {
    static PoolKey of(String destination, URI endpoint) {
      boolean https = "https".equalsIgnoreCase(endpoint.getScheme());
      int port = endpoint.getPort() >= 0 ? endpoint.getPort() : (https ? 443 : 80);
      return new PoolKey(destination, https, endpoint.getHost(), port);
    }
  }

  /**
   * A request on its way; answered once, by its response or by its deadline, whichever comes
   * first.
   */
  private record InFlight(DeliveryRequest request, Instant startedAt, Instant deadline,
      AtomicBoolean answered) {
    boolean answer() {
      return answered.compareAndSet(false, true);
    }
  }

  private final class DestinationPool {
    private final PoolKey key;
    private final BoundedSourceQueue<Pair<HttpRequest, InFlight>> queue;
    /** One for each connection not carrying a request: a request leaves the queue with one. */
    private final BoundedSourceQueue<NotUsed> idleConnections;

    DestinationPool(PoolKey key, DestinationSettings destination) {
      this.key = key;
      ConnectionPoolSettings settings = ConnectionPoolSettings.create(system.classicSystem())
          .withMaxConnections(destination.maxConnections())
          .withMaxOpenRequests(powerOfTwoAtLeast(destination.maxConnections()))
          // a POST is not idempotent: the queue decides about retries, with backoff
          .withMaxRetries(0)
          .withConnectionSettings(ClientConnectionSettings.create(system.classicSystem())
              // the request timeout: a connection that carries nothing for this long is closed
              // and its request fails
              .withIdleTimeout(destination.timeout())
              .withConnectingTimeout(destination.timeout())
              .withTransport(transport));
      // A request waits here until a connection is free, not inside the pool (which takes a
      // request before it has a connection for it); then one past its deadline stays behind: it
      // would go out after its caller counted it a timeout, beside the retry, and hold a
      // connection with stale work.
      var pair = Source.<Pair<HttpRequest, InFlight>>queue(queueSize)
          .zipWithMat(Source.<NotUsed>queue(destination.maxConnections()), (request, idle) -> request,
              Keep.both())
          .filter(p -> stillDue(p.second()))
          .via(hostConnectionPool(key, settings))
          .toMat(Sink.foreach(this::complete), Keep.both())
          .run(system);
      this.queue = pair.first().first();
      this.idleConnections = pair.first().second();
      for (int i = 0; i < destination.maxConnections(); i++) {
        idleConnections.offer(NotUsed.getInstance());
      }
      pair.second().whenComplete((done, failure) -> {
        pools.remove(key, this);
        if (failure != null && !(failure instanceof AbruptStageTerminationException)) {
          log.warn("delivery pool for {} stopped; the next request starts a new one", key, failure);
        }
      });
    }

    /**
     * A new (not shared) pool for one host. Through the scaladsl: in Pekko HTTP 1.3.0 the
     * javadsl's {@code newHostConnectionPool(ConnectHttp, ...)} applies the HTTPS context even
     * to a plain-http host.
     */
    private Flow<Pair<HttpRequest, InFlight>, Pair<Try<HttpResponse>, InFlight>, NotUsed>
        hostConnectionPool(PoolKey key, ConnectionPoolSettings settings) {
      HttpExt http = org.apache.pekko.http.scaladsl.Http.apply(system.classicSystem());
      var scalaSettings = (org.apache.pekko.http.scaladsl.settings.ConnectionPoolSettings) settings;
      LoggingAdapter log = Logging.getLogger(system.classicSystem(), this);
      Materializer materializer = Materializer.matFromSystem(system);
      var pool = key.https()
          ? http.<InFlight>newHostConnectionPoolHttps(key.host(), key.port(),
              http.defaultClientHttpsContext(), scalaSettings, log, materializer)
          : http.<InFlight>newHostConnectionPool(key.host(), key.port(), scalaSettings, log,
              materializer);
      return Flow.<Pair<HttpRequest, InFlight>>create()
          .map(p -> Tuple2.apply((org.apache.pekko.http.scaladsl.model.HttpRequest) p.first(), p.second()))
          .via(pool.asJava())
          .map(result -> Pair.create(widen(result._1()), result._2()));
    }

    boolean offer(DeliveryRequest request, HttpRequest http) {
      Instant now = clock.instant();
      Duration timeout = deadline(request.destination());
      InFlight inFlight = new InFlight(request, now, now.plus(timeout), new AtomicBoolean());
      QueueOfferResult result = queue.offer(Pair.create(http, inFlight));
      if (result == QueueOfferResult.enqueued()) {
        // the idle timeout ends a silent connection, not one that drips a byte at a time
        system.scheduler().scheduleOnce(timeout, () -> timedOut(inFlight), system.executionContext());
        return true;
      }
      if (result instanceof QueueOfferResult.Failure || result == QueueOfferResult.closed()) {
        pools.remove(key, this);
      }
      return false;
    }

    /**
     * Whether a request that has a connection may still be sent; one past its deadline is
     * answered as a timeout, and leaves the connection to the next.
     */
    private boolean stillDue(InFlight inFlight) {
      if (clock.instant().isBefore(inFlight.deadline()) && !inFlight.answered().get()) {
        return true;
      }
      timedOut(inFlight);
      connectionFree();
      return false;
    }

    private void connectionFree() {
      idleConnections.offer(NotUsed.getInstance());
    }

    private void timedOut(InFlight inFlight) {
      if (inFlight.answer()) {
        DeliveryRequest request = inFlight.request();
        request.replyTo().tell(DeliveryOutcome.failed(request.job().id(), request.attempt(),
            inFlight.startedAt(), clock.instant(), "timeout"));
      }
    }

    private void complete(Pair<Try<HttpResponse>, InFlight> result) {
      InFlight inFlight = result.second();
      DeliveryRequest request = inFlight.request();
      Instant finishedAt = clock.instant();
      Try<HttpResponse> response = result.first();
      if (response.isSuccess()) {
        drain(response.get(), request.destination()).whenComplete((done, failure) -> connectionFree());
      } else {
        connectionFree();
      }
      if (!inFlight.answer()) {
        return; // its deadline passed: the queue has its outcome already
      }
      DeliveryOutcome outcome;
      if (response.isSuccess()) {
        HttpResponse r = response.get();
        Optional<String> retryAfter = r.getHeader("Retry-After").map(HttpHeader::value);
        outcome = DeliveryOutcome.responded(request.job().id(), request.attempt(),
            inFlight.startedAt(), finishedAt, r.status().intValue(),
            retryAfter.flatMap(v -> RetryAfter.parse(v, finishedAt)));
      } else {
        outcome = DeliveryOutcome.failed(request.job().id(), request.attempt(),
            inFlight.startedAt(), finishedAt, Failures.classify(response.failed().get()));
      }
      request.replyTo().tell(outcome);
    }
  }

  private HttpRequest httpRequest(DeliveryRequest request, URI endpoint) {
    Job job = request.job();
    List<HttpHeader> headers = new ArrayList<>(job.headers().size() + 4);
    ContentType contentType = ContentTypes.APPLICATION_JSON;
    for (Map.Entry<String, String> header : job.headers().entrySet()) {
      String name = header.getKey().toLowerCase(Locale.ROOT);
      if (name.equals("content-type")) {
        contentType = contentType(header.getValue());
      } else if (!MANAGED_HEADERS.contains(name)) {
        headers.add(header(header.getKey(), header.getValue()));
      }
    }
    headers.add(RawHeader.create("Idempotency-Key", job.id().toString()));
    headers.add(RawHeader.create("X-Message-Id", job.messageId()));
    headers.add(RawHeader.create("X-Delivery-Attempt", Integer.toString(request.attempt())));
    // lets a destination rate-limit or account per tenant, as Segment's destinations can
    headers.add(RawHeader.create("X-Source-Id", job.pair().source()));
    String target = endpoint.getRawPath().isEmpty() ? "/" : endpoint.getRawPath();
    if (endpoint.getRawQuery() != null) {
      target = target + "?" + endpoint.getRawQuery();
    }
    return HttpRequest.POST(target).withEntity(contentType, job.payload()).addHeaders(headers);
  }

  /** How long a request may take in all, however its bytes come: twice the idle timeout. */
  private static Duration deadline(DestinationSettings destination) {
    return destination.timeout().multipliedBy(2);
  }

  /**
   * Reads the response's body away, so the connection can carry the next request: at most
   * {@link #MAX_RESPONSE_BYTES} and within the destination's timeout; past either the stream
   * fails and the connection is closed. A destination answering with an endless or huge body
   * costs one connection, not a stuck one.
   */
  private CompletionStage<Done> drain(HttpResponse response, DestinationSettings destination) {
    if (response.entity().isStrict()) {
      return CompletableFuture.completedFuture(Done.getInstance());
    }
    return response.entity().withoutSizeLimit().getDataBytes()
        .limitWeighted(MAX_RESPONSE_BYTES, bytes -> (long) bytes.size())
        .completionTimeout(destination.timeout())
        .runWith(Sink.ignore(), system);
  }

  /**
   * A job's header, with the secret its value refers to looked up now; checked, so that the HTTP
   * layer never drops it (and logs its value) on the way out.
   */
  private HttpHeader header(String name, String value) {
    HeaderText.invalidName(name).ifPresent(problem -> {
      throw new IllegalArgumentException(problem);
    });
    Optional<String> secret = value == null ? Optional.empty() : Secrets.referenced(value);
    if (secret.isEmpty()) {
      HeaderText.invalidValue(value).ifPresent(problem -> {
        throw new IllegalArgumentException("header " + name + ": " + problem);
      });
      return RawHeader.create(name, value);
    }
    String resolved = secrets.value(secret.get()).orElseThrow(() -> new MissingSecretException(secret.get()));
    HeaderText.invalidValue(resolved).ifPresent(problem -> {
      throw new InvalidSecretException(secret.get(), problem);
    });
    return RawHeader.create(name, resolved);
  }

  /** A job refers to a secret that is not there (yet): its name, never a value. */
  private static final class MissingSecretException extends RuntimeException {
    MissingSecretException(String name) {
      super("secret " + name + " is not set", null, false, false);
    }
  }

  private static ContentType contentType(String value) {
    try {
      return HeaderText.contentType(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("header Content-Type: " + e.getMessage());
    }
  }

  @SuppressWarnings("unchecked")
  private static Try<HttpResponse> widen(Try<? extends HttpResponse> response) {
    return (Try<HttpResponse>) response;
  }

  private static int powerOfTwoAtLeast(int n) {
    return Integer.highestOneBit(Math.max(1, n - 1)) << 1;
  }
}
