package dev.eventrouter.queues.testing;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.pattern.Patterns;

/**
 * An HTTP destination for tests that answers each path by a script: a list of responses used in
 * order, the last one repeated. It records every request it receives.
 */
public final class ScriptedDestination implements AutoCloseable {

  /**
   * One scripted answer: a status, extra headers, how long to wait before sending it, and what it
   * waits for first.
   */
  public record Response(
      int status,
      Map<String, String> headers,
      Duration delay,
      CompletionStage<?> held,
      String json) {
    public static Response status(int status) {
      return new Response(
          status, Map.of(), Duration.ZERO, CompletableFuture.completedFuture(null), null);
    }

    /** With this JSON as its body. */
    public Response withJson(String body) {
      return new Response(status, headers, delay, held, body);
    }

    public Response withHeader(String name, String value) {
      Map<String, String> all = new java.util.HashMap<>(headers);
      all.put(name, value);
      return new Response(status, Map.copyOf(all), delay, held, json);
    }

    public Response after(Duration delay) {
      return new Response(status, headers, delay, held, json);
    }

    /**
     * Sent only once {@code released} completes: a destination that hangs until a test lets it go.
     */
    public Response heldUntil(CompletionStage<?> released) {
      return new Response(status, headers, delay, released, json);
    }
  }

  /** A request as received; its headers by lower-case name, each with every value it came with. */
  public record Received(String path, Map<String, List<String>> headers, byte[] body, Instant at) {
    /** The header's first value, or null. */
    public String header(String name) {
      List<String> values = values(name);
      return values.isEmpty() ? null : values.get(0);
    }

    /** Every value the header came with, in order: one entry per time it was sent. */
    public List<String> values(String name) {
      return headers.getOrDefault(name.toLowerCase(java.util.Locale.ROOT), List.of());
    }
  }

  private final ActorSystem<?> system;
  private final ServerBinding binding;
  private final Map<String, Deque<Response>> scripts = new ConcurrentHashMap<>();
  private final List<Received> received = new CopyOnWriteArrayList<>();

  public ScriptedDestination(ActorSystem<?> system) {
    this(system, 0);
  }

  /**
   * @param port 0 for any free port
   */
  public ScriptedDestination(ActorSystem<?> system, int port) {
    this.system = system;
    this.binding =
        Http.get(system)
            .newServerAt("127.0.0.1", port)
            .bind(this::handle)
            .toCompletableFuture()
            .join();
  }

  public String url(String path) {
    return "http://127.0.0.1:" + binding.localAddress().getPort() + path;
  }

  public ScriptedDestination script(String path, Response... responses) {
    scripts.put(path, new ArrayDeque<>(List.of(responses)));
    return this;
  }

  public List<Received> received() {
    return List.copyOf(received);
  }

  public List<Received> received(String path) {
    return received.stream().filter(r -> r.path().equals(path)).toList();
  }

  private CompletionStage<HttpResponse> handle(HttpRequest request) {
    return request
        .entity()
        .toStrict(10_000, system)
        .thenCompose(
            entity -> {
              String path = request.getUri().path();
              Map<String, List<String>> headers =
                  StreamSupport.stream(request.getHeaders().spliterator(), false)
                      .collect(
                          Collectors.groupingBy(
                              HttpHeader::lowercaseName,
                              Collectors.mapping(HttpHeader::value, Collectors.toList())));
              // the server models the content type on the entity, not as a header
              headers.put("content-type", List.of(entity.getContentType().toString()));
              received.add(new Received(path, headers, entity.getData().toArray(), Instant.now()));
              Response response = next(path);
              HttpResponse http =
                  HttpResponse.create()
                      .withStatus(StatusCodes.get(response.status()))
                      .withEntity(
                          response.json() == null
                              ? HttpEntities.EMPTY
                              : HttpEntities.create(ContentTypes.APPLICATION_JSON, response.json()))
                      .addHeaders(
                          response.headers().entrySet().stream()
                              .map(h -> (HttpHeader) RawHeader.create(h.getKey(), h.getValue()))
                              .toList());
              return response
                  .held()
                  .thenCompose(
                      released ->
                          response.delay().isZero()
                              ? CompletableFuture.completedFuture(http)
                              : Patterns.after(
                                  response.delay(),
                                  system.classicSystem().scheduler(),
                                  system.executionContext(),
                                  () -> CompletableFuture.completedFuture(http)));
            });
  }

  private synchronized Response next(String path) {
    Deque<Response> script = scripts.get(path);
    if (script == null || script.isEmpty()) {
      return Response.status(200);
    }
    return script.size() > 1 ? script.pollFirst() : script.peekFirst();
  }

  @Override
  public void close() {
    binding.unbind().toCompletableFuture().join();
  }
}
