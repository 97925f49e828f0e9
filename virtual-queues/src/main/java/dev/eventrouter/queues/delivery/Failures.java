package dev.eventrouter.queues.delivery;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;

/**
 * Names the failure of a request that got no response, for the job's trace and the metrics. The
 * HTTP client wraps the network's exceptions, so the whole cause chain and its messages are read.
 */
final class Failures {

  private Failures() {}

  static String classify(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      String message = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
      String type = t.getClass().getSimpleName();
      if (t instanceof AddressRefusedException
          || message.contains(DeliveryOutcome.ADDRESS_REFUSED + ":")) {
        return DeliveryOutcome.ADDRESS_REFUSED;
      }
      // not "unresolved": the client prints every address as "host/<unresolved>:port"
      if (t instanceof UnknownHostException || message.contains("unknownhostexception")) {
        return "dns";
      }
      if (t instanceof SSLException
          || message.contains("sslexception")
          || message.contains("ssl handshake")
          || message.contains("sslhandshake")) {
        return "tls";
      }
      if (t instanceof ConnectException || message.contains("connection refused")) {
        return "connection-refused";
      }
      if (t instanceof NoRouteToHostException || message.contains("no route to host")) {
        return "no-route";
      }
      if (t instanceof TimeoutException
          || type.contains("Timeout")
          || message.contains("timeout")
          || message.contains("timed out")) {
        return "timeout";
      }
      if (message.contains("connection reset") || message.contains("reset by peer")) {
        return "connection-reset";
      }
      if (t instanceof SocketException
          || message.contains("connection closed")
          || message.contains("premature")) {
        return "connection-closed";
      }
    }
    return "error";
  }
}
