package dev.eventrouter.queues.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EnvironmentSecretsTest {

  @TempDir Path dir;

  @Test
  void aFileInTheFolderWinsOverTheEnvironmentAndLosesItsTrailingNewline() throws Exception {
    Files.writeString(dir.resolve("HOOK_TOKEN"), "from-file\n");
    Map<String, String> env = Map.of("HOOK_TOKEN", "from-env", "GA_KEY", "ga-from-env");
    EnvironmentSecrets secrets = new EnvironmentSecrets(Optional.of(dir), env::get);

    assertThat(secrets.value("HOOK_TOKEN")).contains("from-file");
    assertThat(secrets.value("GA_KEY")).contains("ga-from-env");
    assertThat(secrets.value("NOT_SET")).isEmpty();
    assertThat(secrets.value("../etc/passwd")).as("names only, no paths").isEmpty();
  }

  @Test
  void referencesRoundTripAndNamesAreChecked() {
    assertThat(Secrets.referenced(Secrets.reference("GA_KEY"))).contains("GA_KEY");
    assertThat(Secrets.referenced("Bearer abc")).isEmpty();
    assertThatThrownBy(() -> Secrets.reference("a/b")).hasMessageContaining("secret name");
  }
}
