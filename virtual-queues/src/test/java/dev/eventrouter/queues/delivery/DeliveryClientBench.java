package dev.eventrouter.queues.delivery;

import com.sun.management.OperatingSystemMXBean;
import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.queues.destination.BreakerSettings;
import dev.eventrouter.queues.destination.DestinationSettings;
import dev.eventrouter.queues.destination.RetryPolicy;
import dev.eventrouter.queues.testing.Answer;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * CPU per request of each {@link DeliveryClient} on the same workload: 1 KiB POSTs to one
 * destination (a black hole in another process, {@code loadtest blackhole}), at a fixed number in
 * flight, either as fast as they come back (closed loop) or paced at a fixed rate. The clients take
 * turns in one JVM (A, B, A, B, ...); each turn warms up, then measures this process's CPU time
 * (all threads: the client's, the actor that sends and counts, GC, JIT) and the requests answered;
 * the first rounds only warm up. Run by {@code loadtest/bench/delivery-client.sh}; {@code --help}
 * lists the options.
 *
 * <p>{@code jdk} is java.net.http.HttpClient behind the same interface, for scale only: it has no
 * per-destination connection bound, no queue bound and no address policy. {@code none} answers
 * every request at once without HTTP: the floor, what the sending actor costs alone.
 */
public final class DeliveryClientBench {

  record Options(
      String url,
      List<String> clients,
      int concurrency,
      int maxConnections,
      int rate,
      int payloadBytes,
      int warmupSeconds,
      int seconds,
      int rounds,
      int warmupRounds,
      int eventLoops) {

    static Options parse(String[] args) {
      Map<String, String> given = new LinkedHashMap<>();
      for (int i = 0; i + 1 < args.length; i += 2) {
        given.put(args[i].replaceFirst("^--", ""), args[i + 1]);
      }
      return new Options(
          given.getOrDefault("url", "http://127.0.0.1:18990/bench"),
          Arrays.asList(given.getOrDefault("clients", "pekko,netty").split(",")),
          Integer.parseInt(given.getOrDefault("concurrency", "64")),
          Integer.parseInt(given.getOrDefault("max-connections", "64")),
          Integer.parseInt(given.getOrDefault("rate", "0")),
          Integer.parseInt(given.getOrDefault("payload-bytes", "1024")),
          Integer.parseInt(given.getOrDefault("warmup-seconds", "10")),
          Integer.parseInt(given.getOrDefault("seconds", "20")),
          Integer.parseInt(given.getOrDefault("rounds", "2")),
          Integer.parseInt(given.getOrDefault("warmup-rounds", "1")),
          Integer.parseInt(given.getOrDefault("event-loops", "1")));
    }
  }

  /** One client's turn: what it did while measured. */
  record Turn(
      String client, long requests, long failed, double seconds, long cpuNanos, long gcMillis) {
    double perSecond() {
      return requests / seconds;
    }

    double cpuMicrosPerRequest() {
      return cpuNanos / 1e3 / requests;
    }

    double cores() {
      return cpuNanos / 1e9 / seconds;
    }
  }

  public static void main(String[] args) throws Exception {
    if (Arrays.asList(args).contains("--help")) {
      System.out.println(
          "options (defaults): --url http://127.0.0.1:18990/bench"
              + " --clients pekko,netty[,jdk,none] --concurrency 64 --max-connections 64 --rate 0 (0: closed loop, else requests/s)"
              + " --payload-bytes 1024 --warmup-seconds 10 --seconds 20 --rounds 2 --event-loops 1"
              + " --warmup-rounds 1 (rounds left out of the summary: the JIT is still at work)");
      return;
    }
    Options options = Options.parse(args);
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "bench");
    try {
      Map<String, DeliveryClient> clients = new LinkedHashMap<>();
      for (String name : options.clients()) {
        clients.put(name, client(name, system, options));
      }
      Job[] jobs = jobs(options);
      DestinationSettings destination =
          new DestinationSettings(
              "bench",
              options.concurrency(),
              0,
              options.maxConnections(),
              Duration.ofSeconds(5),
              new RetryPolicy(Duration.ofSeconds(1), Duration.ofMinutes(1)),
              Duration.ofHours(4),
              new BreakerSettings(50, 10, 10, Duration.ofSeconds(5), 1));
      System.out.printf("options: %s%n", options);
      List<Turn> turns = new ArrayList<>();
      for (int round = 1; round <= options.warmupRounds() + options.rounds(); round++) {
        for (Map.Entry<String, DeliveryClient> client : clients.entrySet()) {
          Turn turn = turn(system, client.getKey(), client.getValue(), jobs, destination, options);
          if (round > options.warmupRounds()) {
            turns.add(turn);
          }
          System.out.printf(
              "%s %d %-6s %,9.0f requests/s  %6.1f us CPU/request  %4.2f cores  "
                  + "failed=%d gc=%d ms%n",
              round > options.warmupRounds() ? "round" : "warmup round",
              round,
              turn.client(),
              turn.perSecond(),
              turn.cpuMicrosPerRequest(),
              turn.cores(),
              turn.failed(),
              turn.gcMillis());
        }
      }
      summary(options, turns);
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  private static DeliveryClient client(String name, ActorSystem<?> system, Options options) {
    AddressPolicy loopback = AddressPolicy.allowing("127.0.0.0/8");
    return switch (name) {
      case "pekko" ->
          new HttpDeliveryClient(system, Clock.systemUTC(), 4096, loopback, Secrets.NONE);
      case "netty" ->
          new NettyDeliveryClient(
              system, Clock.systemUTC(), 4096, loopback, Secrets.NONE, options.eventLoops());
      case "jdk" -> new JdkClient(Clock.systemUTC());
      // the floor: what sending and counting cost without HTTP (each request answered 200 at once)
      case "none" ->
          request -> {
            Answer.respond(request, 200);
            return true;
          };
      default ->
          throw new IllegalArgumentException("no client " + name + " (pekko, netty, jdk, none)");
    };
  }

  /** Jobs to send round-robin, as the router builds them: a JSON content type and 1 KiB. */
  private static Job[] jobs(Options options) {
    Job[] jobs = new Job[4096];
    Instant now = Instant.now();
    PairId pair = new PairId("bench-source", "bench");
    byte[] payload = new byte[options.payloadBytes()];
    Arrays.fill(payload, (byte) 'x');
    for (int i = 0; i < jobs.length; i++) {
      String messageId = "m-" + i;
      jobs[i] =
          new Job(
              Ksuid.derive(now, pair.source(), messageId, pair.destination()),
              pair,
              messageId,
              options.url(),
              payload,
              Map.of("Content-Type", "application/json"),
              now,
              now.plus(Duration.ofHours(4)));
    }
    return jobs;
  }

  private static Turn turn(
      ActorSystem<?> system,
      String name,
      DeliveryClient client,
      Job[] jobs,
      DestinationSettings destination,
      Options options)
      throws Exception {
    AtomicLong answered = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    CompletableFuture<Void> drained = new CompletableFuture<>();
    ActorRef<Object> driver =
        system.systemActorOf(
            Driver.create(client, jobs, destination, options, answered, failed, drained),
            "driver-" + System.nanoTime(),
            org.apache.pekko.actor.typed.Props.empty());
    Thread.sleep(TimeUnit.SECONDS.toMillis(options.warmupSeconds()));
    long requests0 = answered.get();
    long failed0 = failed.get();
    long cpu0 = processCpuNanos();
    long gc0 = gcMillis();
    long wall0 = System.nanoTime();
    Thread.sleep(TimeUnit.SECONDS.toMillis(options.seconds()));
    long requests1 = answered.get();
    long cpu1 = processCpuNanos();
    long wall1 = System.nanoTime();
    long gc1 = gcMillis();
    long failed1 = failed.get();
    driver.tell(Driver.STOP);
    drained.get(60, TimeUnit.SECONDS);
    return new Turn(
        name,
        requests1 - requests0,
        failed1 - failed0,
        (wall1 - wall0) / 1e9,
        cpu1 - cpu0,
        gc1 - gc0);
  }

  private static void summary(Options options, List<Turn> turns) {
    System.out.printf(
        "%nconcurrency %d, max-connections %d, %s, %d B payload, %d rounds of %d s%n",
        options.concurrency(),
        options.maxConnections(),
        options.rate() == 0 ? "closed loop" : options.rate() + " requests/s",
        options.payloadBytes(),
        options.rounds(),
        options.seconds());
    System.out.println("| client | requests/s | CPU us/request | cores busy | failed |");
    System.out.println("|---|---|---|---|---|");
    Map<String, List<Turn>> byClient = new LinkedHashMap<>();
    turns.forEach(t -> byClient.computeIfAbsent(t.client(), k -> new ArrayList<>()).add(t));
    byClient.forEach(
        (client, list) -> {
          long requests = list.stream().mapToLong(Turn::requests).sum();
          double seconds = list.stream().mapToDouble(Turn::seconds).sum();
          long cpu = list.stream().mapToLong(Turn::cpuNanos).sum();
          long failedRequests = list.stream().mapToLong(Turn::failed).sum();
          System.out.printf(
              "| %s | %,.0f | %.1f | %.2f | %d |%n",
              client,
              requests / seconds,
              cpu / 1e3 / requests,
              cpu / 1e9 / seconds,
              failedRequests);
        });
  }

  private static long processCpuNanos() {
    return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static long gcMillis() {
    return ManagementFactory.getGarbageCollectorMXBeans().stream()
        .mapToLong(GarbageCollectorMXBean::getCollectionTime)
        .sum();
  }

  /**
   * Keeps the requests going: as many in flight as the concurrency allows, each answer sending the
   * next (closed loop), or, paced, no more than the rate allows since the start. A tick every 10 ms
   * tops up what a refused send or the pace left short.
   */
  private static final class Driver {
    static final Object STOP = "stop";
    static final Object TICK = "tick";

    private final DeliveryClient client;
    private final Job[] jobs;
    private final DestinationSettings destination;
    private final Options options;
    private final AtomicLong answered;
    private final AtomicLong failed;
    private final CompletableFuture<Void> drained;
    private final ActorRef<DeliveryOutcomes> self;
    private final long startedNanos = System.nanoTime();
    private long sent;
    private int inFlight;
    private boolean stopping;

    private Driver(
        DeliveryClient client,
        Job[] jobs,
        DestinationSettings destination,
        Options options,
        AtomicLong answered,
        AtomicLong failed,
        CompletableFuture<Void> drained,
        ActorRef<DeliveryOutcomes> self) {
      this.client = client;
      this.jobs = jobs;
      this.destination = destination;
      this.options = options;
      this.answered = answered;
      this.failed = failed;
      this.drained = drained;
      this.self = self;
    }

    static Behavior<Object> create(
        DeliveryClient client,
        Job[] jobs,
        DestinationSettings destination,
        Options options,
        AtomicLong answered,
        AtomicLong failed,
        CompletableFuture<Void> drained) {
      return Behaviors.setup(
          context ->
              Behaviors.withTimers(
                  timers -> {
                    timers.startTimerAtFixedRate(TICK, Duration.ofMillis(10));
                    Driver driver =
                        new Driver(
                            client,
                            jobs,
                            destination,
                            options,
                            answered,
                            failed,
                            drained,
                            context.getSelf().narrow());
                    driver.topUp();
                    return Behaviors.receive(Object.class)
                        .onMessage(DeliveryOutcomes.class, told -> driver.answered(told))
                        .onMessageEquals(TICK, () -> driver.ticked())
                        .onMessageEquals(STOP, () -> driver.stop())
                        .build();
                  }));
    }

    private Behavior<Object> answered(DeliveryOutcomes told) {
      for (DeliveryOutcome outcome : told.outcomes()) {
        inFlight--;
        answered.incrementAndGet();
        if (outcome.verdict() != DeliveryOutcome.Verdict.SUCCEEDED) {
          failed.incrementAndGet();
        }
      }
      return next();
    }

    private Behavior<Object> ticked() {
      return next();
    }

    private Behavior<Object> stop() {
      stopping = true;
      return next();
    }

    private Behavior<Object> next() {
      if (stopping) {
        if (inFlight == 0) {
          drained.complete(null);
          return Behaviors.stopped();
        }
        return Behaviors.same();
      }
      topUp();
      return Behaviors.same();
    }

    private void topUp() {
      long allowed =
          options.rate() == 0
              ? Long.MAX_VALUE
              : (System.nanoTime() - startedNanos) * options.rate() / 1_000_000_000L;
      while (inFlight < options.concurrency() && sent < allowed) {
        Job job = jobs[(int) (sent % jobs.length)];
        if (!client.send(new DeliveryRequest(job, 1, destination, self))) {
          return; // the destination's queue is full: the next tick tries again
        }
        sent++;
        inFlight++;
      }
    }
  }

  /** java.net.http behind the interface: a point of comparison, not a delivery client. */
  private static final class JdkClient implements DeliveryClient {
    private final HttpClient http =
        HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final Clock clock;
    private final Routes routes;

    JdkClient(Clock clock) {
      this.clock = clock;
      this.routes = new Routes(Secrets.NONE, DeliveryClientSettings.defaultUserAgent(), clock);
    }

    @Override
    public boolean send(DeliveryRequest request) {
      OutgoingRequest.Prepared prepared = routes.prepare(request);
      if (prepared instanceof OutgoingRequest.NotMade notMade) {
        OutgoingRequest.answerNotMade(request, clock, notMade.reason());
        return true;
      }
      OutgoingRequest outgoing = ((OutgoingRequest.Ready) prepared).request();
      HttpRequest.Builder builder =
          HttpRequest.newBuilder(URI.create(request.job().endpoint()))
              .timeout(request.destination().timeout().multipliedBy(2))
              .header("Content-Type", outgoing.contentType().toString())
              .POST(HttpRequest.BodyPublishers.ofByteArray(outgoing.body()));
      outgoing.headers().forEach(h -> builder.header(h.name(), h.value()));
      Instant startedAt = clock.instant();
      http.sendAsync(builder.build(), HttpResponse.BodyHandlers.discarding())
          .whenComplete(
              (response, error) -> {
                Instant finishedAt = clock.instant();
                request
                    .replyTo()
                    .tell(
                        DeliveryOutcomes.of(
                            error == null
                                ? DeliveryOutcome.responded(
                                    request.job().id(),
                                    request.attempt(),
                                    startedAt,
                                    finishedAt,
                                    response.statusCode(),
                                    java.util.Optional.empty())
                                : DeliveryOutcome.failed(
                                    request.job().id(),
                                    request.attempt(),
                                    startedAt,
                                    finishedAt,
                                    Failures.classify(error))));
              });
      return true;
    }
  }
}
