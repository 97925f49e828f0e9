package dev.eventrouter.loadtest.run;

import dev.eventrouter.loadtest.scenario.Scenario;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The packaged router run as a user runs it: {@code java -jar eventrouter.jar} in its own JVM,
 * configured by the environment, its JSON log in a file. Ports are fixed at creation, so that a
 * router started again after a kill finds its broker's log and its clients find it.
 */
public final class RouterProcess implements AutoCloseable {

  private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

  private final Path jar;
  private final Path dir;
  private final Map<String, String> environment;
  private final String heap;
  private final int httpPort;
  private final int kafkaPort;
  private final int s3Port;
  private Process process;
  private int starts;

  /**
   * @param environment more settings (ROUTER_REGISTRY_FILE at least), over the ports and data
   *     folder this gives it
   */
  public RouterProcess(Path jar, Path dir, Map<String, String> environment) throws IOException {
    this(jar, dir, environment, "512m");
  }

  /**
   * @param heap the JVM's -Xmx
   */
  public RouterProcess(Path jar, Path dir, Map<String, String> environment, String heap)
      throws IOException {
    this(jar, dir, environment, heap, Ports.free());
  }

  /**
   * @param ports where it listens (its embedded broker's ports unused with a broker of its own)
   */
  public RouterProcess(
      Path jar, Path dir, Map<String, String> environment, String heap, Ports ports) {
    if (!Files.isRegularFile(jar)) {
      throw new IllegalArgumentException(
          "no router jar at "
              + jar.toAbsolutePath()
              + " (build it with: mvn -pl router -am package -DskipTests)");
    }
    this.jar = jar.toAbsolutePath();
    this.dir = dir;
    this.heap = heap;
    this.httpPort = ports.http();
    this.kafkaPort = ports.kafka();
    this.s3Port = ports.s3();
    this.environment =
        new HashMap<>(
            Map.of(
                "ROUTER_DATA_DIR", dir.resolve("data").toString(),
                "ROUTER_HTTP_PORT", Integer.toString(httpPort),
                // the Segment API's port is not used here: any free one, never a taken 8090
                "ROUTER_SEGMENT_API_PORT", "0",
                "ROUTER_KAFKA_PORT", Integer.toString(kafkaPort),
                "ROUTER_KAFKA_CONTROLLER_PORT", Integer.toString(ports.kafkaController()),
                "ROUTER_CLUSTER_PORT", Integer.toString(ports.cluster()),
                "ROUTER_S3_EMBEDDED_PORT", Integer.toString(s3Port),
                "ROUTER_ALLOW_ADDRESSES", "127.0.0.0/8"));
    this.environment.putAll(environment);
  }

  /**
   * The ports a router listens on: HTTP, its embedded broker's two, the cluster's, its embedded
   * S3's.
   */
  public record Ports(int http, int kafka, int kafkaController, int cluster, int s3) {

    /** Free ones, each found by binding port 0. */
    public static Ports free() throws IOException {
      return new Ports(freePort(), freePort(), freePort(), freePort(), freePort());
    }

    /**
     * The benchmark scripts' layout (loadtest/bench/cost.py): HTTP base+80, broker base+92 and
     * base+93, cluster base+520, S3 base+100; the black hole takes base+90.
     */
    public static Ports from(int base) {
      return new Ports(base + 80, base + 92, base + 93, base + 520, base + 100);
    }
  }

  /** Starts the JVM; its log goes to {@code router-<n>.log}, n counting the starts from 1. */
  public RouterProcess start() throws IOException {
    starts++;
    ProcessBuilder builder =
        new ProcessBuilder("java", "-Xmx" + heap, "-jar", jar.toString())
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log().toFile());
    builder.environment().putAll(environment);
    process = builder.start();
    return this;
  }

  public Path log() {
    return dir.resolve("router-" + starts + ".log");
  }

  public String kafkaBootstrapServers() {
    return "127.0.0.1:" + kafkaPort;
  }

  public int httpPort() {
    return httpPort;
  }

  /** The embedded S3-compatible server's endpoint, where the archive is. */
  public String s3Endpoint() {
    return "http://127.0.0.1:" + s3Port;
  }

  /**
   * The archive on the embedded S3-compatible server, with the router's default bucket, prefix and
   * credentials.
   */
  public Scenario.ArchiveLocation archive() {
    return new Scenario.ArchiveLocation(
        s3Endpoint(),
        "us-east-1",
        "eventrouter-archive",
        "archive",
        "eventrouter",
        "eventrouter-local");
  }

  /**
   * A port free now and not handed out before by this process: the system may give a released port
   * again at its next request, and two of a run's servers told the same port fail to start.
   */
  public static int freePort() throws IOException {
    while (true) {
      try (ServerSocket socket = new ServerSocket(0)) {
        if (HANDED_OUT.add(socket.getLocalPort())) {
          return socket.getLocalPort();
        }
      }
    }
  }

  public boolean ready() {
    return status("/health/ready") == 200;
  }

  /** Waits until it answers ready; fails at once, with its last log lines, if it exits first. */
  public void awaitReady(Duration timeout) throws InterruptedException {
    await(
        "the router to be ready",
        timeout,
        () -> {
          if (!process.isAlive()) {
            throw new IllegalStateException(
                "the router exited ("
                    + process.exitValue()
                    + ") before it was ready; "
                    + "the end of its log, "
                    + log()
                    + ":\n"
                    + tail(log(), 20));
          }
          return ready();
        });
  }

  private static String tail(Path file, int lines) {
    try {
      List<String> all = Files.readAllLines(file);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(unreadable: " + e.getMessage() + ")";
    }
  }

  /** SIGKILL: no shutdown hook, nothing flushed. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** SIGTERM; the exit code, or -1 if it did not stop within the timeout. */
  public int terminate(Duration timeout) throws InterruptedException {
    process.destroy();
    return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
  }

  public int status(String path) {
    return status(httpPort, path);
  }

  /** The HTTP status a router on this port answers a GET of the path with; 0 if none answers. */
  public static int status(int httpPort, String path) {
    try {
      return HttpClient.newHttpClient()
          .send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path)).build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (IOException e) {
      return 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    }
  }

  @Override
  public void close() {
    if (process != null) {
      process.destroyForcibly();
    }
  }

  /**
   * {@link #await}, whose failure shows the end of this router's log: what it was doing when the
   * condition did not come.
   */
  public void awaitShowingLog(String what, Duration timeout, BooleanSupplier condition)
      throws InterruptedException {
    try {
      await(what, timeout, condition);
    } catch (AssertionError e) {
      throw new AssertionError(
          e.getMessage() + "; the end of the router's log, " + log() + ":\n" + tail(log(), 40), e);
    }
  }

  /** Waits for a condition across processes, where no actor system is at hand to await with. */
  public static void await(String what, Duration timeout, BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(200);
    }
  }
}
