package dev.eventrouter.router.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.eventrouter.loadtest.audit.Audit;
import dev.eventrouter.loadtest.blackhole.BlackHole;
import dev.eventrouter.loadtest.produce.EventProducer;
import dev.eventrouter.loadtest.run.RouterProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The no-loss audit of a fault-injection run, the load harness's ({@link Audit}): every event the
 * producer had acknowledged must end, at every destination of its source, delivered, discarded or
 * archived. It waits for that (up to a limit), then writes the figures to {@code
 * target/reliability/<scenario>.json} for RELIABILITY.md.
 */
public final class DeliveryAudit {

  /** The figures of one run; {@code lost} must be 0. */
  public record Report(
      String scenario,
      long produced,
      long producerFailures,
      long jobs,
      long delivered,
      long duplicates,
      long discarded,
      long archived,
      long lost,
      List<String> missing,
      double seconds,
      List<Map<String, Object>> faults) {}

  private DeliveryAudit() {}

  /**
   * @param destinationsOf each source's destinations
   * @param evidence what the destinations received, refused and what the archive holds, now
   * @param faults what was done during the run, and when, in the order done
   */
  public static Report audit(
      String scenario,
      EventProducer.Result produced,
      Function<String, List<String>> destinationsOf,
      Supplier<Audit.Evidence> evidence,
      Duration wait,
      long startedNanos,
      List<Map<String, Object>> faults)
      throws InterruptedException {
    try {
      RouterProcess.await(
          "every acknowledged event accounted for",
          wait,
          () -> Audit.audit(produced, destinationsOf, evidence.get()).total().lost() == 0);
    } catch (AssertionError timedOut) {
      // the report names what is missing
    }
    Audit.Result result = Audit.audit(produced, destinationsOf, evidence.get());
    Audit.Accounting total = result.total();
    Report report =
        new Report(
            scenario,
            result.produced(),
            result.producerFailures(),
            total.jobs(),
            total.delivered(),
            total.duplicates(),
            total.discarded(),
            total.archived(),
            total.lost(),
            result.lostSample().subList(0, Math.min(20, result.lostSample().size())),
            (System.nanoTime() - startedNanos) / 1e9,
            faults);
    write(report);
    return report;
  }

  /** What a black hole received and rejected; no archive. */
  public static Supplier<Audit.Evidence> of(BlackHole blackHole) {
    return () -> new Audit.Evidence(blackHole.deliveries(), blackHole.rejected(), Map.of());
  }

  /** Deliveries counted by a test's own destination (destination -> messageId -> times). */
  public static Supplier<Audit.Evidence> delivered(
      Supplier<Map<String, Map<String, Integer>>> deliveries) {
    return () -> new Audit.Evidence(deliveries.get(), Map.of(), Map.of());
  }

  private static void write(Report report) {
    try {
      Path out = Path.of("target", "reliability", report.scenario() + ".json");
      Files.createDirectories(out.getParent());
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .writeValue(out.toFile(), report);
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
