package dev.eventrouter.queues.delivery;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Looks up the addresses of an endpoint's host. The system's resolver in production; tests answer
 * with addresses built from raw bytes (an IPv4-mapped {@code Inet6Address}, say), which neither
 * {@code InetAddress.getByName} nor a hosts file hands out as such.
 */
@FunctionalInterface
interface NameResolver {

  NameResolver SYSTEM = InetAddress::getAllByName;

  /** @throws UnknownHostException when the host has no address */
  InetAddress[] addresses(String host) throws UnknownHostException;
}
