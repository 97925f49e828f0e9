package dev.eventrouter.router;

import com.typesafe.config.ConfigFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts one router node from {@code application.conf} and the environment. */
public final class Main {

  private static final Logger log = LoggerFactory.getLogger(Main.class);

  private Main() {}

  public static void main(String[] args) {
    try {
      Router.start(ConfigFactory.load());
    } catch (RuntimeException e) {
      log.error("the router could not start: {}", e.getMessage(), e);
      System.exit(1);
    }
  }
}
