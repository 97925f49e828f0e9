package dev.eventrouter.router.metrics;

import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metric names a PromQL expression reads, found without a parser: what is left of the
 * expression once everything that holds other names is cut out (strings, label matchers, label
 * lists, ranges, comments, Grafana's variables) is names, numbers and operators; names followed by
 * a parenthesis are functions and aggregations, and a few are keywords. The rest are metrics.
 */
final class PromQl {

  /** Strings first: a matcher's value may hold braces, brackets or parentheses. */
  private static final Pattern STRING =
      Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");

  /**
   * Grafana's variables ($namespace, ${datasource}, $__rate_interval), replaced before a query
   * runs.
   */
  private static final Pattern VARIABLE =
      Pattern.compile("\\$(?:\\{[^}]*}|[a-zA-Z_][a-zA-Z0-9_]*)");

  private static final Pattern COMMENT = Pattern.compile("#[^\n]*");
  private static final Pattern MATCHERS = Pattern.compile("\\{[^}]*}");

  /** Ranges and subqueries, [5m], [1h:1m], [$__rate_interval]: durations, not names. */
  private static final Pattern RANGE = Pattern.compile("\\[[^]]*]");

  /**
   * The label names that aggregations group by and vector matching matches on (keywords in any
   * case).
   */
  private static final Pattern LABEL_LIST =
      Pattern.compile(
          "\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)",
          Pattern.CASE_INSENSITIVE);

  /**
   * A number or duration (0.99, 1e6, 0x1f, 5m) before a name, so that its letters are not taken for
   * one.
   */
  private static final Pattern TOKEN =
      Pattern.compile("[0-9][0-9a-zA-Z_.]*|([a-zA-Z_:][a-zA-Z0-9_:]*)(\\s*\\()?");

  private static final Set<String> KEYWORDS =
      Set.of(
          "and",
          "or",
          "unless",
          "bool",
          "offset",
          "by",
          "without",
          "on",
          "ignoring",
          "group_left",
          "group_right",
          "inf",
          "nan");

  private PromQl() {}

  static Set<String> metricNames(String expression) {
    String names = expression;
    for (Pattern other : new Pattern[] {STRING, VARIABLE, COMMENT, MATCHERS, RANGE, LABEL_LIST}) {
      names = other.matcher(names).replaceAll(" ");
    }
    Set<String> metrics = new LinkedHashSet<>();
    Matcher token = TOKEN.matcher(names);
    while (token.find()) {
      String name = token.group(1);
      boolean called = token.group(2) != null;
      if (name != null && !called && !KEYWORDS.contains(name.toLowerCase(Locale.ROOT))) {
        metrics.add(name);
      }
    }
    return metrics;
  }
}
