package dev.eventrouter.router.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventrouter.router.Main;
import dev.eventrouter.router.testing.TestRouter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The replay command's mistakes are one line each, with its exit code, and never the token. */
class ReplayCommandTest {

  @TempDir Path dir;

  @Test
  void aMissingTokenFileIsAUsageMistakeSaidInOneLine() {
    StringWriter err = new StringWriter();

    int exit = replay(err, "--token-file", dir.resolve("nowhere").toString());

    assertThat(exit).isEqualTo(2);
    assertThat(err.toString().strip())
        .startsWith("replay: cannot read the token file")
        .doesNotContain("\n")
        .doesNotContain("Exception:");
  }

  @Test
  void aTokenWithSpacesInsideIsRefusedWithoutBeingPrinted() throws Exception {
    Path file = Files.writeString(dir.resolve("token"), "operate token-0123456789\n");
    StringWriter err = new StringWriter();

    int exit = replay(err, "--token-file", file.toString());

    assertThat(exit).isEqualTo(2);
    assertThat(err.toString())
        .contains("spaces or control characters")
        .doesNotContain("0123456789");
  }

  @Test
  void aRouterThatCannotBeReachedIsSaidInOneLine() throws Exception {
    Path file = Files.writeString(dir.resolve("token"), "operate-token-0123456789\n");
    StringWriter err = new StringWriter();

    int exit =
        replay(
            err,
            "--token-file",
            file.toString(),
            "--url",
            "http://127.0.0.1:" + TestRouter.freePort());

    assertThat(exit).isEqualTo(1);
    assertThat(err.toString().strip())
        .startsWith("replay: cannot reach the router at")
        .doesNotContain("\n")
        .doesNotContain("operate-token");
  }

  private static int replay(StringWriter err, String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "replay",
                "--destination",
                "hook",
                "--from",
                "2026-12-01T00:00:00Z",
                "--to",
                "2026-12-01T01:00:00Z"));
    args.addAll(List.of(more));
    return new CommandLine(new Main())
        .setErr(new PrintWriter(err, true))
        .setOut(new PrintWriter(new StringWriter()))
        .execute(args.toArray(String[]::new));
  }
}
