package dev.eventrouter.router.ingest;

/** What may be said of an event that is not valid JSON, wherever it came in. */
public final class JsonProblems {

  private JsonProblems() {}

  /**
   * Only the first line of the parser's message, at most 200 characters: Jackson adds the location,
   * and payloads stay out of headers, answers and logs.
   */
  public static String firstLine(String message) {
    if (message == null) {
      return "malformed JSON";
    }
    int newline = message.indexOf('\n');
    String line = newline < 0 ? message : message.substring(0, newline);
    return line.length() > 200 ? line.substring(0, 200) : line;
  }
}
