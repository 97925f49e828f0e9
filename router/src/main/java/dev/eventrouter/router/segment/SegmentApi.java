package dev.eventrouter.router.segment;

import dev.eventrouter.queues.delivery.Secrets;
import dev.eventrouter.router.ingest.DeadLetters;
import dev.eventrouter.router.ingest.Ingest;
import dev.eventrouter.router.ingest.IngestSettings;
import dev.eventrouter.router.kafka.KafkaClientSettings;
import dev.eventrouter.router.metrics.RouterMetrics;
import dev.eventrouter.router.registry.SettingsRegistry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.apache.pekko.stream.Materializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Segment's HTTP tracking API, so that Segment's SDKs send to the router unchanged: each call
 * becomes records of the ingest topic, keyed by the source its write key belongs to, and is
 * answered 200 only once Kafka acknowledged every one (acks=all), 503 with Retry-After when it did
 * not in time. The answers are those Segment's SDKs expect: they drop a request answered any 4xx
 * but 429, so 400 is for a body that is not a call at all, and an invalid event of a batch goes to
 * the dead-letter topic while its batch is answered 200. Every error answer is a JSON object naming
 * its reason. Write keys and bodies are never logged.
 *
 * <p>The ids of an event's jobs carry the event's own {@code timestamp} (record header {@link
 * Ingest#ID_TIME_HEADER}), not the record's time: a request sent again with the same messageIds
 * makes the same job ids, which their queues refuse (README, "Segment SDKs").
 *
 * <p>A request's W3C {@code traceparent} and {@code tracestate} go into each of its records'
 * headers, where ingest continues the trace (README, "Traces"); longer than the W3C maximum they
 * are not passed on.
 */
public final class SegmentApi extends AllDirectives implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(SegmentApi.class);

  /** The calls, by the last segment of their path: the six types, and two names of a batch. */
  private static final Set<String> BATCHES = Set.of("batch", "import");

  /** The trace headers passed on to the records, with the W3C maximum length of each. */
  private static final Map<String, Integer> TRACE_HEADERS =
      Map.of("traceparent", 55, "tracestate", 512);

  /**
   * The short paths analytics.js posts to: the first letter of the event's type ({@code /v1/t} for
   * a track), and {@code /v1/b} for its batches.
   */
  private static final Map<String, String> SHORT_PATHS =
      Map.of(
          "t",
          "track",
          "i",
          "identify",
          "p",
          "page",
          "s",
          "screen",
          "g",
          "group",
          "a",
          "alias",
          "b",
          "batch");

  /** Where a dead letter of this API says it came from, in place of a Kafka topic. */
  public static final String DEAD_LETTER_ORIGIN = "segment-api";

  /** Room over the limit for a gzip body, which may be a little larger than what it holds. */
  private static final int GZIP_SLACK = 1024;

  private final SegmentApiSettings settings;
  private final String topic;
  private final KafkaProducer<String, byte[]> producer;
  private final DeadLetters deadLetters;
  private final WriteKeys writeKeys;
  private final RateLimits rateLimits;
  private final SegmentEvents reader;
  private final RouterMetrics metrics;
  private final Executor blocking;
  private final Materializer materializer;
  private final Clock clock;

  /**
   * @param ingest the ingest's topics, Kafka client settings (TLS, SASL) and nesting limit
   * @param blocking where the producer's {@code send} runs: it blocks while it has no metadata
   */
  public SegmentApi(
      SegmentApiSettings settings,
      IngestSettings ingest,
      SettingsRegistry registry,
      Secrets secrets,
      RouterMetrics metrics,
      Executor blocking,
      ActorSystem<?> system,
      Clock clock) {
    if (settings.maxEventBytes() > ingest.maxPayloadBytes()) {
      // the ingest would dead-letter what the API accepted
      throw new IllegalArgumentException(
          "eventrouter.segment-api.max-event-bytes ("
              + settings.maxEventBytes()
              + ") is over eventrouter.ingest.max-payload-bytes ("
              + ingest.maxPayloadBytes()
              + ")");
    }
    this.settings = settings;
    this.topic = ingest.topic();
    KafkaClientSettings client = ingest.client();
    long timeout = settings.produceTimeout().toMillis();
    this.producer =
        new KafkaProducer<>(
            client.with(
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true",
                ProducerConfig.LINGER_MS_CONFIG, "5",
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4",
                // a request waits this long at most, for metadata or for the acknowledgement
                ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(timeout),
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Long.toString(timeout),
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(Math.max(1, timeout - 5)),
                // one event, with what the API adds to it (messageId, receivedAt, a batch's
                // context)
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
                    Integer.toString(
                        Math.max(1024 * 1024, settings.maxEventBytes() + settings.maxBatchBytes())),
                ProducerConfig.CLIENT_ID_CONFIG, "eventrouter-segment-api"),
            new StringSerializer(),
            new ByteArraySerializer());
    this.deadLetters =
        new DeadLetters(
            client,
            ingest.deadLetterTopic(),
            ingest.deadLetterMaxValueBytes(),
            "eventrouter-segment-api-dead-letters");
    this.writeKeys = new WriteKeys(registry, secrets, settings.writeKeyRefresh(), clock);
    this.rateLimits = new RateLimits(settings.ratePerWriteKey(), settings.rateBurst());
    this.reader =
        new SegmentEvents(
            settings.maxEventBytes(), settings.maxBatchBytes(), ingest.maxNestingDepth());
    this.metrics = metrics;
    this.blocking = blocking;
    this.materializer = Materializer.matFromSystem(system);
    this.clock = clock;
  }

  public Route routes() {
    // analytics-java posts to /v1/import/: a trailing slash is the same call
    return pathPrefix(
        "v1",
        () ->
            pathPrefix(
                PathMatchers.segment(),
                call ->
                    pathEndOrSingleSlash(
                        () ->
                            extractRequest(request -> completeWithFuture(answer(call, request))))));
  }

  /** An answer, and the reason it names when it is an error. */
  private record Answer(HttpResponse response, String reason) {}

  private CompletionStage<HttpResponse> answer(String path, HttpRequest request) {
    long start = System.nanoTime();
    String call = SHORT_PATHS.getOrDefault(path, path);
    boolean known = SegmentEvents.TYPES.contains(call) || BATCHES.contains(call);
    String label = known ? call : "other";
    CompletionStage<Answer> answer;
    if (request.method().equals(HttpMethods.OPTIONS)) {
      answer = CompletableFuture.completedFuture(preflight(request));
    } else if (!known) {
      answer = error(404, "unknown-call", "no call /v1/" + printable(call));
    } else if (!request.method().equals(HttpMethods.POST)) {
      answer = error(405, "method-not-allowed", "calls are POSTed");
    } else {
      answer = receive(BATCHES.contains(call) ? "batch" : call, request);
    }
    return answer
        .exceptionally(
            failure -> {
              log.error("a Segment API request failed", failure);
              return errorAnswer(500, "internal-error", "the request could not be handled");
            })
        .thenApply(
            done -> {
              if (done.reason() != null) {
                metrics.segmentErrors.labelValues(done.reason()).inc();
              }
              metrics
                  .segmentRequests
                  .labelValues(label, Integer.toString(done.response().status().intValue()))
                  .inc();
              metrics.segmentSeconds.labelValues(label).observe((System.nanoTime() - start) / 1e9);
              return withCors(request, done.response());
            });
  }

  /** The source's key, or the answer refusing the request. */
  private record KeyCheck(WriteKeys.Key key, CompletionStage<Answer> refused) {}

  /**
   * A write key given as the user of basic authentication is checked (and its rate taken) before
   * the body is read, whose bytes are then drained unparsed: a request with an unknown key costs no
   * parse. A key given in the body only ({@code writeKey}) is checked once the body is parsed.
   */
  private CompletionStage<Answer> receive(String call, HttpRequest request) {
    int limit = call.equals("batch") ? settings.maxBatchBytes() : settings.maxEventBytes();
    Optional<String> fromHeader;
    try {
      fromHeader = basicUser(request);
    } catch (IllegalArgumentException e) {
      return drained(request, limit, error(400, "invalid-authorization", e.getMessage()));
    }
    WriteKeys.Key key = null;
    if (fromHeader.isPresent()) {
      KeyCheck check = checkKey(fromHeader);
      if (check.refused() != null) {
        return drained(request, limit, check.refused());
      }
      key = check.key();
    }
    WriteKeys.Key fromAuthorization = key;
    return request
        .entity()
        .withSizeLimit(limit + GZIP_SLACK)
        .toStrict(settings.produceTimeout().toMillis(), materializer)
        .handle(
            (strict, failure) -> {
              if (failure != null) {
                return tooLarge(failure)
                    ? error(
                        400,
                        "body-too-large",
                        "the body is over the maximum of " + limit + " bytes")
                    : error(400, "unreadable-body", "the body could not be read");
              }
              byte[] raw = strict.getData().toArray();
              metrics.segmentBytes.inc(raw.length);
              return decoded(request, raw, limit, call, fromAuthorization);
            })
        .thenCompose(next -> next);
  }

  /** The answer once the request's body is read and thrown away (up to the limit). */
  private CompletionStage<Answer> drained(
      HttpRequest request, int limit, CompletionStage<Answer> answer) {
    return request
        .entity()
        .withSizeLimit(limit + GZIP_SLACK)
        .discardBytes(materializer)
        .completionStage()
        .handle((done, failure) -> answer)
        .thenCompose(next -> next);
  }

  /**
   * @param key the source's, when the Authorization header named it; null to take it from the body
   */
  private CompletionStage<Answer> decoded(
      HttpRequest request, byte[] raw, int limit, String call, WriteKeys.Key key) {
    String encoding =
        request
            .getHeader("Content-Encoding")
            .map(h -> h.value().strip().toLowerCase(Locale.ROOT))
            .orElse("identity");
    byte[] body;
    if (encoding.equals("gzip")) {
      try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(raw))) {
        // never more than one byte over the limit, whatever the body would inflate to
        body = in.readNBytes(limit + 1);
      } catch (IOException e) {
        return error(400, "invalid-gzip", "the body is not valid gzip");
      }
    } else if (encoding.equals("identity")) {
      body = raw;
    } else {
      return error(400, "unsupported-encoding", "Content-Encoding must be gzip or none");
    }
    if (body.length > limit) {
      return error(
          400,
          "body-too-large",
          "the body is over the maximum of "
              + limit
              + " bytes"
              + (encoding.equals("gzip") ? " once decompressed" : ""));
    }
    Instant receivedAt = clock.instant().truncatedTo(ChronoUnit.MILLIS);
    SegmentEvents.Body read = reader.read(call, body, receivedAt);
    if (read instanceof SegmentEvents.Malformed malformed) {
      return error(400, malformed.reason(), malformed.message());
    }
    SegmentEvents.Events events = (SegmentEvents.Events) read;
    if (key == null) {
      KeyCheck check = checkKey(events.writeKey());
      if (check.refused() != null) {
        return check.refused();
      }
      key = check.key();
    }
    if (!call.equals("batch") && !events.refused().isEmpty()) {
      SegmentEvents.Refused refused = events.refused().get(0);
      return error(400, refused.reason().label(), refused.detail());
    }
    String source = key.source();
    return produce(source, events, receivedAt, traceHeaders(request))
        .handle(
            (done, failure) -> {
              if (failure != null) {
                log.warn(
                    "Kafka did not acknowledge the {} events of a Segment API request of source {} in time; "
                        + "answered 503: {}",
                    events.accepted().size(),
                    source,
                    failure.toString());
                return new Answer(
                    json(
                            503,
                            "{\"success\":false,\"reason\":\"kafka-unavailable\","
                                + "\"message\":\"the events could not be stored; send them again\"}")
                        .addHeader(
                            RawHeader.create(
                                "Retry-After", Long.toString(seconds(settings.retryAfter())))),
                    "kafka-unavailable");
              }
              metrics.segmentEvents.labelValues("produced").inc(events.accepted().size());
              metrics.segmentEvents.labelValues("dead-lettered").inc(events.refused().size());
              return new Answer(json(200, "{\"success\":true}"), null);
            });
  }

  /** Whether the presented key is a source's, and the source's rate not exceeded. */
  private KeyCheck checkKey(Optional<String> presented) {
    if (presented.isEmpty() || presented.get().isEmpty()) {
      return new KeyCheck(
          null,
          error(
              401,
              "no-write-key",
              "give the write key as the user of basic authentication, or as writeKey"));
    }
    Optional<WriteKeys.Key> key = writeKeys.find(presented.get());
    if (key.isEmpty()) {
      return new KeyCheck(
          null,
          error(401, "unknown-write-key", "the write key is not one of a source of this router"));
    }
    Optional<Duration> wait = rateLimits.take(key.get(), System.nanoTime());
    if (wait.isPresent()) {
      return new KeyCheck(
          null,
          CompletableFuture.completedFuture(
              new Answer(
                  json(
                          429,
                          "{\"success\":false,\"reason\":\"rate-limited\",\"message\":\"too many requests with this write key\"}")
                      .addHeader(
                          RawHeader.create("Retry-After", Long.toString(seconds(wait.get())))),
                  "rate-limited")));
    }
    return new KeyCheck(key.get(), null);
  }

  /**
   * Every event on its topic, acknowledged: the accepted to the ingest topic, the refused to the
   * dead-letter topic.
   */
  private CompletableFuture<Void> produce(
      String source, SegmentEvents.Events events, Instant receivedAt, List<Header> trace) {
    return CompletableFuture.supplyAsync(
            () -> {
              List<CompletableFuture<?>> sent = new ArrayList<>();
              for (SegmentEvents.Accepted event : events.accepted()) {
                ProducerRecord<String, byte[]> record =
                    new ProducerRecord<>(topic, source, event.value());
                record
                    .headers()
                    .add(
                        Ingest.ID_TIME_HEADER,
                        Long.toString(event.idTime().toEpochMilli())
                            .getBytes(StandardCharsets.US_ASCII));
                trace.forEach(record.headers()::add);
                CompletableFuture<Void> acknowledged = new CompletableFuture<>();
                producer.send(
                    record,
                    (metadata, failure) -> {
                      if (failure != null) {
                        acknowledged.completeExceptionally(failure);
                      } else {
                        acknowledged.complete(null);
                      }
                    });
                sent.add(acknowledged);
              }
              for (SegmentEvents.Refused refused : events.refused()) {
                ConsumerRecord<String, byte[]> original =
                    new ConsumerRecord<>(
                        DEAD_LETTER_ORIGIN,
                        -1,
                        -1L,
                        receivedAt.toEpochMilli(),
                        TimestampType.CREATE_TIME,
                        -1,
                        refused.value().length,
                        source,
                        refused.value(),
                        new RecordHeaders(),
                        Optional.empty());
                sent.add(
                    deadLetters
                        .send(original, refused.reason(), refused.detail())
                        .toCompletableFuture());
              }
              return CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new));
            },
            blocking)
        .thenCompose(all -> all)
        .orTimeout(settings.produceTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
  }

  /** The request's trace headers as record headers; those over their maximum length left out. */
  private static List<Header> traceHeaders(HttpRequest request) {
    List<Header> headers = new ArrayList<>(2);
    TRACE_HEADERS.forEach(
        (name, maxLength) ->
            request
                .getHeader(name)
                .map(header -> header.value().strip())
                .filter(value -> !value.isEmpty() && value.length() <= maxLength)
                .ifPresent(
                    value ->
                        headers.add(
                            new RecordHeader(name, value.getBytes(StandardCharsets.US_ASCII)))));
    return headers;
  }

  /** The user of {@code Authorization: Basic}, which is where the SDKs put the write key. */
  private static Optional<String> basicUser(HttpRequest request) {
    Optional<String> header = request.getHeader("Authorization").map(h -> h.value().strip());
    if (header.isEmpty()) {
      return Optional.empty();
    }
    String value = header.get();
    if (!value.regionMatches(true, 0, "Basic ", 0, 6)) {
      throw new IllegalArgumentException(
          "Authorization must be Basic, with the write key as the user");
    }
    String decoded;
    try {
      decoded =
          new String(
              Base64.getDecoder().decode(value.substring(6).strip()), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("Authorization: Basic is not base64");
    }
    int colon = decoded.indexOf(':');
    return Optional.of(colon < 0 ? decoded : decoded.substring(0, colon));
  }

  private Answer preflight(HttpRequest request) {
    HttpResponse response =
        HttpResponse.create()
            .withStatus(204)
            .addHeader(RawHeader.create("Access-Control-Allow-Methods", "POST, OPTIONS"))
            .addHeader(
                RawHeader.create(
                    "Access-Control-Allow-Headers",
                    request
                        .getHeader("Access-Control-Request-Headers")
                        .map(h -> h.value())
                        .orElse("Content-Type, Authorization, Content-Encoding")))
            .addHeader(RawHeader.create("Access-Control-Max-Age", "86400"));
    return new Answer(response, null);
  }

  private HttpResponse withCors(HttpRequest request, HttpResponse response) {
    Optional<String> origin = request.getHeader("Origin").map(h -> h.value());
    if (origin.isEmpty()) {
      return response;
    }
    if (settings.corsAllowOrigins().contains("*")) {
      return response.addHeader(RawHeader.create("Access-Control-Allow-Origin", "*"));
    }
    if (settings.corsAllowOrigins().contains(origin.get())) {
      return response
          .addHeader(RawHeader.create("Access-Control-Allow-Origin", origin.get()))
          .addHeader(RawHeader.create("Vary", "Origin"));
    }
    return response.addHeader(RawHeader.create("Vary", "Origin"));
  }

  private static CompletionStage<Answer> error(int status, String reason, String message) {
    return CompletableFuture.completedFuture(errorAnswer(status, reason, message));
  }

  private static Answer errorAnswer(int status, String reason, String message) {
    return new Answer(
        json(
            status,
            "{\"success\":false,\"reason\":"
                + quoted(reason)
                + ",\"message\":"
                + quoted(message)
                + "}"),
        reason);
  }

  private static HttpResponse json(int status, String body) {
    return HttpResponse.create()
        .withStatus(StatusCodes.get(status))
        .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, body));
  }

  private static boolean tooLarge(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof EntityStreamSizeException) {
        return true;
      }
    }
    return false;
  }

  private static long seconds(Duration wait) {
    return Math.max(1, (wait.toMillis() + 999) / 1000);
  }

  private static String quoted(String text) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : text.toCharArray()) {
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"').toString();
  }

  private static String printable(String text) {
    String shortened = text.length() > 64 ? text.substring(0, 64) + "..." : text;
    return shortened.replaceAll("[^\\x20-\\x7E]", "?");
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(5));
    deadLetters.close();
  }
}
