package dev.eventrouter.k8s;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Renders a kustomization as `kubectl kustomize` does: what `kubectl apply -k` would send. */
final class Kustomize {

  /** The k8s module's folder (Surefire runs in it; basedir says so when run from elsewhere). */
  static final Path MODULE = Path.of(System.getProperty("basedir", "")).toAbsolutePath();

  private Kustomize() {}

  static String render(String dirInModule) {
    Path dir = MODULE.resolve(dirInModule);
    try {
      Process process =
          new ProcessBuilder(kubectl().toString(), "kustomize", dir.toString()).start();
      CompletableFuture<String> errors =
          CompletableFuture.supplyAsync(() -> text(process.getErrorStream()));
      String out = text(process.getInputStream());
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("kubectl kustomize " + dir + " took over 60 s");
      }
      if (process.exitValue() != 0) {
        throw new AssertionError("kubectl kustomize " + dir + " failed: " + errors.join());
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  /**
   * KUBECTL, else kubectl on the PATH. Missing, the tests fail rather than pass unchecked: the
   * overlays' patches, generators and name suffixes exist only once rendered.
   */
  private static Path kubectl() {
    Optional<Path> configured = Optional.ofNullable(System.getenv("KUBECTL")).map(Path::of);
    if (configured.isPresent() && !Files.isExecutable(configured.get())) {
      throw new AssertionError("KUBECTL=" + configured.get() + " is not an executable file");
    }
    return configured
        .or(
            () ->
                Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                    .map(folder -> Path.of(folder, "kubectl"))
                    .filter(Files::isExecutable)
                    .findFirst())
        .orElseThrow(
            () ->
                new AssertionError(
                    "kubectl not found on the PATH (or set KUBECTL=/path/to/kubectl):"
                        + " the manifests are checked as `kubectl kustomize` renders them. On Debian: apt-get install kubectl"));
  }

  private static String text(InputStream in) {
    try (in) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
