package dev.eventrouter.router.ingest;

import java.nio.charset.StandardCharsets;
import java.util.Random;

/** Record values an attacker, or a broken client, sends: good ones too, so both paths run. */
final class HostileValues {

  /** What a mutation inserts: JSON's own characters, where they do the most damage. */
  private static final String SYNTAX = "{}[]\",:\\ 0a";

  private HostileValues() {}

  static byte[] next(Random random) {
    return switch (random.nextInt(10)) {
      case 0 -> randomBytes(random, random.nextInt(2_000));
      case 1 -> mutate(random, good(random));
      case 2 -> nested(random, 1 + random.nextInt(200));
      case 3 -> utf8("{\"messageId\":\"" + "x".repeat(random.nextInt(600)) + "\"}");
      case 4 ->
          utf8(
              "{\"messageId\":\"m-"
                  + random.nextInt()
                  + "\",\"n\":"
                  + "9".repeat(1 + random.nextInt(20_000))
                  + "}");
      case 5 -> utf8("{\"messageId\":" + wrongType(random) + "}");
      case 6 -> invalidUtf8(random);
      case 7 -> utf8("{\"messageId\":\"m\\u000a" + random.nextInt() + "\"}");
      case 8 ->
          utf8(
              "{\"messageId\":\"m-"
                  + random.nextInt()
                  + "\",\"s\":\""
                  + "y".repeat(random.nextInt(100_000))
                  + "\"}");
      default -> good(random);
    };
  }

  static byte[] good(Random random) {
    return utf8(
        "{\"type\":\"track\",\"messageId\":\"m-"
            + Long.toHexString(random.nextLong())
            + "\",\"properties\":{\"n\":"
            + random.nextInt(1000)
            + ",\"tags\":[\"a\",\"b\"]}}");
  }

  private static byte[] randomBytes(Random random, int length) {
    byte[] bytes = new byte[length];
    random.nextBytes(bytes);
    return bytes;
  }

  private static byte[] mutate(Random random, byte[] value) {
    int changes = 1 + random.nextInt(4);
    for (int i = 0; i < changes && value.length > 0; i++) {
      int at = random.nextInt(value.length);
      switch (random.nextInt(3)) {
        case 0 -> value[at] = (byte) random.nextInt(256);
        case 1 -> value = java.util.Arrays.copyOf(value, at);
        default -> {
          byte[] longer = new byte[value.length + 1];
          System.arraycopy(value, 0, longer, 0, at);
          longer[at] = (byte) SYNTAX.charAt(random.nextInt(SYNTAX.length()));
          System.arraycopy(value, at, longer, at + 1, value.length - at);
          value = longer;
        }
      }
    }
    return value;
  }

  private static byte[] nested(Random random, int depth) {
    String open = random.nextBoolean() ? "[" : "{\"a\":";
    String close = open.equals("[") ? "]" : "}";
    return utf8(
        "{\"messageId\":\"m-"
            + random.nextInt()
            + "\",\"deep\":"
            + open.repeat(depth)
            + "1"
            + close.repeat(depth)
            + "}");
  }

  private static String wrongType(Random random) {
    String[] types = {
      "1", "1.5e300", "true", "null", "{}", "[]", "[\"m\"]", "{\"id\":\"m\"}", "\"\"", "\"   \""
    };
    return types[random.nextInt(types.length)];
  }

  private static byte[] invalidUtf8(Random random) {
    byte[] value = utf8("{\"messageId\":\"m-" + random.nextInt() + "\",\"s\":\"....\"}");
    int at = value.length - 6;
    byte[][] bad = {
      {(byte) 0xC3, 0x28},
      {(byte) 0xE2, (byte) 0x82},
      {(byte) 0xFF, (byte) 0xFE},
      {(byte) 0xED, (byte) 0xA0}
    };
    byte[] pick = bad[random.nextInt(bad.length)];
    value[at] = pick[0];
    value[at + 1] = pick[1];
    return value;
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
