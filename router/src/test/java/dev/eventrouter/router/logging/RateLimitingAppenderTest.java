package dev.eventrouter.router.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** One noisy key is cut down to its rate; the others are untouched; every drop is announced. */
class RateLimitingAppenderTest {

  private final LoggerContext context = new LoggerContext();
  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
  private final ListAppender<ILoggingEvent> out = new ListAppender<>();
  private final RateLimitingAppender limited = new RateLimitingAppender(nanos::get);

  @BeforeEach
  void start() {
    context.setMDCAdapter(new LogbackMDCAdapter());
    out.setContext(context);
    out.start();
    limited.setContext(context);
    limited.setLinesPerSecond(10);
    limited.setBurst(20);
    limited.setNoticeEverySeconds(5);
    limited.addAppender(out);
    limited.start();
  }

  @Test
  void aNoisyPairIsLimitedAndItsDropsAreAnnouncedWhileAQuietOneLogsEverything() {
    for (int i = 0; i < 1_000; i++) {
      limited.doAppend(queueLine("shop:webhook", "attempt failed " + i));
      if (i % 100 == 0) {
        limited.doAppend(queueLine("blog:crm", "attempt failed " + i));
      }
    }

    assertThat(lines("shop:webhook")).hasSize(20);
    assertThat(lines("blog:crm")).hasSize(10);
    assertThat(notices()).isEmpty();

    // a second later the noisy pair has 10 lines again; its first one comes after the notice
    nanos.addAndGet(1_000_000_000L);
    limited.doAppend(queueLine("shop:webhook", "attempt failed again"));

    assertThat(notices())
        .singleElement()
        .satisfies(
            notice -> {
              assertThat(notice.getLevel()).isEqualTo(Level.WARN);
              assertThat(notice.getFormattedMessage())
                  .startsWith("980 log lines dropped from")
                  .contains("shop:webhook");
            });
    assertThat(out.list.get(out.list.size() - 1).getFormattedMessage())
        .isEqualTo("attempt failed again");
  }

  @Test
  void theDropsOfAKeyThatWentQuietAreAnnouncedAllTheSame() {
    for (int i = 0; i < 50; i++) {
      limited.doAppend(queueLine("shop:webhook", "attempt failed " + i));
    }
    nanos.addAndGet(6_000_000_000L);

    limited.doAppend(queueLine("blog:crm", "something else"));

    assertThat(notices())
        .singleElement()
        .satisfies(
            notice ->
                assertThat(notice.getFormattedMessage())
                    .startsWith("30 log lines dropped from")
                    .contains("shop:webhook"));
  }

  @Test
  void aNoticeCarriesTheMdcOfTheLinesItCountsNotOfTheLineThatTriggersIt() {
    for (int i = 0; i < 50; i++) {
      limited.doAppend(queueLine("shop:webhook", "attempt failed " + i));
    }
    nanos.addAndGet(6_000_000_000L);

    limited.doAppend(queueLine("blog:crm", "something else"));

    assertThat(notices())
        .singleElement()
        .satisfies(
            notice ->
                assertThat(notice.getMDCPropertyMap())
                    .containsEntry(
                        RateLimitingAppender.ACTOR_MDC,
                        "pekko://eventrouter/system/sharding/VirtualQueue/7/shop:webhook"));
  }

  @Test
  void manyNoisyKeysAtOnceShareOneBucketInsteadOfEachGettingAFreshBurst() {
    limited.setMaxKeys(3);
    for (int pair = 0; pair < 1_000; pair++) {
      for (int i = 0; i < 30; i++) {
        limited.doAppend(queueLine("source-" + pair + ":webhook", "attempt failed " + i));
      }
    }

    // three tracked keys and the shared one: a burst of 20 each, all within the same instant
    assertThat(out.list).hasSize(4 * 20);

    // once the tracked keys have refilled, a new key is tracked on its own again, and the shared
    // bucket's drops are announced under its own name
    nanos.addAndGet(6_000_000_000L);
    for (int i = 0; i < 30; i++) {
      limited.doAppend(queueLine("quiet:crm", "attempt failed " + i));
    }
    assertThat(lines("quiet:crm")).hasSize(20);
    assertThat(notices())
        .anySatisfy(
            notice ->
                assertThat(notice.getFormattedMessage())
                    .contains(RateLimitingAppender.OVERFLOW_KEY));
  }

  /** Thousands of queues failing at once: a line each, none over its own limit. */
  @Test
  void aLoggersLinesFromManyKeysTogetherAreLimitedAndTheirDropsAnnounced() {
    limited.setLoggerLinesPerSecond(50);
    limited.setLoggerBurst(200);
    for (int pair = 0; pair < 5_000; pair++) {
      limited.doAppend(queueLine("source-" + pair + ":webhook", "persist failed"));
    }

    assertThat(out.list).hasSize(200);

    nanos.addAndGet(6_000_000_000L);
    limited.doAppend(queueLine("quiet:crm", "persist failed"));

    assertThat(notices())
        .singleElement()
        .satisfies(
            notice ->
                assertThat(notice.getFormattedMessage())
                    .isEqualTo(
                        "4800 log lines dropped from dev.eventrouter.queues.VirtualQueue"
                            + RateLimitingAppender.ALL_SOURCES
                            + ": over 50.0 lines per second"));
    assertThat(lines("quiet:crm")).hasSize(1);
  }

  @Test
  void linesWithoutAnActorAreKeyedByLoggerAndPattern() {
    Logger logger = context.getLogger("dev.eventrouter.router.ingest.Ingest");
    for (int i = 0; i < 100; i++) {
      limited.doAppend(
          new LoggingEvent(
              "x", logger, Level.WARN, "write failed, retrying {}", null, new Object[] {i}));
      limited.doAppend(new LoggingEvent("x", logger, Level.INFO, "router started", null, null));
    }

    assertThat(out.list).filteredOn(e -> e.getMessage().startsWith("write failed")).hasSize(20);
    assertThat(out.list).filteredOn(e -> e.getMessage().equals("router started")).hasSize(20);
  }

  private LoggingEvent queueLine(String pair, String message) {
    LoggingEvent event =
        new LoggingEvent(
            "x",
            context.getLogger("dev.eventrouter.queues.VirtualQueue"),
            Level.WARN,
            message,
            null,
            null);
    event.setMDCPropertyMap(
        Map.of(
            RateLimitingAppender.ACTOR_MDC,
            "pekko://eventrouter/system/sharding/VirtualQueue/7/" + pair));
    return event;
  }

  private List<ILoggingEvent> lines(String pair) {
    return out.list.stream()
        .filter(
            e ->
                pair.equals(
                    e.getMDCPropertyMap()
                        .getOrDefault(RateLimitingAppender.ACTOR_MDC, "")
                        .replaceAll(".*/", "")))
        .toList();
  }

  private List<ILoggingEvent> notices() {
    return out.list.stream()
        .filter(e -> e.getLoggerName().equals(RateLimitingAppender.class.getName()))
        .toList();
  }
}
