package dev.eventrouter.loadtest.run;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The router figures a run follows, scraped from each node's Prometheus endpoint (what the router's
 * own {@code RouterMetrics} publishes) and summed over the nodes, as any monitoring system would
 * read them.
 *
 * @param retriedByAttempt retries counted by the attempt number they led to
 * @param concurrencyLimit each destination's adaptive concurrency limit, summed over the nodes
 */
public record ScrapedMetrics(
    double backlog,
    double consumerLag,
    double retried,
    Map<String, Double> retriedByAttempt,
    double discarded,
    double archived,
    double heapUsedBytes,
    Map<String, Double> concurrencyLimit) {

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  public static ScrapedMetrics scrape(List<String> routerUrls) {
    double backlog = 0;
    double lag = 0;
    double retried = 0;
    double discarded = 0;
    double archived = 0;
    double heap = 0;
    Map<String, Double> byAttempt = new TreeMap<>();
    Map<String, Double> limits = new TreeMap<>();
    for (String url : routerUrls) {
      String text = get(url + "/metrics");
      if (text == null) {
        continue;
      }
      for (String line : text.split("\n")) {
        if (line.isEmpty() || line.charAt(0) == '#') {
          continue;
        }
        int space = line.lastIndexOf(' ');
        if (space < 0) {
          continue;
        }
        String series = line.substring(0, space);
        double value;
        try {
          value = Double.parseDouble(line.substring(space + 1));
        } catch (NumberFormatException e) {
          continue;
        }
        String name = series.indexOf('{') < 0 ? series : series.substring(0, series.indexOf('{'));
        switch (name) {
          case "eventrouter_backlog_jobs" -> backlog += value;
          case "eventrouter_kafka_consumer_lag_records" -> lag += value;
          case "eventrouter_jobs_retried_total" -> {
            retried += value;
            byAttempt.merge(label(series, "attempt"), value, Double::sum);
          }
          case "eventrouter_jobs_discarded_total" -> discarded += value;
          case "eventrouter_jobs_archived_total" -> archived += value;
          case "eventrouter_destination_concurrency_limit" ->
              limits.merge(label(series, "destination"), value, Double::sum);
          case "jvm_memory_used_bytes" -> heap += label(series, "area").equals("heap") ? value : 0;
          default -> {}
        }
      }
    }
    return new ScrapedMetrics(backlog, lag, retried, byAttempt, discarded, archived, heap, limits);
  }

  static String label(String series, String label) {
    int at = series.indexOf(label + "=\"");
    if (at < 0) {
      return "";
    }
    int start = at + label.length() + 2;
    return series.substring(start, series.indexOf('"', start));
  }

  private static String get(String url) {
    try {
      HttpResponse<String> response =
          HTTP.send(
              HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
              HttpResponse.BodyHandlers.ofString());
      return response.statusCode() == 200 ? response.body() : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }
}
