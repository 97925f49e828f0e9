package dev.eventrouter.loadtest.parity;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eventrouter.loadtest.blackhole.Tap;
import dev.eventrouter.loadtest.parity.JobSeen.Duplicate;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** From what the black hole, the operator API and the archive told, to one job as seen. */
class JobEvidenceTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final byte[] BODY = "{\"messageId\":\"m-1\"}".getBytes(StandardCharsets.UTF_8);

  private long now;
  private final ParityTap tap = new ParityTap(() -> now);

  @Test
  void keepsWhatAUserSeesAndLeavesOutTheClockAndTheAttemptHeader() throws Exception {
    receive(1, 503, BODY);
    receive(2, 200, BODY);

    JobSeen job =
        JobEvidence.of(
            "s-1",
            "hook",
            "m-1",
            tap.copies("hook", "m-1"),
            Long.MAX_VALUE,
            json(
                """
        {"jobId": "id-1", "live": false, "steps": [
          {"state": "awaiting_scheduling", "at": "2026-11-28T10:00:00Z"},
          {"state": "executing", "at": "2026-11-28T10:00:01Z", "attempt": 1},
          {"state": "awaiting_retry", "at": "2026-11-28T10:00:02Z", "attempt": 1, "httpStatus": 503,
           "retryAt": "2026-11-28T10:00:03Z"},
          {"state": "executing", "at": "2026-11-28T10:00:03Z", "attempt": 2},
          {"state": "succeeded", "at": "2026-11-28T10:00:04Z", "attempt": 2, "httpStatus": 200}]}
        """),
            List.of());

    assertThat(job.jobId()).isEqualTo("id-1");
    assertThat(job.ending()).isEqualTo(new JobSeen.Delivered(2));
    assertThat(ParityDiff.attempts(job.requests())).isEqualTo("1:503 2:200");
    assertThat(job.requests().get(0).headers())
        .containsEntry("idempotency-key", "id-1")
        .containsEntry(
            "authorization",
            "sha256:" + ParityTap.sha256("Bearer t0ken".getBytes(StandardCharsets.UTF_8)))
        .doesNotContainKey("x-delivery-attempt");
    assertThat(job.requests().get(0).bodySha256()).isEqualTo(ParityTap.sha256(BODY));
    assertThat(job.trace())
        .hasSize(5)
        .allSatisfy(step -> assertThat(step.fields()).doesNotContainKeys("at", "retryAt"));
    assertThat(job.trace().get(2).fields())
        .isEqualTo(Map.of("state", "awaiting_retry", "attempt", "1", "httpStatus", "503"));
    assertThat(job.duplicates()).isEmpty();
  }

  @Test
  void anAttemptInFlightAtTheKillSentAgainAfterTheRestartIsExplainedButNotOneSentTwiceByOneLife() {
    receive(1, 200, BODY);
    killAndRestartAfter(2);
    receive(1, 200, BODY);
    receive(1, 200, BODY);

    JobSeen job = of(tap.copies("hook", "m-1"));

    assertThat(job.requests()).hasSize(1);
    assertThat(job.duplicates()).containsExactly(new Duplicate(1, 3, false, true, -1));
    assertThat(job.duplicates().get(0).explained()).isFalse();
    assertThat(of(tap.copies("hook", "m-1").subList(0, 2)).duplicates())
        .containsExactly(new Duplicate(1, 2, true, true, 2.0))
        .allSatisfy(d -> assertThat(d.explained()).isTrue());
  }

  @Test
  void anAttemptSentAgainWithAnotherBodyIsNotExplained() {
    receive(1, 200, BODY);
    killAndRestartAfter(1);
    receive(1, 200, "{}".getBytes(StandardCharsets.UTF_8));

    assertThat(of(tap.copies("hook", "m-1")).duplicates())
        .containsExactly(new Duplicate(1, 2, true, false, 1.0))
        .allSatisfy(d -> assertThat(d.explained()).isFalse());
  }

  @Test
  void anOutcomeLongWrittenBeforeTheKillAndSentAgainIsNotExplained() {
    receive(1, 200, BODY);
    killAndRestartAfter(31);
    receive(1, 200, BODY);

    assertThat(of(tap.copies("hook", "m-1")).duplicates())
        .containsExactly(new Duplicate(1, 2, true, true, 31.0))
        .allSatisfy(d -> assertThat(d.explained()).isFalse());
  }

  private void killAndRestartAfter(int seconds) {
    now += seconds * 1_000_000_000L;
    tap.killing();
    tap.restarted();
    now += 20_000_000_000L;
  }

  private JobSeen of(List<ParityTap.Copy> copies) {
    return JobEvidence.of("s-1", "hook", "m-1", copies, tap.killedAtNanos(), null, List.of());
  }

  @Test
  void anArchivedJobEndsWithItsArchivingReasonAndItsRecordLeavesOutTheClockAndThePayload()
      throws Exception {
    receive(1, 503, BODY);
    JsonNode record =
        json(
            """
        {"id": "id-1", "source": "s-1", "destination": "hook", "messageId": "m-1", "endpoint": "http://h/hook",
         "headers": {"Content-Type": "application/json"}, "createdAt": "2026-11-28T10:00:00Z",
         "expireAt": "2026-11-28T10:03:00Z", "payload": "%s",
         "trace": [{"state": "awaiting_scheduling", "at": "2026-11-28T10:00:00Z"},
                   {"state": "archiving", "at": "2026-11-28T10:03:00Z", "reason": "expired"}]}
        """
                .formatted(Base64.getEncoder().encodeToString(BODY)));
    JsonNode trace =
        json(
            """
        {"jobId": "id-1", "live": false, "steps": [{"state": "awaiting_scheduling"},
          {"state": "archiving", "reason": "expired"},
          {"state": "archived", "location": "s3://bucket/archive/s-1/hook/2026/11/28/10/x.ndjson.gz"}]}
        """);

    JobSeen job =
        JobEvidence.of(
            "s-1",
            "hook",
            "m-1",
            tap.copies("hook", "m-1"),
            Long.MAX_VALUE,
            trace,
            List.of(record, record));

    assertThat(job.ending()).isEqualTo(new JobSeen.Archived("expired"));
    assertThat(job.trace().get(2).fields()).isEqualTo(Map.of("state", "archived"));
    assertThat(job.archived().fields())
        .doesNotContainKeys("createdAt", "expireAt", "payload", "trace")
        .containsEntry("payloadSha256", ParityTap.sha256(BODY))
        .containsEntry("headers", "{\"Content-Type\":\"application/json\"}");
    assertThat(job.archived().trace()).hasSize(2);
    assertThat(job.duplicates()).as("the same record twice is one copy").isEmpty();
    assertThat(
            JobEvidence.of(
                    "s-1",
                    "hook",
                    "m-1",
                    tap.copies("hook", "m-1"),
                    Long.MAX_VALUE,
                    null,
                    List.of(record))
                .ending())
        .as("without a trace, the archive tells")
        .isEqualTo(new JobSeen.Archived("expired"));
  }

  @Test
  void aJobStillLiveOrNeverSeenIsUnfinished() throws Exception {
    JsonNode live =
        json(
            """
        {"jobId": "id-1", "live": true, "steps": [{"state": "awaiting_scheduling"},
          {"state": "executing", "attempt": 1}, {"state": "awaiting_retry", "attempt": 1, "httpStatus": 503}]}
        """);

    assertThat(
            JobEvidence.of("s-1", "hook", "m-1", List.of(), Long.MAX_VALUE, live, List.of())
                .ending())
        .isEqualTo(new JobSeen.Unfinished("awaiting_retry (live)"));
    assertThat(
            JobEvidence.of("s-1", "hook", "m-1", List.of(), Long.MAX_VALUE, null, List.of())
                .ending())
        .isEqualTo(new JobSeen.Unfinished("never seen"));
  }

  private void receive(int attempt, int status, byte[] body) {
    tap.answered(
        new Tap.Delivery(
            "hook",
            "m-1",
            attempt,
            status,
            Map.of(
                "idempotency-key",
                "id-1",
                "x-delivery-attempt",
                Integer.toString(attempt),
                "authorization",
                "Bearer t0ken",
                "content-type",
                "application/json"),
            body));
  }

  private static JsonNode json(String text) throws Exception {
    return JSON.readTree(text);
  }
}
