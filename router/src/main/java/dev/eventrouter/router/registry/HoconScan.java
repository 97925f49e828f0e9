package dev.eventrouter.router.registry;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * One pass over a registry sent as text (HOCON or JSON), before the HOCON parser reads it, for what
 * would cost the parser more than any registry needs. The parser descends one call per level of
 * objects, lists and parts of a dotted key ({@code a.b.c = 1} nests three objects): a few hundred
 * thousand levels, well within the admin API's size limit, overflow its stack. And it resolves each
 * {@code a += x} against every earlier one: a body of them takes it minutes. The levels are counted
 * the parser's way or more, never fewer; what the parser would refuse anyway is left to it.
 */
final class HoconScan {

  /** Far above a registry's own (a filter's condition is 8 levels down, as JSON). */
  static final int MAX_DEPTH = 64;

  static final String JOINED =
      "a value joined to the one before it (HOCON concatenates lists and merges objects so"
          + " written); a registry sent gives each value once";

  static final String UNRESOLVED =
      "it holds a substitution (${...} or +=); a registry sent to the router is sent resolved";

  /** Where the entry being read is: its key, or its value, not begun or begun. */
  private enum Place {
    KEY,
    VALUE,
    IN_VALUE
  }

  /**
   * Keys given again in one object, all objects together: HOCON merges each into the first, copying
   * what it holds, so that a body of them ({@code x { k1 = 1 }}, {@code x { k2 = 1 }}, ..., or
   * {@code x.k1 = 1}, ...) costs the parser the square of their number: minutes for a megabyte.
   */
  static final int MAX_KEYS_AGAIN = 1_000;

  /** An object or list opened and not yet closed, with what to restore when it closes. */
  private record Open(int levels, boolean outerIsList, int outerKeyDots, Set<String> outerKeys) {}

  private HoconScan() {}

  /** What is wrong with the text, and on which line, if it is too deep or holds a substitution. */
  static Optional<String> problem(String text) {
    Deque<Open> open = new ArrayDeque<>();
    int depth = 0;
    int keyDots = 0;
    boolean inList = false;
    Place place = Place.KEY;
    // the first part of each key of the object being read: null in a list
    Set<String> keys = new HashSet<>();
    boolean keyBegun = false;
    int keysAgain = 0;
    int line = 1;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      char next = i + 1 < text.length() ? text.charAt(i + 1) : 0;
      String key = null;
      if (c == '\n') {
        line++;
        // a key's value may begin on a later line; a value begun ends with its line
        if (place == Place.IN_VALUE) {
          place = inList ? Place.VALUE : Place.KEY;
          keyDots = 0;
          keyBegun = false;
        }
      } else if (c == ',') {
        place = inList ? Place.VALUE : Place.KEY;
        keyDots = 0;
        keyBegun = false;
      } else if (c == '=' || c == ':') {
        if (place == Place.KEY) {
          place = Place.VALUE;
        }
      } else if (c == '.' && place == Place.KEY) {
        keyDots++;
      } else if (c == '{' || c == '[') {
        if (place == Place.IN_VALUE) {
          return Optional.of("line " + line + ": " + JOINED);
        }
        int levels = 1 + keyDots;
        open.push(new Open(levels, inList, keyDots, keys));
        depth += levels;
        inList = c == '[';
        keys = inList ? null : new HashSet<>();
        place = inList ? Place.VALUE : Place.KEY;
        keyDots = 0;
        keyBegun = false;
      } else if (c == '}' || c == ']') {
        if (!open.isEmpty()) {
          Open closed = open.pop();
          depth -= closed.levels();
          inList = closed.outerIsList();
          keyDots = closed.outerKeyDots();
          keys = closed.outerKeys();
        }
        place = Place.IN_VALUE;
      } else if (c == '#' || (c == '/' && next == '/')) {
        i = endOfLine(text, i) - 1;
      } else if ((c == '$' && next == '{') || (c == '+' && next == '=')) {
        return Optional.of("line " + line + ": " + UNRESOLVED);
      } else if (c == '"') {
        int end = endOfString(text, i);
        if (place == Place.KEY && !keyBegun) {
          key = text.substring(i + 1, Math.max(i + 1, end));
        }
        line += newlines(text, i, end);
        i = end;
        place = place == Place.VALUE ? Place.IN_VALUE : place;
      } else if (!isWhitespace(c) && place == Place.VALUE) {
        place = Place.IN_VALUE;
      } else if (!isWhitespace(c) && place == Place.KEY && !keyBegun) {
        key = text.substring(i, endOfKeyPart(text, i));
      }
      if (key != null) {
        keyBegun = true;
        if (keys != null && !keys.add(key) && ++keysAgain > MAX_KEYS_AGAIN) {
          return Optional.of(
              "line "
                  + line
                  + ": more than "
                  + MAX_KEYS_AGAIN
                  + " keys given again in one object (HOCON merges each into the first); a"
                  + " registry sent gives each key once");
        }
      }
      if (depth + keyDots > MAX_DEPTH) {
        return Optional.of(
            "line "
                + line
                + ": nested deeper than "
                + MAX_DEPTH
                + " levels (objects, lists and the parts of a dotted key)");
      }
    }
    return Optional.empty();
  }

  /** Where an unquoted key's first part ends: at a dot, a separator or whitespace. */
  private static int endOfKeyPart(String text, int from) {
    int end = from;
    while (end < text.length()
        && ".=:{[,}]#\"".indexOf(text.charAt(end)) < 0
        && !isWhitespace(text.charAt(end))) {
      end++;
    }
    return end;
  }

  /** HOCON's whitespace: Unicode's, and the byte order mark. */
  private static boolean isWhitespace(char c) {
    return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\uFEFF';
  }

  private static int endOfLine(String text, int from) {
    int end = text.indexOf('\n', from);
    return end < 0 ? text.length() : end;
  }

  /**
   * The index of the closing quote of the string opened at {@code start}, {@code """} or {@code "};
   * an unclosed one ends before its line's end or at the text's, for the parser to refuse.
   */
  private static int endOfString(String text, int start) {
    if (text.startsWith("\"\"\"", start)) {
      int close = text.indexOf("\"\"\"", start + 3);
      if (close < 0) {
        return text.length() - 1;
      }
      int end = close + 2;
      // """a"""" is a" : the last three quotes close it
      while (end + 1 < text.length() && text.charAt(end + 1) == '"') {
        end++;
      }
      return end;
    }
    for (int i = start + 1; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\\') {
        i++;
      } else if (c == '"') {
        return i;
      } else if (c == '\n') {
        return i - 1;
      }
    }
    return text.length() - 1;
  }

  private static int newlines(String text, int from, int to) {
    int count = 0;
    for (int i = from; i <= to; i++) {
      if (text.charAt(i) == '\n') {
        count++;
      }
    }
    return count;
  }
}
