package dev.eventrouter.router.registry;

import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.router.filter.EventFields;
import dev.eventrouter.router.filter.FieldPath;
import dev.eventrouter.router.filter.FieldValue;
import java.math.BigDecimal;
import java.util.List;
import java.util.Optional;

/**
 * In what order a destination gets its events: in none, or per key, where the key is the first of
 * {@code keyFields} an event has (by default {@code userId}, else {@code anonymousId}). Its jobs
 * carry the key as a 64-bit hash ({@link Job#orderingKey()}), taken when the ingest makes them.
 *
 * @param keyFields the fields whose value is the key, the first present one counts; empty for no
 *     ordering
 */
public record Ordering(List<FieldPath> keyFields) {

  /** Events in no particular order: the default. */
  public static final Ordering NONE = new Ordering(List.of());

  public Ordering {
    keyFields = List.copyOf(keyFields);
  }

  public boolean perKey() {
    return !keyFields.isEmpty();
  }

  /**
   * The hash of the event's key; {@link Job#UNORDERED} when the destination is not ordered or the
   * event has none of the key fields as a text or number (such an event goes in no order). A blank
   * text is no key: SDKs send {@code "userId": ""} for a user not yet known, and as one key it
   * would put every such user's events in one line behind each other.
   */
  public long keyOf(EventFields fields) {
    for (FieldPath field : keyFields) {
      Optional<String> key =
          fields.get(field).flatMap(Ordering::text).filter(text -> !text.isBlank());
      if (key.isPresent()) {
        return hash(key.get());
      }
    }
    return Job.UNORDERED;
  }

  private static Optional<String> text(FieldValue value) {
    if (value instanceof FieldValue.Text text) {
      return Optional.of(text.text());
    }
    if (value instanceof FieldValue.Numeric number) {
      return Optional.of(keyText(number.value()));
    }
    return Optional.empty();
  }

  /**
   * The most digits a number's key is written with in full: past it, in scientific notation. An
   * exponent is not bounded by the number's length in the event ({@code 1e999999999} is 12
   * characters), and written in full it would be as many digits as the exponent says.
   */
  private static final int MAX_PLAIN_DIGITS = 1000;

  /**
   * The number as its key: in full ({@code 1000}, {@code 0.5}) as every key has been hashed so far,
   * so that the jobs of a user keep their order across an upgrade; in scientific notation when it
   * would take more than {@link #MAX_PLAIN_DIGITS} digits.
   */
  private static String keyText(BigDecimal number) {
    int scale = number.scale();
    long digits = (long) number.precision() + Math.abs((long) scale);
    return digits <= MAX_PLAIN_DIGITS ? number.toPlainString() : number.toString();
  }

  /**
   * FNV-1a over the key's characters, then MurmurHash3's finalizer to spread its bits. Not
   * cryptographic: keys chosen to collide are only ordered together, which delays one for the other
   * and breaks no one's order. Never {@link Job#UNORDERED}, which means no key.
   */
  static long hash(String key) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < key.length(); i++) {
      h ^= key.charAt(i);
      h *= 0x100000001b3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb93fe53e87bdL;
    h ^= h >>> 33;
    return h == Job.UNORDERED ? 1 : h;
  }
}
