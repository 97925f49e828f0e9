package dev.eventrouter.router.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** A short command of this machine's, run to its end, its output kept for the failure message. */
public final class HostCommand {

  /** How it ended: the exit code, and standard output and error together. */
  public record Result(int exitCode, String output) {}

  private HostCommand() {}

  public static Result exec(List<String> command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    return new Result(process.waitFor(), output);
  }

  /** Runs it, and fails with its output unless it exits 0. */
  public static void run(String... command) throws IOException, InterruptedException {
    Result result = exec(List.of(command));
    if (result.exitCode() != 0) {
      throw new IllegalStateException(
          String.join(" ", command) + " exited " + result.exitCode() + ":\n" + result.output());
    }
  }

  /** The program's absolute path on this machine's PATH, if there. */
  public static Optional<Path> onPath(String program) {
    return Optional.ofNullable(System.getenv("PATH")).stream()
        .flatMap(path -> List.of(path.split(":")).stream())
        .map(folder -> Path.of(folder, program))
        .filter(Files::isExecutable)
        .findFirst();
  }
}
