package dev.eventrouter.loadtest;

import com.typesafe.config.ConfigException;
import dev.eventrouter.loadtest.blackhole.Behaviours;
import dev.eventrouter.loadtest.blackhole.BlackHole;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(
    name = "blackhole",
    description =
        "Run a destination that answers 200 to every POST /<destination> and counts it;"
            + " prints a progress line each second until Ctrl-C.")
final class BlackHoleCommand implements Callable<Integer> {

  private static final Logger log = LoggerFactory.getLogger(BlackHoleCommand.class);

  @Option(
      names = "--host",
      defaultValue = "127.0.0.1",
      description = "Address to listen on (${DEFAULT-VALUE}).")
  String host;

  @Option(
      names = "--port",
      defaultValue = "9090",
      description = "Port; 0 for any free one (${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--workers", description = "Event-loop threads (default: one per processor).")
  Integer workers;

  @Option(
      names = "--behaviours",
      description =
          "A HOCON file of per-destination behaviours: latency, error, reject and reset rates,"
              + " per-source rate limits, outage windows (default: answer 200 at once).")
  Path behaviours;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws InterruptedException {
    int workerThreads = workers != null ? workers : Runtime.getRuntime().availableProcessors();
    BlackHole blackHole =
        BlackHole.start(
            new BlackHole.Options(
                host,
                port,
                workerThreads,
                BlackHole.Options.DEFAULT_MAX_CONTENT_BYTES,
                behaviours(behaviours)));
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(blackHole, stopped), "stop"));
    log.info("listening: POST {}, GET {}", blackHole.url("<destination>"), blackHole.url("stats"));

    PrintWriter out = spec.commandLine().getOut();
    long lastReceived = 0;
    long lastTime = System.nanoTime();
    while (!stopped.await(1, TimeUnit.SECONDS)) {
      long now = System.nanoTime();
      long received = blackHole.received();
      long rate = Math.round((received - lastReceived) * 1e9 / (now - lastTime));
      out.printf("received=%d rate=%d/s duplicates=%d%n", received, rate, blackHole.duplicates());
      out.flush();
      lastReceived = received;
      lastTime = now;
    }
    return 0;
  }

  private Behaviours behaviours(Path file) {
    if (file == null) {
      return Behaviours.acceptAll();
    }
    try {
      return Behaviours.load(file);
    } catch (IllegalArgumentException | ConfigException e) {
      throw new ParameterException(spec.commandLine(), "--behaviours: " + e.getMessage());
    }
  }

  private static void stop(BlackHole blackHole, CountDownLatch stopped) {
    blackHole.close();
    stopped.countDown();
  }
}
