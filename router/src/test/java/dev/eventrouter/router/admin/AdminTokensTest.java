package dev.eventrouter.router.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Tokens as operators give them: from files that end with a newline, or copied from examples. */
class AdminTokensTest {

  private static final String TOKEN = "0123456789abcdef0123456789abcdef";

  @Test
  void aTokenFromAFileEndingWithANewlineIsTheTokenWithout() {
    AdminTokens tokens = tokens(Map.of("eventrouter.admin.operate-token", TOKEN + "\n"));

    assertThat(tokens.caller(TOKEN))
        .hasValueSatisfying(c -> assertThat(c.name()).isEqualTo("admin"));
  }

  /**
   * The examples' placeholder (published, and applied by the production overlay of earlier
   * versions) is anyone's token: not taken. A cluster still holding it goes on starting, with the
   * operator API off for it, rather than stop rolling out.
   */
  @Test
  void theExamplesPlaceholderIsNotTakenAndATokenNoHeaderCouldCarryStopsTheStart() {
    AdminTokens placeholder =
        tokens(Map.of("eventrouter.admin.operate-token", "REPLACE_ME_WITH_A_LONG_RANDOM_TOKEN"));
    assertThat(placeholder.isEmpty()).isTrue();
    assertThat(placeholder.caller("REPLACE_ME_WITH_A_LONG_RANDOM_TOKEN")).isEmpty();
    assertThatThrownBy(
            () -> tokens(Map.of("eventrouter.admin.read-token", "0123456789 abcdef0123456789")))
        .hasMessageContaining("token reader has spaces or control characters");
  }

  private static AdminTokens tokens(Map<String, Object> settings) {
    return AdminTokens.fromConfig(
        ConfigFactory.parseMap(settings).withFallback(ConfigFactory.load()).resolve());
  }
}
