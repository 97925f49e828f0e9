package dev.eventrouter.queues.delivery;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.CharsetUtil;
import org.apache.pekko.http.javadsl.model.ContentTypes;

/**
 * A request as the Netty client sends it, written straight into one buffer: byte for byte what
 * Netty's HTTP/1.1 encoder writes for the same {@code FullHttpRequest} (its request line, {@code
 * host}, {@code content-type}, {@code content-length}, then the request's headers in order, each
 * character written as its low byte, one above U+00FF as {@code ?}), without building the header
 * map the encoder would read it from. Building and encoding those objects was four tenths of the
 * delivery loop's samples in a profile of a drain.
 */
final class RequestBytes {

  private RequestBytes() {}

  /**
   * The request in a buffer of the allocator's. Its values hold no control character ({@link
   * OutgoingRequest}): Netty's headers would have refused one.
   */
  static ByteBuf write(ByteBufAllocator allocator, String host, OutgoingRequest outgoing) {
    byte[] body = outgoing.body();
    String contentType =
        outgoing.contentType() == ContentTypes.APPLICATION_JSON
            ? "application/json"
            : outgoing.contentType().toString();
    String contentLength = Integer.toString(body.length);
    int size =
        "POST  HTTP/1.1\r\n\r\n".length()
            + outgoing.target().length()
            + headerLength("host", host)
            + headerLength("content-type", contentType)
            + headerLength("content-length", contentLength)
            + body.length;
    for (OutgoingRequest.Header header : outgoing.headers()) {
      size += headerLength(header.name(), header.value());
    }
    ByteBuf bytes = allocator.buffer(size);
    bytes.writeCharSequence("POST ", CharsetUtil.US_ASCII);
    // the target is ASCII, checked once per route (Routes); the encoder writes it as UTF-8
    bytes.writeCharSequence(outgoing.target(), CharsetUtil.UTF_8);
    bytes.writeCharSequence(" HTTP/1.1\r\n", CharsetUtil.US_ASCII);
    header(bytes, "host", host);
    header(bytes, "content-type", contentType);
    header(bytes, "content-length", contentLength);
    for (OutgoingRequest.Header header : outgoing.headers()) {
      header(bytes, header.name(), header.value());
    }
    bytes.writeByte('\r').writeByte('\n');
    bytes.writeBytes(body);
    return bytes;
  }

  private static int headerLength(String name, String value) {
    return name.length() + value.length() + 4;
  }

  private static void header(ByteBuf bytes, String name, String value) {
    bytes.writeCharSequence(name, CharsetUtil.US_ASCII);
    bytes.writeByte(':').writeByte(' ');
    bytes.writeCharSequence(value, CharsetUtil.US_ASCII);
    bytes.writeByte('\r').writeByte('\n');
  }
}
