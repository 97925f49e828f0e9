package dev.eventrouter.loadtest.blackhole;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
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
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Answers each delivery as its destination's {@link Behaviour} says (by default an empty 200 at
 * once) and counts it; {@code GET /stats} tells the counts, {@code GET /stats/latency} the first
 * deliveries' latencies. One instance serves every connection.
 */
@Sharable
final class BlackHoleHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

  private static final AsciiString MESSAGE_ID = AsciiString.cached("x-message-id");
  private static final AsciiString BATCH_SIZE = AsciiString.cached("x-batch-size");
  private static final ObjectMapper TREES = new ObjectMapper();
  private static final AsciiString DELIVERY_ATTEMPT = AsciiString.cached("x-delivery-attempt");
  private static final AsciiString SOURCE_ID = AsciiString.cached("x-source-id");
  private static final AsciiString ALLOWED = AsciiString.cached("GET, POST");
  private static final String STATS_PATH = "/stats";
  private static final String LATENCY_PATH = "/stats/latency";
  private static final JsonFactory JSON = new JsonFactory();

  private final DeliveryCounts counts;
  private final Behaviours behaviours;
  private final Tap tap;

  /**
   * @param tap null for none
   */
  BlackHoleHandler(DeliveryCounts counts, Behaviours behaviours, Tap tap) {
    this.counts = counts;
    this.behaviours = behaviours;
    this.tap = tap;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    if (request.decoderResult().isSuccess() && HttpMethod.POST.equals(request.method())) {
      String destination = firstSegment(path(request.uri()));
      if (!destination.isEmpty()) {
        deliver(ctx, request, destination);
        return;
      }
    }
    write(ctx, request, respond(request));
  }

  private void deliver(ChannelHandlerContext ctx, FullHttpRequest request, String destination) {
    long now = System.nanoTime();
    Behaviour behaviour = behaviours.of(destination);
    String source = request.headers().get(SOURCE_ID, "");
    boolean overRate =
        behaviour.rateLimit() != null
            && behaviours.overRate(destination, source, behaviour.rateLimit().perSecond(), now);
    Body body = Body.of(request.content());
    List<Body> batch =
        request.headers().contains(BATCH_SIZE) ? Body.batch(request.content()) : null;
    String messageId = request.headers().get(MESSAGE_ID, body.messageId());
    int attempt = attempt(request);
    boolean bounded = behaviour.capacity() > 0;
    if (bounded && !behaviours.serve(destination, behaviour.capacity())) {
      counts.refuse(destination, messageId, DeliveryCounts.Refusal.OVER_CAPACITY);
      write(ctx, request, empty(request, HttpResponseStatus.SERVICE_UNAVAILABLE));
      return;
    }
    Runnable served = bounded ? () -> behaviours.served(destination) : () -> {};
    Behaviour.Answer answer =
        behaviour.answer(
            behaviours.elapsedNanos(now),
            overRate,
            behaviours.random(destination, messageId, attempt));
    // copied now: the request's buffer is released when this returns, before a delayed answer
    Tap.Delivery seen = tap == null ? null : seen(request, destination, messageId, attempt, answer);
    if (answer instanceof Behaviour.Accept accept) {
      later(
          ctx,
          accept.delayNanos(),
          () -> {
            served.run();
            if (batch != null) {
              // a batched webhook's request: each event of its JSON array is delivered
              counts.batch(destination);
              batch.forEach(
                  event ->
                      counts.recordEvent(destination, event.messageId(), attempt, latency(event)));
            } else {
              counts.record(destination, messageId, attempt, latency(body));
            }
            tapped(seen);
            write(ctx, request, empty(request, HttpResponseStatus.OK));
          });
    } else if (answer instanceof Behaviour.Refuse refuse) {
      later(
          ctx,
          refuse.delayNanos(),
          () -> {
            served.run();
            counts.refuse(destination, messageId, refusal(refuse.status()));
            tapped(seen);
            FullHttpResponse response = empty(request, HttpResponseStatus.valueOf(refuse.status()));
            if (refuse.retryAfter() != null) {
              response
                  .headers()
                  .set(HttpHeaderNames.RETRY_AFTER, Math.max(1, refuse.retryAfter().toSeconds()));
            }
            write(ctx, request, response);
          });
    } else if (answer instanceof Behaviour.Hold) {
      // a request held is not being served: the client's timeout ends it
      served.run();
      counts.refuse(destination, messageId, DeliveryCounts.Refusal.HELD);
      tapped(seen);
    } else {
      served.run();
      counts.refuse(destination, messageId, DeliveryCounts.Refusal.RESET);
      tapped(seen);
      ctx.channel().config().setOption(ChannelOption.SO_LINGER, 0);
      ctx.close();
    }
  }

  private static Tap.Delivery seen(
      FullHttpRequest request,
      String destination,
      String messageId,
      int attempt,
      Behaviour.Answer answer) {
    Map<String, String> headers = new TreeMap<>();
    for (Map.Entry<String, String> header : request.headers()) {
      headers.merge(
          header.getKey().toLowerCase(Locale.ROOT), header.getValue(), (a, b) -> a + ", " + b);
    }
    int status =
        answer instanceof Behaviour.Accept
            ? 200
            : answer instanceof Behaviour.Refuse refuse ? refuse.status() : 0;
    return new Tap.Delivery(
        destination, messageId, attempt, status, headers, ByteBufUtil.getBytes(request.content()));
  }

  /** Told when the answer is given (or, for a reset or a hold, decided). */
  private void tapped(Tap.Delivery seen) {
    if (seen != null) {
      tap.answered(seen);
    }
  }

  private static DeliveryCounts.Refusal refusal(int status) {
    return switch (status) {
      case 429 -> DeliveryCounts.Refusal.RATE_LIMITED;
      case 400 -> DeliveryCounts.Refusal.REJECTED;
      default -> DeliveryCounts.Refusal.ERROR;
    };
  }

  /** At once when there is no delay; else on the connection's event loop, then flushed. */
  private static void later(ChannelHandlerContext ctx, long delayNanos, Runnable answer) {
    if (delayNanos <= 0) {
      answer.run();
    } else {
      ctx.executor()
          .schedule(
              () -> {
                answer.run();
                ctx.flush();
              },
              delayNanos,
              TimeUnit.NANOSECONDS);
    }
  }

  private static void write(
      ChannelHandlerContext ctx, FullHttpRequest request, FullHttpResponse response) {
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
      return empty(request, HttpResponseStatus.NOT_FOUND);
    }
    if (HttpMethod.GET.equals(request.method())) {
      return switch (path) {
        case STATS_PATH -> json(request, counts.statsJson());
        case LATENCY_PATH -> json(request, counts.latencyJson());
        default -> empty(request, HttpResponseStatus.NOT_FOUND);
      };
    }
    FullHttpResponse refused = empty(request, HttpResponseStatus.METHOD_NOT_ALLOWED);
    refused.headers().set(HttpHeaderNames.ALLOW, ALLOWED);
    return refused;
  }

  private static FullHttpResponse json(FullHttpRequest request, byte[] body) {
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            request.protocolVersion(), HttpResponseStatus.OK, Unpooled.wrappedBuffer(body));
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

  /**
   * The event's own top-level messageId ("" if none: the router's header is used first) and sentAt
   * (-1 if none), read until both are found, so an event that writes them first costs little.
   */
  private static long latency(Body body) {
    return body.sentAtMillis() < 0
        ? -1
        : Math.max(0, System.currentTimeMillis() - body.sentAtMillis());
  }

  record Body(String messageId, long sentAtMillis) {

    /** The events of a batched request's JSON array. */
    static List<Body> batch(ByteBuf body) {
      List<Body> events = new ArrayList<>();
      try {
        JsonNode array = TREES.readTree((InputStream) new ByteBufInputStream(body.duplicate()));
        for (JsonNode event : array) {
          events.add(
              new Body(
                  event.path("messageId").asText(""),
                  event.has("sentAt") ? millis(event.get("sentAt").asText()) : -1));
        }
      } catch (IOException notJson) {
        // none counted
      }
      return events;
    }

    static Body of(ByteBuf body) {
      String messageId = "";
      long sentAt = -1;
      if (!body.isReadable()) {
        return new Body(messageId, sentAt);
      }
      try (JsonParser json =
          JSON.createParser((InputStream) new ByteBufInputStream(body.duplicate()))) {
        if (json.nextToken() != JsonToken.START_OBJECT) {
          return new Body(messageId, sentAt);
        }
        while (json.nextToken() == JsonToken.FIELD_NAME && (messageId.isEmpty() || sentAt < 0)) {
          String field = json.currentName();
          JsonToken value = json.nextToken();
          if (field.equals("messageId") && value == JsonToken.VALUE_STRING) {
            messageId = json.getText();
          } else if (field.equals("sentAt") && value == JsonToken.VALUE_STRING) {
            sentAt = millis(json.getText());
          }
          json.skipChildren();
        }
      } catch (IOException notJson) {
        // counted under "", as for a body without a messageId
      }
      return new Body(messageId, sentAt);
    }

    private static long millis(String iso) {
      try {
        return Instant.parse(iso).toEpochMilli();
      } catch (DateTimeParseException e) {
        return -1;
      }
    }
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
