package dev.eventrouter.queues.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpVersion;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Netty client's requests are the bytes Netty's HTTP/1.1 encoder writes for the same request
 * made of its objects (as the client made them before), headers, odd characters and all.
 */
class RequestBytesTest {

  static Stream<OutgoingRequest> requests() {
    return Stream.of(
        request("/hooks/ok", ContentTypes.APPLICATION_JSON, List.of(), "{\"a\":1}"),
        request(
            "/v1/batch?key=a%20b&x=1",
            ContentTypes.APPLICATION_JSON,
            List.of(
                new OutgoingRequest.Header("X-Api-Key", "abc"),
                new OutgoingRequest.Header("User-Agent", "eventrouter/0.1"),
                new OutgoingRequest.Header("Idempotency-Key", "2VxZ1pBtQnGq3yK0aQzWm3kXo7H"),
                new OutgoingRequest.Header("X-Message-Id", "m-\u00fc-\u20ac-\ttab"),
                new OutgoingRequest.Header("X-Delivery-Attempt", "3"),
                new OutgoingRequest.Header("X-Source-Id", "source-1")),
            "[{\"event\":\"\u00e9t\u00e9\"}]"),
        request(
            "/",
            ContentTypes.TEXT_PLAIN_UTF8,
            List.of(new OutgoingRequest.Header("x-empty", "")),
            ""));
  }

  @ParameterizedTest
  @MethodSource("requests")
  void areTheBytesNettysEncoderWritesForTheSameRequest(OutgoingRequest outgoing) {
    String host = "hooks.example.com:8443";
    ByteBuf written = RequestBytes.write(UnpooledByteBufAllocator.DEFAULT, host, outgoing);

    assertThat(ByteBufUtil.getBytes(written)).isEqualTo(encodedByNetty(host, outgoing));
    written.release();
  }

  /** As the client built its requests from Netty's objects, through Netty's encoder. */
  private static byte[] encodedByNetty(String host, OutgoingRequest outgoing) {
    DefaultFullHttpRequest http =
        new DefaultFullHttpRequest(
            HttpVersion.HTTP_1_1,
            HttpMethod.POST,
            outgoing.target(),
            Unpooled.wrappedBuffer(outgoing.body()),
            DefaultHttpHeadersFactory.headersFactory().withNameValidation(false).newHeaders(),
            DefaultHttpHeadersFactory.trailersFactory().newHeaders(),
            false);
    http.headers().set(HttpHeaderNames.HOST, host);
    http.headers()
        .set(
            HttpHeaderNames.CONTENT_TYPE,
            outgoing.contentType() == ContentTypes.APPLICATION_JSON
                ? "application/json"
                : outgoing.contentType().toString());
    http.headers().set(HttpHeaderNames.CONTENT_LENGTH, outgoing.body().length);
    outgoing.headers().forEach(header -> http.headers().add(header.name(), header.value()));
    EmbeddedChannel channel = new EmbeddedChannel(new HttpRequestEncoder());
    channel.writeOutbound(http);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    for (ByteBuf out; (out = channel.readOutbound()) != null; ) {
      bytes.writeBytes(ByteBufUtil.getBytes(out));
      out.release();
    }
    channel.finishAndReleaseAll();
    return bytes.toByteArray();
  }

  private static OutgoingRequest request(
      String target, ContentType contentType, List<OutgoingRequest.Header> headers, String body) {
    return new OutgoingRequest(
        new PoolKey("hooks", true, "hooks.example.com", 8443),
        target,
        contentType,
        headers,
        body.getBytes(StandardCharsets.UTF_8));
  }
}
