package dev.eventrouter.queues.delivery;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * Looks up the addresses of an endpoint's host. The system's resolver in production; tests answer
 * with addresses built from raw bytes (an IPv4-mapped {@code Inet6Address}, say), which neither
 * {@code InetAddress.getByName} nor a hosts file hands out as such.
 */
@FunctionalInterface
interface NameResolver {

  NameResolver SYSTEM = InetAddress::getAllByName;

  /**
   * @throws UnknownHostException when the host has no address
   */
  InetAddress[] addresses(String host) throws UnknownHostException;

  /**
   * The first address of the host that the policy allows: the connection goes to exactly the
   * address checked, so a name cannot resolve to a refused one between check and connect.
   *
   * @throws AddressRefusedException when the policy allows none of the host's addresses
   */
  default InetSocketAddress allowed(String host, int port, AddressPolicy policy)
      throws UnknownHostException {
    InetAddress[] all = addresses(host);
    if (all.length == 0) {
      throw new UnknownHostException(host);
    }
    for (InetAddress address : all) {
      if (policy.refusal(address).isEmpty()) {
        return new InetSocketAddress(address, port);
      }
    }
    throw new AddressRefusedException(host, all[0], policy.refusal(all[0]).orElse("refused"));
  }
}
