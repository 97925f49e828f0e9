package dev.eventrouter.persistence.serialization;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.pekko.serialization.SerializerWithStringManifest;

/**
 * Bytes written by earlier versions, checked in, one sample a line ({@code label manifest hex}):
 * the journal must read them forever. Lines are only ever added: a new type or field gets a new
 * label, written by running the test with {@code -Dgolden.write=true}; an old label keeps its
 * bytes.
 */
final class GoldenFile {

  private GoldenFile() {}

  /** Every line reads back as the sample of its label, and every sample has a line. */
  static void check(Path file, SerializerWithStringManifest serializer, Map<String, ?> samples)
      throws IOException {
    if (Boolean.getBoolean("golden.write")) {
      appendMissing(file, serializer, samples);
    }
    List<String> lines = Files.readAllLines(file);
    assertThat(lines).extracting(line -> line.split(" ")[0])
        .containsExactlyElementsOf(samples.keySet());
    for (String line : lines) {
      String[] labelManifestHex = line.split(" ", 3);
      Object read = serializer.fromBinary(
          HexFormat.of().parseHex(labelManifestHex[2]), labelManifestHex[1]);
      assertThat(read).as(labelManifestHex[0]).isEqualTo(samples.get(labelManifestHex[0]));
    }
  }

  private static void appendMissing(Path file, SerializerWithStringManifest serializer,
      Map<String, ?> samples) throws IOException {
    List<String> present = Files.exists(file)
        ? Files.readAllLines(file).stream().map(l -> l.split(" ")[0]).toList()
        : List.of();
    StringBuilder out = new StringBuilder();
    samples.forEach((label, sample) -> {
      if (!present.contains(label)) {
        out.append(label).append(' ').append(serializer.manifest(sample)).append(' ')
            .append(HexFormat.of().formatHex(serializer.toBinary(sample))).append('\n');
      }
    });
    Files.writeString(file, out, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }
}
