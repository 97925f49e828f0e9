package dev.eventrouter.queues.delivery;

import dev.eventrouter.queues.destination.DestinationSettings;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.event.Logging;
import org.apache.pekko.event.LoggingAdapter;
import org.apache.pekko.http.javadsl.ClientTransport;
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
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;
import scala.util.Try;

/**
 * Delivers over Pekko HTTP's host connection pools: one long-lived pool per destination and host
 * (keep-alive connections, bounded), fed by a bounded queue. An attempt ends at its deadline (twice
 * the destination's timeout, the time spent waiting for a connection included), and a request whose
 * deadline passed while it waited is never sent. A pool per destination, not per host: two
 * destinations on one host must not share connections, or a slow one would take the other's. The
 * per-request API measured several times slower than a pooled flow, so no request goes through
 * {@code singleRequest}. What a request carries: {@link OutgoingRequest}.
 */
public final class HttpDeliveryClient implements DeliveryClient {

  private static final Logger log = LoggerFactory.getLogger(HttpDeliveryClient.class);

  /** Response body bytes read (and dropped) before the connection is given up. */
  static final long MAX_RESPONSE_BYTES = 64 * 1024;

  private final ActorSystem<?> system;
  private final Clock clock;
  private final int queueSize;
  private final ClientTransport transport;
  private final Routes routes;
  private final Map<PoolKey, DestinationPool> pools = new ConcurrentHashMap<>();

  /**
   * @param queueSize requests a destination's pool may hold waiting for a connection; past it,
   *     {@link #send} answers false
   * @param addresses where connections may go, checked on the resolved address of each new one
   * @param secrets the values of the secret headers jobs refer to
   */
  public HttpDeliveryClient(
      ActorSystem<?> system, Clock clock, int queueSize, AddressPolicy addresses, Secrets secrets) {
    this(
        system,
        clock,
        queueSize,
        addresses,
        secrets,
        DeliveryClientSettings.defaultUserAgent(),
        NameResolver.SYSTEM);
  }

  /**
   * @param userAgent as in {@link DeliveryClientSettings}
   * @param names where endpoints' hosts are looked up
   */
  HttpDeliveryClient(
      ActorSystem<?> system,
      Clock clock,
      int queueSize,
      AddressPolicy addresses,
      Secrets secrets,
      String userAgent,
      NameResolver names) {
    this.system = system;
    this.routes = new Routes(secrets, userAgent, clock);
    this.clock = clock;
    this.queueSize = queueSize;
    Executor lookups = Lookups.start(system);
    this.transport =
        ClientTransport.withCustomResolver(
            (host, port) ->
                CompletableFuture.supplyAsync(
                    () -> allowed(names, host, (Integer) port, addresses), lookups));
  }

  private static InetSocketAddress allowed(
      NameResolver names, String host, int port, AddressPolicy addresses) {
    try {
      return names.allowed(host, port, addresses);
    } catch (UnknownHostException e) {
      throw new CompletionException(e);
    }
  }

  @Override
  public boolean send(DeliveryRequest request) {
    OutgoingRequest.Prepared prepared = routes.prepare(request);
    if (prepared instanceof OutgoingRequest.NotMade notMade) {
      OutgoingRequest.answerNotMade(notMade.unsent(), clock, notMade.reason());
      return true;
    }
    if (!(prepared instanceof OutgoingRequest.Ready ready)) {
      return true; // its adapter refused every job, each answered
    }
    OutgoingRequest outgoing = ready.request();
    DeliveryRequest sent = ready.sent();
    HttpRequest http;
    try {
      http = httpRequest(outgoing);
    } catch (IllegalUriException e) {
      // a target java.net.URI takes and Pekko's stricter parser does not: no attempt can succeed
      OutgoingRequest.answerNotMade(sent, clock, DeliveryOutcome.INVALID_REQUEST);
      return true;
    }
    DestinationPool pool =
        pools.computeIfAbsent(outgoing.pool(), k -> new DestinationPool(k, sent.destination()));
    return pool.offer(sent, http);
  }

  /**
   * A request on its way; answered once, by its response or by its deadline, whichever comes first.
   */
  private record InFlight(
      DeliveryRequest request, Instant startedAt, Instant deadline, AtomicBoolean answered) {
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
      ConnectionPoolSettings settings =
          ConnectionPoolSettings.create(system.classicSystem())
              .withMaxConnections(destination.maxConnections())
              .withMaxOpenRequests(powerOfTwoAtLeast(destination.maxConnections()))
              // a POST is not idempotent: the queue decides about retries, with backoff
              .withMaxRetries(0)
              .withConnectionSettings(
                  ClientConnectionSettings.create(system.classicSystem())
                      // the request timeout: a connection that carries nothing for this long is
                      // closed
                      // and its request fails
                      .withIdleTimeout(destination.timeout())
                      .withConnectingTimeout(destination.timeout())
                      // every request carries its User-Agent (OutgoingRequest). Pekko HTTP 1.3.0
                      // adds
                      // its own (pekko.http.client.user-agent-header) only to a request with none,
                      // a
                      // RawHeader counting; off, so that no change to that rule can make it two
                      .withUserAgentHeader(Optional.empty())
                      .withTransport(transport));
      // A request waits here until a connection is free, not inside the pool (which takes a
      // request before it has a connection for it); then one past its deadline stays behind: it
      // would go out after its caller counted it a timeout, beside the retry, and hold a
      // connection with stale work.
      var pair =
          Source.<Pair<HttpRequest, InFlight>>queue(queueSize)
              .zipWithMat(
                  Source.<NotUsed>queue(destination.maxConnections()),
                  (request, idle) -> request,
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
      pair.second()
          .whenComplete(
              (done, failure) -> {
                pools.remove(key, this);
                if (failure != null && !(failure instanceof AbruptStageTerminationException)) {
                  log.warn(
                      "delivery pool for {} stopped; the next request starts a new one",
                      key,
                      failure);
                }
              });
    }

    /**
     * A new (not shared) pool for one host. Through the scaladsl: in Pekko HTTP 1.3.0 the javadsl's
     * {@code newHostConnectionPool(ConnectHttp, ...)} applies the HTTPS context even to a
     * plain-http host.
     */
    private Flow<Pair<HttpRequest, InFlight>, Pair<Try<HttpResponse>, InFlight>, NotUsed>
        hostConnectionPool(PoolKey key, ConnectionPoolSettings settings) {
      HttpExt http = org.apache.pekko.http.scaladsl.Http.apply(system.classicSystem());
      var scalaSettings = (org.apache.pekko.http.scaladsl.settings.ConnectionPoolSettings) settings;
      LoggingAdapter log = Logging.getLogger(system.classicSystem(), this);
      Materializer materializer = Materializer.matFromSystem(system);
      var pool =
          key.https()
              ? http.<InFlight>newHostConnectionPoolHttps(
                  key.host(),
                  key.port(),
                  http.defaultClientHttpsContext(),
                  scalaSettings,
                  log,
                  materializer)
              : http.<InFlight>newHostConnectionPool(
                  key.host(), key.port(), scalaSettings, log, materializer);
      return Flow.<Pair<HttpRequest, InFlight>>create()
          .map(
              p ->
                  Tuple2.apply(
                      (org.apache.pekko.http.scaladsl.model.HttpRequest) p.first(), p.second()))
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
        system
            .scheduler()
            .scheduleOnce(timeout, () -> timedOut(inFlight), system.executionContext());
        return true;
      }
      if (result instanceof QueueOfferResult.Failure || result == QueueOfferResult.closed()) {
        pools.remove(key, this);
      }
      return false;
    }

    /**
     * Whether a request that has a connection may still be sent; one past its deadline is answered
     * as a timeout, and leaves the connection to the next.
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
      answer(
          inFlight,
          AdapterAnswers.failed(
              inFlight.request(), inFlight.startedAt(), clock.instant(), "timeout", null));
    }

    private void complete(Pair<Try<HttpResponse>, InFlight> result) {
      InFlight inFlight = result.second();
      DeliveryRequest request = inFlight.request();
      Instant finishedAt = clock.instant();
      Try<HttpResponse> response = result.first();
      if (response.isFailure()) {
        connectionFree();
        answer(
            inFlight,
            AdapterAnswers.failed(
                request,
                inFlight.startedAt(),
                finishedAt,
                Failures.classify(response.failed().get()),
                null));
        return;
      }
      HttpResponse r = response.get();
      int status = r.status().intValue();
      Optional<Duration> retryAfter =
          r.getHeader("Retry-After").flatMap(h -> RetryAfter.parse(h.value(), finishedAt));
      if (!AdapterAnswers.readsBody(request)) {
        drain(r, request.destination()).whenComplete((done, failure) -> connectionFree());
        answer(
            inFlight,
            AdapterAnswers.responded(
                request, inFlight.startedAt(), finishedAt, status, retryAfter, new byte[0]));
        return;
      }
      // its adapter judges the answer by its body: answered when the body is read (or cut at the
      // cap, or given up at the timeout, when the adapter judges without it)
      keep(r, request.destination())
          .whenComplete(
              (body, failure) -> {
                connectionFree();
                answer(
                    inFlight,
                    AdapterAnswers.responded(
                        request,
                        inFlight.startedAt(),
                        finishedAt,
                        status,
                        retryAfter,
                        failure == null ? body.toArray() : new byte[0]));
              });
    }

    /** Tells the caller each job's outcome, unless its deadline passed and it has them already. */
    private void answer(InFlight inFlight, List<DeliveryOutcome> outcomes) {
      if (inFlight.answer()) {
        AdapterAnswers.tell(inFlight.request(), outcomes);
      }
    }
  }

  private static HttpRequest httpRequest(OutgoingRequest outgoing) {
    List<HttpHeader> headers = new ArrayList<>(outgoing.headers().size());
    for (OutgoingRequest.Header header : outgoing.headers()) {
      headers.add(RawHeader.create(header.name(), header.value()));
    }
    return HttpRequest.POST(outgoing.target())
        .withEntity(outgoing.contentType(), outgoing.body())
        .addHeaders(headers);
  }

  /** How long a request may take in all, however its bytes come: twice the idle timeout. */
  private static Duration deadline(DestinationSettings destination) {
    return destination.timeout().multipliedBy(2);
  }

  /**
   * Reads the response's body away, so the connection can carry the next request: at most {@link
   * #MAX_RESPONSE_BYTES} and within the destination's timeout; past either the stream fails and the
   * connection is closed. A destination answering with an endless or huge body costs one
   * connection, not a stuck one.
   */
  private CompletionStage<Done> drain(HttpResponse response, DestinationSettings destination) {
    if (response.entity().isStrict()) {
      return CompletableFuture.completedFuture(Done.getInstance());
    }
    return response
        .entity()
        .withoutSizeLimit()
        .getDataBytes()
        .limitWeighted(MAX_RESPONSE_BYTES, bytes -> (long) bytes.size())
        .completionTimeout(destination.timeout())
        .runWith(Sink.ignore(), system);
  }

  /** The response's body, its first {@link #MAX_RESPONSE_BYTES}, within the timeout. */
  private CompletionStage<ByteString> keep(HttpResponse response, DestinationSettings destination) {
    return response
        .entity()
        .withoutSizeLimit()
        .getDataBytes()
        .completionTimeout(destination.timeout())
        .runWith(
            Sink.fold(
                ByteString.emptyByteString(),
                (kept, bytes) ->
                    kept.size() >= MAX_RESPONSE_BYTES
                        ? kept
                        : kept.concat(bytes.take((int) MAX_RESPONSE_BYTES - kept.size()))),
            system);
  }

  @SuppressWarnings("unchecked")
  private static Try<HttpResponse> widen(Try<? extends HttpResponse> response) {
    return (Try<HttpResponse>) response;
  }

  private static int powerOfTwoAtLeast(int n) {
    return Integer.highestOneBit(Math.max(1, n - 1)) << 1;
  }
}
