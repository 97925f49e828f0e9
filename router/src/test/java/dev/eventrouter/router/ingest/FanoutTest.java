package dev.eventrouter.router.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.typesafe.config.ConfigFactory;
import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.router.filter.EventFields;
import dev.eventrouter.router.registry.Registry;
import dev.eventrouter.router.registry.RegistryLoader;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FanoutTest {

  /**
   * Requests are JSON unless the destination says otherwise (the delivery client's default), so a
   * job stores no Content-Type of its own: only what its destination configured.
   */
  @Test
  void aJobCarriesItsDestinationsHeadersAsConfiguredAndNothingMore() {
    Registry registry =
        RegistryLoader.parse(
            ConfigFactory.parseString(
                """
        destinations {
          plain { endpoint = "https://plain.example.com/in" }
          form { endpoint = "https://form.example.com/in",
                 headers { Content-Type = "application/x-www-form-urlencoded", X-Api-Key = { secret = FORM_KEY } } }
        }
        sources { shop { destinations = [plain, form] } }
        """),
            ConfigFactory.load().getConfig("eventrouter.registry.destination-defaults"));
    Instant now = Instant.now();

    List<Job> jobs =
        Fanout.jobs(
            "shop",
            new EventParser.Parsed("m-1", EventFields.NONE),
            "{}".getBytes(StandardCharsets.UTF_8),
            registry.routesOf("shop"),
            now,
            null,
            now);

    assertThat(jobs)
        .extracting(job -> job.pair().destination(), Job::headers)
        .containsExactly(
            tuple("plain", Map.of()),
            tuple("form", registry.destination("form").orElseThrow().headers()));
    assertThat(jobs.get(1).headers())
        .containsEntry("Content-Type", "application/x-www-form-urlencoded");
  }
}
