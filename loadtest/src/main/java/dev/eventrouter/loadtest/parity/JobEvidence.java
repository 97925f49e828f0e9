package dev.eventrouter.loadtest.parity;

import com.fasterxml.jackson.databind.JsonNode;
import dev.eventrouter.loadtest.parity.JobSeen.ArchiveCopy;
import dev.eventrouter.loadtest.parity.JobSeen.Duplicate;
import dev.eventrouter.loadtest.parity.JobSeen.Ending;
import dev.eventrouter.loadtest.parity.JobSeen.Request;
import dev.eventrouter.loadtest.parity.JobSeen.Step;
import dev.eventrouter.loadtest.parity.ParityTap.Copy;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Makes a {@link JobSeen} of what was gathered about one job: the requests the black hole received,
 * the operator API's trace, the archive's records.
 */
final class JobEvidence {

  /** Trace fields that tell the wall clock, or which jobs happened to be archived together. */
  static final Set<String> EXCLUDED_STEP_FIELDS = Set.of("at", "retryAt", "location");

  /** Archive record fields that tell the wall clock; the trace and the payload are kept apart. */
  static final Set<String> EXCLUDED_ARCHIVE_FIELDS =
      Set.of("createdAt", "expireAt", "trace", "payload");

  private JobEvidence() {}

  /**
   * @param killedAtNanos when the router was killed ({@link System#nanoTime}), {@link
   *     Long#MAX_VALUE} if it was not
   * @param trace the operator API's answer ({@code {"jobId", "live", "steps"}}), null if it had
   *     none
   * @param archived the archive's records of this job (more than one if it was archived again)
   */
  static JobSeen of(
      String source,
      String destination,
      String messageId,
      List<Copy> copies,
      long killedAtNanos,
      JsonNode trace,
      List<JsonNode> archived) {
    Map<Integer, List<Copy>> byAttempt =
        copies.stream()
            .collect(Collectors.groupingBy(Copy::attempt, TreeMap::new, Collectors.toList()));
    List<Request> requests = new ArrayList<>();
    List<Duplicate> duplicates = new ArrayList<>();
    byAttempt.forEach(
        (attempt, same) -> {
          Copy first = same.get(0);
          requests.add(new Request(attempt, first.status(), first.bodySha256(), first.headers()));
          if (same.size() > 1) {
            boolean eachFromAnotherLife =
                same.stream().map(Copy::life).distinct().count() == same.size();
            boolean alike = same.stream().allMatch(first::sameContent);
            long firstAt = same.stream().mapToLong(Copy::receivedAtNanos).min().orElseThrow();
            duplicates.add(
                new Duplicate(
                    attempt,
                    same.size(),
                    eachFromAnotherLife,
                    alike,
                    eachFromAnotherLife ? (killedAtNanos - firstAt) / 1e9 : -1));
          }
        });
    List<Step> steps = trace == null ? null : steps(trace.get("steps"));
    List<ArchiveCopy> copiesInArchive =
        archived.stream().map(JobEvidence::archiveCopy).distinct().toList();
    ArchiveCopy archive = copiesInArchive.isEmpty() ? null : copiesInArchive.get(0);
    Ending ending =
        trace != null
            ? ending(steps, trace.path("live").asBoolean(false))
            : endingWithoutTrace(copies, archive);
    if (copiesInArchive.size() > 1) {
      // archived twice, differently: not a copy the kill explains, whatever it is
      duplicates.add(new Duplicate(0, copiesInArchive.size(), false, false, -1));
    }
    return new JobSeen(
        source,
        destination,
        messageId,
        jobId(copies, archived),
        requests,
        ending,
        steps,
        archive,
        duplicates);
  }

  /**
   * The job's id as its destination got it (Idempotency-Key) or the archive holds it; null if
   * neither has it.
   */
  static String jobId(List<Copy> copies, List<JsonNode> archived) {
    return copies.stream()
        .map(Copy::jobId)
        .filter(id -> id != null)
        .findFirst()
        .orElse(archived.isEmpty() ? null : archived.get(0).path("id").asText(null));
  }

  static List<Step> steps(JsonNode array) {
    List<Step> steps = new ArrayList<>();
    if (array != null) {
      array.forEach(step -> steps.add(new Step(fields(step, EXCLUDED_STEP_FIELDS))));
    }
    return steps;
  }

  static ArchiveCopy archiveCopy(JsonNode record) {
    SortedMap<String, String> fields = fields(record, EXCLUDED_ARCHIVE_FIELDS);
    if (record.hasNonNull("payload")) {
      fields.put(
          "payloadSha256",
          ParityTap.sha256(Base64.getDecoder().decode(record.get("payload").asText())));
    }
    return new ArchiveCopy(fields, steps(record.get("trace")));
  }

  /** An object's fields but the excluded, text as it is and the rest as JSON, by name. */
  private static SortedMap<String, String> fields(JsonNode object, Set<String> excluded) {
    SortedMap<String, String> fields = new TreeMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      if (!excluded.contains(field.getKey())) {
        JsonNode value = field.getValue();
        fields.put(field.getKey(), value.isTextual() ? value.asText() : value.toString());
      }
    }
    return fields;
  }

  /** The trace's word: succeeded, discarded or archived, else where the job still is. */
  static Ending ending(List<Step> steps, boolean live) {
    Ending ending = null;
    for (Step step : steps) {
      Map<String, String> fields = step.fields();
      switch (fields.getOrDefault("state", "")) {
        case "succeeded" -> ending = new JobSeen.Delivered(attempt(fields));
        case "discarded" ->
            ending =
                new JobSeen.Discarded(attempt(fields), fields.get("reason"), fields.get("origin"));
        case "archived" -> ending = new JobSeen.Archived(archivingReason(steps));
        default -> {}
      }
    }
    if (live || ending == null) {
      return new JobSeen.Unfinished(
          steps.isEmpty()
              ? "no steps"
              : steps.get(steps.size() - 1).fields().get("state") + (live ? " (live)" : ""));
    }
    return ending;
  }

  /** When the router has no trace (compacted): what the archive and the destination tell. */
  private static Ending endingWithoutTrace(List<Copy> copies, ArchiveCopy archive) {
    if (archive != null) {
      return new JobSeen.Archived(archivingReason(archive.trace()));
    }
    return copies.stream()
        .filter(c -> c.status() == 200 || c.status() == 400)
        .min(Comparator.comparingInt(Copy::attempt))
        .<Ending>map(
            c ->
                c.status() == 200
                    ? new JobSeen.Delivered(c.attempt())
                    : new JobSeen.Discarded(c.attempt(), null, null))
        .orElse(new JobSeen.Unfinished(copies.isEmpty() ? "never seen" : "no trace"));
  }

  /** The reason of the last archiving step (the archive's trace ends with it). */
  private static String archivingReason(List<Step> steps) {
    String reason = null;
    for (Step step : steps) {
      if ("archiving".equals(step.fields().get("state"))) {
        reason = step.fields().get("reason");
      }
    }
    return reason;
  }

  private static int attempt(Map<String, String> step) {
    String attempt = step.get("attempt");
    return attempt == null ? 0 : Integer.parseInt(attempt);
  }
}
