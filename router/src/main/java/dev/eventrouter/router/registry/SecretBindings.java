package dev.eventrouter.router.registry;

import dev.eventrouter.persistence.serialization.CborSerializable;
import dev.eventrouter.queues.adapter.ApiAdapter;
import dev.eventrouter.queues.delivery.Secrets;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Where each secret may be sent: the origins ({@code scheme://host:port}) of the endpoints a
 * registry sends it to. A registry replaced through the admin API may send a secret to an origin it
 * is not bound to only with the operator's explicit acknowledgement; otherwise whoever holds an
 * operate token could point a credential at a server of their own. A secret first named binds where
 * it is first sent; the registry file at start binds what it names.
 *
 * @param origins per secret name, the origins it is bound to
 */
public record SecretBindings(Map<String, Set<String>> origins) implements CborSerializable {

  public static final SecretBindings NONE = new SecretBindings(Map.of());

  /**
   * Where a write key is bound: no endpoint's origin (not {@code scheme://host:port}), so that
   * sending one anywhere, even by the registry that names it, is a move to acknowledge. Versions
   * that do not know it take it as an origin nothing is sent to: the same.
   */
  static final String WRITE_KEY = "write-key:";

  public SecretBindings {
    Map<String, Set<String>> copy = new HashMap<>();
    if (origins != null) {
      origins.forEach((secret, set) -> copy.put(secret, Set.copyOf(set)));
    }
    origins = Map.copyOf(copy);
  }

  /** A secret a registry sends to an origin it is not bound to. */
  public record Move(String secret, Set<String> boundTo, String to) implements CborSerializable {
    @Override
    public String toString() {
      return "secret "
          + secret
          + (boundTo.equals(Set.of(WRITE_KEY))
              ? " is a write key, sent to no server"
              : " is bound to " + new TreeSet<>(boundTo))
          + ", not to "
          + to;
    }
  }

  /**
   * Where the registry sends each secret its destinations name, by default or by a source's
   * endpoint: a header's, a third-party API's credential, and a signing key's, whose signatures
   * would let whoever receives them pass for the router at the receivers of that key. Its sources'
   * write keys are bound to no origin.
   */
  public static SecretBindings of(Registry registry) {
    Map<String, Set<String>> origins = new HashMap<>();
    for (Destination destination : registry.destinations().values()) {
      List<URI> endpoints = new ArrayList<>();
      endpoints.add(destination.endpoint());
      registry
          .routes()
          .values()
          .forEach(
              routes ->
                  routes.stream()
                      .filter(route -> route.destination().id().equals(destination.id()))
                      .forEach(route -> endpoints.add(route.endpoint())));
      List<String> secrets = new ArrayList<>(destination.delivery().signing().secrets());
      if (destination.delivery().adapter() instanceof ApiAdapter api) {
        secrets.addAll(api.secrets());
      }
      destination
          .headers()
          .values()
          .forEach(value -> Secrets.referenced(value).ifPresent(secrets::add));
      for (String secret : secrets) {
        endpoints.forEach(
            endpoint ->
                origins.computeIfAbsent(secret, s -> new HashSet<>()).add(origin(endpoint)));
      }
    }
    // a write key is presented to the router, never sent: a registry that would send one to a
    // server (in a header) needs the operator's acknowledgement
    registry
        .writeKeys()
        .values()
        .forEach(
            names ->
                names.forEach(
                    name -> origins.computeIfAbsent(name, s -> new HashSet<>()).add(WRITE_KEY)));
    return new SecretBindings(origins);
  }

  /**
   * What {@code next} sends where this does not bind it; a secret not bound yet moves nowhere,
   * unless {@code next} names it a write key.
   */
  public List<Move> movesTo(SecretBindings next) {
    List<Move> moves = new ArrayList<>();
    next.origins.forEach(
        (secret, to) -> {
          Set<String> bound =
              origins.getOrDefault(secret, to.contains(WRITE_KEY) ? Set.of(WRITE_KEY) : null);
          if (bound != null) {
            to.stream()
                .filter(origin -> !bound.contains(origin) && !origin.equals(WRITE_KEY))
                .sorted()
                .forEach(origin -> moves.add(new Move(secret, bound, origin)));
          }
        });
    moves.sort((a, b) -> a.secret().compareTo(b.secret()));
    return moves;
  }

  /** These bindings and those of {@code more}: a binding is never dropped by a registry change. */
  public SecretBindings plus(SecretBindings more) {
    Map<String, Set<String>> union = new HashMap<>();
    origins.forEach((secret, set) -> union.put(secret, new HashSet<>(set)));
    more.origins.forEach(
        (secret, set) -> union.computeIfAbsent(secret, s -> new HashSet<>()).addAll(set));
    return new SecretBindings(union);
  }

  static String origin(URI endpoint) {
    String scheme = endpoint.getScheme().toLowerCase(Locale.ROOT);
    int port = endpoint.getPort() >= 0 ? endpoint.getPort() : (scheme.equals("https") ? 443 : 80);
    return scheme + "://" + endpoint.getHost().toLowerCase(Locale.ROOT) + ":" + port;
  }
}
