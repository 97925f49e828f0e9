package dev.eventrouter.router;

import com.typesafe.config.ConfigFactory;
import dev.eventrouter.router.admin.ReplayCommand;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The router's command line: with no command it starts one router node from {@code
 * application.conf} and the environment; {@code replay} asks a running router to replay
 * archived jobs.
 */
@Command(
    name = "eventrouter",
    description = "Runs an event router node (no command), or operates a running one.",
    subcommands = {ReplayCommand.class})
public final class Main implements Callable<Integer> {

  private static final Logger log = LoggerFactory.getLogger(Main.class);

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
  boolean help;

  public static void main(String[] args) {
    CommandLine commandLine = new CommandLine(new Main());
    if (args.length == 0) {
      // the node keeps running on its own threads until it is told to stop
      commandLine.execute(args);
      return;
    }
    System.exit(commandLine.execute(args));
  }

  @Override
  public Integer call() {
    try {
      Router.start(ConfigFactory.load());
      return 0;
    } catch (RuntimeException e) {
      log.error("the router could not start: {}", e.getMessage(), e);
      System.exit(1);
      return 1;
    }
  }
}
