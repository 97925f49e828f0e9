package dev.eventrouter.loadtest.blackhole;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.HdrHistogram.Histogram;

/**
 * A destination that accepts everything, or behaves as told per destination ({@link Behaviours}):
 * every {@code POST /<destination>[/...]} is answered (by default {@code 200} with an empty body at
 * once) and counted per (destination, messageId), so a test can tell what was delivered, how often,
 * and at which attempt. {@code GET /stats} answers the totals as JSON: {@code
 * {"received":N,"duplicates":D,"destinations":{"<dest>":{"messages":M,"requests":R}}}}. {@code GET
 * /stats/latency} answers the latencies of first deliveries, from the event's {@code sentAt} to its
 * 200, of every destination together and since the start: {@code {"count":N,"ms":[[V,C],...]}}, C
 * of them V milliseconds (the bucket's highest value, to 3 significant digits), so that the
 * difference of two answers is one interval's.
 *
 * <p>The messageId is the {@code X-Message-Id} header the router sends, else the body's top-level
 * {@code "messageId"}, else "". A request with {@code X-Batch-Size} (a batched webhook's) is a JSON
 * array of events: one request, each event counted by its own messageId. Netty on NIO (the native
 * transports cannot be downloaded here), HTTP/1.1 with keep-alive; nothing is logged per request
 * and payloads are never logged.
 */
public final class BlackHole implements AutoCloseable {

  /**
   * @param port 0 for an ephemeral port
   * @param workerThreads event loops that serve connections
   * @param maxContentBytes larger request bodies are answered 413 and not counted
   * @param behaviours how each destination answers
   * @param tap sees every delivery request and its answer; null for none (nothing is copied)
   */
  public record Options(
      String host,
      int port,
      int workerThreads,
      int maxContentBytes,
      Behaviours behaviours,
      Tap tap) {

    public static final int DEFAULT_MAX_CONTENT_BYTES = 16 * 1024 * 1024;

    public Options {
      Objects.requireNonNull(host, "host");
      if (port < 0 || port > 65_535) {
        throw new IllegalArgumentException("port must be 0..65535, not " + port);
      }
      if (workerThreads < 1) {
        throw new IllegalArgumentException(
            "workerThreads must be at least 1, not " + workerThreads);
      }
      if (maxContentBytes < 0) {
        throw new IllegalArgumentException("maxContentBytes must not be negative");
      }
      Objects.requireNonNull(behaviours, "behaviours");
    }

    public Options(
        String host, int port, int workerThreads, int maxContentBytes, Behaviours behaviours) {
      this(host, port, workerThreads, maxContentBytes, behaviours, null);
    }

    /** Every destination answered 200 at once. */
    public Options(String host, int port, int workerThreads, int maxContentBytes) {
      this(host, port, workerThreads, maxContentBytes, Behaviours.acceptAll());
    }

    /** One worker per processor, bodies up to 16 MiB. */
    public static Options of(String host, int port) {
      return new Options(
          host, port, Runtime.getRuntime().availableProcessors(), DEFAULT_MAX_CONTENT_BYTES);
    }
  }

  private final String host;
  private final int port;
  private final Channel server;
  private final EventLoopGroup acceptor;
  private final EventLoopGroup workers;
  private final DeliveryCounts counts;
  private final Behaviours behaviours;
  private final AtomicBoolean closed = new AtomicBoolean();

  private BlackHole(
      String host,
      Channel server,
      EventLoopGroup acceptor,
      EventLoopGroup workers,
      DeliveryCounts counts,
      Behaviours behaviours) {
    this.host = host;
    this.port = ((InetSocketAddress) server.localAddress()).getPort();
    this.server = server;
    this.acceptor = acceptor;
    this.workers = workers;
    this.counts = counts;
    this.behaviours = behaviours;
  }

  /** Listens on {@code host:port} (port 0: an ephemeral one) and returns once bound. */
  public static BlackHole start(String host, int port) {
    return start(Options.of(host, port));
  }

  /**
   * @throws IllegalStateException when the address cannot be bound
   */
  public static BlackHole start(Options options) {
    // daemon threads: a test that forgets close() must not keep its JVM alive
    EventLoopGroup acceptor =
        new NioEventLoopGroup(1, new DefaultThreadFactory("blackhole-accept", true));
    EventLoopGroup workers =
        new NioEventLoopGroup(
            options.workerThreads(), new DefaultThreadFactory("blackhole-worker", true));
    DeliveryCounts counts = new DeliveryCounts();
    BlackHoleHandler handler = new BlackHoleHandler(counts, options.behaviours(), options.tap());
    ChannelFuture bound =
        new ServerBootstrap()
            .group(acceptor, workers)
            .channel(NioServerSocketChannel.class)
            .option(ChannelOption.SO_BACKLOG, 1024)
            // a black hole restarted on its port must not wait for the old connections' TIME_WAIT
            .option(ChannelOption.SO_REUSEADDR, true)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel channel) {
                    channel
                        .pipeline()
                        .addLast(
                            new HttpServerCodec(),
                            new HttpObjectAggregator(options.maxContentBytes()),
                            handler);
                  }
                })
            .bind(options.host(), options.port())
            .awaitUninterruptibly();
    if (!bound.isSuccess()) {
      shutDown(acceptor, workers);
      throw new IllegalStateException(
          "black hole cannot listen on " + options.host() + ":" + options.port(), bound.cause());
    }
    return new BlackHole(
        options.host(), bound.channel(), acceptor, workers, counts, options.behaviours());
  }

  public int port() {
    return port;
  }

  /** {@code http://<host>:<port>/<destination>}, the endpoint to register for a destination. */
  public String url(String destination) {
    String authority = host.contains(":") ? "[" + host + "]" : host;
    return "http://" + authority + ":" + port + "/" + destination;
  }

  /** Deliveries answered 200, duplicates included. */
  public long received() {
    return counts.received();
  }

  /** A snapshot: destination -> messageId -> times received. */
  public Map<String, Map<String, Integer>> deliveries() {
    return counts.deliveries();
  }

  /** The sum over (destination, messageId) of (times received - 1). */
  public long duplicates() {
    return counts.duplicates();
  }

  /** The highest {@code X-Delivery-Attempt} seen for the message at the destination, 0 if none. */
  public int maxAttempt(String destination, String messageId) {
    return counts.maxAttempt(destination, messageId);
  }

  /**
   * Per destination, the histogram of first deliveries' latencies in milliseconds, from the event's
   * sentAt to the 200 ({@link LatencyRecorder}): every one so far, a copy per call.
   */
  public Map<String, Histogram> latencySnapshots() {
    return counts.latencySnapshots();
  }

  /**
   * Per destination: requests answered 2xx, then those refused with an error (503), as rate limited
   * (429), rejected (400), reset and held (never answered).
   */
  public Map<String, long[]> requestCounts() {
    return counts.requestCounts();
  }

  /** destination -> messageIds answered 400 (which the router discards) and never delivered. */
  public Map<String, Set<String>> rejected() {
    return counts.rejected();
  }

  public Behaviours behaviours() {
    return behaviours;
  }

  /** Stops listening, closes every connection and releases the port; returns when done. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      server.close().awaitUninterruptibly();
      shutDown(acceptor, workers);
    }
  }

  private static void shutDown(EventLoopGroup acceptor, EventLoopGroup workers) {
    acceptor.shutdownGracefully(0, 2, TimeUnit.SECONDS);
    workers.shutdownGracefully(0, 2, TimeUnit.SECONDS);
    acceptor.terminationFuture().awaitUninterruptibly();
    workers.terminationFuture().awaitUninterruptibly();
  }
}
