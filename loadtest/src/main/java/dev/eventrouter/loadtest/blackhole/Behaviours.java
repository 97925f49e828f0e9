package dev.eventrouter.loadtest.blackhole;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The behaviour of each destination path, with {@link Behaviour#ACCEPT} for the rest, and the
 * per-source request counts that rate limits need. Outage windows count from {@link #epochNanos}.
 */
public final class Behaviours {

  private final Map<String, Behaviour> byDestination;
  private final Behaviour otherwise;
  private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();
  private volatile long epochNanos = System.nanoTime();

  public Behaviours(Map<String, Behaviour> byDestination, Behaviour otherwise) {
    this.byDestination = Map.copyOf(byDestination);
    this.otherwise = otherwise;
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
    Behaviour otherwise = config.hasPath("default") ? Behaviour.of(config.getConfig("default")) : Behaviour.ACCEPT;
    return new Behaviours(byDestination, otherwise);
  }

  Behaviour of(String destination) {
    return byDestination.getOrDefault(destination, otherwise);
  }

  /** Outage windows count from now on. */
  public void restartClock() {
    epochNanos = System.nanoTime();
  }

  long elapsedNanos(long nowNanos) {
    return nowNanos - epochNanos;
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
