package dev.eventrouter.router.archive;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What was replayed from one archive object: {@code {"replayedAt": ..., "jobs": [ids]}}, kept
 * beside the archive under {@code <prefix>-replays/}.
 */
final class ReplayMarker {

  private static final ObjectMapper JSON = new ObjectMapper();

  private ReplayMarker() {}

  /** The ids of the jobs replayed from the object; empty when none was. */
  static Set<String> read(ArchiveStore store, String marker) {
    Set<String> ids = new HashSet<>();
    store.getIfPresent(marker).ifPresent(bytes -> {
      try {
        JsonNode jobs = JSON.readTree(bytes).path("jobs");
        jobs.forEach(id -> ids.add(id.asText()));
      } catch (IOException e) {
        throw new UncheckedIOException("unreadable replay marker " + marker, e);
      }
    });
    return ids;
  }

  static void write(ArchiveStore store, String marker, Set<String> ids, Instant at) {
    try {
      store.put(marker, JSON.writeValueAsBytes(Map.of("replayedAt", at.toString(), "jobs", new TreeSet<>(ids))),
          "application/json");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
