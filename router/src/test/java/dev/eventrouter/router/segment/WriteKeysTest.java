package dev.eventrouter.router.segment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventrouter.queues.delivery.InvalidSecretException;
import dev.eventrouter.router.registry.PairOverrides;
import dev.eventrouter.router.registry.Registry;
import dev.eventrouter.router.registry.SettingsRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * Write keys come from their secrets, are taken up again after a rotation, and name their source.
 */
class WriteKeysTest {

  private final Map<String, String> secrets =
      new ConcurrentHashMap<>(
          Map.of("SHOP_KEY", "wk-shop", "SHOP_KEY_NEXT", "wk-shop-next", "APP_KEY", "wk-app"));
  private final SettingsRegistry registry =
      new SettingsRegistry(
          new Registry(
              Map.of(),
              Map.of("shop", List.of(), "app", List.of(), "broken", List.of()),
              Map.of(
                  "shop",
                  List.of("SHOP_KEY", "SHOP_KEY_NEXT"),
                  "app",
                  List.of("APP_KEY"),
                  "broken",
                  List.of("UNREADABLE", "MISSING"))),
          PairOverrides.NONE);
  private Instant now = Instant.parse("2026-01-01T00:00:00Z");

  private WriteKeys keys() {
    Clock clock =
        new Clock() {
          @Override
          public ZoneOffset getZone() {
            return ZoneOffset.UTC;
          }

          @Override
          public Clock withZone(java.time.ZoneId zone) {
            return this;
          }

          @Override
          public Instant instant() {
            return now;
          }
        };
    return new WriteKeys(
        registry,
        name -> {
          if (name.equals("UNREADABLE")) {
            throw new InvalidSecretException(name, "its file cannot be read");
          }
          return Optional.ofNullable(secrets.get(name));
        },
        Duration.ofSeconds(10),
        clock);
  }

  @Test
  void findsTheSourceOfEachKeyAndNoneForOthers() {
    WriteKeys keys = keys();
    assertThat(keys.find("wk-shop")).hasValue(new WriteKeys.Key("shop", "SHOP_KEY"));
    assertThat(keys.find("wk-shop-next")).hasValue(new WriteKeys.Key("shop", "SHOP_KEY_NEXT"));
    assertThat(keys.find("wk-app")).hasValue(new WriteKeys.Key("app", "APP_KEY"));
    assertThat(keys.find("wk-sho")).isEmpty();
    assertThat(keys.find("wk-shop ")).isEmpty();
    assertThat(keys.find("")).isEmpty();
  }

  @Test
  void aValueThatIsAKeyOfTwoSourcesIsNeitherUntilOneChanges() {
    WriteKeys keys = keys();
    secrets.put("APP_KEY", "wk-shop-next");
    now = now.plusSeconds(10);
    assertThat(keys.find("wk-shop-next")).isEmpty();
    assertThat(keys.find("wk-shop")).hasValue(new WriteKeys.Key("shop", "SHOP_KEY"));

    secrets.put("APP_KEY", "wk-app-2");
    now = now.plusSeconds(10);
    assertThat(keys.find("wk-shop-next")).hasValue(new WriteKeys.Key("shop", "SHOP_KEY_NEXT"));
    assertThat(keys.find("wk-app-2")).hasValue(new WriteKeys.Key("app", "APP_KEY"));
  }

  @Test
  void twoKeysOfOneSourceWithOneValueStillNameIt() {
    WriteKeys keys = keys();
    secrets.put("SHOP_KEY_NEXT", "wk-shop");
    now = now.plusSeconds(10);
    assertThat(keys.find("wk-shop")).get().extracting(WriteKeys.Key::source).isEqualTo("shop");
  }

  @Test
  void aRotatedKeyIsTakenUpAfterTheRefresh() {
    WriteKeys keys = keys();
    assertThat(keys.find("wk-app")).isPresent();
    secrets.put("APP_KEY", "wk-app-2");
    assertThat(keys.find("wk-app-2")).isEmpty();
    now = now.plusSeconds(10);
    assertThat(keys.find("wk-app-2")).isPresent();
    assertThat(keys.find("wk-app")).isEmpty();
  }

  @Test
  void aReplacedRegistryIsTakenUpAtOnce() {
    WriteKeys keys = keys();
    assertThat(keys.find("wk-app")).isPresent();
    registry.replace(
        new Registry(Map.of(), Map.of("shop", List.of()), Map.of("shop", List.of("SHOP_KEY"))));
    assertThat(keys.find("wk-app")).isEmpty();
    assertThat(keys.find("wk-shop")).isPresent();
  }
}
