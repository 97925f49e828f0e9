package dev.eventrouter.loadtest.parity;

import dev.eventrouter.loadtest.parity.JobSeen.Archived;
import dev.eventrouter.loadtest.parity.JobSeen.Delivered;
import dev.eventrouter.loadtest.parity.JobSeen.Discarded;
import dev.eventrouter.loadtest.parity.JobSeen.Ending;
import dev.eventrouter.loadtest.parity.ParityDiff.Category;
import dev.eventrouter.loadtest.parity.ParityDiff.Difference;
import dev.eventrouter.loadtest.parity.ParityDiff.Report;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The parity report as Markdown: the two runs side by side, then every difference found. */
public final class ParityReport {

  private ParityReport() {}

  /**
   * @param header lines about the input and the command, first
   */
  public static String markdown(List<String> header, BuildSeen a, BuildSeen b, Report report) {
    List<String> lines =
        new ArrayList<>(List.of("# Parity: " + a.label() + " and " + b.label(), ""));
    lines.addAll(header);
    lines.addAll(List.of("", "| | " + a.label() + " | " + b.label() + " |", "|---|---|---|"));
    row(lines, "jar", a, b, s -> s.jar());
    row(lines, "events", a, b, s -> Long.toString(s.facts().events()));
    row(lines, "jobs", a, b, s -> Integer.toString(s.jobs().size()));
    row(
        lines,
        "deliveries (200) when killed",
        a,
        b,
        s -> killed(s) ? Long.toString(s.facts().deliveriesAtKill()) : "no kill");
    row(
        lines,
        "ready again after the kill, s",
        a,
        b,
        s ->
            killed(s) ? String.format(Locale.ROOT, "%.1f", s.facts().secondsKilledToReady()) : "-");
    row(
        lines,
        "drained (every job ended, none held)",
        a,
        b,
        s -> Boolean.toString(s.facts().drained()));
    row(lines, "run, s", a, b, s -> String.format(Locale.ROOT, "%.0f", s.facts().seconds()));
    Map<String, Long> endingsA = endingCounts(a);
    Map<String, Long> endingsB = endingCounts(b);
    TreeMap<String, Long> kinds = new TreeMap<>(endingsA);
    kinds.putAll(endingsB);
    for (String kind : kinds.keySet()) {
      lines.add(
          "| "
              + kind
              + " | "
              + endingsA.getOrDefault(kind, 0L)
              + " | "
              + endingsB.getOrDefault(kind, 0L)
              + " |");
    }
    row(
        lines,
        "attempts received",
        a,
        b,
        s -> Long.toString(s.jobs().stream().mapToLong(j -> j.requests().size()).sum()));
    row(
        lines,
        "attempts received again across the kill (allowed)",
        a,
        b,
        s -> Long.toString(againAcrossTheKill(s)));
    row(
        lines,
        "their first copies, received at most this long before the kill, s",
        a,
        b,
        s ->
            String.format(
                Locale.ROOT,
                "%.1f",
                s.jobs().stream()
                    .flatMap(j -> j.duplicates().stream())
                    .filter(JobSeen.Duplicate::acrossTheKill)
                    .mapToDouble(JobSeen.Duplicate::secondsBeforeTheKill)
                    .max()
                    .orElse(0)));
    row(
        lines,
        "jobs without a trace at the operator API",
        a,
        b,
        s -> Long.toString(s.jobs().stream().filter(j -> j.trace() == null).count()));
    // not the destination's answer but the router's client (timeout, connection): on a starved
    // machine one build can meet it and not the other
    row(
        lines,
        "jobs with an attempt the router failed without reading an answer",
        a,
        b,
        s ->
            Long.toString(
                s.jobs().stream().filter(j -> !ParityDiff.unanswered(j).isEmpty()).count()));
    // a restart slower than the shortest expire-after, or such a failed first attempt
    row(
        lines,
        "archived without any request received",
        a,
        b,
        s ->
            Long.toString(
                s.jobs().stream()
                    .filter(j -> j.ending() instanceof Archived && j.requests().isEmpty())
                    .count()));
    lines.addAll(
        List.of(
            "",
            report.same()
                ? "## No difference in " + report.jobs() + " jobs"
                : "## "
                    + report.differences()
                    + " differences in "
                    + report.jobsDiffering()
                    + " of "
                    + report.jobs()
                    + " jobs",
            "",
            "| category | count | what differs |",
            "|---|---|---|"));
    for (Map.Entry<Category, Long> c : report.counts().entrySet()) {
      lines.add("| " + c.getKey() + " | " + c.getValue() + " | " + c.getKey().meaning + " |");
    }
    if (!report.first().isEmpty()) {
      lines.addAll(
          List.of(
              "",
              "First " + report.first().size() + ":",
              "",
              "| category | job | " + a.label() + " | " + b.label() + " |",
              "|---|---|---|---|"));
      for (Difference d : report.first()) {
        lines.add(
            "| "
                + d.category()
                + " | "
                + d.job()
                + " | "
                + cell(d.a())
                + " | "
                + cell(d.b())
                + " |");
      }
    }
    lines.addAll(List.of("", "Not compared: " + JobSeen.EXCLUDED + ".", ""));
    return String.join("\n", lines);
  }

  /** "archived=N delivered=N discarded=N, M attempts received again across the kill". */
  static String endings(BuildSeen seen) {
    return endingCounts(seen).entrySet().stream()
            .map(e -> e.getKey() + "=" + e.getValue())
            .collect(Collectors.joining(" "))
        + ", "
        + againAcrossTheKill(seen)
        + " attempts received again across the kill";
  }

  /** Jobs by how they ended, discarded and archived ones by reason too. */
  private static Map<String, Long> endingCounts(BuildSeen seen) {
    return seen.jobs().stream()
        .collect(Collectors.groupingBy(j -> kind(j.ending()), TreeMap::new, Collectors.counting()));
  }

  private static String kind(Ending ending) {
    if (ending instanceof Delivered) {
      return "delivered";
    }
    if (ending instanceof Discarded d) {
      return "discarded (" + d.reason() + ", " + d.origin() + ")";
    }
    if (ending instanceof Archived archived) {
      return "archived (" + archived.reason() + ")";
    }
    return "unfinished";
  }

  private static boolean killed(BuildSeen seen) {
    return seen.facts().deliveriesAtKill() >= 0;
  }

  private static long againAcrossTheKill(BuildSeen seen) {
    return seen.jobs().stream()
        .flatMap(j -> j.duplicates().stream())
        .filter(JobSeen.Duplicate::explained)
        .mapToLong(d -> d.copies() - 1)
        .sum();
  }

  private static void row(
      List<String> lines,
      String label,
      BuildSeen a,
      BuildSeen b,
      Function<BuildSeen, String> value) {
    lines.add("| " + label + " | " + value.apply(a) + " | " + value.apply(b) + " |");
  }

  private static String cell(String text) {
    return text == null ? "" : text.replace("|", "\\|");
  }
}
