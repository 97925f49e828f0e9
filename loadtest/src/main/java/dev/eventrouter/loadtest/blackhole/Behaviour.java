package dev.eventrouter.loadtest.blackhole;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.random.RandomGenerator;

/**
 * How one destination of the black hole answers: after a latency drawn from a log-normal
 * distribution, with a share of errors, permanent rejections, connection resets and 429s, 429s
 * above a per-source rate, and outage windows measured from the black hole's start.
 *
 * @param errorRate share of requests answered 503 (retried by the router)
 * @param rejectRate share answered 400 (a permanent failure: the router discards the job)
 * @param resetRate share answered by a TCP reset
 * @param rateLimit null for none
 * @param throttle the share answered 429 whatever the rate; null for none
 * @param capacity requests it serves at once (a count); one more is answered 503 at once, as a
 *     server out of workers does; 0 for no bound
 * @param slowdown its latency multiplied from a time on; null for none
 */
public record Behaviour(
    Latency latency,
    double errorRate,
    double rejectRate,
    double resetRate,
    RateLimit rateLimit,
    List<Outage> outages,
    Throttle throttle,
    int capacity,
    Slowdown slowdown) {

  /** Answers 200 at once, always: the plain black hole. */
  public static final Behaviour ACCEPT =
      new Behaviour(Latency.NONE, 0, 0, 0, null, List.of(), null, 0, null);

  public Behaviour {
    share("error-rate", errorRate);
    share("reject-rate", rejectRate);
    share("reset-rate", resetRate);
    if (errorRate + rejectRate + resetRate + throttleRate(throttle) > 1) {
      throw new IllegalArgumentException(
          "error-rate + reject-rate + reset-rate + throttle.rate exceed 1");
    }
    outages = List.copyOf(outages);
    if (capacity < 0) {
      throw new IllegalArgumentException("capacity must be 0 (none) or more, not " + capacity);
    }
  }

  /**
   * Whether it answers every request as it always does, only after its latency: no outage, errors,
   * rejections, resets, rate limit, throttle, capacity or slowdown. Only such destinations are the
   * healthy ones a scenario measures an outage's effect on.
   */
  public boolean healthy() {
    return outages.isEmpty()
        && errorRate == 0
        && rejectRate == 0
        && resetRate == 0
        && rateLimit == null
        && throttle == null
        && capacity == 0
        && slowdown == null;
  }

  /** From {@code start} after the black hole's start on, every latency is {@code factor} times. */
  public record Slowdown(Duration start, double factor) {
    public Slowdown {
      if (!(factor >= 1)) {
        throw new IllegalArgumentException("slowdown.factor must be 1 or more, not " + factor);
      }
    }
  }

  /**
   * A share of requests answered 429 as a draw, like the errors, not by counting a rate: so that
   * the answer can be a function of the request alone (see {@link Behaviours#random}).
   *
   * @param retryAfter sent as Retry-After (whole seconds, at least 1); null for none
   */
  public record Throttle(double rate, Duration retryAfter) {
    public Throttle {
      share("throttle.rate", rate);
    }
  }

  private static double throttleRate(Throttle throttle) {
    return throttle == null ? 0 : throttle.rate();
  }

  /**
   * Whether the answers draw on time (rate limits, outages): not a function of the request alone.
   */
  public boolean dependsOnTime() {
    return rateLimit != null || !outages.isEmpty();
  }

  /** A log-normal latency given by its median and 99th percentile; both zero for none. */
  public record Latency(Duration median, Duration p99) {
    public static final Latency NONE = new Latency(Duration.ZERO, Duration.ZERO);

    public Latency {
      if (median.isNegative() || p99.compareTo(median) < 0) {
        throw new IllegalArgumentException(
            "latency: need 0 <= median <= p99, not " + median + ", " + p99);
      }
    }

    long sampleNanos(RandomGenerator random) {
      long median = this.median.toNanos();
      if (median == 0) {
        return 0;
      }
      // 2.326: the standard normal's 99th percentile
      double sigma = Math.log((double) p99.toNanos() / median) / 2.326;
      return (long) (median * Math.exp(sigma * random.nextGaussian()));
    }
  }

  /**
   * Above {@code perSecond} requests in a second from one source, answer 429 with Retry-After; 0
   * answers 429 to every request (a tenant throttled for good).
   */
  public record RateLimit(int perSecond, Duration retryAfter) {
    public RateLimit {
      if (perSecond < 0) {
        throw new IllegalArgumentException(
            "rate-limit.per-second must be 0 or more, not " + perSecond);
      }
    }
  }

  /** What a failing request of an outage gets. */
  public enum Failure {
    ERRORS,
    TIMEOUTS,
    RESETS
  }

  /**
   * From {@code start} after the black hole's start, for {@code length}, only a {@code successRate}
   * share of requests succeeds; the rest fail as {@code failure} says.
   */
  public record Outage(Duration start, Duration length, double successRate, Failure failure) {
    public Outage {
      share("success-rate", successRate);
    }

    boolean covers(long elapsedNanos) {
      return elapsedNanos >= start.toNanos() && elapsedNanos < start.plus(length).toNanos();
    }
  }

  /** The answer to one request. */
  sealed interface Answer {}

  record Accept(long delayNanos) implements Answer {}

  record Refuse(int status, Duration retryAfter, long delayNanos) implements Answer {}

  /** Never answered: the client's timeout ends it. */
  record Hold() implements Answer {}

  record Reset() implements Answer {}

  Answer answer(long elapsedNanos, boolean overRate, RandomGenerator random) {
    long delay = latency.sampleNanos(random);
    if (slowdown != null && elapsedNanos >= slowdown.start().toNanos()) {
      delay = (long) (delay * slowdown.factor());
    }
    for (Outage outage : outages) {
      if (outage.covers(elapsedNanos) && random.nextDouble() >= outage.successRate()) {
        return switch (outage.failure()) {
          case ERRORS -> new Refuse(503, null, delay);
          case TIMEOUTS -> new Hold();
          case RESETS -> new Reset();
        };
      }
    }
    if (overRate) {
      return new Refuse(429, rateLimit.retryAfter(), 0);
    }
    double draw = random.nextDouble();
    if (draw < errorRate) {
      return new Refuse(503, null, delay);
    }
    if (draw < errorRate + rejectRate) {
      return new Refuse(400, null, delay);
    }
    if (draw < errorRate + rejectRate + resetRate) {
      return new Reset();
    }
    if (draw < errorRate + rejectRate + resetRate + throttleRate(throttle)) {
      return new Refuse(429, throttle.retryAfter(), delay);
    }
    return new Accept(delay);
  }

  /**
   * From HOCON: {@code latency { median = 5ms, p99 = 50ms }}, {@code error-rate}, {@code
   * reject-rate}, {@code reset-rate}, {@code throttle { rate, retry-after }}, {@code rate-limit {
   * per-second, retry-after }}, {@code outages = [{ start, length, success-rate, failure =
   * errors|timeouts|resets }]}, {@code capacity}, {@code slowdown { start, factor }}; every key
   * optional.
   */
  public static Behaviour of(Config config) {
    try {
      Latency latency = Latency.NONE;
      if (config.hasPath("latency")) {
        Duration median = config.getDuration("latency.median");
        latency =
            new Latency(
                median, config.hasPath("latency.p99") ? config.getDuration("latency.p99") : median);
      }
      RateLimit rateLimit =
          config.hasPath("rate-limit")
              ? new RateLimit(
                  config.getInt("rate-limit.per-second"),
                  config.hasPath("rate-limit.retry-after")
                      ? config.getDuration("rate-limit.retry-after")
                      : Duration.ofSeconds(1))
              : null;
      List<Outage> outages =
          config.hasPath("outages")
              ? config.getConfigList("outages").stream().map(Behaviour::outage).toList()
              : List.of();
      Throttle throttle =
          config.hasPath("throttle")
              ? new Throttle(
                  config.getDouble("throttle.rate"),
                  config.hasPath("throttle.retry-after")
                      ? config.getDuration("throttle.retry-after")
                      : null)
              : null;
      Slowdown slowdown =
          config.hasPath("slowdown")
              ? new Slowdown(
                  config.getDuration("slowdown.start"), config.getDouble("slowdown.factor"))
              : null;
      return new Behaviour(
          latency,
          rate(config, "error-rate"),
          rate(config, "reject-rate"),
          rate(config, "reset-rate"),
          rateLimit,
          outages,
          throttle,
          config.hasPath("capacity") ? config.getInt("capacity") : 0,
          slowdown);
    } catch (ConfigException | IllegalArgumentException e) {
      throw new IllegalArgumentException("behaviour: " + e.getMessage(), e);
    }
  }

  private static Outage outage(Config config) {
    String failure = config.hasPath("failure") ? config.getString("failure") : "errors";
    Failure kind;
    try {
      kind = Failure.valueOf(failure.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "outage failure must be errors, timeouts or resets, not " + failure);
    }
    return new Outage(
        config.getDuration("start"),
        config.getDuration("length"),
        config.hasPath("success-rate") ? config.getDouble("success-rate") : 0,
        kind);
  }

  private static double rate(Config config, String path) {
    return config.hasPath(path) ? config.getDouble(path) : 0;
  }

  private static void share(String name, double value) {
    if (!(value >= 0 && value <= 1)) {
      throw new IllegalArgumentException(name + " must be between 0 and 1, not " + value);
    }
  }
}
