package dev.eventrouter.loadtest;

import dev.eventrouter.loadtest.blast.RawHttpLoad;
import java.io.PrintWriter;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "blast",
    description =
        "Raw HTTP/1.1 load on one URL (pipelined, keep-alive), to measure the black hole's own"
            + " capacity; prints requests/s.")
final class BlastCommand implements Callable<Integer> {

  @Option(
      names = "--url",
      defaultValue = "http://127.0.0.1:9090/blast",
      description = "Target (${DEFAULT-VALUE}).")
  URI url;

  @Option(
      names = "--connections",
      defaultValue = "8",
      description = "Connections, a thread each (${DEFAULT-VALUE}).")
  int connections;

  @Option(
      names = "--pipeline",
      defaultValue = "16",
      description = "Requests written at once per connection (${DEFAULT-VALUE}).")
  int pipeline;

  @Option(
      names = "--payload-bytes",
      defaultValue = "1024",
      description = "Body size (${DEFAULT-VALUE}).")
  int payloadBytes;

  @Option(names = "--seconds", defaultValue = "10", description = "How long (${DEFAULT-VALUE}).")
  int seconds;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws InterruptedException {
    RawHttpLoad.Result result =
        RawHttpLoad.run(url, connections, pipeline, payloadBytes, Duration.ofSeconds(seconds));
    PrintWriter out = spec.commandLine().getOut();
    out.printf(
        Locale.ROOT,
        "requests=%d failures=%d seconds=%.1f requests/s=%.0f%n",
        result.requests(),
        result.failures(),
        result.seconds(),
        result.requestsPerSecond());
    out.flush();
    return result.failures() > 0 ? 1 : 0;
  }
}
