package dev.eventrouter.loadtest.parity;

import dev.eventrouter.loadtest.parity.JobSeen.Request;
import dev.eventrouter.loadtest.parity.JobSeen.Step;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Compares two builds job by job. Any difference in what a user sees counts; the only thing allowed
 * is an attempt received once more after the restart, as the kill's at-least-once allows.
 */
public final class ParityDiff {

  /** What differs about a job; a job can differ in several ways. */
  public enum Category {
    JOB_MISSING("a job only one build has: the inputs differ"),
    JOB_ID("the job id (Idempotency-Key) differs"),
    ATTEMPTS("the attempts the destination received differ (their numbers, so their answers)"),
    BODY("an attempt's body differs"),
    HEADERS("an attempt's headers differ"),
    ENDING(
        "the job ended otherwise (delivered at which attempt, discarded and why, archived and why, unfinished)"),
    TRACE("the operator API's trace differs"),
    TRACE_MISSING("one build's operator API has a trace of the job, the other's none"),
    ARCHIVE("the archive's record differs, or only one build archived the job"),
    NO_ANSWER(
        "an attempt that one build's router failed without reading an answer (its client: timeout,"
            + " connection), the other's not; the rest of that job follows from it. Seen when a router stalled"
            + " on a starved machine: run again before blaming the build"),
    DUPLICATE(
        "an attempt received again that the kill does not explain (two from one life of the router, unlike,"
            + " or first received over "
            + (int) JobSeen.Duplicate.IN_FLIGHT_SECONDS
            + " s before the kill)");

    public final String meaning;

    Category(String meaning) {
      this.meaning = meaning;
    }
  }

  /**
   * @param a what build A showed, b what build B showed, each in a line
   */
  public record Difference(Category category, String job, String a, String b) {}

  /**
   * @param counts differences per category (every category, zeros included)
   * @param jobsDiffering jobs with at least one difference
   * @param first the first differences, in input order
   */
  public record Report(
      long jobs, Map<Category, Long> counts, long jobsDiffering, List<Difference> first) {

    public boolean same() {
      return jobsDiffering == 0;
    }

    public long differences() {
      return counts.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  private ParityDiff() {}

  /**
   * @param keep how many differences to keep for the report
   */
  public static Report compare(BuildSeen a, BuildSeen b, int keep) {
    Map<String, JobSeen> inB =
        b.jobs().stream()
            .collect(
                Collectors.toMap(
                    JobSeen::key, Function.identity(), (x, y) -> x, LinkedHashMap::new));
    Map<Category, Long> counts = new EnumMap<>(Category.class);
    for (Category c : Category.values()) {
      counts.put(c, 0L);
    }
    List<Difference> first = new ArrayList<>();
    long jobsDiffering = 0;
    for (JobSeen jobA : a.jobs()) {
      JobSeen jobB = inB.remove(jobA.key());
      List<Difference> found =
          jobB == null
              ? List.of(new Difference(Category.JOB_MISSING, jobA.key(), "present", "absent"))
              : differences(jobA, jobB);
      jobsDiffering += found.isEmpty() ? 0 : 1;
      keep(found, counts, first, keep);
    }
    for (JobSeen jobB : inB.values()) {
      jobsDiffering++;
      keep(
          List.of(new Difference(Category.JOB_MISSING, jobB.key(), "absent", "present")),
          counts,
          first,
          keep);
    }
    return new Report(
        Math.max(a.jobs().size(), b.jobs().size()), counts, jobsDiffering, List.copyOf(first));
  }

  private static void keep(
      List<Difference> found, Map<Category, Long> counts, List<Difference> first, int keep) {
    for (Difference d : found) {
      counts.merge(d.category(), 1L, Long::sum);
      if (first.size() < keep) {
        first.add(d);
      }
    }
  }

  /** Every way two sightings of one job differ. */
  static List<Difference> differences(JobSeen a, JobSeen b) {
    List<Difference> found = new ArrayList<>();
    String job = a.key();
    String unansweredA = unanswered(a);
    String unansweredB = unanswered(b);
    if (!unansweredA.equals(unansweredB)) {
      // its later attempts, answers and ending all follow from that one: reported as one
      found.add(new Difference(Category.NO_ANSWER, job, unansweredA, unansweredB));
      return found;
    }
    if (!Objects.equals(a.jobId(), b.jobId())) {
      found.add(new Difference(Category.JOB_ID, job, a.jobId(), b.jobId()));
    }
    if (!attempts(a.requests()).equals(attempts(b.requests()))) {
      found.add(
          new Difference(Category.ATTEMPTS, job, attempts(a.requests()), attempts(b.requests())));
    }
    Map<Integer, Request> byAttemptB =
        b.requests().stream().collect(Collectors.toMap(Request::attempt, Function.identity()));
    for (Request ra : a.requests()) {
      Request rb = byAttemptB.get(ra.attempt());
      if (rb == null) {
        continue;
      }
      if (!ra.bodySha256().equals(rb.bodySha256())) {
        found.add(
            new Difference(
                Category.BODY,
                job + " attempt " + ra.attempt(),
                "sha256 " + ra.bodySha256(),
                "sha256 " + rb.bodySha256()));
      }
      if (!ra.headers().equals(rb.headers())) {
        found.add(
            new Difference(
                Category.HEADERS,
                job + " attempt " + ra.attempt(),
                unlike(ra.headers(), rb.headers()),
                unlike(rb.headers(), ra.headers())));
      }
    }
    if (!a.ending().equals(b.ending())) {
      found.add(new Difference(Category.ENDING, job, a.ending().toString(), b.ending().toString()));
    }
    if ((a.trace() == null) != (b.trace() == null)) {
      found.add(
          new Difference(
              Category.TRACE_MISSING,
              job,
              a.trace() == null ? "none" : "present",
              b.trace() == null ? "none" : "present"));
    } else if (a.trace() != null && !a.trace().equals(b.trace())) {
      found.add(traceDifference(Category.TRACE, job, a.trace(), b.trace()));
    }
    if (!Objects.equals(a.archived(), b.archived())) {
      if (a.archived() == null || b.archived() == null) {
        found.add(
            new Difference(
                Category.ARCHIVE,
                job,
                a.archived() == null ? "not archived" : "archived",
                b.archived() == null ? "not archived" : "archived"));
      } else if (!a.archived().fields().equals(b.archived().fields())) {
        found.add(
            new Difference(
                Category.ARCHIVE,
                job,
                unlike(a.archived().fields(), b.archived().fields()),
                unlike(b.archived().fields(), a.archived().fields())));
      } else {
        found.add(
            traceDifference(
                Category.ARCHIVE, job + " trace", a.archived().trace(), b.archived().trace()));
      }
    }
    String duplicatesA = unexplained(a);
    String duplicatesB = unexplained(b);
    if (!duplicatesA.isEmpty() || !duplicatesB.isEmpty()) {
      found.add(new Difference(Category.DUPLICATE, job, duplicatesA, duplicatesB));
    }
    return found;
  }

  /**
   * "attempt 1: timeout": the attempts the trace says failed without an answer the router read (an
   * error, no status), and what the destination had answered, if it got the request.
   */
  static String unanswered(JobSeen job) {
    if (job.trace() == null) {
      return "";
    }
    Map<String, Integer> answered =
        job.requests().stream()
            .collect(Collectors.toMap(r -> Integer.toString(r.attempt()), Request::status));
    return job.trace().stream()
        .map(Step::fields)
        .filter(step -> step.containsKey("error"))
        .map(
            step ->
                "attempt "
                    + step.get("attempt")
                    + ": "
                    + step.get("error")
                    + (answered.containsKey(step.get("attempt"))
                        ? " (the destination answered " + answered.get(step.get("attempt")) + ")"
                        : ""))
        .collect(Collectors.joining(", "));
  }

  /** "1:503 2:200": each attempt received, with its answer. */
  static String attempts(List<Request> requests) {
    return requests.stream()
        .map(r -> r.attempt() + ":" + r.status())
        .collect(Collectors.joining(" "));
  }

  /** The entries of one map that the other has not, or has otherwise. */
  private static String unlike(SortedMap<String, String> one, SortedMap<String, String> other) {
    TreeSet<String> names = new TreeSet<>(one.keySet());
    names.addAll(other.keySet());
    return names.stream()
        .filter(n -> !Objects.equals(one.get(n), other.get(n)))
        .map(n -> n + "=" + (one.containsKey(n) ? one.get(n) : "(none)"))
        .collect(Collectors.joining(", "));
  }

  /** Where two traces part: the first step that differs, or the one that only one has. */
  private static Difference traceDifference(
      Category category, String job, List<Step> a, List<Step> b) {
    int i = 0;
    while (i < a.size() && i < b.size() && a.get(i).equals(b.get(i))) {
      i++;
    }
    return new Difference(
        category,
        job + " step " + (i + 1),
        i < a.size() ? a.get(i).fields().toString() : "(ends)",
        i < b.size() ? b.get(i).fields().toString() : "(ends)");
  }

  private static String unexplained(JobSeen job) {
    return job.duplicates().stream()
        .filter(d -> !d.explained())
        .map(
            d ->
                (d.attempt() == 0 ? "archived " : "attempt " + d.attempt() + " received ")
                    + d.copies()
                    + " times"
                    + (d.sameContent() ? "" : ", unlike")
                    + (d.acrossTheKill() ? "" : ", by one life of the router")
                    + (d.secondsBeforeTheKill() > JobSeen.Duplicate.IN_FLIGHT_SECONDS
                        ? String.format(
                            Locale.ROOT, ", first %.0f s before the kill", d.secondsBeforeTheKill())
                        : ""))
        .collect(Collectors.joining("; "));
  }
}
