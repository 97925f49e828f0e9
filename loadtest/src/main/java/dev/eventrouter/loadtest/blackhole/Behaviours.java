package dev.eventrouter.loadtest.blackhole;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;

/**
 * The behaviour of each destination path, with {@link Behaviour#ACCEPT} for the rest, and the
 * per-source request counts that rate limits need. Outage windows count from {@link #epochNanos}.
 */
public final class Behaviours {

  private final Map<String, Behaviour> byDestination;
  private final Behaviour otherwise;

  /** Null: answers drawn at random. */
  private final Long answerSeed;

  private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();

  /** Requests being served (answered later), per destination with a capacity. */
  private final ConcurrentHashMap<String, AtomicInteger> servingByDestination =
      new ConcurrentHashMap<>();

  private volatile long epochNanos = System.nanoTime();

  public Behaviours(Map<String, Behaviour> byDestination, Behaviour otherwise) {
    this(byDestination, otherwise, null);
  }

  /**
   * @param answerSeed when not null, each answer is drawn from this seed and the request's
   *     destination, messageId and attempt (X-Delivery-Attempt) alone: a request sent again at the
   *     same attempt, by any router build, gets the same answer. Outages and rate limits still draw
   *     on time.
   */
  private Behaviours(Map<String, Behaviour> byDestination, Behaviour otherwise, Long answerSeed) {
    this.byDestination = Map.copyOf(byDestination);
    this.otherwise = otherwise;
    this.answerSeed = answerSeed;
  }

  public static Behaviours acceptAll() {
    return new Behaviours(Map.of(), Behaviour.ACCEPT);
  }

  /**
   * A HOCON file: {@code destinations { <name> { <behaviour> } }} and an optional {@code default {
   * <behaviour> }} for every other path (see {@link Behaviour#of}).
   */
  public static Behaviours load(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("no behaviours file at " + file);
    }
    return of(ConfigFactory.parseFile(file.toFile()).resolve());
  }

  /** These behaviours, with every answer drawn from the seed (see the constructor). */
  public Behaviours seeded(long seed) {
    return new Behaviours(byDestination, otherwise, seed);
  }

  public static Behaviours of(Config config) {
    Map<String, Behaviour> byDestination = new LinkedHashMap<>();
    if (config.hasPath("destinations")) {
      Config destinations = config.getConfig("destinations");
      for (String name : destinations.root().keySet()) {
        try {
          byDestination.put(name, Behaviour.of(destinations.getConfig(name)));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(name + ": " + e.getMessage(), e);
        }
      }
    }
    Behaviour otherwise =
        config.hasPath("default") ? Behaviour.of(config.getConfig("default")) : Behaviour.ACCEPT;
    return new Behaviours(byDestination, otherwise);
  }

  Behaviour of(String destination) {
    return byDestination.getOrDefault(destination, otherwise);
  }

  /** Whether some answer draws on time (see {@link Behaviour#dependsOnTime}). */
  public boolean dependsOnTime() {
    return otherwise.dependsOnTime()
        || byDestination.values().stream().anyMatch(Behaviour::dependsOnTime);
  }

  /** Where one request's answer is drawn from: see the constructor. */
  RandomGenerator random(String destination, String messageId, int attempt) {
    if (answerSeed == null) {
      return ThreadLocalRandom.current();
    }
    long hash = 0xcbf29ce484222325L ^ answerSeed;
    hash = fnv(fnv(hash, destination), messageId);
    return new SplittableRandom(hash * 0x100000001b3L + attempt);
  }

  /** FNV-1a over the chars and a separator: stable across JVMs and runs, unlike identity hashes. */
  private static long fnv(long hash, String text) {
    for (int i = 0; i < text.length(); i++) {
      hash = (hash ^ text.charAt(i)) * 0x100000001b3L;
    }
    return (hash ^ 0xffff) * 0x100000001b3L;
  }

  /** Outage windows count from now on. */
  public void restartClock() {
    epochNanos = System.nanoTime();
  }

  long elapsedNanos(long nowNanos) {
    return nowNanos - epochNanos;
  }

  /**
   * Takes one of the destination's {@code capacity} places for a request being served, if one is
   * free; {@link #served} gives it back.
   */
  boolean serve(String destination, int capacity) {
    AtomicInteger serving =
        servingByDestination.computeIfAbsent(destination, d -> new AtomicInteger());
    if (serving.incrementAndGet() > capacity) {
      serving.decrementAndGet();
      return false;
    }
    return true;
  }

  void served(String destination) {
    servingByDestination.get(destination).decrementAndGet();
  }

  /** Counts this request against its source's second, and tells whether that went over. */
  boolean overRate(String destination, String source, int perSecond, long nowNanos) {
    Window window = windows.computeIfAbsent(destination + '\u0000' + source, k -> new Window());
    return window.count(nowNanos / 1_000_000_000L) > perSecond;
  }

  private static final class Window {
    private long second;
    private int count;

    synchronized int count(long now) {
      if (now != second) {
        second = now;
        count = 0;
      }
      return ++count;
    }
  }
}
