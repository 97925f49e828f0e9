package dev.eventrouter.loadtest;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The load tool's command line: {@code blackhole}, {@code produce}, {@code registry}, {@code run},
 * {@code parity}, {@code blast}, {@code segment}, {@code ceiling} and {@code sql}.
 */
@Command(
    name = "loadtest",
    description = "Drives the event router from outside, over Kafka and HTTP.",
    subcommands = {
      BlackHoleCommand.class,
      ProduceCommand.class,
      RegistryCommand.class,
      RunCommand.class,
      BlastCommand.class,
      SegmentCommand.class,
      CeilingCommand.class,
      SqlCommand.class,
      ParityCommand.class
    })
public final class LoadTest implements Runnable {

  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      scope = ScopeType.INHERIT,
      description = "Show this help and exit.")
  boolean help;

  @Spec CommandSpec spec;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  static CommandLine commandLine() {
    return new CommandLine(new LoadTest());
  }

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "Missing required subcommand");
  }
}
