package dev.eventrouter.queues.delivery;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.StringJoiner;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Standard Webhooks' symmetric signature: HMAC-SHA256 over {@code id.timestamp.body}, sent as
 * {@code v1,<base64>} in {@code webhook-signature}, one per key, space-separated, beside {@code
 * webhook-id} and {@code webhook-timestamp}. The id and the timestamp are signed with the body so
 * that a receiver can drop a replay (an old timestamp) and a duplicate (an id seen before).
 */
public final class WebhookSignature {

  public static final String ID = "webhook-id";
  public static final String TIMESTAMP = "webhook-timestamp";
  public static final String SIGNATURE = "webhook-signature";

  private static final Set<String> HEADERS = Set.of(ID, TIMESTAMP, SIGNATURE);

  /** How the specification writes a symmetric key for people to copy; optional here. */
  private static final String KEY_PREFIX = "whsec_";

  /** The specification's bounds on a key: at least 192 bits, at most 512. */
  static final int MIN_KEY_BYTES = 24;

  static final int MAX_KEY_BYTES = 64;

  private static final String ALGORITHM = "HmacSHA256";

  private WebhookSignature() {}

  /** Whether a header of this name is one a signed request carries: a destination's may not be. */
  public static boolean isSignatureHeader(String name) {
    return HEADERS.contains(name.toLowerCase(Locale.ROOT));
  }

  /**
   * The key bytes a secret holds: {@code whsec_} (optional) and the key in base64.
   *
   * @throws InvalidSecretException naming the secret and what is wrong, never the value
   */
  static byte[] key(String secret, String value) {
    String base64 = value.startsWith(KEY_PREFIX) ? value.substring(KEY_PREFIX.length()) : value;
    byte[] key;
    try {
      key = Base64.getDecoder().decode(base64);
    } catch (IllegalArgumentException e) {
      // not the decoder's message: it quotes the offending character
      throw new InvalidSecretException(secret, "a signing key is whsec_ and the key in base64");
    }
    if (key.length < MIN_KEY_BYTES || key.length > MAX_KEY_BYTES) {
      throw new InvalidSecretException(
          secret,
          "a signing key is "
              + MIN_KEY_BYTES
              + " to "
              + MAX_KEY_BYTES
              + " bytes, not "
              + key.length);
    }
    return key;
  }

  /** The headers of one attempt: its id, its time, a signature by each key in their order. */
  static List<OutgoingRequest.Header> headers(
      String id, long timestamp, byte[] body, List<byte[]> keys) {
    StringJoiner signatures = new StringJoiner(" ");
    for (byte[] key : keys) {
      signatures.add(sign(key, id, timestamp, body));
    }
    return List.of(
        new OutgoingRequest.Header(ID, id),
        new OutgoingRequest.Header(TIMESTAMP, Long.toString(timestamp)),
        new OutgoingRequest.Header(SIGNATURE, signatures.toString()));
  }

  /** {@code v1,} and the base64 of HMAC-SHA256(key, {@code id.timestamp.body}). */
  static String sign(byte[] key, String id, long timestamp, byte[] body) {
    Mac mac;
    try {
      mac = Mac.getInstance(ALGORITHM);
      mac.init(new SecretKeySpec(key, ALGORITHM));
    } catch (GeneralSecurityException e) {
      // every Java runtime has HmacSHA256, and any key of any length is one for it
      throw new IllegalStateException(e);
    }
    mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
    return "v1," + Base64.getEncoder().encodeToString(mac.doFinal(body));
  }
}
