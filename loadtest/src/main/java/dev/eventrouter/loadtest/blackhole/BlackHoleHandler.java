package dev.eventrouter.loadtest.blackhole;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.AsciiString;
import java.io.IOException;
import java.io.InputStream;

/**
 * Answers every delivery with an empty 200 and counts it; {@code GET /stats} tells the counts. One
 * instance serves every connection: it keeps no state of its own.
 */
@Sharable
final class BlackHoleHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

  private static final AsciiString MESSAGE_ID = AsciiString.cached("x-message-id");
  private static final AsciiString DELIVERY_ATTEMPT = AsciiString.cached("x-delivery-attempt");
  private static final AsciiString ALLOWED = AsciiString.cached("GET, POST");
  private static final String STATS_PATH = "/stats";
  private static final JsonFactory JSON = new JsonFactory();

  private final DeliveryCounts counts;

  BlackHoleHandler(DeliveryCounts counts) {
    this.counts = counts;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    FullHttpResponse response = respond(request);
    boolean keepAlive = HttpUtil.isKeepAlive(request) && request.decoderResult().isSuccess();
    HttpUtil.setKeepAlive(response, keepAlive);
    // written now, flushed once per read in channelReadComplete: pipelined requests share a flush
    if (keepAlive) {
      ctx.write(response, ctx.voidPromise());
    } else {
      ctx.write(response).addListener(ChannelFutureListener.CLOSE);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    ctx.flush();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // a client that resets its connection is routine under load: not worth a log line each
    ctx.close();
  }

  private FullHttpResponse respond(FullHttpRequest request) {
    if (request.decoderResult().isFailure()) {
      return empty(request, HttpResponseStatus.BAD_REQUEST);
    }
    String path = path(request.uri());
    if (HttpMethod.POST.equals(request.method())) {
      String destination = firstSegment(path);
      if (destination.isEmpty()) {
        return empty(request, HttpResponseStatus.NOT_FOUND);
      }
      counts.record(destination, messageId(request), attempt(request));
      return empty(request, HttpResponseStatus.OK);
    }
    if (HttpMethod.GET.equals(request.method())) {
      return path.equals(STATS_PATH)
          ? stats(request)
          : empty(request, HttpResponseStatus.NOT_FOUND);
    }
    FullHttpResponse refused = empty(request, HttpResponseStatus.METHOD_NOT_ALLOWED);
    refused.headers().set(HttpHeaderNames.ALLOW, ALLOWED);
    return refused;
  }

  private FullHttpResponse stats(FullHttpRequest request) {
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            request.protocolVersion(),
            HttpResponseStatus.OK,
            Unpooled.wrappedBuffer(counts.statsJson()));
    response
        .headers()
        .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
        .setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
    return response;
  }

  private static FullHttpResponse empty(FullHttpRequest request, HttpResponseStatus status) {
    FullHttpResponse response =
        new DefaultFullHttpResponse(request.protocolVersion(), status, Unpooled.EMPTY_BUFFER);
    response.headers().set(HttpHeaderNames.CONTENT_LENGTH, HttpHeaderValues.ZERO);
    return response;
  }

  /** The message id the router sends as a header, else the event's own top-level one, else "". */
  private static String messageId(FullHttpRequest request) {
    String header = request.headers().get(MESSAGE_ID);
    return header != null ? header : messageIdInBody(request.content());
  }

  static String messageIdInBody(ByteBuf body) {
    if (!body.isReadable()) {
      return "";
    }
    try (JsonParser json =
        JSON.createParser((InputStream) new ByteBufInputStream(body.duplicate()))) {
      if (json.nextToken() != JsonToken.START_OBJECT) {
        return "";
      }
      while (json.nextToken() == JsonToken.FIELD_NAME) {
        String field = json.currentName();
        JsonToken value = json.nextToken();
        if (field.equals("messageId") && value == JsonToken.VALUE_STRING) {
          return json.getText();
        }
        json.skipChildren();
      }
    } catch (IOException notJson) {
      // counted under "", as for a body without a messageId
    }
    return "";
  }

  private static int attempt(FullHttpRequest request) {
    String header = request.headers().get(DELIVERY_ATTEMPT);
    if (header == null) {
      return 0;
    }
    try {
      return Integer.parseInt(header.trim());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** The path of an origin-form ("/a/b?q") or absolute-form ("http://h/a/b") request target. */
  static String path(String uri) {
    int start = 0;
    if (!uri.startsWith("/")) {
      int authority = uri.indexOf("://");
      start = authority < 0 ? -1 : uri.indexOf('/', authority + 3);
      if (start < 0) {
        return "/";
      }
    }
    int end = start;
    while (end < uri.length() && uri.charAt(end) != '?' && uri.charAt(end) != '#') {
      end++;
    }
    return uri.substring(start, end);
  }

  /** "dest-a" for "/dest-a" and "/dest-a/any/thing"; "" for "/". */
  static String firstSegment(String path) {
    int end = path.indexOf('/', 1);
    return path.substring(1, end < 0 ? path.length() : end);
  }
}
