package dev.eventrouter.router.segment;

import dev.eventrouter.queues.delivery.InvalidSecretException;
import dev.eventrouter.queues.delivery.Secrets;
import dev.eventrouter.router.registry.Registry;
import dev.eventrouter.router.registry.SettingsRegistry;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which source a write key belongs to. The registry names, per source, the secrets holding its
 * keys; their values are read through {@link Secrets} (as destinations' secret headers are) and
 * kept only as SHA-256 digests, re-read every {@code refresh} so that a rotated key is taken up. A
 * presented key is compared, as a digest, with every known key, without stopping at a match: how
 * long it takes tells nothing of which key, or how much of one, matched.
 */
final class WriteKeys {

  private static final Logger log = LoggerFactory.getLogger(WriteKeys.class);

  /** A write key: its source, the secret holding it (what logs and metrics may name). */
  record Key(String source, String secret) {}

  private record Known(Key key, byte[] digest) {}

  private record Loaded(Registry registry, Instant at, List<Known> keys) {}

  private final SettingsRegistry registry;
  private final Secrets secrets;
  private final Duration refresh;
  private final Clock clock;
  private volatile Loaded loaded;
  private volatile Set<Key> wasMissing = Set.of();
  private volatile Set<Set<Key>> wasShared = Set.of();

  WriteKeys(SettingsRegistry registry, Secrets secrets, Duration refresh, Clock clock) {
    this.registry = registry;
    this.secrets = secrets;
    this.refresh = refresh;
    this.clock = clock;
  }

  /** The key the presented one is, if any. */
  Optional<Key> find(String presented) {
    byte[] digest = sha256(presented);
    Key found = null;
    for (Known known : current()) {
      if (MessageDigest.isEqual(digest, known.digest()) && found == null) {
        found = known.key();
      }
    }
    return Optional.ofNullable(found);
  }

  private List<Known> current() {
    Registry now = registry.current();
    Loaded last = loaded;
    Instant at = clock.instant();
    if (last == null || last.registry() != now || !at.isBefore(last.at().plus(refresh))) {
      last = new Loaded(now, at, load(now));
      loaded = last;
    }
    return last.keys();
  }

  private List<Known> load(Registry now) {
    List<Known> keys = new ArrayList<>();
    Set<Key> missing = new HashSet<>();
    now.writeKeys()
        .forEach(
            (source, names) ->
                names.forEach(
                    name -> {
                      Key key = new Key(source, name);
                      try {
                        Optional<String> value = secrets.value(name);
                        if (value.isPresent() && !value.get().isEmpty()) {
                          keys.add(new Known(key, sha256(value.get())));
                        } else if (missing.add(key) && !wasMissing.contains(key)) {
                          log.warn(
                              "write key secret {} of source {} is not there: that key is refused",
                              name,
                              source);
                        }
                      } catch (InvalidSecretException e) {
                        if (missing.add(key) && !wasMissing.contains(key)) {
                          log.warn(
                              "write key secret {} of source {} cannot be read: that key is refused: {}",
                              name,
                              source,
                              e.getMessage());
                        }
                      }
                    }));
    // told once, not at every refresh
    wasMissing = Set.copyOf(missing);
    return withoutShared(keys);
  }

  /**
   * The keys without those whose value is also a key of another source: a request with it could be
   * either source's, and taken as one it would put the other's events in that source's queues. Both
   * are refused until one of the secrets changes.
   */
  private List<Known> withoutShared(List<Known> keys) {
    Map<String, List<Known>> byValue = new LinkedHashMap<>();
    keys.forEach(
        known ->
            byValue
                .computeIfAbsent(HexFormat.of().formatHex(known.digest()), d -> new ArrayList<>())
                .add(known));
    List<Known> kept = new ArrayList<>();
    Set<Set<Key>> shared = new HashSet<>();
    for (List<Known> same : byValue.values()) {
      if (same.stream().map(known -> known.key().source()).distinct().count() == 1) {
        kept.addAll(same);
      } else {
        Set<Key> holders = same.stream().map(Known::key).collect(Collectors.toSet());
        shared.add(holders);
        if (!wasShared.contains(holders)) {
          log.warn(
              "write key secrets {} hold the same value for different sources: that key is refused"
                  + " until one of them changes",
              holders.stream()
                  .map(key -> key.secret() + " (source " + key.source() + ")")
                  .sorted()
                  .toList());
        }
      }
    }
    wasShared = Set.copyOf(shared);
    return List.copyOf(kept);
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
