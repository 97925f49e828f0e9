package dev.eventrouter.router;

import com.typesafe.config.ConfigFactory;
import dev.eventrouter.router.admin.ReplayCommand;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The router's command line: with no command it starts one router node from {@code
 * application.conf} and the environment; {@code segment-api} starts the Segment-compatible API
 * alone; {@code replay} asks a running router to replay archived jobs.
 */
@Command(
    name = "eventrouter",
    description = "Runs an event router node (no command), or operates a running one.",
    subcommands = {ReplayCommand.class, Main.SegmentApiCommand.class})
public final class Main implements Callable<Integer> {

  /**
   * The JDK runs a CompletableFuture's asynchronous steps without an executor of their own, and
   * Pekko's asks and Scala futures seen as CompletionStages run all of theirs so, on the common
   * pool, but only if it has at least two threads: with its default (one fewer than the cores) on
   * two cores, it starts a thread per step instead. Set before anything uses the pool, unless the
   * operator set it.
   */
  static {
    String parallelism = "java.util.concurrent.ForkJoinPool.common.parallelism";
    if (System.getProperty(parallelism) == null) {
      System.setProperty(
          parallelism,
          Integer.toString(Math.max(2, Runtime.getRuntime().availableProcessors() - 1)));
    }
  }

  private static final Logger log = LoggerFactory.getLogger(Main.class);

  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show this help and exit.")
  boolean help;

  public static void main(String[] args) {
    CommandLine commandLine = new CommandLine(new Main());
    if (args.length == 0 || args[0].equals(SegmentApiCommand.NAME)) {
      // the node keeps running on its own threads until it is told to stop; a start that failed,
      // or a mistake in the arguments, ends with its code, which nothing else would give
      int code = commandLine.execute(args);
      if (code != 0) {
        System.exit(code);
      }
      return;
    }
    System.exit(commandLine.execute(args));
  }

  @Override
  public Integer call() {
    return run(() -> Router.start(ConfigFactory.load()));
  }

  /** Starts a node, or exits when it cannot. */
  private static Integer run(Supplier<Router> start) {
    try {
      start.get();
      return 0;
    } catch (RuntimeException e) {
      log.error("the router could not start: {}", e.getMessage(), e);
      System.exit(1);
      return 1;
    }
  }

  @Command(
      name = SegmentApiCommand.NAME,
      description = {
        "Runs the Segment-compatible tracking API alone (eventrouter.segment-api), producing to",
        "the router nodes' Kafka (ROUTER_KAFKA_BOOTSTRAP_SERVERS), to be scaled apart from them."
      })
  static final class SegmentApiCommand implements Callable<Integer> {

    static final String NAME = "segment-api";

    @Option(
        names = {"-h", "--help"},
        usageHelp = true,
        description = "Show this help and exit.")
    boolean help;

    @Override
    public Integer call() {
      return run(() -> Router.startSegmentApi(ConfigFactory.load()));
    }
  }
}
