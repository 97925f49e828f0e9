package dev.eventrouter.loadtest.parity;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Everything one router build showed of the parity input: each job as a user saw it, and how the
 * run went. Written as {@code seen.json} in the build's folder, so that two runs can be compared
 * again later ({@code loadtest parity diff}).
 *
 * @param jobs every job the input made (each event times its source's destinations), in input order
 */
public record BuildSeen(String label, String jar, RunFacts facts, List<JobSeen> jobs) {

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  public BuildSeen {
    jobs = List.copyOf(jobs);
  }

  /**
   * @param events the input's events, all acknowledged by Kafka
   * @param deliveriesAtKill 200s the destinations had answered when the router was killed; -1 for a
   *     run without a kill
   * @param secondsKilledToReady from the kill to the restarted router's readiness
   * @param drained every job ended and the router held none before the drain timeout
   * @param seconds the whole run, from the router's start to its stop
   */
  public record RunFacts(
      long events,
      long deliveriesAtKill,
      double secondsKilledToReady,
      boolean drained,
      double seconds) {}

  public void write(Path file) throws IOException {
    JSON.writeValue(file.toFile(), this);
  }

  public static BuildSeen read(Path file) throws IOException {
    return JSON.readValue(file.toFile(), BuildSeen.class);
  }
}
