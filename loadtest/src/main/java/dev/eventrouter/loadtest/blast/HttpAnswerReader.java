package dev.eventrouter.loadtest.blast;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads HTTP/1.1 answers off a keep-alive connection one after the other, as cheaply as it can:
 * only the status, {@code Content-Length} (the body is skipped) and {@code Connection: close} are
 * looked at, without allocating. An answer with a chunked body is refused: the servers measured
 * here (the black hole, the router) answer with a length.
 */
public final class HttpAnswerReader {

  /** Longer header lines are only needed up to here: names and short values. */
  private static final int LINE_PREFIX = 64;

  private static final byte[] CONTENT_LENGTH =
      "content-length:".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] CONNECTION_CLOSE =
      "connection: close".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] TRANSFER_ENCODING =
      "transfer-encoding:".getBytes(StandardCharsets.US_ASCII);

  private final InputStream in;
  private final byte[] line = new byte[LINE_PREFIX];
  private boolean closing;

  /** {@code in} should be buffered: it is read a byte at a time. */
  public HttpAnswerReader(InputStream in) {
    this.in = in;
  }

  /** Reads the next whole answer, its body skipped; returns its status. */
  public int next() throws IOException {
    int length = readLine();
    // "HTTP/1.1 200 OK" (kept lower-cased): the status is bytes 9 to 11
    if (length < 12 || line[0] != 'h' || !digit(line[9]) || !digit(line[10]) || !digit(line[11])) {
      throw new IOException(
          "not an HTTP status line: "
              + new String(line, 0, Math.min(length, LINE_PREFIX), StandardCharsets.US_ASCII));
    }
    int status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
    long bodyBytes = 0;
    closing = false;
    while ((length = readLine()) > 0) {
      if (startsWith(length, CONTENT_LENGTH)) {
        bodyBytes = number(length, CONTENT_LENGTH.length);
      } else if (startsWith(length, CONNECTION_CLOSE)) {
        closing = true;
      } else if (startsWith(length, TRANSFER_ENCODING)) {
        throw new IOException("a chunked answer: not read by this client");
      }
    }
    while (bodyBytes > 0) {
      long skipped = in.skip(bodyBytes);
      if (skipped <= 0) {
        if (in.read() < 0) {
          throw new IOException("the server closed the connection within a body");
        }
        skipped = 1;
      }
      bodyBytes -= skipped;
    }
    return status;
  }

  /** Whether the last answer said the server closes the connection after it. */
  public boolean closing() {
    return closing;
  }

  /**
   * Reads one line; returns its length without CR LF, and keeps its first {@link #LINE_PREFIX}
   * bytes, lower-cased.
   */
  private int readLine() throws IOException {
    int length = 0;
    boolean cr = false;
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("the server closed the connection");
      }
      if (b == '\n') {
        return cr ? length - 1 : length;
      }
      cr = b == '\r';
      if (length < LINE_PREFIX) {
        line[length] = (byte) (b >= 'A' && b <= 'Z' ? b + ('a' - 'A') : b);
      }
      length++;
    }
  }

  private boolean startsWith(int length, byte[] prefix) {
    if (length < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (line[i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  private static boolean digit(byte b) {
    return b >= '0' && b <= '9';
  }

  private long number(int length, int from) throws IOException {
    long value = 0;
    boolean digits = false;
    for (int i = from; i < Math.min(length, LINE_PREFIX); i++) {
      byte b = line[i];
      if (digit(b)) {
        value = value * 10 + (b - '0');
        digits = true;
      } else if (b != ' ' && b != '\t') {
        break;
      }
    }
    if (!digits) {
      throw new IOException("a Content-Length without a number");
    }
    return value;
  }
}
