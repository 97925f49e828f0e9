package dev.eventrouter.queues.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Destinations on raw sockets, for what no HTTP server library would do on purpose (drip a header,
 * never answer, hold a connection). Each connection is served on a thread of its own; closing stops
 * them all.
 */
public final class RawDestinations implements AutoCloseable {

  /** What a destination does with one connection. */
  @FunctionalInterface
  public interface Connection {
    void serve(Socket socket) throws Exception;
  }

  /** A request's head, its header names in lower case, and its body read past. */
  public record Request(Map<String, String> headers) {
    public String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  private final ExecutorService threads = Executors.newCachedThreadPool();

  /** Listens on a free loopback port and serves each connection; returns the port. */
  public int listen(Connection connection) throws IOException {
    ServerSocket server = new ServerSocket(0);
    threads.submit(
        () -> {
          while (!server.isClosed()) {
            Socket socket = server.accept();
            threads.submit(
                () -> {
                  connection.serve(socket);
                  return null;
                });
          }
          return null;
        });
    return server.getLocalPort();
  }

  /** The next request on the connection (its Content-Length body read past), or null at its end. */
  public static Request readRequest(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        return null;
      }
      head.append((char) b);
    }
    Map<String, String> headers = new TreeMap<>();
    for (String line : head.toString().split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon > 0) {
        headers.put(
            line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
            line.substring(colon + 1).trim());
      }
    }
    Request request = new Request(headers);
    String length = request.header("content-length");
    if (length != null) {
      in.readNBytes(Integer.parseInt(length));
    }
    return request;
  }

  @Override
  public void close() {
    threads.shutdownNow();
  }
}
