package dev.eventrouter.router.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The router's logback.xml: what anyone can make it log is rate-limited, operators' actions not.
 */
class LogbackConfigurationTest {

  @Test
  void refusedUnknownTokensAreRateLimitedAndOperatorActionsAreNot() throws Exception {
    LoggerContext context = new LoggerContext();
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    configurator.doConfigure(LogbackConfigurationTest.class.getResource("/logback.xml"));

    Logger refused = context.getLogger("eventrouter.audit.refused");
    assertThat(appenders(refused)).containsExactly("RATE_LIMITED");
    assertThat(refused.isAdditive()).as("not also written by the audit's appender").isFalse();
    assertThat(appenders(context.getLogger("eventrouter.audit"))).containsExactly("JSON");
    assertThat(appenders(context.getLogger(Logger.ROOT_LOGGER_NAME)))
        .containsExactly("RATE_LIMITED");
    context.stop();
  }

  private static List<String> appenders(Logger logger) {
    List<String> names = new ArrayList<>();
    for (var it = logger.iteratorForAppenders(); it.hasNext(); ) {
      Appender<ILoggingEvent> appender = it.next();
      names.add(appender.getName());
    }
    return names;
  }
}
