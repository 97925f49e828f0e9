package dev.eventrouter.persistence.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The stored formats as a released version wrote them, checked in under {@code
 * src/test/resources/golden/<version>/} of the module that owns each format and read by every later
 * version: a change of format that cannot read them fails its module's golden test.
 *
 * <p>A file is named after what it holds, with the format's extension: its stable name (the
 * manifest it is stored with) where it has one, e.g. {@code v1/job.archived.cbor}, else what it is,
 * e.g. {@code v1/archive.object.ndjson.gz}. A second sample of the same kind, or the shape an
 * earlier version wrote, adds {@code --<what>} to the name, e.g. {@code
 * v1/job.discarded--before-origin.cbor}.
 *
 * <p>Files are only ever added, never rewritten: bytes already checked in are what a version wrote.
 * Each golden test ({@code *GoldenTest}) writes the files of the current version that are missing
 * when run with {@code -Dgolden.write=true}; for every module at once: {@code mvn -B -o -P
 * '!image-local' -pl router -am test -Dtest='*GoldenTest' -Dsurefire.failIfNoSpecifiedTests=false
 * -Dgolden.write=true}. To write a file again, delete it first, and only while it is not committed.
 * A format that changes gets a new version folder ({@code v2}) for what it writes from then on; the
 * older folders stay, and are still read.
 *
 * <p>Paths are relative to the module's folder, the working directory of its tests.
 */
public final class GoldenFiles {

  /** Set to {@code true} to write the missing files of the current version. */
  public static final String WRITE = "golden.write";

  private final Path folder;

  private GoldenFiles(Path folder) {
    this.folder = folder;
  }

  public static GoldenFiles version(String version) {
    return new GoldenFiles(Path.of("src", "test", "resources", "golden", version));
  }

  public byte[] read(String file) {
    try {
      return Files.readAllBytes(folder.resolve(file));
    } catch (IOException e) {
      throw new UncheckedIOException("golden file missing: " + folder.resolve(file), e);
    }
  }

  /** The names of the files in the version's folder. */
  public Set<String> files() {
    if (!Files.isDirectory(folder)) {
      return Set.of();
    }
    try (Stream<Path> files = Files.list(folder)) {
      Set<String> names = new TreeSet<>();
      files.forEach(file -> names.add(file.getFileName().toString()));
      return names;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes the file unless it exists: a golden file keeps the bytes it was first written with. */
  public void writeIfMissing(String file, byte[] bytes) {
    Path path = folder.resolve(file);
    if (Files.exists(path)) {
      return;
    }
    try {
      Files.createDirectories(folder);
      Files.write(path, bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
