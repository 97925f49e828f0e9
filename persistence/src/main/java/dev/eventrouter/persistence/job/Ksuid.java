package dev.eventrouter.persistence.job;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;

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

  /** The earliest time an id carries: {@link #derive} takes an earlier one as this. */
  public static final Instant EARLIEST = Instant.ofEpochSecond(EPOCH_SECONDS);

  /** The latest time an id carries (in 2150): {@link #derive} takes a later one as this. */
  public static final Instant LATEST = Instant.ofEpochSecond(EPOCH_SECONDS + MAX_TIMESTAMP);

  /*
   * The twenty bytes as three big-endian numbers, compared unsigned: the seconds, then the
   * payload's first and last eight bytes. Held in the object itself, not in an array beside it: a
   * queue compares and hashes ids on every index, schedule and cache lookup, and an array was one
   * more object to reach each time (and 24 more bytes per id).
   */
  private final int seconds;
  private final long high;
  private final long low;

  private Ksuid(int seconds, long high, long low) {
    this.seconds = seconds;
    this.high = high;
    this.low = low;
  }

  private static long bigEndian(byte[] bytes, int offset, int length) {
    long value = 0;
    for (int i = 0; i < length; i++) {
      value = value << 8 | (bytes[offset + i] & 0xFFL);
    }
    return value;
  }

  private static void putBigEndian(long value, byte[] target, int offset, int length) {
    for (int i = length - 1; i >= 0; i--) {
      target[offset + i] = (byte) value;
      value >>>= 8;
    }
  }

  /**
   * The id of the job for {@code parts} (for a job: source, messageId, destination) at {@code
   * time}: the timestamp is {@code time} in whole seconds (clamped to the KSUID range), the payload
   * the first 16 bytes of SHA-256 over the parts, each terminated by a NUL byte so that ("ab", "c")
   * and ("a", "bc") differ.
   */
  public static Ksuid derive(Instant time, String... parts) {
    MessageDigest sha256 = SHA_256.get();
    for (String part : parts) {
      sha256.update(part.getBytes(StandardCharsets.UTF_8));
      sha256.update((byte) 0);
    }
    byte[] digest = sha256.digest();
    long seconds = Math.min(MAX_TIMESTAMP, Math.max(0L, time.getEpochSecond() - EPOCH_SECONDS));
    return new Ksuid(
        (int) seconds, bigEndian(digest, 0, Long.BYTES), bigEndian(digest, Long.BYTES, Long.BYTES));
  }

  public static Ksuid fromBytes(byte[] bytes) {
    if (bytes.length != BYTES) {
      throw new IllegalArgumentException("a KSUID has " + BYTES + " bytes, not " + bytes.length);
    }
    return fromBytes(bytes, 0);
  }

  /** The id in the twenty bytes of {@code bytes} from {@code offset}. */
  public static Ksuid fromBytes(byte[] bytes, int offset) {
    if (offset < 0 || bytes.length - offset < BYTES) {
      throw new IllegalArgumentException(
          "a KSUID has " + BYTES + " bytes, not " + Math.max(0, bytes.length - offset));
    }
    return new Ksuid(
        (int) bigEndian(bytes, offset, TIMESTAMP_BYTES),
        bigEndian(bytes, offset + TIMESTAMP_BYTES, Long.BYTES),
        bigEndian(bytes, offset + TIMESTAMP_BYTES + Long.BYTES, Long.BYTES));
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
    return new Ksuid((int) words[0], words[1] << 32 | words[2], words[3] << 32 | words[4]);
  }

  public Instant time() {
    return Instant.ofEpochSecond(epochSecond());
  }

  /** {@link #time()} in seconds since 1970, without making an Instant. */
  public long epochSecond() {
    return EPOCH_SECONDS + Integer.toUnsignedLong(seconds);
  }

  public byte[] toBytes() {
    byte[] bytes = new byte[BYTES];
    copyTo(bytes, 0);
    return bytes;
  }

  /** Writes the twenty bytes into {@code target} at {@code offset}, with no copy made first. */
  public void copyTo(byte[] target, int offset) {
    putBigEndian(seconds, target, offset, TIMESTAMP_BYTES);
    putBigEndian(high, target, offset + TIMESTAMP_BYTES, Long.BYTES);
    putBigEndian(low, target, offset + TIMESTAMP_BYTES + Long.BYTES, Long.BYTES);
  }

  @Override
  public String toString() {
    long[] words = {
      Integer.toUnsignedLong(seconds),
      high >>> 32,
      high & 0xFFFF_FFFFL,
      low >>> 32,
      low & 0xFFFF_FFFFL
    };
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
    // the bytes' order: big-endian numbers compared unsigned, most significant first
    int bySeconds = Integer.compareUnsigned(seconds, other.seconds);
    if (bySeconds != 0) {
      return bySeconds;
    }
    int byHigh = Long.compareUnsigned(high, other.high);
    return byHigh != 0 ? byHigh : Long.compareUnsigned(low, other.low);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Ksuid k && low == k.low && high == k.high && seconds == k.seconds;
  }

  @Override
  public int hashCode() {
    // the last four bytes: a digest or random, as good a hash as all twenty
    return (int) low;
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

  /**
   * One digest per thread, reused: {@code digest()} leaves it reset. Looking the algorithm up among
   * the security providers for every job was a visible share of accepting one.
   */
  private static final ThreadLocal<MessageDigest> SHA_256 =
      ThreadLocal.withInitial(
          () -> {
            try {
              return MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
              throw new IllegalStateException("every Java runtime has SHA-256", e);
            }
          });
}
