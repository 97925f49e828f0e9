package dev.eventrouter.router.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PromQlTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      a_total                                                                  | a_total
      sum(rate(a_total{namespace="$namespace"}[$__rate_interval]))             | a_total
      sum by (destination, le) (rate(a_bucket[5m]))                            | a_bucket
      sum(rate(a_bucket[5m])) without (instance)                               | a_bucket
      histogram_quantile(0.99, sum by (le) (rate(a_bucket{x=~"}[(by"}[5m])))   | a_bucket
      a_sum / on (pod) group_left (node) b_count                               | a_sum b_count
      a_sum / ignoring(pod) group_right b_count                                | a_sum b_count
      a > bool 1e6 and b offset 5m unless c @ start() or d                     | a b c d
      max_over_time(deriv(a[30m:1m])[1h:]) > 0.5 # a comment naming x_total    | a
      label_replace(a, "dst", "$1", "destination", "(.*)") / scalar(b)         | a b
      topk(5, a) AND ON (x) B                                                  | a B
      time() - a_timestamp_seconds > 3600 * $__interval_ms                      | a_timestamp_seconds
      """)
  void findsTheMetricNamesAndNothingElse(String expression, String metrics) {
    assertThat(PromQl.metricNames(expression)).containsExactly(metrics.split(" "));
  }
}
