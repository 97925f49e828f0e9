package dev.eventrouter.router.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import ch.qos.logback.core.spi.AppenderAttachable;
import ch.qos.logback.core.spi.AppenderAttachableImpl;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Passes log lines on to its appenders at most {@code linesPerSecond} per key, with bursts of
 * {@code burst} (a token bucket per key), so that one noisy pair or component cannot flood the logs
 * and push everyone else's lines out (Segment's rate-limiting log proxy, in process). A line
 * dropped is never dropped silently: the next line of that key let through is preceded by a WARN "N
 * lines dropped", and keys that went quiet get theirs when the next line of any key comes.
 *
 * <p>The key is where the line comes from: the logger and, for an actor, its path (a virtual
 * queue's path names its pair), else the logger and the message's pattern. Lines at ERROR are
 * limited like the others: an error per job is as much a flood as anything.
 *
 * <p>Each logger's lines together pass at most {@code loggerLinesPerSecond}, with bursts of {@code
 * loggerBurst}: a failure of many queues at once (a journal that refuses their writes) is one line
 * from each of thousands of keys, none of them over its own limit, and without a bound per logger
 * its stack traces filled 386 MB in 30 s. Drops of that bound are announced under the logger's
 * name.
 *
 * <p>At most {@code maxKeys} keys are tracked. A key is forgotten only once its bucket is full
 * again (forgetting it then changes nothing); while every tracked key is still limiting, new keys
 * share one bucket, so that many noisy keys at once (thousands of failing pairs) are limited
 * together rather than each given a fresh burst.
 */
public final class RateLimitingAppender extends UnsynchronizedAppenderBase<ILoggingEvent>
    implements AppenderAttachable<ILoggingEvent> {

  /** The MDC entry in which Pekko names the actor that logged. */
  static final String ACTOR_MDC = "pekkoSource";

  /** The key of the bucket shared by new keys while {@code maxKeys} keys are all limiting. */
  static final String OVERFLOW_KEY = "(keys over the limit)";

  /** How a logger's own bucket is named in its notices. */
  static final String ALL_SOURCES = " (all its sources)";

  private final AppenderAttachableImpl<ILoggingEvent> appenders = new AppenderAttachableImpl<>();
  private final LongSupplier nanoTime;
  private double linesPerSecond = 10;
  private int burst = 100;
  private int maxKeys = 10_000;
  private double loggerLinesPerSecond = 100;
  private int loggerBurst = 1_000;
  private long noticeEveryNanos = 10_000_000_000L;
  private final Map<String, Bucket> buckets = new LinkedHashMap<>(16, 0.75f, true);

  /** Per logger name: names are the code's classes, a bounded set. */
  private final Map<String, Bucket> loggers = new HashMap<>();

  private long lastSweep;

  public RateLimitingAppender() {
    this(System::nanoTime);
  }

  RateLimitingAppender(LongSupplier nanoTime) {
    this.nanoTime = nanoTime;
  }

  /** Lines per second one key may log on average. */
  public void setLinesPerSecond(double linesPerSecond) {
    this.linesPerSecond = linesPerSecond;
  }

  /** Lines one key may log at once after a quiet time. */
  public void setBurst(int burst) {
    this.burst = burst;
  }

  /** Lines per second one logger may log on average, all its keys together. */
  public void setLoggerLinesPerSecond(double loggerLinesPerSecond) {
    this.loggerLinesPerSecond = loggerLinesPerSecond;
  }

  /** Lines one logger may log at once, all its keys together. */
  public void setLoggerBurst(int loggerBurst) {
    this.loggerBurst = loggerBurst;
  }

  /**
   * Keys tracked at once; the least recently seen is forgotten once its bucket is full again (its
   * drops noticed first), and while none is, new keys share one bucket.
   */
  public void setMaxKeys(int maxKeys) {
    this.maxKeys = maxKeys;
  }

  /** How often, at most, drops of keys that went quiet are noticed (seconds). */
  public void setNoticeEverySeconds(int seconds) {
    this.noticeEveryNanos = seconds * 1_000_000_000L;
  }

  @Override
  protected void append(ILoggingEvent event) {
    long now = nanoTime.getAsLong();
    String key = keyOf(event);
    boolean pass;
    Dropped dropped;
    Dropped loggerDropped;
    Dropped forgotten = null;
    String forgottenKey = null;
    String logger = event.getLoggerName();
    synchronized (buckets) {
      Bucket bucket = buckets.get(key);
      if (bucket == null && buckets.size() >= maxKeys) {
        Map.Entry<String, Bucket> eldest = buckets.entrySet().iterator().next();
        if (eldest.getValue().fullAt(now, linesPerSecond, burst)) {
          buckets.remove(eldest.getKey());
          forgottenKey = eldest.getKey();
          forgotten = eldest.getValue().takeDropped();
        } else {
          key = OVERFLOW_KEY;
          bucket = buckets.get(key);
        }
      }
      if (bucket == null) {
        bucket = new Bucket(burst, now);
        buckets.put(key, bucket);
      }
      Bucket ofLogger = loggers.computeIfAbsent(logger, name -> new Bucket(loggerBurst, now));
      pass =
          bucket.take(now, linesPerSecond, burst, event)
              && ofLogger.take(now, loggerLinesPerSecond, loggerBurst, event);
      dropped = pass ? bucket.takeDropped() : null;
      loggerDropped = pass ? ofLogger.takeDropped() : null;
    }
    if (forgotten != null) {
      notice(forgottenKey, forgotten, linesPerSecond);
    }
    if (dropped != null) {
      notice(key, dropped, linesPerSecond);
    }
    if (loggerDropped != null) {
      notice(logger + ALL_SOURCES, loggerDropped, loggerLinesPerSecond);
    }
    if (pass) {
      appenders.appendLoopOnAppenders(event);
    }
    sweep(now);
  }

  /** Notices the drops of keys that have not logged since. */
  private void sweep(long now) {
    Map<String, Dropped> quiet = new LinkedHashMap<>();
    Map<String, Dropped> quietLoggers = new LinkedHashMap<>();
    synchronized (buckets) {
      if (now - lastSweep < noticeEveryNanos) {
        return;
      }
      lastSweep = now;
      buckets.forEach(
          (key, bucket) -> {
            Dropped dropped = bucket.takeDropped();
            if (dropped != null) {
              quiet.put(key, dropped);
            }
          });
      loggers.forEach(
          (logger, bucket) -> {
            Dropped dropped = bucket.takeDropped();
            if (dropped != null) {
              quietLoggers.put(logger + ALL_SOURCES, dropped);
            }
          });
    }
    quiet.forEach((key, dropped) -> notice(key, dropped, linesPerSecond));
    quietLoggers.forEach((key, dropped) -> notice(key, dropped, loggerLinesPerSecond));
  }

  /**
   * Says how many lines of {@code key} were dropped. The notice carries the thread and the MDC of
   * the last line dropped (a queue's notice names its pair as its lines do), not those of whichever
   * line happens to trigger it.
   */
  private void notice(String key, Dropped dropped, double perSecond) {
    LoggerContext loggerContext = (LoggerContext) getContext();
    LoggingEvent notice =
        new LoggingEvent(
            RateLimitingAppender.class.getName(),
            loggerContext.getLogger(RateLimitingAppender.class),
            Level.WARN,
            "{} log lines dropped from {}: over {} lines per second",
            null,
            new Object[] {dropped.lines(), key, perSecond});
    notice.setThreadName(dropped.threadName());
    notice.setMDCPropertyMap(dropped.mdc());
    appenders.appendLoopOnAppenders(notice);
  }

  static String keyOf(ILoggingEvent event) {
    Map<String, String> mdc = event.getMDCPropertyMap();
    String actor = mdc == null ? null : mdc.get(ACTOR_MDC);
    return event.getLoggerName() + " " + (actor != null ? actor : event.getMessage());
  }

  // ---- AppenderAttachable ----

  @Override
  public void addAppender(Appender<ILoggingEvent> appender) {
    appenders.addAppender(appender);
  }

  @Override
  public Iterator<Appender<ILoggingEvent>> iteratorForAppenders() {
    return appenders.iteratorForAppenders();
  }

  @Override
  public Appender<ILoggingEvent> getAppender(String name) {
    return appenders.getAppender(name);
  }

  @Override
  public boolean isAttached(Appender<ILoggingEvent> appender) {
    return appenders.isAttached(appender);
  }

  @Override
  public void detachAndStopAllAppenders() {
    appenders.detachAndStopAllAppenders();
  }

  @Override
  public boolean detachAppender(Appender<ILoggingEvent> appender) {
    return appenders.detachAppender(appender);
  }

  @Override
  public boolean detachAppender(String name) {
    return appenders.detachAppender(name);
  }

  /** Lines of one key dropped since its last notice, with the last one's thread and MDC. */
  private record Dropped(long lines, String threadName, Map<String, String> mdc) {}

  /** A key's token bucket and the lines it dropped since the last notice. */
  private static final class Bucket {
    private double tokens;
    private long refilledAt;
    private long dropped;
    // read when the line is dropped: an event takes its thread and MDC lazily, from the thread
    // that asks
    private String droppedThread;
    private Map<String, String> droppedMdc;

    Bucket(int burst, long now) {
      this.tokens = burst;
      this.refilledAt = now;
    }

    boolean take(long now, double perSecond, int burst, ILoggingEvent event) {
      tokens = Math.min(burst, tokens + (now - refilledAt) / 1e9 * perSecond);
      refilledAt = now;
      if (tokens >= 1) {
        tokens -= 1;
        return true;
      }
      dropped++;
      droppedThread = event.getThreadName();
      Map<String, String> mdc = event.getMDCPropertyMap();
      droppedMdc = mdc == null ? Map.of() : mdc;
      return false;
    }

    /** Whether the bucket has refilled by {@code now}: a new one would be the same. */
    boolean fullAt(long now, double perSecond, int burst) {
      return tokens + (now - refilledAt) / 1e9 * perSecond >= burst;
    }

    /** The drops since the last call, or null if none. */
    Dropped takeDropped() {
      if (dropped == 0) {
        return null;
      }
      Dropped taken = new Dropped(dropped, droppedThread, droppedMdc);
      dropped = 0;
      droppedThread = null;
      droppedMdc = null;
      return taken;
    }
  }
}
