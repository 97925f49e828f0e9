package dev.eventrouter.router.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import ch.qos.logback.core.spi.AppenderAttachable;
import ch.qos.logback.core.spi.AppenderAttachableImpl;
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
 */
public final class RateLimitingAppender extends UnsynchronizedAppenderBase<ILoggingEvent>
    implements AppenderAttachable<ILoggingEvent> {

  /** The MDC entry in which Pekko names the actor that logged. */
  static final String ACTOR_MDC = "pekkoSource";

  private final AppenderAttachableImpl<ILoggingEvent> appenders = new AppenderAttachableImpl<>();
  private final LongSupplier nanoTime;
  private double linesPerSecond = 10;
  private int burst = 100;
  private int maxKeys = 10_000;
  private long noticeEveryNanos = 10_000_000_000L;
  private final Map<String, Bucket> buckets = new LinkedHashMap<>(16, 0.75f, true);
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

  /** Keys tracked at once; the least recently seen is forgotten (its drops noticed first). */
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
    long dropped;
    synchronized (buckets) {
      Bucket bucket = buckets.computeIfAbsent(key, k -> new Bucket(burst, now));
      pass = bucket.take(now, linesPerSecond, burst);
      dropped = pass ? bucket.takeDropped() : 0;
      if (buckets.size() > maxKeys) {
        Iterator<Map.Entry<String, Bucket>> eldest = buckets.entrySet().iterator();
        Map.Entry<String, Bucket> forgotten = eldest.next();
        eldest.remove();
        notice(forgotten.getKey(), forgotten.getValue().takeDropped(), event);
      }
    }
    if (dropped > 0) {
      notice(key, dropped, event);
    }
    if (pass) {
      appenders.appendLoopOnAppenders(event);
    }
    sweep(now, event);
  }

  /** Notices the drops of keys that have not logged since. */
  private void sweep(long now, ILoggingEvent trigger) {
    Map<String, Long> quiet = new LinkedHashMap<>();
    synchronized (buckets) {
      if (now - lastSweep < noticeEveryNanos) {
        return;
      }
      lastSweep = now;
      buckets.forEach(
          (key, bucket) -> {
            long dropped = bucket.takeDropped();
            if (dropped > 0) {
              quiet.put(key, dropped);
            }
          });
    }
    quiet.forEach((key, dropped) -> notice(key, dropped, trigger));
  }

  private void notice(String key, long dropped, ILoggingEvent context) {
    if (dropped == 0) {
      return;
    }
    LoggerContext loggerContext = (LoggerContext) getContext();
    LoggingEvent notice =
        new LoggingEvent(
            RateLimitingAppender.class.getName(),
            loggerContext.getLogger(RateLimitingAppender.class),
            Level.WARN,
            "{} log lines dropped from {}: over {} lines per second",
            null,
            new Object[] {dropped, key, linesPerSecond});
    notice.setThreadName(context.getThreadName());
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

  /** A key's token bucket and the lines it dropped since the last notice. */
  private static final class Bucket {
    private double tokens;
    private long refilledAt;
    private long dropped;

    Bucket(int burst, long now) {
      this.tokens = burst;
      this.refilledAt = now;
    }

    boolean take(long now, double perSecond, int burst) {
      tokens = Math.min(burst, tokens + (now - refilledAt) / 1e9 * perSecond);
      refilledAt = now;
      if (tokens >= 1) {
        tokens -= 1;
        return true;
      }
      dropped++;
      return false;
    }

    long takeDropped() {
      long taken = dropped;
      dropped = 0;
      return taken;
    }
  }
}
