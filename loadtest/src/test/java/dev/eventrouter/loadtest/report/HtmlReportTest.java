package dev.eventrouter.loadtest.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventrouter.loadtest.audit.Audit;
import dev.eventrouter.loadtest.result.RunSummary;
import dev.eventrouter.loadtest.result.Sample;
import dev.eventrouter.loadtest.scenario.Scenario;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HtmlReportTest {

  @TempDir Path dir;

  @Test
  void isOneSelfContainedPageWithTheAuditAndTheCharts() throws Exception {
    Path file = dir.resolve("s.conf");
    Files.writeString(
        file,
        """
        name = "<b>x</b>"
        destinations {
          "a<script>" { behaviour.outages = [{ start = 2s, length = 3s, success-rate = 0.15 }] }
          b {}
        }
        """);
    Scenario scenario = Scenario.load(file);
    List<Sample> samples = new ArrayList<>();
    for (int t = 1; t <= 10; t++) {
      samples.add(
          new Sample(
              t,
              100,
              Map.of("a<script>", t >= 2 && t < 5 ? 15.0 : 100.0, "b", 50.0),
              Map.of("a<script>", 0.0),
              3,
              40 * t,
              Map.of("all", 12.0),
              Map.of("all", 80.0, "b", 60.0),
              1e8,
              Map.of("a<script>", t >= 2 && t < 5 ? 4.0 : 20.0, "b", 20.0)));
    }
    Audit.Accounting total = new Audit.Accounting(10, 9, 1, 0, 0, 1);
    RunSummary summary =
        new RunSummary(
            "<b>x</b>",
            "",
            "2 cores",
            "now",
            10,
            12,
            100,
            new Audit.Result(10, 0, total, Map.of("b", total), Map.of(), List.of("b/m-9")),
            Map.of("1", 30.0, "2", 4.0),
            List.of(),
            1e8,
            samples,
            false);

    String html = HtmlReport.render(summary, scenario);

    assertThat(html).startsWith("<!DOCTYPE html>").contains("FAILED").contains("b/m-9");
    assertThat(count(html, "<svg")).isEqualTo(6);
    assertThat(html).contains("Concurrency limit, by destination");
    assertThat(html)
        .doesNotContain("<script", "<b>x</b>", "<link", "@import", "src=")
        .contains("&lt;b&gt;x&lt;/b&gt;", "a&lt;script&gt;");
    // the only URL is the SVG namespace: nothing is fetched
    Matcher urls = Pattern.compile("https?://[^\"]+").matcher(html);
    while (urls.find()) {
      assertThat(urls.group()).isEqualTo("http://www.w3.org/2000/svg");
    }
    assertThat(html).contains("<rect x=").contains("attempt 1").contains("attempt 2");
  }

  private static int count(String text, String part) {
    int n = 0;
    for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
      n++;
    }
    return n;
  }
}
