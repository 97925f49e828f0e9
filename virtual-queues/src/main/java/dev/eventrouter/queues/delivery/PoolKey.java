package dev.eventrouter.queues.delivery;

import java.net.URI;

/**
 * What a connection pool serves: one destination on one (scheme, host, port). A pool per
 * destination, not per host: two destinations on one host must not share connections, or a slow one
 * would take the other's.
 */
record PoolKey(String destination, boolean https, String host, int port) {

  static PoolKey of(String destination, URI endpoint) {
    boolean https = "https".equalsIgnoreCase(endpoint.getScheme());
    int port = endpoint.getPort() >= 0 ? endpoint.getPort() : (https ? 443 : 80);
    return new PoolKey(destination, https, endpoint.getHost(), port);
  }
}
