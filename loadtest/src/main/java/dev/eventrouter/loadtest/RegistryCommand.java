package dev.eventrouter.loadtest;

import dev.eventrouter.loadtest.produce.DemoRegistry;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(
    name = "registry",
    description =
        "Print a settings registry (HOCON) routing each demo source to 1-3 black-hole"
            + " destinations.")
final class RegistryCommand implements Callable<Integer> {

  @Option(
      names = "--sources",
      defaultValue = "50",
      description = "Sources source-1..N (${DEFAULT-VALUE}).")
  int sources;

  @Option(
      names = "--blackhole",
      defaultValue = "http://127.0.0.1:9090",
      description = "The black hole's base URL (${DEFAULT-VALUE}).")
  String blackhole;

  @Option(
      names = "--seed",
      defaultValue = "1",
      description = "Chooses the routes (${DEFAULT-VALUE}).")
  long seed;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    String hocon;
    try {
      hocon = DemoRegistry.hocon(sources, blackhole, seed);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    spec.commandLine().getOut().print(hocon);
    spec.commandLine().getOut().flush();
    return 0;
  }
}
