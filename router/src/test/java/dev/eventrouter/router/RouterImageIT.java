package dev.eventrouter.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eventrouter.loadtest.run.RouterProcess;
import dev.eventrouter.router.testing.HostCommand;
import dev.eventrouter.router.testing.SavedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image the image-local profile builds (no base image: a runtime made by jlink and the
 * libraries it loads), run as a container runtime would run it, on a machine with none: its layers
 * unpacked into a root file system, /proc and the JVM's devices there, then its entrypoint in a
 * chroot, as its user, with its environment and only the router's data folder and ports added. It
 * must answer ready on its embedded defaults, on its own runtime, and stop on SIGTERM.
 */
@ExtendWith(LogCapturingExtension.class)
class RouterImageIT {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Where the pod mounts the data volume, from the root. */
  private static final String DATA_DIR = "var/lib/eventrouter";

  @TempDir Path dir;

  @Test
  void runsOnItsOwnRuntimeAndStopsOnSigterm() throws Exception {
    Chroot chroot = Chroot.whereAllowed();
    SavedImage image =
        SavedImage.unpack(Path.of(System.getProperty("router.image.tar")), dir.resolve("image"));
    assertThat(image.exposedPorts())
        .containsExactlyInAnyOrder("8080/tcp", "8090/tcp", "7626/tcp", "25520/tcp");
    assertThat(image.user()).isEqualTo("65532:65532");
    provideWhatARuntimeProvides(image);

    int httpPort = RouterProcess.freePort();
    Map<String, String> environment = new HashMap<>(image.environment());
    environment.putAll(
        Map.of(
            "ROUTER_DATA_DIR", "/" + DATA_DIR,
            "ROUTER_HTTP_PORT", Integer.toString(httpPort),
            // the Segment API's port is not used here: any free one, never a taken 8090
            "ROUTER_SEGMENT_API_PORT", "0",
            "ROUTER_KAFKA_PORT", Integer.toString(RouterProcess.freePort()),
            "ROUTER_KAFKA_CONTROLLER_PORT", Integer.toString(RouterProcess.freePort()),
            "ROUTER_CLUSTER_PORT", Integer.toString(RouterProcess.freePort()),
            "ROUTER_S3_EMBEDDED_PORT", Integer.toString(RouterProcess.freePort())));
    Path log = dir.resolve("router.log");
    ProcessBuilder builder =
        new ProcessBuilder(chroot.command(image))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    builder.environment().clear();
    builder.environment().putAll(environment);

    Process router = builder.start();
    try {
      RouterProcess.await(
          "the image's router to answer ready",
          Duration.ofSeconds(90),
          () -> {
            if (!router.isAlive()) {
              throw new IllegalStateException(
                  "the image's router exited ("
                      + router.exitValue()
                      + ") before it was ready: "
                      + readQuietly(log));
            }
            return RouterProcess.status(httpPort, "/health/ready") == 200;
          });
      assertThat(router.info().command())
          .as("the JVM running")
          .hasValue(image.root().resolve("opt/java/openjdk/bin/java").toString());

      router.destroy();
      assertThat(router.waitFor(60, TimeUnit.SECONDS))
          .as("stopped within 60 s of SIGTERM")
          .isTrue();
      assertThat(router.exitValue()).isEqualTo(143);
    } finally {
      router.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }

    List<JsonNode> lines = new ArrayList<>();
    for (String line : Files.readAllLines(log)) {
      lines.add(JSON.readTree(line));
    }
    assertThat(lines)
        .noneSatisfy(line -> assertThat(line.get("level").asText()).isEqualTo("ERROR"));
    assertThat(lines)
        .extracting(line -> line.get("formattedMessage").asText())
        .anyMatch(message -> message.startsWith("router started"))
        .anyMatch(message -> message.equals("embedded Kafka broker stopped"));
  }

  /**
   * chroot, in a mount namespace of its own where the image's /proc is mounted: the mount goes when
   * the router does, even if this test dies first, and is never seen outside.
   */
  private record Chroot(Path unshare, Path chroot) {

    /** Skips the test, saying why, where the machine has no chroot or forbids it (not root). */
    static Chroot whereAllowed() throws IOException, InterruptedException {
      Path unshare = HostCommand.onPath("unshare").orElse(null);
      Path chroot = HostCommand.onPath("chroot").orElse(null);
      assumeTrue(
          unshare != null && chroot != null, "RouterImageIT SKIPPED: no unshare or chroot on PATH");
      HostCommand.Result probe =
          HostCommand.exec(List.of(unshare.toString(), "--mount", chroot.toString(), "/", "true"));
      assumeTrue(
          probe.exitCode() == 0,
          "RouterImageIT SKIPPED: chroot in a mount namespace is not allowed here (it needs root): "
              + probe.output());
      return new Chroot(unshare, chroot);
    }

    /**
     * The image's entrypoint in its root, as its user; unshare and chroot exec in turn, so the
     * process started is the router's JVM itself, and SIGTERM reaches it.
     */
    List<String> command(SavedImage image) {
      List<String> command =
          new ArrayList<>(
              List.of(
                  unshare.toString(),
                  "--mount-proc=" + image.root().resolve("proc"),
                  chroot.toString(),
                  "--userspec=" + image.user(),
                  image.root().toString()));
      command.addAll(image.command());
      return command;
    }
  }

  /**
   * The mount point of /proc (the loader finds the runtime's libraries through /proc/self/exe); the
   * devices the JVM reads (without /dev/urandom its first SecureRandom waits seconds for seed); the
   * data folder, writable by the image's user as the pod's volume is.
   */
  private static void provideWhatARuntimeProvides(SavedImage image)
      throws IOException, InterruptedException {
    Files.createDirectories(image.root().resolve("proc"));
    Path devices = Files.createDirectories(image.root().resolve("dev"));
    HostCommand.run(
        "cp", "-a", "/dev/null", "/dev/zero", "/dev/random", "/dev/urandom", devices.toString());
    Path data = Files.createDirectories(image.root().resolve(DATA_DIR));
    String[] uidAndGid = image.user().split(":");
    Files.setAttribute(data, "unix:uid", Integer.parseInt(uidAndGid[0]));
    Files.setAttribute(data, "unix:gid", Integer.parseInt(uidAndGid[1]));
  }

  private static String readQuietly(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      return "(unreadable: " + e.getMessage() + ")";
    }
  }
}
