package dev.eventrouter.queues.delivery;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * What an endpoint must be for a request to go to it: an http or https URL to a host, on a port
 * that exists. The registry checks a destination's endpoint with it when it loads, so a mistake is
 * refused there, named, rather than discarding every job; requests are checked again (a job carries
 * its endpoint): any other scheme would go out as plain HTTP to its host.
 */
public final class HttpEndpoint {

  private HttpEndpoint() {}

  /**
   * @throws IllegalArgumentException saying what is wrong, without the text (a webhook's URL may
   *     hold its credential)
   */
  public static URI parse(String text) {
    URI endpoint;
    try {
      endpoint = new URI(text);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          "not a URL: " + e.getReason() + " at character " + e.getIndex());
    }
    String scheme =
        endpoint.getScheme() == null ? "" : endpoint.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("http") || scheme.equals("https")) || endpoint.getHost() == null) {
      throw new IllegalArgumentException("must be an absolute http or https URL with a host");
    }
    if (endpoint.getPort() == 0 || endpoint.getPort() > 65_535) {
      throw new IllegalArgumentException(
          "port " + endpoint.getPort() + " does not exist (1 to 65535)");
    }
    return endpoint;
  }
}
