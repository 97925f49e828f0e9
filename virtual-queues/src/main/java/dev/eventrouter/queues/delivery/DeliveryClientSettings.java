package dev.eventrouter.queues.delivery;

import com.typesafe.config.Config;
import java.time.Clock;
import java.util.Locale;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * Which {@link DeliveryClient} a node delivers with: {@code eventrouter.delivery.client} and
 * {@code eventrouter.delivery.netty-event-loops} (reference.conf says why the default is what it
 * is). Both clients keep one contract; the delivery tests run against each.
 */
public record DeliveryClientSettings(Kind kind, int eventLoops) {

  public enum Kind { PEKKO, NETTY }

  public DeliveryClientSettings {
    if (eventLoops < 1) {
      throw new IllegalArgumentException("eventrouter.delivery.netty-event-loops must be at least 1");
    }
  }

  public static DeliveryClientSettings fromConfig(Config config) {
    Config c = config.getConfig("eventrouter.delivery");
    return new DeliveryClientSettings(kind(c.getString("client")), c.getInt("netty-event-loops"));
  }

  private static Kind kind(String name) {
    try {
      return Kind.valueOf(name.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("eventrouter.delivery.client is pekko or netty, not '" + name + "'");
    }
  }

  /**
   * @param queueSize requests a destination's pool may hold waiting for a connection
   * @param addresses where connections may go, checked on the resolved address of each new one
   * @param secrets the values of the secret headers jobs refer to
   */
  public DeliveryClient create(ActorSystem<?> system, Clock clock, int queueSize, AddressPolicy addresses,
      Secrets secrets) {
    return create(system, clock, queueSize, addresses, secrets, NameResolver.SYSTEM);
  }

  /** @param names where endpoints' hosts are looked up */
  DeliveryClient create(ActorSystem<?> system, Clock clock, int queueSize, AddressPolicy addresses,
      Secrets secrets, NameResolver names) {
    return switch (kind) {
      case PEKKO -> new HttpDeliveryClient(system, clock, queueSize, addresses, secrets, names);
      case NETTY -> new NettyDeliveryClient(system, clock, queueSize, addresses, secrets, eventLoops, names);
    };
  }
}
