package dev.eventrouter.loadtest.parity;

import dev.eventrouter.loadtest.blackhole.Tap;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Keeps every delivery request the black hole answered during one build's run, filed by
 * (destination, messageId), with the life of the router it came from: 0 until the kill, 1 after the
 * restart. Digests, not payloads, are kept.
 */
final class ParityTap implements Tap {

  /** The attempt: what each request is filed under, so not compared as a header. */
  static final String ATTEMPT_HEADER = "x-delivery-attempt";

  /** The job id the router sends. */
  static final String JOB_ID_HEADER = "idempotency-key";

  /** A credential: kept as its digest. */
  static final String SECRET_HEADER = "authorization";

  /**
   * One request as received.
   *
   * @param life which life of the router sent it: 0 before the kill, 1 after the restart
   * @param receivedAtNanos when the black hole answered it (the tap's clock)
   * @param jobId its Idempotency-Key, null if none
   */
  record Copy(
      int attempt,
      int status,
      int life,
      long receivedAtNanos,
      String jobId,
      String bodySha256,
      SortedMap<String, String> headers) {

    boolean sameContent(Copy other) {
      return bodySha256.equals(other.bodySha256) && headers.equals(other.headers);
    }
  }

  private final LongSupplier nanoClock;
  private final Map<String, List<Copy>> byJob = new ConcurrentHashMap<>();
  private final LongAdder delivered = new LongAdder();
  private volatile int life;
  private volatile long killedAtNanos = Long.MAX_VALUE;

  ParityTap() {
    this(System::nanoTime);
  }

  /**
   * @param nanoClock when things happen, as {@link System#nanoTime} tells
   */
  ParityTap(LongSupplier nanoClock) {
    this.nanoClock = nanoClock;
  }

  @Override
  public void answered(Delivery delivery) {
    SortedMap<String, String> headers = new TreeMap<>(delivery.headers());
    headers.remove(ATTEMPT_HEADER);
    headers.computeIfPresent(
        SECRET_HEADER, (name, value) -> "sha256:" + sha256(value.getBytes(StandardCharsets.UTF_8)));
    Copy copy =
        new Copy(
            delivery.attempt(),
            delivery.status(),
            life,
            nanoClock.getAsLong(),
            delivery.headers().get(JOB_ID_HEADER),
            sha256(delivery.body()),
            headers);
    List<Copy> copies =
        byJob.computeIfAbsent(
            key(delivery.destination(), delivery.messageId()), k -> new ArrayList<>());
    synchronized (copies) {
      copies.add(copy);
    }
    if (delivery.status() == 200) {
      delivered.increment();
    }
  }

  /** The router is being killed now. */
  void killing() {
    killedAtNanos = nanoClock.getAsLong();
  }

  /** The killed router is gone and starts again: what it sends now is its next life's. */
  void restarted() {
    life++;
  }

  /** When the router was killed (the tap's clock); {@link Long#MAX_VALUE} if it was not. */
  long killedAtNanos() {
    return killedAtNanos;
  }

  /** Requests answered 200 so far, copies included. */
  long delivered() {
    return delivered.sum();
  }

  /** The requests of one job, in the order received. */
  List<Copy> copies(String destination, String messageId) {
    List<Copy> copies = byJob.getOrDefault(key(destination, messageId), List.of());
    synchronized (copies) {
      return List.copyOf(copies);
    }
  }

  /** Whether the destination answered the job with what ends it: a 200, or a 400. */
  boolean answeredFinally(String destination, String messageId) {
    return copies(destination, messageId).stream()
        .anyMatch(c -> c.status() == 200 || c.status() == 400);
  }

  private static String key(String destination, String messageId) {
    return destination + '\u0000' + messageId;
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
