package dev.eventrouter.loadtest.blast;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * Raw HTTP/1.1 load on one endpoint: each connection a thread that writes {@code pipeline} requests
 * at once and reads their answers, for a duration. Made to measure the black hole's own capacity,
 * so the client is as cheap as can be: requests are bytes prepared once but for their messageId,
 * and answers are only counted, a status other than 2xx as a failure.
 */
public final class RawHttpLoad {

  /** What a run did. */
  public record Result(long requests, long failures, double seconds) {
    public double requestsPerSecond() {
      return requests / seconds;
    }
  }

  private RawHttpLoad() {}

  public static Result run(
      URI target, int connections, int pipeline, int payloadBytes, Duration duration)
      throws InterruptedException {
    if (connections < 1 || pipeline < 1) {
      throw new IllegalArgumentException("connections and pipeline must be at least 1");
    }
    LongAdder ok = new LongAdder();
    LongAdder failed = new LongAdder();
    long deadline = System.nanoTime() + duration.toNanos();
    long start = System.nanoTime();
    List<Thread> threads = new ArrayList<>();
    List<Throwable> errors = new ArrayList<>();
    for (int c = 0; c < connections; c++) {
      int connection = c;
      Thread thread =
          new Thread(
              () -> {
                try {
                  drive(target, connection, pipeline, payloadBytes, deadline, ok, failed);
                } catch (IOException | RuntimeException e) {
                  synchronized (errors) {
                    errors.add(e);
                  }
                }
              },
              "blast-" + c);
      thread.start();
      threads.add(thread);
    }
    for (Thread thread : threads) {
      thread.join();
    }
    if (!errors.isEmpty()) {
      throw new IllegalStateException(
          errors.size() + " connections failed, the first: " + errors.get(0), errors.get(0));
    }
    return new Result(ok.sum(), failed.sum(), (System.nanoTime() - start) / 1e9);
  }

  private static void drive(
      URI target,
      int connection,
      int pipeline,
      int payloadBytes,
      long deadline,
      LongAdder ok,
      LongAdder failed)
      throws IOException {
    String path = target.getRawPath().isEmpty() ? "/" : target.getRawPath();
    byte[] body = new byte[payloadBytes];
    Arrays.fill(body, (byte) 'x');
    byte[] head =
        ("POST "
                + path
                + " HTTP/1.1\r\nHost: "
                + target.getHost()
                + "\r\n"
                + "Content-Type: application/json\r\nContent-Length: "
                + payloadBytes
                + "\r\nX-Message-Id: b-"
                + connection
                + "-")
            .getBytes(StandardCharsets.US_ASCII);
    try (Socket socket = connect(target)) {
      OutputStream out = socket.getOutputStream();
      HttpAnswerReader answers =
          new HttpAnswerReader(new BufferedInputStream(socket.getInputStream(), 64 * 1024));
      byte[] batch = new byte[pipeline * (head.length + 24 + payloadBytes)];
      long n = 0;
      while (System.nanoTime() < deadline) {
        int length = 0;
        for (int i = 0; i < pipeline; i++) {
          System.arraycopy(head, 0, batch, length, head.length);
          length += head.length;
          byte[] id = (Long.toString(n++) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
          System.arraycopy(id, 0, batch, length, id.length);
          length += id.length;
          System.arraycopy(body, 0, batch, length, body.length);
          length += body.length;
        }
        out.write(batch, 0, length);
        out.flush();
        for (int i = 0; i < pipeline; i++) {
          int status = answers.next();
          if (status >= 200 && status < 300) {
            ok.increment();
          } else {
            failed.increment();
          }
        }
      }
    }
  }

  /** A connection for load: no Nagle delay (requests are written whole), 30 s for an answer. */
  static Socket connect(URI target) throws IOException {
    Socket socket = new Socket();
    try {
      socket.setTcpNoDelay(true);
      socket.connect(new InetSocketAddress(target.getHost(), target.getPort()), 5_000);
      socket.setSoTimeout(30_000);
      return socket;
    } catch (IOException e) {
      socket.close();
      throw e;
    }
  }
}
