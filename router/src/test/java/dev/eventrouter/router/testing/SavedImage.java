package dev.eventrouter.router.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An image as Jib's buildTar (and {@code docker save}) writes it: manifest.json, the config, one
 * tar per layer. Unpacked as a container runtime lays it out: the layers, in order, into one root
 * file system, with their owners and modes (as root). Jib's layers hold no whiteout files, so none
 * are looked for.
 *
 * @param command the entrypoint, then the default arguments
 * @param environment what the config sets, and only that
 * @param user as the config has it ({@code uid:gid}), empty for root
 */
public record SavedImage(
    Path root,
    List<String> command,
    Map<String, String> environment,
    Set<String> exposedPorts,
    String user) {

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Unpacks the tarball into {@code into}: its files in {@code tarball/}, the root in {@code
   * root/}.
   */
  public static SavedImage unpack(Path tarball, Path into)
      throws IOException, InterruptedException {
    Path files = Files.createDirectories(into.resolve("tarball"));
    Path root = Files.createDirectories(into.resolve("root"));
    HostCommand.run("tar", "-xf", tarball.toString(), "-C", files.toString());
    JsonNode manifest = JSON.readTree(files.resolve("manifest.json").toFile()).get(0);
    for (JsonNode layer : manifest.get("Layers")) {
      // Jib writes a libarchive creation-time header that GNU tar warns about for every file
      HostCommand.run(
          "tar",
          "--warning=no-unknown-keyword",
          "-xf",
          files.resolve(layer.asText()).toString(),
          "-C",
          root.toString());
    }
    JsonNode config =
        JSON.readTree(files.resolve(manifest.get("Config").asText()).toFile()).get("config");

    List<String> command = new ArrayList<>();
    config.path("Entrypoint").forEach(argument -> command.add(argument.asText()));
    config.path("Cmd").forEach(argument -> command.add(argument.asText()));
    Map<String, String> environment = new HashMap<>();
    config
        .path("Env")
        .forEach(
            variable -> {
              String[] nameAndValue = variable.asText().split("=", 2);
              environment.put(nameAndValue[0], nameAndValue[1]);
            });
    Set<String> exposedPorts = new LinkedHashSet<>();
    config.path("ExposedPorts").fieldNames().forEachRemaining(exposedPorts::add);
    return new SavedImage(root, command, environment, exposedPorts, config.path("User").asText());
  }
}
