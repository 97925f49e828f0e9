package dev.eventrouter.router.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import java.util.concurrent.CompletionException;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.Test;

/**
 * A failed action is a 503 to try again; a reader is told what a queue answered, never what a
 * journal or the cluster threw (its message can name the database's host and user).
 */
class AdminAccessTest {

  @Test
  void aFailureOfTheJournalIsNotToldToTheCaller() {
    HttpResponse response =
        AdminAccess.failed(
            "job-trace",
            "shop:hook",
            new CompletionException(
                new SQLException(
                    "FATAL: password authentication failed for user 'router' at db-7.internal:5432")));

    assertThat(response.status().intValue()).isEqualTo(503);
    assertThat(body(response))
        .contains("job-trace failed, try again")
        .doesNotContain("db-7.internal")
        .doesNotContain("'router'")
        .doesNotContain("SQLException");
  }

  @Test
  void whatAQueueAnsweredIsToldAsItIs() {
    HttpResponse response =
        AdminAccess.failed(
            "job-trace",
            "shop:hook",
            new CompletionException(
                new StatusReply.ErrorMessage("2 trace scans of finished jobs are under way")));

    assertThat(response.status().intValue()).isEqualTo(503);
    assertThat(body(response)).contains("2 trace scans of finished jobs are under way");
  }

  private static String body(HttpResponse response) {
    return ((HttpEntity.Strict) response.entity()).getData().utf8String();
  }
}
