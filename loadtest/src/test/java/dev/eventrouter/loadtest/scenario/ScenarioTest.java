package dev.eventrouter.loadtest.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScenarioTest {

  @TempDir Path dir;

  @Test
  void loadsEveryShippedScenario() throws Exception {
    try (Stream<Path> files = Files.list(Path.of("scenarios"))) {
      List<Path> scenarios = files.filter(f -> f.toString().endsWith(".conf")).toList();
      assertThat(scenarios)
          .extracting(f -> f.getFileName().toString())
          .contains(
              "steady-state.conf",
              "popular-destination-outage.conf",
              "big-tenant-rate-limited.conf",
              "slow-destination.conf",
              "degraded-destinations.conf");
      for (Path file : scenarios) {
        Scenario scenario = Scenario.load(file);
        assertThat(scenario.name())
            .as(file.toString())
            .isEqualTo(file.getFileName().toString().replace(".conf", ""));
        assertThat(scenario.target()).isInstanceOf(Scenario.Embedded.class);
        Config registry = ConfigFactory.parseString(scenario.registry("http://127.0.0.1:9090/"));
        for (Scenario.DestinationPlan d : scenario.destinations()) {
          assertThat(registry.getString("destinations." + d.name() + ".endpoint"))
              .isEqualTo("http://127.0.0.1:9090/" + d.name());
        }
        assertThat(registry.getConfig("sources").root()).hasSize(scenario.sources());
      }
    }
    Scenario outage = Scenario.load(Path.of("scenarios", "popular-destination-outage.conf"));
    Scenario.DestinationPlan popular =
        outage.destinations().stream()
            .filter(d -> d.name().equals("popular"))
            .findFirst()
            .orElseThrow();
    assertThat(popular.behaviour().outages()).hasSize(1);
    assertThat(popular.behaviour().outages().get(0).successRate()).isEqualTo(0.15);
    assertThat(
            ConfigFactory.parseString(outage.registry("http://h:1"))
                .getDuration("destinations.popular.retry.base"))
        .isEqualTo(Duration.ofMillis(500));
    Scenario degraded = Scenario.load(Path.of("scenarios", "degraded-destinations.conf"));
    assertThat(degraded.destinations())
        .filteredOn(d -> d.name().equals("slowing"))
        .singleElement()
        .satisfies(
            d -> {
              assertThat(d.behaviour().capacity()).isEqualTo(8);
              assertThat(d.behaviour().slowdown().factor()).isEqualTo(10);
            });
    // an outage's effect is measured on the destinations that are neither down nor degraded
    assertThat(degraded.destinations())
        .filteredOn(d -> d.behaviour().healthy())
        .extracting(Scenario.DestinationPlan::name)
        .containsExactlyInAnyOrder("healthy-a", "healthy-b");
  }

  @Test
  void drawsOneToAllDestinationsPerSourceTheSameWayEachTime() throws Exception {
    Scenario scenario =
        write(
            """
        name = t
        sources.count = 500
        destinations { a.share-of-sources = 0.5, b.share-of-sources = 0.5, c.share-of-sources = 0.1 }
        """);
    Map<String, List<String>> routes = scenario.routes();

    assertThat(routes).hasSize(500).isEqualTo(scenario.routes());
    assertThat(routes.values())
        .allSatisfy(to -> assertThat(to).isNotEmpty().hasSizeLessThanOrEqualTo(3));
    long toA = routes.values().stream().filter(to -> to.contains("a")).count();
    long toC = routes.values().stream().filter(to -> to.contains("c")).count();
    // half, plus those that drew none (a quarter of the rest): a is the first of the widest
    assertThat(toA).isBetween(320L, 410L);
    assertThat(toC).isBetween(25L, 80L);
    assertThat(scenario.events()).isEqualTo(60_000); // the defaults: 1000/s for 60 s
  }

  @Test
  void refusesWhatItCannotRun() throws Exception {
    assertThatThrownBy(() -> Scenario.load(dir.resolve("missing.conf")))
        .hasMessageContaining("no scenario file");
    assertThatThrownBy(() -> write("name = t\ndestinations {}"))
        .hasMessageContaining("at least one destination");
    assertThatThrownBy(() -> write("name = t\nrate = 0\ndestinations.a {}"))
        .hasMessageContaining("must be positive");
    assertThatThrownBy(() -> write("name = t\nrouter.mode = cloud\ndestinations.a {}"))
        .hasMessageContaining("embedded or external");
    assertThatThrownBy(() -> write("name = t\ndestinations.a.behaviour.error-rate = 2"))
        .hasMessageContaining("error-rate");
    assertThatThrownBy(() -> write("name = t\nduration = soon\ndestinations.a {}"))
        .hasMessageContaining("duration");
  }

  private Scenario write(String text) throws Exception {
    Path file = Files.createTempFile(dir, "scenario", ".conf");
    Files.writeString(file, text);
    return Scenario.load(file);
  }
}
