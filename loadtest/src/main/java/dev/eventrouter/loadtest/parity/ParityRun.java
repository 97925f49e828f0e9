package dev.eventrouter.loadtest.parity;

import com.fasterxml.jackson.databind.JsonNode;
import dev.eventrouter.loadtest.audit.ArchiveReader;
import dev.eventrouter.loadtest.blackhole.BlackHole;
import dev.eventrouter.loadtest.parity.BuildSeen.RunFacts;
import dev.eventrouter.loadtest.produce.EventProducer;
import dev.eventrouter.loadtest.run.RouterAdmin;
import dev.eventrouter.loadtest.run.RouterProcess;
import dev.eventrouter.loadtest.run.ScrapedMetrics;
import dev.eventrouter.loadtest.scenario.Scenario;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Plays the parity input through one router build, as a user would: its own black hole (answers
 * drawn from the request alone), the router started from its jar on a fresh journal, the scenario's
 * registry set through the operator API, the fixed events produced into a topic of its own on the
 * shared broker, a SIGKILL after a given number of deliveries and a restart on the same journal;
 * then, once every job ended, each job's trace from the operator API and the archive's records from
 * S3.
 */
public final class ParityRun {

  private static final Duration START_TIMEOUT = Duration.ofMinutes(3);

  /** After the drain, for the last outcomes to be written (a trace still live is read again). */
  private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(60);

  /**
   * @param label names the build in the report, and its folder
   * @param environment more for this build's router, over everything else: one jar can be compared
   *     with itself under two settings
   */
  public record Build(String label, Path jar, Map<String, String> environment) {}

  /**
   * @param bootstrap the Kafka broker both builds read from, each from a topic of its own
   * @param portBase the router listens on {@link RouterProcess.Ports#from} it, the black hole on
   *     portBase + 90
   * @param killAfterDeliveries SIGKILL the router once the destinations have answered this many
   *     requests 200, then start it again on the same journal; 0 for no kill
   * @param answerSeed with the destination, messageId and attempt, draws each answer
   * @param stampedFrom event n's sentAt and Kafka record time are this plus n milliseconds
   * @param journal made fresh before each build
   * @param environment more for the router, over the scenario's and the journal's (both builds)
   */
  public record Settings(
      Scenario scenario,
      Path out,
      String bootstrap,
      int portBase,
      long killAfterDeliveries,
      long answerSeed,
      Instant stampedFrom,
      ParityJournal journal,
      Map<String, String> environment) {}

  /** One job the input makes: an event to one of its source's destinations. */
  record Expected(String source, String destination, String messageId) {}

  private final Settings settings;
  private final PrintWriter console;

  public ParityRun(Settings settings, PrintWriter console) {
    this.settings = settings;
    this.console = console;
  }

  /**
   * @throws IllegalStateException when the run cannot be made as planned (a router that does not
   *     start, a producer that fails, fewer deliveries than the kill waits for)
   */
  public BuildSeen run(Build build) throws IOException, InterruptedException {
    Scenario scenario = settings.scenario();
    Scenario.Embedded embedded = (Scenario.Embedded) scenario.target();
    Path dir = settings.out().resolve(build.label());
    deleteTree(dir);
    Files.createDirectories(dir);
    String token = "parity-" + UUID.randomUUID();
    String topic = "parity-" + build.label() + "-" + settings.stampedFrom().toEpochMilli();
    Map<String, String> environment = new HashMap<>(embedded.environment());
    environment.putAll(
        Map.of(
            "ROUTER_HTTP_HOST",
            "127.0.0.1",
            "ROUTER_KAFKA_BOOTSTRAP_SERVERS",
            settings.bootstrap(),
            "ROUTER_KAFKA_TOPIC",
            topic,
            "ROUTER_KAFKA_DEAD_LETTER_TOPIC",
            topic + ".dead-letter",
            "ROUTER_KAFKA_GROUP_ID",
            topic,
            "ROUTER_ADMIN_TOKEN",
            token));
    environment.putAll(settings.journal().environment());
    environment.putAll(settings.environment());
    environment.putAll(build.environment());
    try {
      settings.journal().fresh();
    } catch (SQLException e) {
      throw new IllegalStateException(
          "the journal database could not be made fresh: " + e.getMessage(), e);
    }
    ParityTap tap = new ParityTap();
    long started = System.nanoTime();
    try (BlackHole blackHole =
            BlackHole.start(
                new BlackHole.Options(
                    "127.0.0.1",
                    settings.portBase() + 90,
                    2,
                    BlackHole.Options.DEFAULT_MAX_CONTENT_BYTES,
                    scenario.behaviours().seeded(settings.answerSeed()),
                    tap));
        RouterProcess router =
            new RouterProcess(
                build.jar(),
                dir,
                environment,
                embedded.heap(),
                RouterProcess.Ports.from(settings.portBase()))) {
      router.start();
      say(build, "started " + build.jar() + ", its log in " + router.log());
      router.awaitReady(START_TIMEOUT);
      String url = "http://127.0.0.1:" + router.httpPort();
      RouterAdmin admin = new RouterAdmin(url, token);
      admin.replaceRegistry(scenario.registry(blackHole.url("")));
      Map.Entry<String, List<String>> route = scenario.routes().entrySet().iterator().next();
      admin.awaitPair(route.getKey(), route.getValue().get(0), Duration.ofSeconds(60));

      EventProducer.Plan plan =
          new EventProducer.Plan(
              settings.bootstrap(),
              topic,
              scenario.events(),
              scenario.sourceIds(),
              scenario.sourceSkew(),
              scenario.payloadMedianBytes(),
              scenario.payloadMaxBytes(),
              scenario.rate(),
              scenario.seed());
      say(
          build,
          String.format(
              Locale.ROOT,
              "producing %d events at %.0f/s into %s",
              plan.events(),
              plan.ratePerSecond(),
              topic));
      CompletableFuture<EventProducer.Result> producing =
          CompletableFuture.supplyAsync(
              () ->
                  EventProducer.run(
                      plan, runId(scenario), settings.stampedFrom(), new LongAdder()));

      long deliveriesAtKill = -1;
      double killedToReady = 0;
      if (settings.killAfterDeliveries() > 0) {
        awaitDeliveries(tap, settings.killAfterDeliveries(), scenario.drainTimeout());
        long killedAt = System.nanoTime();
        tap.killing();
        router.kill();
        deliveriesAtKill = tap.delivered();
        tap.restarted();
        say(
            build,
            "SIGKILL after "
                + deliveriesAtKill
                + " deliveries; starting it again on the same journal");
        router.start();
        router.awaitReady(START_TIMEOUT);
        killedToReady = (System.nanoTime() - killedAt) / 1e9;
        say(build, String.format(Locale.ROOT, "ready again %.1f s after the kill", killedToReady));
      }
      EventProducer.Result produced = produced(producing);
      List<Expected> jobs = expected(produced, scenario.routes());
      boolean drained = drain(build, jobs, tap, router, url, scenario.drainTimeout());
      Map<String, List<JsonNode>> archived =
          ArchiveReader.records(router.archive()).stream()
              .collect(
                  Collectors.groupingBy(
                      r -> r.path("destination").asText() + "/" + r.path("messageId").asText()));
      List<JobSeen> seen = settle(build, jobs, tap, archived, admin);
      router.terminate(Duration.ofSeconds(60));
      BuildSeen result =
          new BuildSeen(
              build.label(),
              build.jar().toString(),
              new RunFacts(
                  produced.sent(),
                  deliveriesAtKill,
                  killedToReady,
                  drained,
                  (System.nanoTime() - started) / 1e9),
              seen);
      result.write(dir.resolve("seen.json"));
      say(build, ParityReport.endings(result) + "; written to " + dir.resolve("seen.json"));
      return result;
    }
  }

  /** Message ids {@code p<seed>-<n>}: the same for every build. */
  static String runId(Scenario scenario) {
    return "p" + scenario.seed();
  }

  private static void awaitDeliveries(ParityTap tap, long deliveries, Duration timeout)
      throws InterruptedException {
    try {
      RouterProcess.await(
          deliveries + " deliveries before the kill", timeout, () -> tap.delivered() >= deliveries);
    } catch (AssertionError notReached) {
      throw new IllegalStateException(
          "the destinations got only "
              + tap.delivered()
              + " deliveries, not the "
              + deliveries
              + " the kill waits for: lower --kill-after");
    }
  }

  private static EventProducer.Result produced(CompletableFuture<EventProducer.Result> producing)
      throws InterruptedException {
    EventProducer.Result produced;
    try {
      produced = producing.get();
    } catch (ExecutionException e) {
      throw new IllegalStateException("the producer failed: " + e.getCause(), e.getCause());
    }
    if (produced.failed() > 0) {
      throw new IllegalStateException(
          produced.failed() + " events were not acknowledged by Kafka: the input is not whole");
    }
    return produced;
  }

  static List<Expected> expected(EventProducer.Result produced, Map<String, List<String>> routes) {
    List<Expected> jobs = new ArrayList<>();
    for (EventProducer.Produced event : produced.produced()) {
      for (String destination : routes.get(event.source())) {
        jobs.add(new Expected(event.source(), destination, event.messageId()));
      }
    }
    return jobs;
  }

  /**
   * Waits until every job ended where a user sees it (answered 200 or 400 by its destination, or in
   * the archive) and the router holds no job and no unread record; false if the timeout came first.
   */
  private boolean drain(
      Build build,
      List<Expected> jobs,
      ParityTap tap,
      RouterProcess router,
      String url,
      Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<Expected> open = jobs;
    for (int second = 1; ; second++) {
      open =
          open.stream().filter(j -> !tap.answeredFinally(j.destination(), j.messageId())).toList();
      if (!open.isEmpty()) {
        Map<String, Set<String>> archived = ArchiveReader.archived(router.archive());
        open =
            open.stream()
                .filter(
                    j -> !archived.getOrDefault(j.destination(), Set.of()).contains(j.messageId()))
                .toList();
      }
      ScrapedMetrics metrics = ScrapedMetrics.scrape(List.of(url));
      if (open.isEmpty() && metrics.backlog() == 0 && metrics.consumerLag() == 0) {
        return true;
      }
      if (System.nanoTime() > deadline) {
        say(
            build,
            "did not drain: "
                + open.size()
                + " jobs never ended, the router holds "
                + metrics.backlog());
        return false;
      }
      if (second % 5 == 0) {
        say(
            build,
            String.format(
                Locale.ROOT,
                "deliveries=%d jobs not ended=%d router backlog=%.0f",
                tap.delivered(),
                open.size(),
                metrics.backlog()));
      }
      Thread.sleep(1_000);
    }
  }

  /**
   * Each job as seen, its trace read from the operator API; a trace that still shows the job live
   * (its last outcome not yet written) is read again, for a while.
   */
  private List<JobSeen> settle(
      Build build,
      List<Expected> jobs,
      ParityTap tap,
      Map<String, List<JsonNode>> archived,
      RouterAdmin admin)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + SETTLE_TIMEOUT.toNanos();
    List<JobSeen> seen = new ArrayList<>(jobs.size());
    for (Expected job : jobs) {
      List<ParityTap.Copy> copies = tap.copies(job.destination(), job.messageId());
      List<JsonNode> records =
          archived.getOrDefault(job.destination() + "/" + job.messageId(), List.of());
      String jobId = JobEvidence.jobId(copies, records);
      JsonNode trace = null;
      while (jobId != null) {
        trace = admin.trace(job.source(), job.destination(), jobId).orElse(null);
        if (trace == null || !trace.path("live").asBoolean(false) || System.nanoTime() > deadline) {
          break;
        }
        Thread.sleep(500);
      }
      seen.add(
          JobEvidence.of(
              job.source(),
              job.destination(),
              job.messageId(),
              copies,
              tap.killedAtNanos(),
              trace,
              records));
    }
    long withoutTrace = seen.stream().filter(s -> s.trace() == null).count();
    if (withoutTrace > 0) {
      say(
          build,
          withoutTrace + " jobs have no trace at the operator API (never seen, or compacted)");
    }
    return seen;
  }

  private void say(Build build, String line) {
    console.println("[" + build.label() + "] " + line);
    console.flush();
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }
}
