package dev.eventrouter.queues.destination;

import java.util.List;

/**
 * Whether a destination's requests are signed as Standard Webhooks specifies, and with which keys:
 * the names of the secrets holding them, never the keys. Every request carries one signature per
 * key, so a receiver moving to a new key accepts either while both are listed.
 *
 * @param secrets the keys' secret names, in the order their signatures are sent; none: unsigned
 */
public record WebhookSigning(List<String> secrets) {

  public static final WebhookSigning NONE = new WebhookSigning(List.of());

  public WebhookSigning {
    secrets = List.copyOf(secrets);
  }

  public boolean signs() {
    return !secrets.isEmpty();
  }
}
