package dev.eventrouter.router;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventrouter.router.testing.TestRouter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RouterSettingsTest {

  @TempDir Path dataDir;

  /** The configuration library reads such a file; the text kept to show it must not stop it. */
  @Test
  void aRegistryFileThatIsNotUtf8IsReadAndItsTextKept() throws Exception {
    Path file = dataDir.resolve("registry.conf");
    byte[] latin1Comment = "# r\u00e9sum\u00e9\n".getBytes(StandardCharsets.ISO_8859_1);
    byte[] registry =
        """
        destinations { hook { endpoint = "http://127.0.0.1:9/in" } }
        sources { shop { destinations = [hook] } }
        """
            .getBytes(StandardCharsets.UTF_8);
    byte[] bytes = new byte[latin1Comment.length + registry.length];
    System.arraycopy(latin1Comment, 0, bytes, 0, latin1Comment.length);
    System.arraycopy(registry, 0, bytes, latin1Comment.length, registry.length);
    Files.write(file, bytes);

    RouterSettings settings = RouterSettings.fromConfig(TestRouter.config(dataDir, file, Map.of()));

    assertThat(settings.fileRegistry().routesOf("shop")).hasSize(1);
    assertThat(settings.fileRegistryText()).contains("sources { shop { destinations = [hook] } }");
  }
}
