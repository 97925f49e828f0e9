package dev.eventrouter.router.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Predicate;

/**
 * A destination over HTTP for tests of ordered delivery: it records each request's event, by its
 * message id {@code key/round}, in the order the requests come, before it answers (so that no later
 * request of a key, which waits for this answer, can be recorded before it); it answers 500 to the
 * events {@link #failing} picks, else 200, after {@code delay}.
 */
public final class OrderRecorder implements AutoCloseable {

  private record Request(String messageId, int status) {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final HttpServer server;
  private final ExecutorService threads = Executors.newFixedThreadPool(16);

  /** Which events (as JSON) are answered 500 now. */
  public volatile Predicate<JsonNode> failing = event -> false;

  public OrderRecorder(Duration delay) throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        exchange -> {
          JsonNode event = JSON.readTree(exchange.getRequestBody().readAllBytes());
          int status = failing.test(event) ? 500 : 200;
          requests.add(new Request(event.path("messageId").asText(), status));
          try {
            Thread.sleep(delay.toMillis());
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          exchange.sendResponseHeaders(status, -1);
          exchange.close();
        });
    server.setExecutor(threads);
    server.start();
  }

  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/in";
  }

  /** Requests received, a repeated event counted each time. */
  public int requests() {
    return requests.size();
  }

  /** The message ids of the events answered 200, once each. */
  public List<String> delivered() {
    return requests.stream()
        .filter(request -> request.status() == 200)
        .map(Request::messageId)
        .distinct()
        .toList();
  }

  /** Per key, the rounds of its requests in the order they came. */
  public Map<String, List<Integer>> byKey() {
    Map<String, List<Integer>> byKey = new LinkedHashMap<>();
    for (Request request : requests) {
      String messageId = request.messageId();
      int slash = messageId.indexOf('/');
      byKey
          .computeIfAbsent(messageId.substring(0, slash), k -> new ArrayList<>())
          .add(Integer.parseInt(messageId.substring(slash + 1)));
    }
    return byKey;
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }
}
