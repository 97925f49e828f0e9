package dev.eventrouter.queues.delivery;

import java.time.Clock;
import java.util.EnumMap;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * The delivery clients as the delivery tests make them: each test class runs against every {@link
 * DeliveryClientSettings.Kind} (one contract), on one event loop.
 */
final class Clients {

  private Clients() {}

  static DeliveryClient create(
      DeliveryClientSettings.Kind kind,
      ActorSystem<?> system,
      AddressPolicy addresses,
      Secrets secrets) {
    return create(kind, system, addresses, secrets, NameResolver.SYSTEM);
  }

  static DeliveryClient create(
      DeliveryClientSettings.Kind kind,
      ActorSystem<?> system,
      AddressPolicy addresses,
      Secrets secrets,
      NameResolver names) {
    return new DeliveryClientSettings(kind, 1, DeliveryClientSettings.defaultUserAgent())
        .create(system, Clock.systemUTC(), 64, addresses, secrets, names);
  }

  /** One client of each kind, made when first asked for: a test class's shared clients. */
  static final class PerKind {
    private final Map<DeliveryClientSettings.Kind, DeliveryClient> clients =
        new EnumMap<>(DeliveryClientSettings.Kind.class);
    private final ActorSystem<?> system;
    private final AddressPolicy addresses;
    private final NameResolver names;

    PerKind(ActorSystem<?> system, AddressPolicy addresses) {
      this(system, addresses, NameResolver.SYSTEM);
    }

    PerKind(ActorSystem<?> system, AddressPolicy addresses, NameResolver names) {
      this.system = system;
      this.addresses = addresses;
      this.names = names;
    }

    synchronized DeliveryClient get(DeliveryClientSettings.Kind kind) {
      return clients.computeIfAbsent(kind, k -> create(k, system, addresses, Secrets.NONE, names));
    }
  }
}
