package dev.eventrouter.loadtest.blast;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Load on the router's Segment tracking API: each connection a thread that sends one request, waits
 * for its answer and sends the next, on a keep-alive connection, as an SDK's flush thread does.
 * Requests answered within the window (after the warm-up) are counted: by status, and the latency
 * of each 200 (written to answer read). Each request is made (and gzipped) just before it is sent,
 * on the same cores as the router when both run on one machine.
 */
public final class SegmentLoad {

  public record Options(
      URI base,
      String writeKey,
      int connections,
      int batch,
      int eventBytes,
      boolean gzip,
      Duration warmUp,
      Duration window) {
    public Options {
      if (connections < 1) {
        throw new IllegalArgumentException("connections must be at least 1");
      }
      if (base.getPort() < 1) {
        throw new IllegalArgumentException("the URL needs a port: " + base);
      }
    }
  }

  /**
   * What the window saw.
   *
   * @param accepted requests answered 200
   * @param refused requests answered otherwise, by status (kept in order of status)
   * @param connectionErrors requests that got no answer (the connection failed or closed)
   * @param latencyNanos the latency of each accepted request, sorted
   */
  public record Result(
      String path,
      int connections,
      int eventsPerRequest,
      boolean gzip,
      double seconds,
      long accepted,
      Map<Integer, Long> refused,
      long connectionErrors,
      long[] latencyNanos) {

    public Result {
      refused = Collections.unmodifiableSortedMap(new TreeMap<>(refused));
    }

    public long answered() {
      return accepted + refused.values().stream().mapToLong(Long::longValue).sum();
    }

    public double acceptedEventsPerSecond() {
      return accepted * eventsPerRequest / seconds;
    }

    public double requestsPerSecond() {
      return answered() / seconds;
    }

    /** The q-quantile of accepted requests' latency (nearest rank), in ms; 0 when none. */
    public double latencyMillis(double q) {
      if (latencyNanos.length == 0) {
        return 0;
      }
      int rank = (int) Math.ceil(q * latencyNanos.length);
      return latencyNanos[Math.max(0, Math.min(latencyNanos.length, rank) - 1)] / 1e6;
    }

    /** Two lines: what ran, then the figures as key=value. */
    public String report() {
      StringBuilder refusedText = new StringBuilder();
      refused.forEach(
          (status, count) ->
              refusedText
                  .append(refusedText.length() == 0 ? "" : ",")
                  .append(status)
                  .append(':')
                  .append(count));
      return String.format(
          Locale.ROOT,
          "POST %s connections=%d events/request=%d gzip=%s window=%.1fs%n"
              + "events/s=%.0f requests/s=%.1f accepted=%d non-200=%s connection-errors=%d"
              + " p50=%.1fms p90=%.1fms p99=%.1fms max=%.1fms%n",
          path,
          connections,
          eventsPerRequest,
          gzip ? "on" : "off",
          seconds,
          acceptedEventsPerSecond(),
          requestsPerSecond(),
          accepted,
          refusedText.length() == 0 ? "none" : refusedText,
          connectionErrors,
          latencyMillis(0.5),
          latencyMillis(0.9),
          latencyMillis(0.99),
          latencyMillis(1.0));
    }
  }

  private SegmentLoad() {}

  public static Result run(Options options) throws InterruptedException {
    SegmentRequests requests =
        new SegmentRequests(
            options.base(),
            options.writeKey(),
            options.batch(),
            options.eventBytes(),
            options.gzip());
    long windowStart = System.nanoTime() + options.warmUp().toNanos();
    long windowEnd = windowStart + options.window().toNanos();
    // messageIds unique across runs too, should a destination ever dedupe them
    String run = Long.toString(System.currentTimeMillis(), 36);
    List<Connection> connections = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int c = 0; c < options.connections(); c++) {
      Connection connection =
          new Connection(
              options.base(), requests, "seg-" + run + "-" + c + "-", c, windowStart, windowEnd);
      Thread thread = new Thread(connection, "segment-load-" + c);
      connections.add(connection);
      threads.add(thread);
      thread.start();
    }
    for (Thread thread : threads) {
      thread.join();
    }
    List<Throwable> errors = connections.stream().map(c -> c.error).filter(e -> e != null).toList();
    if (!errors.isEmpty()) {
      throw new IllegalStateException(
          errors.size() + " connections failed, the first: " + errors.get(0), errors.get(0));
    }
    return merge(requests, options, connections);
  }

  private static Result merge(
      SegmentRequests requests, Options options, List<Connection> connections) {
    long accepted = 0;
    long connectionErrors = 0;
    Map<Integer, Long> refused = new TreeMap<>();
    int latencies = 0;
    for (Connection c : connections) {
      accepted += c.accepted;
      connectionErrors += c.connectionErrors;
      c.refused.forEach((status, count) -> refused.merge(status, count, Long::sum));
      latencies += c.latencyCount;
    }
    long[] latencyNanos = new long[latencies];
    int at = 0;
    for (Connection c : connections) {
      System.arraycopy(c.latencyNanos, 0, latencyNanos, at, c.latencyCount);
      at += c.latencyCount;
    }
    Arrays.sort(latencyNanos);
    return new Result(
        requests.path(),
        options.connections(),
        requests.eventsPerRequest(),
        options.gzip(),
        options.window().toNanos() / 1e9,
        accepted,
        refused,
        connectionErrors,
        latencyNanos);
  }

  /** One connection's loop and its own counts, read once its thread ended. */
  private static final class Connection implements Runnable {
    private final URI base;
    private final SegmentRequests requests;
    private final String idPrefix;
    private final SplittableRandom random;
    private final long windowStart;
    private final long windowEnd;
    private final Map<Integer, Long> refused = new TreeMap<>();
    private long accepted;
    private long connectionErrors;
    private long[] latencyNanos = new long[1024];
    private int latencyCount;
    private Throwable error;

    Connection(
        URI base,
        SegmentRequests requests,
        String idPrefix,
        int seed,
        long windowStart,
        long windowEnd) {
      this.base = base;
      this.requests = requests;
      this.idPrefix = idPrefix;
      this.random = new SplittableRandom(seed);
      this.windowStart = windowStart;
      this.windowEnd = windowEnd;
    }

    @Override
    public void run() {
      long nextId = 0;
      try {
        while (System.nanoTime() < windowEnd) {
          // a connect that fails ends the run: the server is not there
          try (Socket socket = RawHttpLoad.connect(base)) {
            OutputStream out = socket.getOutputStream();
            HttpAnswerReader answers =
                new HttpAnswerReader(new BufferedInputStream(socket.getInputStream(), 8 * 1024));
            boolean open = true;
            while (open && System.nanoTime() < windowEnd) {
              byte[] request = requests.request(idPrefix, nextId, Instant.now(), random);
              nextId += requests.eventsPerRequest();
              long sent = System.nanoTime();
              int status;
              try {
                out.write(request);
                out.flush();
                status = answers.next();
              } catch (IOException e) {
                // a failed request on an established connection: counted, then a new connection
                if (sent >= windowStart) {
                  connectionErrors++;
                }
                break;
              }
              long answered = System.nanoTime();
              if (sent >= windowStart && answered <= windowEnd) {
                count(status, answered - sent);
              }
              open = !answers.closing();
            }
          }
        }
      } catch (IOException | RuntimeException e) {
        error = e;
      }
    }

    private void count(int status, long nanos) {
      if (status != 200) {
        refused.merge(status, 1L, Long::sum);
        return;
      }
      accepted++;
      if (latencyCount == latencyNanos.length) {
        latencyNanos = Arrays.copyOf(latencyNanos, latencyCount * 2);
      }
      latencyNanos[latencyCount++] = nanos;
    }
  }
}
