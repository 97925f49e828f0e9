package dev.eventrouter.loadtest.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.eventrouter.loadtest.audit.ArchiveReader;
import dev.eventrouter.loadtest.audit.Audit;
import dev.eventrouter.loadtest.blackhole.Behaviour;
import dev.eventrouter.loadtest.blackhole.BlackHole;
import dev.eventrouter.loadtest.blackhole.LatencyRecorder;
import dev.eventrouter.loadtest.produce.EventProducer;
import dev.eventrouter.loadtest.report.HtmlReport;
import dev.eventrouter.loadtest.result.OutageFigures;
import dev.eventrouter.loadtest.result.RunSummary;
import dev.eventrouter.loadtest.result.Sample;
import dev.eventrouter.loadtest.scenario.Scenario;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;
import java.util.zip.DataFormatException;
import org.HdrHistogram.Histogram;

/**
 * Runs a scenario end to end: starts the black hole with the scenario's behaviours, starts (or
 * reconfigures) the router, produces for the scenario's duration while printing a progress line
 * each second, waits for every job to be delivered, discarded or archived, then audits and writes
 * {@code summary.json} and {@code report.html} to the output folder.
 */
public final class ScenarioRunner {

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .enable(SerializationFeature.INDENT_OUTPUT);

  private final Scenario scenario;
  private final Path out;
  private final PrintWriter console;

  public ScenarioRunner(Scenario scenario, Path out, PrintWriter console) {
    this.scenario = scenario;
    this.out = out;
    this.console = console;
  }

  public RunSummary run() throws IOException, InterruptedException {
    Files.createDirectories(out);
    Instant started = Instant.now();
    long start = System.nanoTime();
    try (Resources resources = new Resources()) {
      BlackHole blackHole = resources.blackHole = startBlackHole();
      Map<String, List<String>> routes = scenario.routes();
      List<String> urls;
      String bootstrap;
      String topic = "events";
      Scenario.ArchiveLocation archive;
      if (scenario.target() instanceof Scenario.Embedded embedded) {
        Path registry = out.resolve("registry.conf");
        Files.writeString(registry, scenario.registry(blackHole.url("")));
        Map<String, String> environment = new HashMap<>(embedded.environment());
        environment.put("ROUTER_REGISTRY_FILE", registry.toAbsolutePath().toString());
        Path dir = out.resolve("router");
        Files.createDirectories(dir);
        RouterProcess router =
            resources.router = new RouterProcess(embedded.jar(), dir, environment, embedded.heap());
        router.start();
        console.println("started the router (" + embedded.jar() + "), its log in " + router.log());
        router.awaitReady(Duration.ofMinutes(3));
        urls = List.of("http://127.0.0.1:" + router.httpPort());
        bootstrap = router.kafkaBootstrapServers();
        archive = router.archive();
      } else {
        Scenario.External external = (Scenario.External) scenario.target();
        urls = external.routerUrls();
        bootstrap = external.bootstrapServers();
        topic = external.topic();
        archive = external.s3();
        replaceRegistry(external, scenario.registry(external.blackHoleUrl()), routes);
      }

      LongAdder acknowledged = new LongAdder();
      EventProducer.Plan plan =
          new EventProducer.Plan(
              bootstrap,
              topic,
              scenario.events(),
              scenario.sourceIds(),
              scenario.sourceSkew(),
              scenario.payloadMedianBytes(),
              scenario.payloadMaxBytes(),
              scenario.rate(),
              scenario.seed());
      console.printf(
          Locale.ROOT,
          "scenario %s: %d events at %.0f/s from %d sources to %s%n",
          scenario.name(),
          plan.events(),
          plan.ratePerSecond(),
          scenario.sources(),
          scenario.destinations().stream().map(Scenario.DestinationPlan::name).toList());
      blackHole.behaviours().restartClock();
      long producingStart = System.nanoTime();
      CompletableFuture<EventProducer.Result> producing =
          CompletableFuture.supplyAsync(() -> EventProducer.run(plan, acknowledged));

      Sampler sampler = new Sampler(blackHole, urls, acknowledged, producingStart);
      EventProducer.Result produced = null;
      double producingSeconds = 0;
      long drainDeadline = Long.MAX_VALUE;
      Audit.Result result = null;
      // the audit reads every job's evidence: every third second is often enough
      int samples = 0;
      while (true) {
        Thread.sleep(1_000);
        Sample sample = sampler.next();
        samples++;
        console.println(progressLine(sample));
        console.flush();
        if (produced == null && producing.isDone()) {
          produced = producing.join();
          producingSeconds = (System.nanoTime() - producingStart) / 1e9;
          drainDeadline = System.nanoTime() + scenario.drainTimeout().toNanos();
          console.printf(
              Locale.ROOT,
              "produced %d events (%d failed) in %.1f s; draining%n",
              produced.sent(),
              produced.failed(),
              producingSeconds);
        }
        if (produced != null && (samples % 3 == 0 || System.nanoTime() > drainDeadline)) {
          result = accountFor(produced, routes, blackHole, archive, sampler.lastMetrics());
          if (result.total().lost() == 0 || System.nanoTime() > drainDeadline) {
            break;
          }
        }
      }

      RunSummary summary =
          new RunSummary(
              scenario.name(),
              scenario.description(),
              machine(),
              started.toString(),
              producingSeconds,
              (System.nanoTime() - start) / 1e9,
              scenario.rate(),
              result,
              sampler.lastMetrics().retriedByAttempt(),
              outageFigures(sampler),
              sampler.heapHighWater(),
              sampler.samples(),
              result.passed());
      JSON.writeValue(out.resolve("summary.json").toFile(), summary);
      Files.writeString(
          out.resolve("report.html"), HtmlReport.render(summary, scenario), StandardCharsets.UTF_8);
      printResult(summary);
      return summary;
    }
  }

  private BlackHole startBlackHole() {
    String host = "127.0.0.1";
    int port = 0;
    if (scenario.target() instanceof Scenario.External external) {
      host = external.blackHoleHost();
      port = external.blackHolePort();
    }
    return BlackHole.start(
        new BlackHole.Options(
            host,
            port,
            Runtime.getRuntime().availableProcessors(),
            BlackHole.Options.DEFAULT_MAX_CONTENT_BYTES,
            scenario.behaviours()));
  }

  /**
   * The black hole's word first; the archive is read only when that leaves jobs unaccounted for and
   * the routers hold nothing more (no backlog, no lag), as reading it lists every object.
   */
  private static Audit.Result accountFor(
      EventProducer.Result produced,
      Map<String, List<String>> routes,
      BlackHole blackHole,
      Scenario.ArchiveLocation archive,
      ScrapedMetrics metrics) {
    Audit.Evidence withoutArchive =
        new Audit.Evidence(blackHole.deliveries(), blackHole.rejected(), Map.of());
    Audit.Result result = Audit.audit(produced, routes::get, withoutArchive);
    if (result.total().lost() == 0
        || archive == null
        || metrics.backlog() > 0
        || metrics.consumerLag() > 0) {
      return result;
    }
    return Audit.audit(
        produced,
        routes::get,
        new Audit.Evidence(
            withoutArchive.delivered(),
            withoutArchive.rejected(),
            ArchiveReader.archived(archive)));
  }

  /** Replaces the routers' settings registry, then waits until every node has it in force. */
  private static void replaceRegistry(
      Scenario.External external, String registry, Map<String, List<String>> routes)
      throws IOException, InterruptedException {
    new RouterAdmin(external.routerUrls().get(0), external.adminToken()).replaceRegistry(registry);
    Map.Entry<String, List<String>> route = routes.entrySet().iterator().next();
    for (String url : external.routerUrls()) {
      new RouterAdmin(url, external.adminToken())
          .awaitPair(route.getKey(), route.getValue().get(0), Duration.ofSeconds(60));
    }
  }

  private static String progressLine(Sample s) {
    double delivered =
        s.deliveredPerSecond().values().stream().mapToDouble(Double::doubleValue).sum();
    return String.format(
        Locale.ROOT,
        "t=%4.0fs produced/s=%6.0f delivered/s=%6.0f retries/s=%5.0f backlog=%7.0f p50=%8s p99=%8s",
        s.seconds(),
        s.producedPerSecond(),
        delivered,
        s.retriesPerSecond(),
        s.backlog(),
        millis(s.p50Millis().get("all")),
        millis(s.p99Millis().get("all")));
  }

  /** "-" for a second without a first delivery. */
  private static String millis(Double value) {
    return value == null ? "-" : String.format(Locale.ROOT, "%.0fms", value);
  }

  private void printResult(RunSummary summary) {
    Audit.Accounting t = summary.audit().total();
    console.printf(
        Locale.ROOT,
        "audit: produced=%d jobs=%d delivered=%d duplicates=%d discarded=%d archived=%d lost=%d%n",
        summary.audit().produced(),
        t.jobs(),
        t.delivered(),
        t.duplicates(),
        t.discarded(),
        t.archived(),
        t.lost());
    if (!summary.audit().lostSample().isEmpty()) {
      console.println("lost (first " + summary.audit().lostSample().size() + "):");
      summary.audit().lostSample().forEach(lost -> console.println("  " + lost));
    }
    if (summary.audit().producerFailures() > 0) {
      console.println(
          "the producer failed to send " + summary.audit().producerFailures() + " events");
    }
    console.println(
        (summary.passed() ? "PASSED" : "FAILED") + "; report: " + out.resolve("report.html"));
    console.flush();
  }

  private List<OutageFigures> outageFigures(Sampler sampler) {
    List<OutageFigures> figures = new ArrayList<>();
    // a degraded destination beside the outage (errors, a capacity, a slowdown) is not healthy:
    // its latencies would be read as the outage's effect on the others
    List<String> healthy =
        scenario.destinations().stream()
            .filter(d -> d.behaviour().healthy())
            .map(Scenario.DestinationPlan::name)
            .toList();
    for (Scenario.DestinationPlan d : scenario.destinations()) {
      for (Behaviour.Outage outage : d.behaviour().outages()) {
        double from = outage.start().toNanos() / 1e9;
        double to = outage.start().plus(outage.length()).toNanos() / 1e9;
        // "before" is the quarter minute before the outage (at most its second half): the first
        // seconds of a run measure the JVMs warming up, not the router
        double before = sampler.delivered(healthy, Math.max(from / 2, from - 15), from);
        double during = sampler.delivered(healthy, from, to);
        double p99Before = sampler.p99(healthy, Math.max(from / 2, from - 15), from);
        double p99During = sampler.p99(healthy, from, to);
        figures.add(
            new OutageFigures(
                d.name(),
                from,
                to,
                outage.successRate(),
                before,
                during,
                before == 0 ? 0 : during / before,
                p99Before,
                p99During,
                p99Before == 0 ? 0 : p99During / p99Before,
                sampler.secondsToDrain(from, to)));
      }
    }
    return figures;
  }

  private static String machine() {
    return Runtime.getRuntime().availableProcessors()
        + " cores, "
        + System.getProperty("os.name")
        + " "
        + System.getProperty("os.arch")
        + ", Java "
        + System.getProperty("java.version");
  }

  /**
   * Samples each second. Keeps each second's latencies per destination, for the quantiles of longer
   * windows, compressed: a histogram's counts span its whole range, tens of KB once latencies reach
   * minutes, where a second holds a few hundred values.
   */
  private static final class Sampler {
    private final BlackHole blackHole;
    private final List<String> urls;
    private final LongAdder acknowledged;
    private final long startNanos;
    private final List<Sample> samples = new ArrayList<>();
    private final List<Map<String, byte[]>> latencies = new ArrayList<>();
    private long lastNanos;
    private long lastProduced;
    private Map<String, long[]> lastCounts = Map.of();
    private Map<String, Histogram> lastLatency = Map.of();
    private ScrapedMetrics lastMetrics = ScrapedMetrics.scrape(List.of());
    private double heapHighWater;

    Sampler(BlackHole blackHole, List<String> urls, LongAdder acknowledged, long startNanos) {
      this.blackHole = blackHole;
      this.urls = urls;
      this.acknowledged = acknowledged;
      this.startNanos = startNanos;
      this.lastNanos = startNanos;
    }

    Sample next() {
      long now = System.nanoTime();
      double interval = (now - lastNanos) / 1e9;
      long produced = acknowledged.sum();
      Map<String, long[]> counts = blackHole.requestCounts();
      Map<String, Histogram> latency = blackHole.latencySnapshots();
      ScrapedMetrics metrics = ScrapedMetrics.scrape(urls);
      Map<String, Double> delivered = new LinkedHashMap<>();
      Map<String, Double> refused = new LinkedHashMap<>();
      counts.forEach(
          (destination, row) -> {
            long[] before = lastCounts.getOrDefault(destination, new long[row.length]);
            delivered.put(destination, (row[0] - before[0]) / interval);
            long refusedNow = 0;
            for (int i = 1; i < row.length; i++) {
              refusedNow += row[i] - before[i];
            }
            refused.put(destination, refusedNow / interval);
          });
      Map<String, Double> p50 = new LinkedHashMap<>();
      Map<String, Double> p99 = new LinkedHashMap<>();
      Map<String, byte[]> windows = new HashMap<>();
      Histogram all = new Histogram(LatencyRecorder.SIGNIFICANT_DIGITS);
      latency.forEach(
          (destination, histogram) -> {
            Histogram window = histogram.copy();
            Histogram before = lastLatency.get(destination);
            if (before != null) {
              window.subtract(before);
            }
            // a second without first deliveries has no latency, rather than a latency of 0
            if (window.getTotalCount() > 0) {
              p50.put(destination, (double) window.getValueAtPercentile(50));
              p99.put(destination, (double) window.getValueAtPercentile(99));
              windows.put(destination, compressed(window));
              all.add(window);
            }
          });
      if (all.getTotalCount() > 0) {
        p50.put("all", (double) all.getValueAtPercentile(50));
        p99.put("all", (double) all.getValueAtPercentile(99));
      }
      Sample sample =
          new Sample(
              (now - startNanos) / 1e9,
              (produced - lastProduced) / interval,
              delivered,
              refused,
              Math.max(0, (metrics.retried() - lastMetrics.retried()) / interval),
              metrics.backlog(),
              p50,
              p99,
              metrics.heapUsedBytes(),
              metrics.concurrencyLimit());
      heapHighWater = Math.max(heapHighWater, metrics.heapUsedBytes());
      samples.add(sample);
      latencies.add(windows);
      lastNanos = now;
      lastProduced = produced;
      lastCounts = counts;
      lastLatency = latency;
      lastMetrics = metrics;
      return sample;
    }

    List<Sample> samples() {
      return List.copyOf(samples);
    }

    ScrapedMetrics lastMetrics() {
      return lastMetrics;
    }

    double heapHighWater() {
      return heapHighWater;
    }

    /** Average delivered/s of the destinations over samples in [from, to) seconds. */
    double delivered(List<String> destinations, double from, double to) {
      List<Sample> window =
          samples.stream().filter(s -> s.seconds() >= from && s.seconds() < to).toList();
      return window.stream()
          .mapToDouble(
              s ->
                  destinations.stream()
                      .mapToDouble(d -> s.deliveredPerSecond().getOrDefault(d, 0.0))
                      .sum())
          .average()
          .orElse(0);
    }

    /** The p99 latency of the destinations' first deliveries over [from, to) seconds. */
    double p99(List<String> destinations, double from, double to) {
      Histogram window = new Histogram(LatencyRecorder.SIGNIFICANT_DIGITS);
      for (int i = 0; i < samples.size(); i++) {
        double seconds = samples.get(i).seconds();
        if (seconds >= from && seconds < to) {
          for (String d : destinations) {
            byte[] second = latencies.get(i).get(d);
            if (second != null) {
              window.add(decompressed(second));
            }
          }
        }
      }
      return window.getTotalCount() == 0 ? 0 : window.getValueAtPercentile(99);
    }

    private static byte[] compressed(Histogram histogram) {
      ByteBuffer buffer = ByteBuffer.allocate(histogram.getNeededByteBufferCapacity());
      int length = histogram.encodeIntoCompressedByteBuffer(buffer);
      return Arrays.copyOf(buffer.array(), length);
    }

    private static Histogram decompressed(byte[] bytes) {
      try {
        return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(bytes), 0);
      } catch (DataFormatException e) {
        throw new IllegalStateException("cannot happen: compressed here", e);
      }
    }

    /**
     * From {@code to} until the backlog is at most its highest before {@code from}; -1 if never.
     */
    double secondsToDrain(double from, double to) {
      double before =
          samples.stream()
              .filter(s -> s.seconds() < from)
              .mapToDouble(Sample::backlog)
              .max()
              .orElse(0);
      return samples.stream()
          .filter(s -> s.seconds() >= to && s.backlog() <= before)
          .mapToDouble(s -> s.seconds() - to)
          .findFirst()
          .orElse(-1);
    }
  }

  /** What a run started, stopped whatever happens. */
  private static final class Resources implements AutoCloseable {
    BlackHole blackHole;
    RouterProcess router;

    @Override
    public void close() throws InterruptedException {
      if (router != null) {
        router.terminate(Duration.ofSeconds(60));
        router.close();
      }
      if (blackHole != null) {
        blackHole.close();
      }
    }
  }
}
