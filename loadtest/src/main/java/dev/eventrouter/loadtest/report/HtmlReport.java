package dev.eventrouter.loadtest.report;

import dev.eventrouter.loadtest.audit.Audit;
import dev.eventrouter.loadtest.blackhole.Behaviour;
import dev.eventrouter.loadtest.result.OutageFigures;
import dev.eventrouter.loadtest.result.RunSummary;
import dev.eventrouter.loadtest.result.Sample;
import dev.eventrouter.loadtest.scenario.Scenario;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * The run's report as one HTML file with inline SVG charts and CSS: no script, font or image is
 * fetched, so it opens offline and can be attached to an issue as it is.
 */
public final class HtmlReport {

  private static final String[] COLOURS = {
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf"
  };
  private static final int WIDTH = 920;
  private static final int HEIGHT = 260;
  private static final int LEFT = 70;
  private static final int RIGHT = 150;
  private static final int TOP = 20;
  private static final int BOTTOM = 40;

  /** A time window to shade on the time charts. */
  private record Window(String label, double from, double to) {}

  private HtmlReport() {}

  public static String render(RunSummary summary, Scenario scenario) {
    List<Window> outages = new ArrayList<>();
    for (Scenario.DestinationPlan d : scenario.destinations()) {
      for (Behaviour.Outage o : d.behaviour().outages()) {
        outages.add(
            new Window(
                d.name() + " at " + Math.round(o.successRate() * 100) + "% success",
                o.start().toNanos() / 1e9,
                o.start().plus(o.length()).toNanos() / 1e9));
      }
    }
    List<Sample> samples = summary.samples();
    Set<String> destinations = new LinkedHashSet<>();
    samples.forEach(s -> destinations.addAll(s.deliveredPerSecond().keySet()));

    StringBuilder html = new StringBuilder(64 * 1024);
    html.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<title>")
        .append(escape(summary.scenario()))
        .append(" - load test report</title>")
        .append("<style>")
        .append(
            "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em auto;max-width:980px;color:#222}")
        .append(
            "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}")
        .append(
            "th:first-child,td:first-child{text-align:left}.pass{color:#fff;background:#2ca02c;padding:2px 10px}")
        .append(
            ".fail{color:#fff;background:#d62728;padding:2px 10px}svg{display:block;margin:0.5em 0 1.5em}")
        .append("text{font-size:12px;fill:#333}.muted{color:#666}")
        .append("</style></head><body>\n");
    html.append("<h1>")
        .append(escape(summary.scenario()))
        .append(" <span class=\"")
        .append(summary.passed() ? "pass\">PASSED" : "fail\">FAILED")
        .append("</span></h1>\n");
    if (!summary.description().isBlank()) {
      html.append("<p>").append(escape(summary.description())).append("</p>\n");
    }
    html.append("<p class=\"muted\">")
        .append(escape(summary.machine()))
        .append("; started ")
        .append(summary.started())
        .append(
            String.format(
                Locale.ROOT,
                "; produced for %.0f s at a target of %.0f events/s; %.0f s in all; router heap high-water %.0f MiB",
                summary.producingSeconds(),
                summary.targetRate(),
                summary.totalSeconds(),
                summary.heapHighWaterBytes() / (1024 * 1024)))
        .append("</p>\n");

    auditTable(html, summary.audit());
    outageTable(html, summary.outages());

    List<Double> xs = samples.stream().map(Sample::seconds).toList();
    Map<String, List<Double>> delivered = new LinkedHashMap<>();
    for (String d : destinations) {
      delivered.put(
          d, samples.stream().map(s -> s.deliveredPerSecond().getOrDefault(d, 0.0)).toList());
    }
    html.append("<h2>Delivered per second, by destination</h2>\n");
    lineChart(html, xs, delivered, "requests/s answered 2xx", outages);

    Map<String, List<Double>> flow = new LinkedHashMap<>();
    flow.put("produced/s", series(samples, Sample::producedPerSecond));
    flow.put("retries/s", series(samples, Sample::retriesPerSecond));
    flow.put(
        "refused/s",
        samples.stream()
            .map(s -> s.refusedPerSecond().values().stream().mapToDouble(Double::doubleValue).sum())
            .toList());
    html.append("<h2>Produced, retried and refused per second</h2>\n");
    lineChart(html, xs, flow, "per second", outages);

    Map<String, List<Double>> limits = new LinkedHashMap<>();
    for (String d : destinations) {
      limits.put(d, samples.stream().map(s -> s.concurrencyLimit().get(d)).toList());
    }
    html.append("<h2>Concurrency limit, by destination (all routers)</h2>\n");
    lineChart(html, xs, limits, "requests under way allowed", outages);

    html.append("<h2>Backlog</h2>\n");
    lineChart(html, xs, Map.of("jobs waiting", series(samples, Sample::backlog)), "jobs", outages);

    Map<String, List<Double>> latency = new LinkedHashMap<>();
    latency.put("p50 (all)", samples.stream().map(s -> s.p50Millis().get("all")).toList());
    latency.put("p99 (all)", samples.stream().map(s -> s.p99Millis().get("all")).toList());
    for (String d : destinations) {
      latency.put("p99 " + d, samples.stream().map(s -> s.p99Millis().get(d)).toList());
    }
    html.append("<h2>Delivery latency, from the event's sentAt to the first 2xx</h2>\n");
    lineChart(html, xs, latency, "ms", outages);

    html.append("<h2>Retries by attempt number</h2>\n");
    barChart(html, summary.retriesByAttempt());

    html.append(
        "<p class=\"muted\">Machine-readable figures: summary.json beside this file.</p>\n");
    return html.append("</body></html>\n").toString();
  }

  private static List<Double> series(List<Sample> samples, Function<Sample, Double> value) {
    return samples.stream().map(value).toList();
  }

  private static void auditTable(StringBuilder html, Audit.Result audit) {
    html.append(
            "<h2>Audit: every produced (messageId, destination)</h2>\n<table><tr><th>destination</th>")
        .append(
            "<th>jobs</th><th>delivered</th><th>duplicates</th><th>discarded</th><th>archived</th><th>lost</th></tr>\n");
    audit.byDestination().forEach((d, a) -> row(html, escape(d), a));
    row(html, "<b>all</b>", audit.total());
    html.append("</table>\n<p>")
        .append(audit.produced())
        .append(" events produced, ")
        .append(audit.producerFailures())
        .append(" not acknowledged by Kafka.");
    audit
        .discardedByClass()
        .forEach(
            (reason, count) ->
                html.append(" Discarded as ")
                    .append(escape(reason))
                    .append(": ")
                    .append(count)
                    .append('.'));
    html.append("</p>\n");
    if (!audit.lostSample().isEmpty()) {
      html.append("<p><b>Lost</b> (first ").append(audit.lostSample().size()).append("):</p><ul>");
      audit.lostSample().forEach(l -> html.append("<li>").append(escape(l)).append("</li>"));
      html.append("</ul>\n");
    }
  }

  private static void row(StringBuilder html, String name, Audit.Accounting a) {
    html.append("<tr><td>")
        .append(name)
        .append("</td><td>")
        .append(a.jobs())
        .append("</td><td>")
        .append(a.delivered())
        .append("</td><td>")
        .append(a.duplicates())
        .append("</td><td>")
        .append(a.discarded())
        .append("</td><td>")
        .append(a.archived())
        .append("</td><td>")
        .append(a.lost())
        .append("</td></tr>\n");
  }

  private static void outageTable(StringBuilder html, List<OutageFigures> outages) {
    if (outages.isEmpty()) {
      return;
    }
    html.append("<h2>Isolation during outages</h2>\n<table><tr><th>outage</th><th>window (s)</th>")
        .append("<th>healthy delivered/s before</th><th>during</th><th>ratio</th>")
        .append(
            "<th>healthy p99 before (ms)</th><th>during</th><th>ratio</th><th>drain after (s)</th></tr>\n");
    for (OutageFigures o : outages) {
      html.append(
          String.format(
              Locale.ROOT,
              "<tr><td>%s at %.0f%%</td><td>%.0f-%.0f</td><td>%.0f</td><td>%.0f</td><td>%s</td>"
                  + "<td>%.0f</td><td>%.0f</td><td>%s</td><td>%s</td></tr>%n",
              escape(o.destination()),
              o.successRate() * 100,
              o.startSeconds(),
              o.endSeconds(),
              o.healthyDeliveredPerSecondBefore(),
              o.healthyDeliveredPerSecondDuring(),
              ratio(o.healthyDeliveredPerSecondBefore(), o.healthyThroughputRatio()),
              o.healthyP99MillisBefore(),
              o.healthyP99MillisDuring(),
              ratio(o.healthyP99MillisBefore(), o.healthyP99Ratio()),
              o.secondsToDrain() < 0
                  ? "not drained"
                  : String.format(Locale.ROOT, "%.0f", o.secondsToDrain())));
    }
    html.append("</table>\n");
  }

  /** "-" where there was nothing before to compare with (an outage from the run's start). */
  private static String ratio(double before, double ratio) {
    return before == 0 ? "-" : String.format(Locale.ROOT, "%.2f", ratio);
  }

  private static void lineChart(
      StringBuilder html,
      List<Double> xs,
      Map<String, List<Double>> series,
      String yLabel,
      List<Window> windows) {
    double xMax = xs.isEmpty() ? 1 : Math.max(1, xs.get(xs.size() - 1));
    double yMax =
        niceCeiling(
            series.values().stream()
                .flatMap(List::stream)
                .filter(Objects::nonNull)
                .mapToDouble(Double::doubleValue)
                .max()
                .orElse(1));
    int plotWidth = WIDTH - LEFT - RIGHT;
    int plotHeight = HEIGHT - TOP - BOTTOM;
    Function<Double, Double> x = v -> LEFT + v / xMax * plotWidth;
    Function<Double, Double> y = v -> TOP + plotHeight - v / yMax * plotHeight;
    html.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"")
        .append(WIDTH)
        .append("\" height=\"")
        .append(HEIGHT)
        .append("\" role=\"img\">");
    for (Window w : windows) {
      double from = x.apply(Math.min(w.from(), xMax));
      double to = x.apply(Math.min(w.to(), xMax));
      html.append(
          String.format(
              Locale.ROOT,
              "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"#fdd\"><title>%s</title></rect>",
              from,
              TOP,
              Math.max(0, to - from),
              plotHeight,
              escape(w.label())));
    }
    axes(html, xMax, yMax, yLabel, x, y);
    int colour = 0;
    for (Map.Entry<String, List<Double>> s : series.entrySet()) {
      String stroke = COLOURS[colour % COLOURS.length];
      // one polyline per run of known values: a second without a value is a gap, not a zero
      boolean open = false;
      for (int i = 0; i < Math.min(xs.size(), s.getValue().size()); i++) {
        Double value = s.getValue().get(i);
        if (value == null) {
          if (open) {
            html.append("\"/>");
            open = false;
          }
          continue;
        }
        if (!open) {
          html.append("<polyline fill=\"none\" stroke-width=\"1.5\" stroke=\"")
              .append(stroke)
              .append("\" points=\"");
          open = true;
        }
        html.append(String.format(Locale.ROOT, "%.1f,%.1f ", x.apply(xs.get(i)), y.apply(value)));
      }
      if (open) {
        html.append("\"/>");
      }
      int legendY = TOP + 12 + colour * 16;
      html.append(
          String.format(
              Locale.ROOT,
              "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"3\" fill=\"%s\"/><text x=\"%d\" y=\"%d\">%s</text>",
              WIDTH - RIGHT + 10,
              legendY - 4,
              stroke,
              WIDTH - RIGHT + 26,
              legendY,
              escape(s.getKey())));
      colour++;
    }
    html.append("</svg>\n");
  }

  private static void axes(
      StringBuilder html,
      double xMax,
      double yMax,
      String yLabel,
      Function<Double, Double> x,
      Function<Double, Double> y) {
    int bottom = HEIGHT - BOTTOM;
    html.append(
        String.format(
            Locale.ROOT,
            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/><line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>",
            LEFT,
            TOP,
            LEFT,
            bottom,
            LEFT,
            bottom,
            WIDTH - RIGHT,
            bottom));
    for (int i = 0; i <= 4; i++) {
      double value = yMax * i / 4;
      double at = y.apply(value);
      html.append(
          String.format(
              Locale.ROOT,
              "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/><text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>",
              LEFT,
              at,
              WIDTH - RIGHT,
              at,
              LEFT - 6,
              at + 4,
              number(value)));
    }
    double step = niceCeiling(xMax / 10);
    for (double t = 0; t <= xMax; t += step) {
      html.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>",
              x.apply(t),
              bottom + 16,
              number(t)));
    }
    html.append(
        String.format(
            Locale.ROOT,
            "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">seconds since producing started</text>"
                + "<text x=\"14\" y=\"%d\" transform=\"rotate(-90 14 %d)\" text-anchor=\"middle\">%s</text>",
            LEFT + (WIDTH - LEFT - RIGHT) / 2,
            HEIGHT - 6,
            TOP + (HEIGHT - TOP - BOTTOM) / 2,
            TOP + (HEIGHT - TOP - BOTTOM) / 2,
            escape(yLabel)));
  }

  private static void barChart(StringBuilder html, Map<String, Double> bars) {
    if (bars.isEmpty() || bars.values().stream().allMatch(v -> v == 0)) {
      html.append("<p>No retries.</p>\n");
      return;
    }
    List<Map.Entry<String, Double>> entries = new ArrayList<>(bars.entrySet());
    entries.sort((a, b) -> Integer.compare(attempt(a.getKey()), attempt(b.getKey())));
    double yMax = niceCeiling(entries.stream().mapToDouble(Map.Entry::getValue).max().orElse(1));
    int plotWidth = WIDTH - LEFT - RIGHT;
    int plotHeight = HEIGHT - TOP - BOTTOM;
    double slot = (double) plotWidth / entries.size();
    html.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"")
        .append(WIDTH)
        .append("\" height=\"")
        .append(HEIGHT)
        .append("\" role=\"img\">");
    int bottom = HEIGHT - BOTTOM;
    html.append(
        String.format(
            Locale.ROOT,
            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>",
            LEFT,
            bottom,
            WIDTH - RIGHT,
            bottom));
    for (int i = 0; i < entries.size(); i++) {
      double value = entries.get(i).getValue();
      double height = value / yMax * plotHeight;
      double left = LEFT + i * slot + slot * 0.15;
      html.append(
          String.format(
              Locale.ROOT,
              "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%s</title></rect>"
                  + "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>"
                  + "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">attempt %s</text>",
              left,
              bottom - height,
              slot * 0.7,
              height,
              COLOURS[0],
              number(value),
              left + slot * 0.35,
              bottom - height - 4,
              number(value),
              left + slot * 0.35,
              bottom + 16,
              escape(entries.get(i).getKey())));
    }
    html.append("</svg>\n");
  }

  private static int attempt(String label) {
    try {
      return Integer.parseInt(label);
    } catch (NumberFormatException e) {
      return Integer.MAX_VALUE;
    }
  }

  /** 1, 2 or 5 times a power of ten, at or above the value. */
  static double niceCeiling(double value) {
    if (value <= 0) {
      return 1;
    }
    double power = Math.pow(10, Math.floor(Math.log10(value)));
    for (double m : new double[] {1, 2, 5, 10}) {
      if (m * power >= value) {
        return m * power;
      }
    }
    return 10 * power;
  }

  private static String number(double value) {
    if (value >= 10_000) {
      return String.format(Locale.ROOT, "%.0fk", value / 1000);
    }
    return value == Math.rint(value)
        ? String.format(Locale.ROOT, "%.0f", value)
        : String.format(Locale.ROOT, "%.1f", value);
  }

  static String escape(String text) {
    StringBuilder escaped = new StringBuilder(text.length());
    for (char c : text.toCharArray()) {
      switch (c) {
        case '<' -> escaped.append("&lt;");
        case '>' -> escaped.append("&gt;");
        case '&' -> escaped.append("&amp;");
        case '"' -> escaped.append("&quot;");
        case '\'' -> escaped.append("&#39;");
        default -> escaped.append(c);
      }
    }
    return escaped.toString();
  }
}
