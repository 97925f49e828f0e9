package dev.eventrouter.loadtest;

import dev.eventrouter.loadtest.produce.DemoRegistry;
import dev.eventrouter.loadtest.produce.EventProducer;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(
    name = "produce",
    description =
        "Publish Segment-style events to Kafka, keyed by source id; exits 1 if any was"
            + " not acknowledged.")
final class ProduceCommand implements Callable<Integer> {

  @Option(
      names = "--bootstrap",
      defaultValue = "127.0.0.1:9092",
      description = "Kafka bootstrap servers (${DEFAULT-VALUE}).")
  String bootstrap;

  @Option(names = "--topic", defaultValue = "events", description = "Topic (${DEFAULT-VALUE}).")
  String topic;

  @Option(
      names = "--events",
      defaultValue = "10000",
      description = "Events to send (${DEFAULT-VALUE}).")
  int events;

  @Option(
      names = "--sources",
      defaultValue = "50",
      description = "Sources source-1..N, used in turn (${DEFAULT-VALUE}).")
  int sources;

  @Option(
      names = "--payload-bytes",
      defaultValue = "1024",
      description = "Approximate size of each event (${DEFAULT-VALUE}).")
  int payloadBytes;

  @Option(
      names = "--max-payload-bytes",
      description =
          "When above --payload-bytes, sizes are log-normal with --payload-bytes as the median,"
              + " capped here (default: every event of --payload-bytes).")
  Integer maxPayloadBytes;

  @Option(
      names = "--skew",
      defaultValue = "0",
      description =
          "Power-law exponent of source sizes: source k sends a share proportional to 1/k^skew;"
              + " 0 sends from each source in turn (${DEFAULT-VALUE}).")
  double skew;

  @Option(
      names = "--rate",
      defaultValue = "0",
      description = "Events per second; 0 for as fast as possible (${DEFAULT-VALUE}).")
  double rate;

  @Option(
      names = "--seed",
      defaultValue = "1",
      description = "Reproduces the payloads (${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--warm-up-events",
      defaultValue = "0",
      description =
          "First send this many events as fast as possible to --warm-up-topic, which nothing"
              + " reads, so that this JVM and the broker run warm when the paced events start, as a"
              + " producer that has run a while does (${DEFAULT-VALUE}).")
  int warmUpEvents;

  @Option(
      names = "--warm-up-topic",
      description = "Where the warm-up's events go (default: --topic with -producer-warm-up).")
  String warmUpTopic;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    if (warmUpEvents < 0) {
      throw new ParameterException(
          spec.commandLine(), "--warm-up-events must not be negative, not " + warmUpEvents);
    }
    EventProducer.Plan plan = plan(topic, events, rate);
    PrintWriter out = spec.commandLine().getOut();
    if (warmUpEvents > 0) {
      EventProducer.Result warmUp =
          EventProducer.run(
              plan(
                  warmUpTopic == null ? topic + "-producer-warm-up" : warmUpTopic,
                  warmUpEvents,
                  0));
      // a line of its own, before the run's: whoever paces on this producer waits for it
      report(out, "warmed-up ", warmUp);
      if (warmUp.failed() > 0) {
        return 1;
      }
    }
    EventProducer.Result result = EventProducer.run(plan);
    report(out, "", result);
    return result.failed() > 0 ? 1 : 0;
  }

  private static void report(PrintWriter out, String prefix, EventProducer.Result result) {
    out.printf(
        Locale.ROOT,
        "%ssent=%d failed=%d took=%.3fs rate=%.0f/s%n",
        prefix,
        result.sent(),
        result.failed(),
        result.took().toNanos() / 1e9,
        result.eventsPerSecond());
    out.flush();
  }

  private EventProducer.Plan plan(String topic, int events, double rate) {
    try {
      return new EventProducer.Plan(
          bootstrap,
          topic,
          events,
          DemoRegistry.sourceIds(sources),
          skew,
          payloadBytes,
          maxPayloadBytes == null ? payloadBytes : maxPayloadBytes,
          rate,
          seed);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }
}
