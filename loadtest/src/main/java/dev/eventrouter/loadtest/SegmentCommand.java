package dev.eventrouter.loadtest;

import dev.eventrouter.loadtest.blast.SegmentLoad;
import java.io.PrintWriter;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(
    name = "segment",
    description =
        "Load on the router's Segment tracking API: keep-alive connections each sending single"
            + " /v1/track calls or /v1/batch requests one after the other; prints accepted events/s,"
            + " requests/s, latency percentiles of the 200s and the other answers by status.")
final class SegmentCommand implements Callable<Integer> {

  @Option(
      names = "--url",
      defaultValue = "http://127.0.0.1:8090",
      description = "The API's base URL (${DEFAULT-VALUE}).")
  URI url;

  @Option(
      names = "--write-key",
      required = true,
      description = "A write key of a source (sent as basic authentication).")
  String writeKey;

  @Option(
      names = "--connections",
      defaultValue = "8",
      description =
          "Connections, a thread each, one request outstanding on each (${DEFAULT-VALUE}).")
  int connections;

  @Option(
      names = "--batch",
      defaultValue = "0",
      description = "Events per /v1/batch request; 0: single /v1/track calls (${DEFAULT-VALUE}).")
  int batch;

  @Option(
      names = "--event-bytes",
      defaultValue = "1024",
      description = "Size of each event's JSON, before gzip (${DEFAULT-VALUE}).")
  int eventBytes;

  @Option(names = "--gzip", description = "Gzip each request's body (Content-Encoding: gzip).")
  boolean gzip;

  @Option(
      names = "--warmup-seconds",
      defaultValue = "10",
      description = "Load before the measured window, not counted (${DEFAULT-VALUE}).")
  int warmupSeconds;

  @Option(
      names = "--seconds",
      defaultValue = "30",
      description = "The measured window (${DEFAULT-VALUE}).")
  int seconds;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws InterruptedException {
    if (batch < 0 || eventBytes < 1 || connections < 1 || warmupSeconds < 0 || seconds < 1) {
      throw new ParameterException(
          spec.commandLine(),
          "--batch must be 0 or more, --event-bytes, --connections and --seconds at least 1, --warmup-seconds 0 or more");
    }
    SegmentLoad.Result result =
        SegmentLoad.run(
            new SegmentLoad.Options(
                url,
                writeKey,
                connections,
                batch,
                eventBytes,
                gzip,
                Duration.ofSeconds(warmupSeconds),
                Duration.ofSeconds(seconds)));
    PrintWriter out = spec.commandLine().getOut();
    out.print(result.report());
    out.flush();
    return result.accepted() == 0
            || result.answered() > result.accepted()
            || result.connectionErrors() > 0
        ? 1
        : 0;
  }
}
