package dev.eventrouter.queues.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EnvironmentSecretsTest {

  @TempDir Path dir;

  @Test
  void aFileInTheFolderWinsOverTheEnvironmentAndLosesItsTrailingNewline() throws Exception {
    Files.writeString(dir.resolve("HOOK_TOKEN"), "from-file\n");
    Files.writeString(dir.resolve("CRLF_TOKEN"), "from-windows\r\n");
    Map<String, String> env =
        Map.of("SECRET_HOOK_TOKEN", "from-env", "SECRET_GA_KEY", "ga-from-env");
    EnvironmentSecrets secrets = new EnvironmentSecrets(Optional.of(dir), "SECRET_", env::get);

    assertThat(secrets.value("HOOK_TOKEN")).contains("from-file");
    assertThat(secrets.value("CRLF_TOKEN")).contains("from-windows");
    assertThat(secrets.value("GA_KEY")).contains("ga-from-env");
    assertThat(secrets.value("NOT_SET")).isEmpty();
    assertThat(secrets.value("../etc/passwd")).as("names only, no paths").isEmpty();
  }

  /**
   * An empty value is no secret (a file being rewritten, a Secret whose value has not come): the
   * job waits for it, instead of going out with an empty credential and being discarded.
   */
  @Test
  void anEmptyFileOrVariableIsAMissingSecret() throws Exception {
    Path dir = Files.createTempDirectory("secrets");
    Files.writeString(dir.resolve("BEING_WRITTEN"), "");
    Files.writeString(dir.resolve("ONLY_A_NEWLINE"), "\n");
    Map<String, String> env = Map.of("SECRET_UNSET_YET", "");
    EnvironmentSecrets secrets = new EnvironmentSecrets(Optional.of(dir), "SECRET_", env::get);

    assertThat(secrets.value("BEING_WRITTEN")).isEmpty();
    assertThat(secrets.value("ONLY_A_NEWLINE")).isEmpty();
    assertThat(secrets.value("UNSET_YET")).isEmpty();
  }

  @Test
  void theEnvironmentIsReadOnlyBehindThePrefixAndNotAtAllWithoutOne() {
    Map<String, String> env = Map.of("GA_KEY", "the-router-s-own", "SECRET_GA_KEY", "meant-for-it");

    assertThat(new EnvironmentSecrets(Optional.empty(), "SECRET_", env::get).value("GA_KEY"))
        .contains("meant-for-it");
    assertThat(new EnvironmentSecrets(Optional.empty(), "", env::get).value("GA_KEY")).isEmpty();
    assertThat(new EnvironmentSecrets(Optional.of(dir), "", env::get).value("GA_KEY"))
        .as("a folder without the file does not fall back to the raw variable")
        .isEmpty();
  }

  @Test
  void aPrefixThatReachesTheRoutersOwnVariablesIsRefusedAtStart() {
    for (String prefix : List.of("ROUTER_", "ROUTER_ADMIN_", "R", "AWS_", "A", "JAVA_TOOL_")) {
      assertThatThrownBy(() -> EnvironmentSecrets.fromConfig(prefixed(prefix), name -> null))
          .as(prefix)
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("router's own variables");
    }
    for (String prefix : List.of("", "EVENTROUTER_SECRET_", "HOOKS_")) {
      Map<String, String> env = Map.of(prefix + "GA_KEY", "meant-for-it");
      assertThat(EnvironmentSecrets.fromConfig(prefixed(prefix), env::get).value("GA_KEY"))
          .as(prefix)
          .isEqualTo(prefix.isEmpty() ? Optional.empty() : Optional.of("meant-for-it"));
    }
  }

  private static Config prefixed(String prefix) {
    return ConfigFactory.parseMap(
        Map.of("eventrouter.secrets.dir", "", "eventrouter.secrets.env-prefix", prefix));
  }

  @Test
  void referencesRoundTripAndNamesAreChecked() {
    assertThat(Secrets.referenced(Secrets.reference("GA_KEY"))).contains("GA_KEY");
    assertThat(Secrets.referenced("Bearer abc")).isEmpty();
    assertThatThrownBy(() -> Secrets.reference("a/b")).hasMessageContaining("secret name");
  }
}
