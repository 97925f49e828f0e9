package dev.eventrouter.queues.delivery;

import java.net.InetAddress;

/** A delivery would have connected to an address the {@link AddressPolicy} refuses. */
final class AddressRefusedException extends RuntimeException {

  AddressRefusedException(String host, InetAddress address, String why) {
    super(
        "address-refused: "
            + host
            + " resolves to "
            + address.getHostAddress()
            + " ("
            + why
            + "); allow it with eventrouter.delivery.allow-addresses",
        null,
        false,
        false);
  }
}
