package dev.eventrouter.router.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.InstanceOfAssertFactories.STRING;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The dashboard and the alert rules of k8s/components/monitoring read only metrics the router
 * exports: each metric name in each of their queries is among the sample names of the registry that
 * GET /metrics serves.
 */
class MonitoringQueriesTest {

  private static final Path MONITORING = Path.of("../k8s/components/monitoring");
  private static final String DASHBOARD = read("eventrouter-dashboard.json");
  private static final String RULES = read("prometheusrule.yaml");
  private static final Set<String> EXPORTED =
      sampleNames(new RouterMetrics(Clock.systemUTC()).snapshot(), false);

  /**
   * Grafana's template queries that name a metric: label_values(selector, label) and
   * query_result(expr).
   */
  private static final Pattern LABEL_VALUES =
      Pattern.compile("label_values\\((.+),\\s*[a-zA-Z_][a-zA-Z0-9_]*\\s*\\)");

  private static final Pattern QUERY_RESULT = Pattern.compile("query_result\\((.+)\\)");
  private static final Pattern SAMPLE =
      Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]", Pattern.MULTILINE);

  @Test
  void everyDashboardQueryReadsMetricsTheRouterExports() {
    Map<String, Set<String>> queries = dashboardQueries(DASHBOARD);

    assertThat(queries).as("the panels' and variables' queries").hasSizeGreaterThan(20);
    assertThat(queries).allSatisfy((query, metrics) -> assertThat(metrics).as(query).isNotEmpty());
    assertThat(unexported(queries)).isEmpty();
  }

  @Test
  void everyAlertReadsMetricsTheRouterExports() {
    Map<String, Set<String>> queries = ruleQueries(RULES);

    assertThat(queries).as("the alerts' expressions").hasSizeGreaterThanOrEqualTo(5);
    assertThat(queries).allSatisfy((query, metrics) -> assertThat(metrics).as(query).isNotEmpty());
    assertThat(unexported(queries)).isEmpty();
  }

  @Test
  void aQueryReadingAMetricTheRouterDoesNotExportIsReported() {
    String dashboard =
        DASHBOARD.replace("eventrouter_jobs_delivered_total", "eventrouter_jobs_delivred_total");
    String rules = RULES.replace("eventrouter_breaker_state", "eventrouter_breaker_status");

    assertThat(unexported(dashboardQueries(dashboard)))
        .singleElement(STRING)
        .contains("reads [eventrouter_jobs_delivred_total]");
    assertThat(unexported(ruleQueries(rules)))
        .singleElement(STRING)
        .startsWith("EventRouterBreakerOpen: ")
        .contains("reads [eventrouter_breaker_status]");
  }

  /**
   * The sample names derived from the registry, by each metric's type, are the ones the text
   * exposition writes: checked on the metrics that have samples before anything is recorded
   * (unlabelled counters and histograms, the JVM's gauges, summaries and infos).
   */
  @Test
  void theNamesDerivedFromTheRegistryAreTheNamesAScrapeWrites() {
    RouterMetrics metrics = new RouterMetrics(Clock.systemUTC());
    MetricSnapshots before = metrics.snapshot();
    Set<String> scraped = new TreeSet<>();
    Matcher sample = SAMPLE.matcher(new String(metrics.scrape(), StandardCharsets.UTF_8));
    while (sample.find()) {
      scraped.add(sample.group(1));
    }

    assertThat(scraped).isEqualTo(sampleNames(before, true));
  }

  /** Each query naming a metric not exported, with the names. */
  private static List<String> unexported(Map<String, Set<String>> queries) {
    List<String> problems = new ArrayList<>();
    queries.forEach(
        (query, metrics) -> {
          Set<String> unknown =
              metrics.stream()
                  .filter(name -> !EXPORTED.contains(name))
                  .collect(Collectors.toCollection(TreeSet::new));
          if (!unknown.isEmpty()) {
            problems.add(query + " reads " + unknown + ", which the router does not export");
          }
        });
    return problems;
  }

  /** Every "expr" in the dashboard (panels, rows' panels), and its template variables' queries. */
  private static Map<String, Set<String>> dashboardQueries(String json) {
    JsonNode dashboard = readTree(new ObjectMapper(), json);
    Map<String, Set<String>> queries = new LinkedHashMap<>();
    dashboard
        .findValues("expr")
        .forEach(expr -> queries.put(expr.asText(), PromQl.metricNames(expr.asText())));
    for (JsonNode variable : dashboard.path("templating").path("list")) {
      if (!variable.path("type").asText().equals("query")) {
        continue;
      }
      JsonNode query = variable.path("query");
      String text = query.isObject() ? query.path("query").asText() : query.asText();
      queries.put(text, PromQl.metricNames(templateExpression(text)));
    }
    return queries;
  }

  private static String templateExpression(String query) {
    for (Pattern function : List.of(LABEL_VALUES, QUERY_RESULT)) {
      Matcher matcher = function.matcher(query.strip());
      if (matcher.matches()) {
        return matcher.group(1);
      }
    }
    throw new AssertionError(
        "a template query this test does not read (label_values(selector, label) or"
            + " query_result(expr) only): "
            + query);
  }

  /** The expression of every rule of the PrometheusRule. */
  private static Map<String, Set<String>> ruleQueries(String yaml) {
    Map<String, Set<String>> queries = new LinkedHashMap<>();
    for (JsonNode group : readTree(new YAMLMapper(), yaml).path("spec").path("groups")) {
      for (JsonNode rule : group.path("rules")) {
        String expr = rule.path("expr").asText();
        String name =
            rule.has("alert") ? rule.path("alert").asText() : rule.path("record").asText();
        queries.put(name + ": " + expr, PromQl.metricNames(expr));
      }
    }
    return queries;
  }

  /**
   * The names of the samples the text exposition writes for each metric, by its type; only for
   * those with samples, or for all.
   */
  private static Set<String> sampleNames(MetricSnapshots snapshots, boolean sampledOnly) {
    Set<String> names = new TreeSet<>();
    for (MetricSnapshot metric : snapshots) {
      if (sampledOnly && metric.getDataPoints().isEmpty()) {
        continue;
      }
      String name = metric.getMetadata().getPrometheusName();
      Stream<String> suffixes;
      if (metric instanceof CounterSnapshot) {
        suffixes = Stream.of("_total");
      } else if (metric instanceof HistogramSnapshot histogram) {
        suffixes =
            histogram.isGaugeHistogram()
                ? Stream.of("_bucket", "_gcount", "_gsum")
                : Stream.of("_bucket", "_count", "_sum");
      } else if (metric instanceof SummarySnapshot summary) {
        // the quantiles' samples bear the bare name; a summary may have none
        boolean quantiles =
            summary.getDataPoints().stream().anyMatch(point -> point.getQuantiles().size() > 0);
        suffixes = quantiles ? Stream.of("", "_count", "_sum") : Stream.of("_count", "_sum");
      } else if (metric instanceof InfoSnapshot) {
        suffixes = Stream.of("_info");
      } else {
        suffixes = Stream.of("");
      }
      suffixes.map(suffix -> name + suffix).forEach(names::add);
    }
    return names;
  }

  private static JsonNode readTree(ObjectMapper mapper, String text) {
    try {
      return mapper.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String read(String file) {
    try {
      return Files.readString(MONITORING.resolve(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
