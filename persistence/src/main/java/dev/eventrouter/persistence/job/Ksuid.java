package dev.eventrouter.persistence.job;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Arrays;

/**
 * A K-Sortable Unique IDentifier (segmentio/ksuid): 4 bytes of seconds since 2014-05-13 followed by
 * 16 bytes of payload, written as 27 base-62 characters whose lexical order is the time order.
 *
 * <p>Job ids are {@linkplain #derive derived}, not random: the same Kafka record read twice yields
 * the same id, so the virtual queue can drop the duplicate.
 */
public final class Ksuid implements Comparable<Ksuid> {

  public static final int BYTES = 20;
  public static final int STRING_LENGTH = 27;

  /** KSUID epoch, 2014-05-13T16:53:20Z, in Unix seconds. */
  public static final long EPOCH_SECONDS = 1_400_000_000L;

  private static final int TIMESTAMP_BYTES = 4;
  private static final char[] ALPHABET =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();
  private static final String MAX_STRING = "aWgEPTl1tmebfsQzFP4bxwgy80V";
  private static final long MAX_TIMESTAMP = 0xFFFF_FFFFL;

  private final byte[] bytes;

  private Ksuid(byte[] bytes) {
    this.bytes = bytes;
  }

  /**
   * The id of the job for {@code parts} (for a job: source, messageId, destination) at {@code
   * time}: the timestamp is {@code time} in whole seconds (clamped to the KSUID range), the payload
   * the first 16 bytes of SHA-256 over the parts, each terminated by a NUL byte so that ("ab", "c")
   * and ("a", "bc") differ.
   */
  public static Ksuid derive(Instant time, String... parts) {
    MessageDigest sha256 = sha256();
    for (String part : parts) {
      sha256.update(part.getBytes(StandardCharsets.UTF_8));
      sha256.update((byte) 0);
    }
    byte[] digest = sha256.digest();
    byte[] bytes = new byte[BYTES];
    long seconds = Math.min(MAX_TIMESTAMP, Math.max(0L, time.getEpochSecond() - EPOCH_SECONDS));
    bytes[0] = (byte) (seconds >>> 24);
    bytes[1] = (byte) (seconds >>> 16);
    bytes[2] = (byte) (seconds >>> 8);
    bytes[3] = (byte) seconds;
    System.arraycopy(digest, 0, bytes, TIMESTAMP_BYTES, BYTES - TIMESTAMP_BYTES);
    return new Ksuid(bytes);
  }

  public static Ksuid fromBytes(byte[] bytes) {
    if (bytes.length != BYTES) {
      throw new IllegalArgumentException("a KSUID has " + BYTES + " bytes, not " + bytes.length);
    }
    return new Ksuid(bytes.clone());
  }

  /** Parses the 27-character base-62 form; rejects anything else with a message saying why. */
  public static Ksuid parse(String text) {
    if (text.length() != STRING_LENGTH) {
      throw new IllegalArgumentException(
          "a KSUID has " + STRING_LENGTH + " characters, not " + text.length());
    }
    if (text.compareTo(MAX_STRING) > 0) {
      throw new IllegalArgumentException("KSUID out of range: " + text);
    }
    long[] digits = new long[STRING_LENGTH];
    for (int i = 0; i < STRING_LENGTH; i++) {
      int digit = digitOf(text.charAt(i));
      if (digit < 0) {
        throw new IllegalArgumentException("not a base-62 character at " + i + " in a KSUID");
      }
      digits[i] = digit;
    }
    long[] words = convert(digits, 62, 1L << 32, BYTES / 4);
    byte[] bytes = new byte[BYTES];
    for (int w = 0; w < words.length; w++) {
      long word = words[w];
      bytes[4 * w] = (byte) (word >>> 24);
      bytes[4 * w + 1] = (byte) (word >>> 16);
      bytes[4 * w + 2] = (byte) (word >>> 8);
      bytes[4 * w + 3] = (byte) word;
    }
    return new Ksuid(bytes);
  }

  public Instant time() {
    long seconds =
        ((bytes[0] & 0xFFL) << 24)
            | ((bytes[1] & 0xFFL) << 16)
            | ((bytes[2] & 0xFFL) << 8)
            | (bytes[3] & 0xFFL);
    return Instant.ofEpochSecond(EPOCH_SECONDS + seconds);
  }

  public byte[] toBytes() {
    return bytes.clone();
  }

  /** Writes the twenty bytes into {@code target} at {@code offset}, with no copy made first. */
  public void copyTo(byte[] target, int offset) {
    System.arraycopy(bytes, 0, target, offset, BYTES);
  }

  @Override
  public String toString() {
    long[] words = new long[BYTES / 4];
    for (int w = 0; w < words.length; w++) {
      words[w] =
          ((bytes[4 * w] & 0xFFL) << 24)
              | ((bytes[4 * w + 1] & 0xFFL) << 16)
              | ((bytes[4 * w + 2] & 0xFFL) << 8)
              | (bytes[4 * w + 3] & 0xFFL);
    }
    // every request carries its job's id as text: divided by 62^5 at a time, five digits come
    // out of each pass over the words, not one
    char[] text = new char[STRING_LENGTH];
    int position = STRING_LENGTH;
    while (position > 0) {
      long remainder = 0;
      for (int w = 0; w < words.length; w++) {
        long value = words[w] + (remainder << 32);
        words[w] = value / FIVE_DIGITS;
        remainder = value % FIVE_DIGITS;
      }
      for (int i = 0; i < 5 && position > 0; i++) {
        text[--position] = ALPHABET[(int) (remainder % 62)];
        remainder /= 62;
      }
    }
    return new String(text);
  }

  /** 62^5: below 2^30, so a remainder shifted by a 32-bit word still fits in a long. */
  private static final long FIVE_DIGITS = 62L * 62 * 62 * 62 * 62;

  @Override
  public int compareTo(Ksuid other) {
    return Arrays.compareUnsigned(bytes, other.bytes);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Ksuid k && Arrays.equals(bytes, k.bytes);
  }

  @Override
  public int hashCode() {
    // the last bytes are a digest or random: as good a hash as all twenty, for a fraction of the
    // cost (ids are hashed on every index and cache lookup)
    return (bytes[16] & 0xFF) << 24
        | (bytes[17] & 0xFF) << 16
        | (bytes[18] & 0xFF) << 8
        | (bytes[19] & 0xFF);
  }

  private static int digitOf(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'A' && c <= 'Z') {
      return c - 'A' + 10;
    }
    if (c >= 'a' && c <= 'z') {
      return c - 'a' + 36;
    }
    return -1;
  }

  /**
   * Repeated long division of a big number held as digits in {@code fromBase}: each pass yields the
   * next least significant digit in {@code toBase}. Both bases are at most 2^32, so every
   * intermediate value fits in a long.
   */
  private static long[] convert(long[] source, long fromBase, long toBase, int length) {
    long[] result = new long[length];
    long[] dividend = source;
    int position = length;
    int size = dividend.length;
    while (size > 0) {
      long[] quotient = new long[size];
      int quotientSize = 0;
      long remainder = 0;
      for (int i = 0; i < size; i++) {
        long value = dividend[i] + remainder * fromBase;
        long digit = value / toBase;
        remainder = value % toBase;
        if (quotientSize != 0 || digit != 0) {
          quotient[quotientSize++] = digit;
        }
      }
      if (position == 0) {
        throw new IllegalArgumentException("KSUID out of range");
      }
      result[--position] = remainder;
      dividend = quotient;
      size = quotientSize;
    }
    return result;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
