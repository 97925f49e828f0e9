package dev.eventrouter.router.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The packaged router run as a user runs it: {@code java -jar eventrouter.jar} in its own JVM,
 * configured by the environment, its JSON log in a file. Ports are fixed at creation, so that a
 * router started again after a kill finds its broker's log and its clients find it.
 */
public final class RouterProcess implements AutoCloseable {

  private final Path jar;
  private final Path dir;
  private final Map<String, String> environment;
  private final int httpPort;
  private final int kafkaPort;
  private Process process;
  private int starts;

  /**
   * @param environment more settings (ROUTER_REGISTRY_FILE at least), over the ports and data
   *     folder this gives it
   */
  public RouterProcess(Path jar, Path dir, Map<String, String> environment) throws IOException {
    this.jar = jar;
    this.dir = dir;
    this.httpPort = TestRouter.freePort();
    this.kafkaPort = TestRouter.freePort();
    this.environment = new HashMap<>(Map.of(
        "ROUTER_DATA_DIR", dir.resolve("data").toString(),
        "ROUTER_HTTP_PORT", Integer.toString(httpPort),
        "ROUTER_KAFKA_PORT", Integer.toString(kafkaPort),
        "ROUTER_KAFKA_CONTROLLER_PORT", Integer.toString(TestRouter.freePort()),
        "ROUTER_CLUSTER_PORT", Integer.toString(TestRouter.freePort()),
        "ROUTER_S3_EMBEDDED_PORT", Integer.toString(TestRouter.freePort()),
        "ROUTER_ALLOW_ADDRESSES", "127.0.0.0/8"));
    this.environment.putAll(environment);
  }

  /** Starts the JVM; its log goes to {@code router-<n>.log}, n counting the starts from 1. */
  public RouterProcess start() throws IOException {
    starts++;
    ProcessBuilder builder = new ProcessBuilder("java", "-Xmx512m", "-jar", jar.toString())
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

  public boolean ready() {
    return status("/health/ready") == 200;
  }

  public void awaitReady(Duration timeout) throws InterruptedException {
    await("the router to be ready", timeout, this::ready);
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
    try {
      return HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path)).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode();
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
