package dev.eventrouter.loadtest.scenario;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import dev.eventrouter.loadtest.blackhole.Behaviour;
import dev.eventrouter.loadtest.blackhole.Behaviours;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * A load-test scenario, read from HOCON (see {@code loadtest/scenarios/}): how many sources send
 * how much, to which destinations, how each destination behaves over time, and which router to
 * drive.
 *
 * @param rate events per second while producing
 * @param sourceSkew the power law of source sizes (0: all alike)
 * @param drainTimeout how long, after producing, the run waits for every job to be accounted for
 */
public record Scenario(
    String name,
    String description,
    Duration duration,
    double rate,
    long seed,
    Duration drainTimeout,
    int sources,
    double sourceSkew,
    int payloadMedianBytes,
    int payloadMaxBytes,
    List<DestinationPlan> destinations,
    Target target) {

  /**
   * @param shareOfSources the chance that a source sends to this destination
   * @param settings the destination's registry settings besides its endpoint (HOCON), e.g. its
   *     retry, breaker, rate limit or expiry
   */
  public record DestinationPlan(
      String name, double shareOfSources, Behaviour behaviour, String settings) {}

  /** The router a run drives. */
  public sealed interface Target {}

  /** The packaged router in a JVM of its own, on embedded defaults, started by the run. */
  public record Embedded(Path jar, String heap, Map<String, String> environment)
      implements Target {}

  /**
   * A running router or cluster. The run replaces its settings registry through the admin API, so
   * its destinations point at this run's black hole, reachable from the routers at {@code
   * blackHoleUrl}.
   *
   * @param routerUrls each node's HTTP address (metrics and admin API)
   * @param s3 where the archive is, to account for archived jobs; null to skip that
   */
  public record External(
      String bootstrapServers,
      String topic,
      List<String> routerUrls,
      String adminToken,
      String blackHoleHost,
      int blackHolePort,
      String blackHoleUrl,
      ArchiveLocation s3)
      implements Target {}

  /** An S3 bucket and how to reach it. */
  public record ArchiveLocation(
      String endpoint,
      String region,
      String bucket,
      String prefix,
      String accessKeyId,
      String secretAccessKey) {}

  public static Scenario load(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("no scenario file at " + file);
    }
    try {
      return of(
          ConfigFactory.parseFile(file.toFile())
              .withFallback(ConfigFactory.parseResources("eventrouter/scenario-defaults.conf"))
              .resolve());
    } catch (ConfigException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
    }
  }

  static Scenario of(Config config) {
    List<DestinationPlan> destinations = new ArrayList<>();
    Config byName = config.getConfig("destinations");
    // by name: HOCON keeps no key order, and the routes drawn from the seed depend on it
    for (String name : new TreeSet<>(byName.root().keySet())) {
      Config d = byName.getConfig(name);
      destinations.add(
          new DestinationPlan(
              name,
              d.hasPath("share-of-sources") ? d.getDouble("share-of-sources") : 1,
              d.hasPath("behaviour") ? Behaviour.of(d.getConfig("behaviour")) : Behaviour.ACCEPT,
              d.hasPath("settings")
                  ? d.getConfig("settings").root().render(ConfigRenderOptions.concise())
                  : "{}"));
    }
    if (destinations.isEmpty()) {
      throw new IllegalArgumentException("a scenario needs at least one destination");
    }
    Scenario scenario =
        new Scenario(
            config.getString("name"),
            config.hasPath("description") ? config.getString("description") : "",
            config.getDuration("duration"),
            config.getDouble("rate"),
            config.getLong("seed"),
            config.getDuration("drain-timeout"),
            config.getInt("sources.count"),
            config.getDouble("sources.skew"),
            (int) config.getBytes("payload.median").longValue(),
            (int) config.getBytes("payload.max").longValue(),
            List.copyOf(destinations),
            target(config.getConfig("router")));
    if (scenario.rate() <= 0 || scenario.duration().isZero() || scenario.sources() < 1) {
      throw new IllegalArgumentException("rate, duration and sources.count must be positive");
    }
    return scenario;
  }

  private static Target target(Config router) {
    String mode = router.getString("mode");
    if (mode.equals("embedded")) {
      Map<String, String> environment = new LinkedHashMap<>();
      router
          .getConfig("environment")
          .root()
          .unwrapped()
          .forEach((key, value) -> environment.put(key, String.valueOf(value)));
      return new Embedded(Path.of(router.getString("jar")), router.getString("heap"), environment);
    }
    if (mode.equals("external")) {
      Config s3 = router.hasPath("s3") ? router.getConfig("s3") : null;
      return new External(
          router.getString("bootstrap-servers"),
          router.getString("topic"),
          router.getStringList("urls"),
          router.getString("admin-token"),
          router.getString("black-hole.host"),
          router.getInt("black-hole.port"),
          router.getString("black-hole.url"),
          s3 == null
              ? null
              : new ArchiveLocation(
                  s3.getString("endpoint"),
                  s3.getString("region"),
                  s3.getString("bucket"),
                  s3.getString("prefix"),
                  s3.getString("access-key-id"),
                  s3.getString("secret-access-key")));
    }
    throw new IllegalArgumentException("router.mode must be embedded or external, not " + mode);
  }

  public int events() {
    return (int) Math.min(Integer.MAX_VALUE, Math.round(rate * duration.toNanos() / 1e9));
  }

  public List<String> sourceIds() {
    List<String> ids = new ArrayList<>(sources);
    for (int n = 1; n <= sources; n++) {
      ids.add("source-" + n);
    }
    return ids;
  }

  /**
   * Each source's destinations, drawn from the seed: each destination with its share of sources; a
   * source that drew none sends to the destination with the largest share.
   */
  public Map<String, List<String>> routes() {
    SplittableRandom random = new SplittableRandom(seed);
    DestinationPlan widest =
        destinations.stream()
            .max((a, b) -> Double.compare(a.shareOfSources(), b.shareOfSources()))
            .orElseThrow();
    Map<String, List<String>> routes = new LinkedHashMap<>();
    for (String source : sourceIds()) {
      List<String> chosen = new ArrayList<>();
      for (DestinationPlan d : destinations) {
        if (random.nextDouble() < d.shareOfSources()) {
          chosen.add(d.name());
        }
      }
      routes.put(source, chosen.isEmpty() ? List.of(widest.name()) : List.copyOf(chosen));
    }
    return routes;
  }

  public Behaviours behaviours() {
    Map<String, Behaviour> byDestination = new LinkedHashMap<>();
    destinations.forEach(d -> byDestination.put(d.name(), d.behaviour()));
    return new Behaviours(byDestination, Behaviour.ACCEPT);
  }

  /** The router's settings registry (HOCON) for this scenario, every endpoint on the black hole. */
  public String registry(String blackHoleBaseUrl) {
    String base =
        blackHoleBaseUrl.endsWith("/")
            ? blackHoleBaseUrl.substring(0, blackHoleBaseUrl.length() - 1)
            : blackHoleBaseUrl;
    StringBuilder text =
        new StringBuilder("# generated by the load test for scenario ").append(name).append('\n');
    text.append("destinations {\n");
    for (DestinationPlan d : destinations) {
      text.append("  ")
          .append(d.name())
          .append(" = ")
          .append(d.settings())
          .append("\n  ")
          .append(d.name())
          .append(".endpoint = \"")
          .append(base)
          .append('/')
          .append(d.name())
          .append("\"\n");
    }
    text.append("}\nsources {\n");
    routes()
        .forEach(
            (source, to) ->
                text.append("  ")
                    .append(source)
                    .append(" { destinations = [")
                    .append(String.join(", ", to))
                    .append("] }\n"));
    return text.append("}\n").toString();
  }
}
