package dev.eventrouter.queues.delivery;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A receiver's check of a signed webhook, written as the README shows it to receivers (standard
 * library only), and apart from the signer: what the router sends must pass the check its users are
 * told to write.
 */
final class WebhookReceiver {

  private WebhookReceiver() {}

  static final long TOLERANCE_SECONDS = 300;

  static boolean verify(
      String secret, String id, String timestamp, String signatures, byte[] body, long nowSeconds)
      throws Exception {
    if (Math.abs(nowSeconds - Long.parseLong(timestamp)) > TOLERANCE_SECONDS) {
      return false; // too old (a replay) or from the future
    }
    byte[] key = Base64.getDecoder().decode(secret.replaceFirst("^whsec_", ""));
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
    byte[] expected =
        ("v1," + Base64.getEncoder().encodeToString(mac.doFinal(body)))
            .getBytes(StandardCharsets.UTF_8);
    for (String signature : signatures.split(" ")) {
      if (MessageDigest.isEqual(expected, signature.getBytes(StandardCharsets.UTF_8))) {
        return true;
      }
    }
    return false;
  }
}
