package dev.eventrouter.queues.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * A job keeps at most the W3C's 512 characters of its event's tracestate, dropping whole members
 * from the end: every job of the event carries it, in the journal, between nodes and to its
 * destination.
 */
class TraceStateTest {

  @Test
  void aShortTraceStateIsKeptAsItIs() {
    assertThat(JobTracing.kept(null)).isNull();
    assertThat(JobTracing.kept("a=1,b=2")).isEqualTo("a=1,b=2");
    String exactly = "a=" + "x".repeat(JobTracing.MAX_TRACESTATE - 2);
    assertThat(JobTracing.kept(exactly)).isEqualTo(exactly);
  }

  @Test
  void aLongOneLosesItsLastMembersAndOneLongMemberGoesWhole() {
    String member = "vendor=" + "v".repeat(200);
    String threeMembers = member + "," + member + "," + member;

    assertThat(JobTracing.kept(threeMembers)).isEqualTo(member + "," + member);
    assertThat(JobTracing.kept("a=" + "x".repeat(16_000))).isNull();
    assertThat(JobTracing.kept("a=" + "x".repeat(16_000) + ",b=2")).isNull();
  }
}
