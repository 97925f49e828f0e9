package dev.eventrouter.loadtest.parity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventrouter.loadtest.parity.BuildSeen.RunFacts;
import dev.eventrouter.loadtest.parity.JobSeen.ArchiveCopy;
import dev.eventrouter.loadtest.parity.JobSeen.Duplicate;
import dev.eventrouter.loadtest.parity.JobSeen.Request;
import dev.eventrouter.loadtest.parity.JobSeen.Step;
import dev.eventrouter.loadtest.parity.ParityDiff.Category;
import dev.eventrouter.loadtest.parity.ParityDiff.Difference;
import dev.eventrouter.loadtest.parity.ParityDiff.Report;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The comparison on made-up sightings: what differs must be reported, and nothing else. */
class ParityDiffTest {

  @TempDir Path dir;

  @Test
  void twoBuildsThatShowTheSameHaveNoDifference() {
    Report report = ParityDiff.compare(build("a", jobs()), build("b", jobs()), 10);

    assertThat(report.same()).isTrue();
    assertThat(report.differences()).isZero();
    assertThat(report.jobs()).isEqualTo(3);
    assertThat(report.counts())
        .containsOnlyKeys(Category.values())
        .allSatisfy((c, n) -> assertThat(n).isZero());
  }

  @Test
  void aBodyThatDiffersAtOneAttemptIsReportedForThatJobAndAttempt() {
    List<JobSeen> changed =
        with(
            jobs(),
            0,
            job ->
                new JobSeen(
                    job.source(),
                    job.destination(),
                    job.messageId(),
                    job.jobId(),
                    List.of(job.requests().get(0), request(2, 200, "other-body", headers())),
                    job.ending(),
                    job.trace(),
                    job.archived(),
                    job.duplicates()));

    Report report = ParityDiff.compare(build("a", jobs()), build("b", changed), 10);

    assertThat(report.same()).isFalse();
    assertThat(report.jobsDiffering()).isEqualTo(1);
    assertThat(report.counts().get(Category.BODY)).isEqualTo(1);
    assertThat(report.differences()).isEqualTo(1);
    assertThat(report.first())
        .containsExactly(
            new Difference(
                Category.BODY, "hook/m-0 attempt 2", "sha256 body", "sha256 other-body"));
  }

  @Test
  void reportsEachWayAJobDiffers() {
    List<JobSeen> changed = jobs();
    changed =
        with(
            changed,
            0,
            job ->
                new JobSeen(
                    job.source(),
                    job.destination(),
                    job.messageId(),
                    job.jobId(),
                    List.of(
                        job.requests().get(0),
                        request(2, 200, "body", headers("user-agent", "pekko-http/9"))),
                    job.ending(),
                    job.trace(),
                    job.archived(),
                    job.duplicates()));
    changed =
        with(
            changed,
            1,
            job ->
                new JobSeen(
                    job.source(),
                    job.destination(),
                    job.messageId(),
                    job.jobId(),
                    List.of(request(1, 400, "body", headers())),
                    new JobSeen.Discarded(1, "HTTP 400", "CUSTOMER"),
                    List.of(
                        step("state", "awaiting_scheduling"),
                        step("state", "discarded", "attempt", "1")),
                    null,
                    job.duplicates()));
    changed.remove(2);

    Report report = ParityDiff.compare(build("a", jobs()), build("b", changed), 100);

    assertThat(report.jobsDiffering()).isEqualTo(3);
    assertThat(report.counts())
        .containsEntry(Category.HEADERS, 1L)
        .containsEntry(Category.ATTEMPTS, 1L)
        .containsEntry(Category.ENDING, 1L)
        .containsEntry(Category.TRACE, 1L)
        .containsEntry(Category.ARCHIVE, 1L)
        .containsEntry(Category.JOB_MISSING, 1L)
        .containsEntry(Category.BODY, 0L);
    assertThat(report.first())
        .contains(
            new Difference(
                Category.HEADERS,
                "hook/m-0 attempt 2",
                "user-agent=pekko-http/1",
                "user-agent=pekko-http/9"),
            new Difference(Category.ATTEMPTS, "crm/m-1", "1:503 2:200", "1:400"),
            new Difference(
                Category.ENDING,
                "crm/m-1",
                "Archived[reason=expired]",
                "Discarded[attempt=1, reason=HTTP 400, origin=CUSTOMER]"),
            new Difference(Category.ARCHIVE, "crm/m-1", "archived", "not archived"),
            new Difference(Category.JOB_MISSING, "hook/m-2", "present", "absent"));
  }

  @Test
  void anAttemptReceivedAgainAcrossTheKillIsAllowedButNotTwiceFromOneLife() {
    List<JobSeen> acrossTheKill =
        with(jobs(), 0, job -> withDuplicate(job, new Duplicate(2, 2, true, true, 0.5)));
    List<JobSeen> twiceFromOneLife =
        with(jobs(), 0, job -> withDuplicate(job, new Duplicate(2, 2, false, true, -1)));

    assertThat(ParityDiff.compare(build("a", jobs()), build("b", acrossTheKill), 10).same())
        .isTrue();
    Report report = ParityDiff.compare(build("a", acrossTheKill), build("b", twiceFromOneLife), 10);
    assertThat(report.counts().get(Category.DUPLICATE)).isEqualTo(1);
    assertThat(report.first())
        .containsExactly(
            new Difference(
                Category.DUPLICATE,
                "hook/m-0",
                "",
                "attempt 2 received 2 times, by one life of the router"));
  }

  @Test
  void anAttemptTheRouterFailedWithoutAnAnswerInOneBuildIsReportedOnceForItsJob() {
    List<JobSeen> stalled =
        with(
            jobs(),
            2,
            job ->
                new JobSeen(
                    job.source(),
                    job.destination(),
                    job.messageId(),
                    job.jobId(),
                    List.of(request(2, 503, "body", headers())),
                    new JobSeen.Delivered(3),
                    List.of(
                        step("state", "awaiting_scheduling"),
                        step("state", "executing", "attempt", "1"),
                        step("state", "awaiting_retry", "attempt", "1", "error", "timeout")),
                    null,
                    job.duplicates()));

    Report report = ParityDiff.compare(build("a", jobs()), build("b", stalled), 10);

    assertThat(report.differences()).isEqualTo(1);
    assertThat(report.first())
        .containsExactly(new Difference(Category.NO_ANSWER, "hook/m-2", "", "attempt 1: timeout"));
  }

  @Test
  void keepsOnlyTheFirstDifferencesButCountsThemAll() {
    List<JobSeen> changed = new ArrayList<>();
    for (JobSeen job : jobs()) {
      changed.add(
          new JobSeen(
              job.source(),
              job.destination(),
              job.messageId(),
              job.jobId() + "x",
              job.requests(),
              job.ending(),
              job.trace(),
              job.archived(),
              job.duplicates()));
    }

    Report report = ParityDiff.compare(build("a", jobs()), build("b", changed), 2);

    assertThat(report.counts().get(Category.JOB_ID)).isEqualTo(3);
    assertThat(report.first()).hasSize(2);
  }

  @Test
  void aBuildReadBackFromItsFileComparesTheSame() throws Exception {
    BuildSeen written = build("a", jobs());
    written.write(dir.resolve("seen.json"));

    BuildSeen read = BuildSeen.read(dir.resolve("seen.json"));

    assertThat(read).isEqualTo(written);
    assertThat(ParityDiff.compare(written, read, 10).same()).isTrue();
  }

  /** Three jobs: delivered at the second attempt, archived after one, delivered at once. */
  private static List<JobSeen> jobs() {
    List<Step> delivered =
        List.of(
            step("state", "awaiting_scheduling"),
            step("state", "executing", "attempt", "1"),
            step("state", "awaiting_retry", "attempt", "1", "httpStatus", "503"),
            step("state", "executing", "attempt", "2"),
            step("state", "succeeded", "attempt", "2", "httpStatus", "200"));
    List<Step> archived =
        List.of(
            step("state", "awaiting_scheduling"),
            step("state", "executing", "attempt", "1"),
            step("state", "awaiting_retry", "attempt", "1", "httpStatus", "503"),
            step("state", "archiving", "reason", "expired"));
    SortedMap<String, String> record = new TreeMap<>(Map.of("id", "id-1", "payloadSha256", "body"));
    List<JobSeen> jobs = new ArrayList<>();
    jobs.add(
        new JobSeen(
            "s-1",
            "hook",
            "m-0",
            "id-0",
            List.of(request(1, 503, "body", headers()), request(2, 200, "body", headers())),
            new JobSeen.Delivered(2),
            delivered,
            null,
            List.of()));
    jobs.add(
        new JobSeen(
            "s-1",
            "crm",
            "m-1",
            "id-1",
            List.of(request(1, 503, "body", headers()), request(2, 200, "body", headers())),
            new JobSeen.Archived("expired"),
            archived,
            new ArchiveCopy(record, archived),
            List.of()));
    jobs.add(
        new JobSeen(
            "s-2",
            "hook",
            "m-2",
            "id-2",
            List.of(request(1, 200, "body", headers())),
            new JobSeen.Delivered(1),
            delivered.subList(0, 3),
            null,
            List.of()));
    return jobs;
  }

  private static List<JobSeen> with(List<JobSeen> jobs, int index, UnaryOperator<JobSeen> change) {
    List<JobSeen> changed = new ArrayList<>(jobs);
    changed.set(index, change.apply(jobs.get(index)));
    return changed;
  }

  private static JobSeen withDuplicate(JobSeen job, Duplicate duplicate) {
    return new JobSeen(
        job.source(),
        job.destination(),
        job.messageId(),
        job.jobId(),
        job.requests(),
        job.ending(),
        job.trace(),
        job.archived(),
        List.of(duplicate));
  }

  private static BuildSeen build(String label, List<JobSeen> jobs) {
    return new BuildSeen(label, label + ".jar", new RunFacts(3, 10, 20.0, true, 60.0), jobs);
  }

  private static Request request(
      int attempt, int status, String body, SortedMap<String, String> headers) {
    return new Request(attempt, status, body, headers);
  }

  private static SortedMap<String, String> headers(String... more) {
    SortedMap<String, String> headers =
        new TreeMap<>(Map.of("content-type", "application/json", "user-agent", "pekko-http/1"));
    for (int i = 0; i < more.length; i += 2) {
      headers.put(more[i], more[i + 1]);
    }
    return headers;
  }

  private static Step step(String... fields) {
    SortedMap<String, String> map = new TreeMap<>();
    for (int i = 0; i < fields.length; i += 2) {
      map.put(fields[i], fields[i + 1]);
    }
    return new Step(map);
  }
}
