package dev.eventrouter.router.testing;

import dev.eventrouter.loadtest.run.RouterProcess;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.eventrouter.loadtest.produce.EventProducer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The no-loss audit of a fault-injection run: every event the producer had acknowledged must
 * reach every destination of its source. It waits for that (up to a limit), then counts what
 * was delivered, duplicated and lost, and writes the figures to {@code
 * target/reliability/<scenario>.json} for RELIABILITY.md.
 */
public final class DeliveryAudit {

  /** The figures of one run; {@code lost} must be 0. */
  public record Report(String scenario, long produced, long producerFailures, long jobs,
      long delivered, long duplicates, long lost, List<String> missing, double seconds,
      List<Map<String, Object>> faults) {}

  private DeliveryAudit() {}

  /**
   * @param destinationsOf each source's destinations
   * @param deliveries destination -> messageId -> times received, as the destinations count them
   * @param faults what was done during the run, and when, in the order done
   */
  public static Report audit(String scenario, EventProducer.Result produced,
      Function<String, List<String>> destinationsOf,
      Supplier<Map<String, Map<String, Integer>>> deliveries, Duration wait, long startedNanos,
      List<Map<String, Object>> faults) throws InterruptedException {
    Map<String, Set<String>> expected = new LinkedHashMap<>();
    for (EventProducer.Produced event : produced.produced()) {
      for (String destination : destinationsOf.apply(event.source())) {
        expected.computeIfAbsent(destination, d -> new HashSet<>()).add(event.messageId());
      }
    }
    try {
      RouterProcess.await("every acknowledged event delivered", wait, () -> missing(expected, deliveries.get(), 0).isEmpty());
    } catch (AssertionError timedOut) {
      // the report names what is missing
    }
    Map<String, Map<String, Integer>> delivered = deliveries.get();
    List<String> missing = missing(expected, delivered, Integer.MAX_VALUE);
    long jobs = expected.values().stream().mapToLong(Set::size).sum();
    long duplicates = delivered.values().stream().flatMap(m -> m.values().stream())
        .mapToLong(count -> count - 1).sum();
    Report report = new Report(scenario, produced.sent(), produced.failed(), jobs,
        jobs - missing.size(), duplicates, missing.size(), missing.subList(0, Math.min(20, missing.size())),
        (System.nanoTime() - startedNanos) / 1e9, faults);
    write(report);
    return report;
  }

  private static List<String> missing(Map<String, Set<String>> expected,
      Map<String, Map<String, Integer>> delivered, int atMost) {
    List<String> missing = new ArrayList<>();
    for (Map.Entry<String, Set<String>> destination : expected.entrySet()) {
      Map<String, Integer> got = delivered.getOrDefault(destination.getKey(), Map.of());
      for (String messageId : destination.getValue()) {
        if (!got.containsKey(messageId)) {
          missing.add(destination.getKey() + "/" + messageId);
          if (missing.size() > atMost) {
            return missing;
          }
        }
      }
    }
    return missing;
  }

  private static void write(Report report) {
    try {
      Path out = Path.of("target", "reliability", report.scenario() + ".json");
      Files.createDirectories(out.getParent());
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), report);
      System.out.println("audit " + report);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A fault and when it happened, seconds from the start of the run. */
  public static Map<String, Object> fault(String what, long startedNanos) {
    Map<String, Object> fault = new LinkedHashMap<>();
    fault.put("fault", what);
    fault.put("atSeconds", (System.nanoTime() - startedNanos) / 1e9);
    return fault;
  }
}
