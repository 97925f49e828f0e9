package dev.eventrouter.queues.delivery;

import com.typesafe.config.Config;
import java.time.Clock;
import java.util.Locale;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * Which {@link DeliveryClient} a node delivers with and what it says it is: {@code
 * eventrouter.delivery.client}, {@code eventrouter.delivery.netty-event-loops} and {@code
 * eventrouter.delivery.user-agent} (reference.conf says why the defaults are what they are). Both
 * clients keep one contract; the delivery tests run against each.
 *
 * @param userAgent the {@code User-Agent} of every request whose job sets none
 */
public record DeliveryClientSettings(Kind kind, int eventLoops, String userAgent) {

  public enum Kind {
    PEKKO,
    NETTY
  }

  public DeliveryClientSettings {
    if (eventLoops < 1) {
      throw new IllegalArgumentException(
          "eventrouter.delivery.netty-event-loops must be at least 1");
    }
    // refused here, at start: a value the HTTP layer drops would fail every request instead
    HeaderText.invalidValue(userAgent)
        .ifPresent(
            problem -> {
              throw new IllegalArgumentException(
                  "eventrouter.delivery.user-agent is not a header value: " + problem);
            });
  }

  public static DeliveryClientSettings fromConfig(Config config) {
    Config c = config.getConfig("eventrouter.delivery");
    String userAgent = c.getString("user-agent");
    return new DeliveryClientSettings(
        kind(c.getString("client")),
        c.getInt("netty-event-loops"),
        userAgent.isBlank() ? defaultUserAgent() : userAgent);
  }

  /**
   * {@code eventrouter/<version>}, the version from the jar's manifest; plain {@code eventrouter}
   * where there is none (run from class directories).
   */
  public static String defaultUserAgent() {
    return userAgent(DeliveryClientSettings.class.getPackage().getImplementationVersion());
  }

  static String userAgent(String implementationVersion) {
    return implementationVersion == null || implementationVersion.isBlank()
        ? "eventrouter"
        : "eventrouter/" + implementationVersion;
  }

  private static Kind kind(String name) {
    try {
      return Kind.valueOf(name.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "eventrouter.delivery.client is pekko or netty, not '" + name + "'");
    }
  }

  /**
   * @param queueSize requests a destination's pool may hold waiting for a connection
   * @param addresses where connections may go, checked on the resolved address of each new one
   * @param secrets the values of the secret headers jobs refer to
   */
  public DeliveryClient create(
      ActorSystem<?> system, Clock clock, int queueSize, AddressPolicy addresses, Secrets secrets) {
    return create(system, clock, queueSize, addresses, secrets, NameResolver.SYSTEM);
  }

  /**
   * @param names where endpoints' hosts are looked up
   */
  DeliveryClient create(
      ActorSystem<?> system,
      Clock clock,
      int queueSize,
      AddressPolicy addresses,
      Secrets secrets,
      NameResolver names) {
    return switch (kind) {
      case PEKKO ->
          new HttpDeliveryClient(system, clock, queueSize, addresses, secrets, userAgent, names);
      case NETTY ->
          new NettyDeliveryClient(
              system, clock, queueSize, addresses, secrets, eventLoops, userAgent, names);
    };
  }
}
