package dev.eventrouter.queues.delivery;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.ProtocolException;
import java.net.SocketException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * Delivers over HTTP/1.1 on Netty (each request written as bytes, {@link RequestBytes}; responses
 * read by Netty's decoder), with a small connection pool of its own per destination and host: the
 * same contract as {@link HttpDeliveryClient} (bounded queue, deadline, idle timeout, response
 * bytes capped, address policy at each new connection), at a fraction of its CPU per request
 * (BENCHMARKS.md, "The delivery client").
 *
 * <p>Each pool lives on one event loop: its queue, its connections and their requests are touched
 * by that thread only, so they need no locks; the outcomes it reads in one turn go to each queue in
 * one message. A request waits in the pool's queue for a connection; one whose deadline (twice the
 * destination's timeout) passed while it waited is answered as a timeout and never sent. A
 * connection carries one request at a time (no pipelining) and goes back to the pool when its
 * response has been read whole.
 */
public final class NettyDeliveryClient implements DeliveryClient, AutoCloseable {

  /** Response body bytes read (and dropped) before the connection is given up. */
  static final long MAX_RESPONSE_BYTES = HttpDeliveryClient.MAX_RESPONSE_BYTES;

  /**
   * How often a pool with requests looks for deadlines passed: a request learns it timed out up to
   * this late. Deadlines are twice a destination's timeout, seconds.
   */
  private static final long SWEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  private final Clock clock;
  private final int queueSize;
  private final AddressPolicy addresses;
  private final NameResolver names;
  private final Routes routes;

  /** Where names are looked up: the system's resolver blocks. */
  private final Executor lookups;

  private final EventLoopGroup loops;

  /** Each loop's outcomes of its turn, by caller. */
  private final Map<EventExecutor, Answers> answers = new HashMap<>();

  private final SslContext tls;
  private final Map<PoolKey, Pool> pools = new ConcurrentHashMap<>();

  /**
   * @param queueSize requests a destination's pool may hold waiting for a connection; past it,
   *     {@link #send} answers false
   * @param addresses where connections may go, checked on the resolved address of each new one
   * @param secrets the values of the secret headers jobs refer to
   * @param eventLoops threads that carry every connection; they stop with the actor system
   */
  public NettyDeliveryClient(
      ActorSystem<?> system,
      Clock clock,
      int queueSize,
      AddressPolicy addresses,
      Secrets secrets,
      int eventLoops) {
    this(
        system,
        clock,
        queueSize,
        addresses,
        secrets,
        eventLoops,
        DeliveryClientSettings.defaultUserAgent(),
        NameResolver.SYSTEM);
  }

  /**
   * @param userAgent as in {@link DeliveryClientSettings}
   * @param names where endpoints' hosts are looked up
   */
  NettyDeliveryClient(
      ActorSystem<?> system,
      Clock clock,
      int queueSize,
      AddressPolicy addresses,
      Secrets secrets,
      int eventLoops,
      String userAgent,
      NameResolver names) {
    this.clock = clock;
    this.routes = new Routes(secrets, userAgent, clock);
    this.queueSize = queueSize;
    this.addresses = addresses;
    this.names = names;
    this.lookups = Lookups.start(system);
    this.loops = new NioEventLoopGroup(eventLoops, new DefaultThreadFactory("delivery", true));
    for (EventExecutor loop : loops) {
      answers.put(loop, new Answers((EventLoop) loop));
    }
    system.getWhenTerminated().thenRun(() -> loops.shutdownGracefully(0, 2, TimeUnit.SECONDS));
    try {
      this.tls = SslContextBuilder.forClient().build();
    } catch (SSLException e) {
      throw new IllegalStateException("the JDK's TLS client cannot be set up", e);
    }
  }

  @Override
  public boolean send(DeliveryRequest request) {
    OutgoingRequest.Prepared prepared = routes.prepare(request);
    if (prepared instanceof OutgoingRequest.NotMade notMade) {
      OutgoingRequest.answerNotMade(notMade.unsent(), clock, notMade.reason());
      return true;
    }
    if (!(prepared instanceof OutgoingRequest.Ready ready)) {
      return true; // its adapter refused every job, each answered
    }
    OutgoingRequest outgoing = ready.request();
    return pools
        .computeIfAbsent(outgoing.pool(), key -> new Pool(key, answers.get(loops.next())))
        .offer(ready.sent(), outgoing);
  }

  /**
   * Stops its threads before the actor system's end (the node's own client lives as long as the
   * system; the start's warm-up client does not): requests under way are dropped unanswered.
   */
  @Override
  public void close() {
    loops.shutdownGracefully(0, 2, TimeUnit.SECONDS);
  }

  /** One attempt, from its offer until its response was read whole or given up. */
  private static final class Exchange {
    final DeliveryRequest request;
    final OutgoingRequest outgoing;
    final Instant startedAt;
    final Instant deadline;

    /** Its deadline passed and was acted on ({@link Pool#expired}). */
    boolean expired;

    /** The connection carrying it, once it has one. */
    Connection connection;

    boolean answered;
    boolean responseCame;

    Exchange(
        DeliveryRequest request, OutgoingRequest outgoing, Instant startedAt, Instant deadline) {
      this.request = request;
      this.outgoing = outgoing;
      this.startedAt = startedAt;
      this.deadline = deadline;
    }
  }

  /**
   * The outcomes a loop reads in one turn, told to each caller together once the turn's reads are
   * done (a task the loop runs after them): one message per queue per turn instead of one per job.
   * Touched by its loop only.
   */
  private static final class Answers {
    private final EventLoop loop;
    private final Map<ActorRef<DeliveryOutcomes>, List<DeliveryOutcome>> byCaller =
        new IdentityHashMap<>();
    private final Runnable tellAll = this::tellAll;

    Answers(EventLoop loop) {
      this.loop = loop;
    }

    void add(ActorRef<DeliveryOutcomes> caller, List<DeliveryOutcome> outcomes) {
      if (byCaller.isEmpty()) {
        try {
          loop.execute(tellAll);
        } catch (RejectedExecutionException stopping) {
          caller.tell(new DeliveryOutcomes(outcomes));
          return;
        }
      }
      byCaller.computeIfAbsent(caller, c -> new ArrayList<>()).addAll(outcomes);
    }

    private void tellAll() {
      byCaller.forEach((caller, outcomes) -> caller.tell(new DeliveryOutcomes(outcomes)));
      byCaller.clear();
    }
  }

  /** A destination's connections to one host and the requests waiting for them; on one loop. */
  private final class Pool {
    private final PoolKey key;
    private final EventLoop loop;
    private final Answers answers;
    private final String hostHeader;

    /** Requests in {@link #waiting}, for {@link #offer}'s bound (read on the callers' threads). */
    private final AtomicInteger waitingCount = new AtomicInteger();

    private final ArrayDeque<Exchange> waiting = new ArrayDeque<>();

    /** Most recently used first: the others go quiet and time out when traffic drops. */
    private final ArrayDeque<Connection> idle = new ArrayDeque<>();

    /** Open connections, idle or not: the deadline sweep looks at what each one carries. */
    private final List<Connection> connections = new ArrayList<>();

    /** Connections open or being opened. */
    private int open;

    private int connecting;

    /** The host's lookup under way, if one is; touched by the loop only. */
    private CompletableFuture<InetSocketAddress> lookup;

    /** Runs while the pool has requests: {@link #sweep}. */
    private ScheduledFuture<?> sweep;

    Pool(PoolKey key, Answers answers) {
      this.key = key;
      this.loop = answers.loop;
      this.answers = answers;
      boolean defaultPort = key.port() == (key.https() ? 443 : 80);
      this.hostHeader = defaultPort ? key.host() : key.host() + ":" + key.port();
    }

    boolean offer(DeliveryRequest request, OutgoingRequest outgoing) {
      if (waitingCount.incrementAndGet() > queueSize) {
        waitingCount.decrementAndGet();
        return false;
      }
      Instant now = clock.instant();
      Exchange exchange = new Exchange(request, outgoing, now, now.plus(deadline(request)));
      try {
        loop.execute(() -> enqueue(exchange));
        return true;
      } catch (RejectedExecutionException stopping) {
        waitingCount.decrementAndGet();
        return false;
      }
    }

    private void enqueue(Exchange exchange) {
      waiting.add(exchange);
      if (sweep == null) {
        sweep =
            loop.scheduleAtFixedRate(this::sweep, SWEEP_NANOS, SWEEP_NANOS, TimeUnit.NANOSECONDS);
      }
      dispatch();
    }

    /**
     * Acts on the deadlines that passed, of requests waiting and of those under way, every {@link
     * #SWEEP_NANOS} while the pool has any; stops when it has none. One sweep per pool instead of a
     * timer per request, which would cost an insertion and a removal in the loop's timer queue for
     * every request.
     */
    private void sweep() {
      Instant now = clock.instant();
      boolean busy = false;
      // acted on after the walk: giving up a connection closes it, which takes it off the list
      List<Exchange> late = new ArrayList<>();
      for (Exchange exchange : waiting) {
        if (!exchange.answered && !now.isBefore(exchange.deadline)) {
          late.add(exchange);
        }
        busy |= !exchange.answered;
      }
      for (Connection connection : connections) {
        Exchange exchange = connection.current;
        if (exchange != null) {
          busy = true;
          if (!exchange.expired && !now.isBefore(exchange.deadline)) {
            late.add(exchange);
          }
        }
      }
      late.forEach(this::expired);
      if (!busy) {
        sweep.cancel(false);
        sweep = null;
      }
      dispatch();
    }

    /** Hands waiting requests to idle connections, and opens connections for the rest. */
    private void dispatch() {
      while (!waiting.isEmpty()) {
        Exchange next = waiting.peek();
        if (!next.answered && !clock.instant().isBefore(next.deadline)) {
          expired(next);
        }
        if (next.answered) {
          taken();
          continue;
        }
        Connection connection = idle.poll();
        if (connection != null) {
          taken();
          connection.send(next);
        } else if (open < next.request.destination().maxConnections()
            && connecting < waiting.size()) {
          connect(next.request.destination().timeout());
        } else {
          return;
        }
      }
    }

    private void taken() {
      waiting.poll();
      waitingCount.decrementAndGet();
    }

    /**
     * At the deadline: the caller is told it timed out. A response already coming is drained no
     * longer (its connection is given up); one whose head is still coming keeps its connection
     * until the idle timeout, as Pekko's pool does, and the requests behind it wait for another.
     */
    private void expired(Exchange exchange) {
      exchange.expired = true;
      answer(exchange, failed(exchange, "timeout"));
      if (exchange.responseCame
          && exchange.connection != null
          && exchange.connection.current == exchange) {
        exchange.connection.channel.close();
      }
    }

    /**
     * Looks the host up off the loop (the system's resolver blocks), then connects to it. One
     * lookup at a time: the connections opened while it is under way wait for its answer, so that a
     * name server that stops answering holds one lookup thread per host, not one per connection.
     * The next connection opened after it looks the host up again (an address that changed to one
     * the policy refuses is caught at the next connection).
     */
    private void connect(Duration timeout) {
      open++;
      connecting++;
      if (lookup == null) {
        CompletableFuture<InetSocketAddress> started =
            CompletableFuture.supplyAsync(this::lookUp, lookups);
        lookup = started;
        started.whenCompleteAsync(
            (address, failure) -> {
              if (lookup == started) {
                lookup = null;
              }
            },
            loop);
      }
      lookup.whenCompleteAsync(
          (address, failure) -> {
            if (failure != null) {
              notConnected(failure instanceof CompletionException ? failure.getCause() : failure);
            } else {
              connect(address, timeout);
            }
          },
          loop);
    }

    private InetSocketAddress lookUp() {
      try {
        return names.allowed(key.host(), key.port(), addresses);
      } catch (Exception e) {
        throw new CompletionException(e);
      }
    }

    private void connect(InetSocketAddress address, Duration timeout) {
      Connection connection = new Connection(this, timeout);
      ChannelFuture connected =
          new Bootstrap()
              .group(loop)
              .channel(NioSocketChannel.class)
              .option(
                  ChannelOption.CONNECT_TIMEOUT_MILLIS,
                  (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()))
              .option(ChannelOption.TCP_NODELAY, true)
              .handler(
                  new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                      if (key.https()) {
                        channel.pipeline().addLast(tlsHandler(channel));
                      }
                      // every byte counts against the idle timeout, also those of a head not
                      // yet whole
                      channel
                          .pipeline()
                          .addLast(connection.bytesSeen(), new HttpResponseDecoder(), connection);
                    }
                  })
              .connect(address);
      connected.addListener(
          done -> {
            if (!done.isSuccess()) {
              notConnected(done.cause());
            } else if (key.https()) {
              connected
                  .channel()
                  .pipeline()
                  .get(SslHandler.class)
                  .handshakeFuture()
                  .addListener(
                      tls -> {
                        if (tls.isSuccess()) {
                          ready(connection);
                        } else {
                          notConnected(new SSLException("TLS handshake failed", tls.cause()));
                          connected.channel().close();
                        }
                      });
            } else {
              ready(connection);
            }
          });
    }

    private SslHandler tlsHandler(Channel channel) {
      SslHandler handler = tls.newHandler(channel.alloc(), key.host(), key.port());
      SSLEngine engine = handler.engine();
      SSLParameters parameters = engine.getSSLParameters();
      parameters.setEndpointIdentificationAlgorithm("HTTPS");
      engine.setSSLParameters(parameters);
      return handler;
    }

    private void ready(Connection connection) {
      connecting--;
      if (!connection.channel.isActive()) {
        open--; // closed by the destination already: the next dispatch opens another
        dispatch();
        return;
      }
      connection.opened();
      connections.add(connection);
      idle.push(connection);
      dispatch();
    }

    /**
     * A connection could not be made: the first waiting request fails with the reason, as in
     * Pekko's pool, where a request's connection failing fails the request.
     */
    private void notConnected(Throwable cause) {
      connecting--;
      open--;
      for (Exchange exchange; (exchange = waiting.peek()) != null; ) {
        taken();
        if (!exchange.answered) {
          answer(exchange, failed(exchange, Failures.classify(cause)));
          break;
        }
      }
      dispatch();
    }

    /** The connection's response was read whole: it takes the next request. */
    private void idle(Connection connection) {
      idle.push(connection);
      dispatch();
    }

    private void closed(Connection connection) {
      idle.remove(connection);
      connections.remove(connection);
      open--;
      dispatch();
    }

    private List<DeliveryOutcome> failed(Exchange exchange, String error) {
      return AdapterAnswers.failed(
          exchange.request, exchange.startedAt, clock.instant(), error, null);
    }

    /** Tells the caller each job's outcome, once, with the others of the loop's turn. */
    private void answer(Exchange exchange, List<DeliveryOutcome> outcomes) {
      if (!exchange.answered) {
        exchange.answered = true;
        answers.add(exchange.request.replyTo(), outcomes);
      }
    }
  }

  /**
   * One keep-alive connection: it sends a request, reads its response (the head answers the caller;
   * the body is read away, at most {@link #MAX_RESPONSE_BYTES}) and tells its pool when it is free
   * again. Silent for the destination's timeout, it is closed, and its request, if any, fails as a
   * timeout.
   */
  private final class Connection extends ChannelInboundHandlerAdapter {
    private final Pool pool;
    private final long idleNanos;
    private Channel channel;
    private Exchange current;
    private boolean keepAlive;
    private boolean informational;
    private long bodyBytes;

    /**
     * The response whose body its adapter reads: answered when the body is whole (or at the cap);
     * null when the head answered.
     */
    private Head head;

    private ByteArrayOutputStream kept;

    private long lastActivity;
    private ScheduledFuture<?> idleCheck;

    /** Handed to the pool: its end is the pool's to count (one that ends before is not). */
    private boolean opened;

    Connection(Pool pool, Duration idleTimeout) {
      this.pool = pool;
      this.idleNanos = idleTimeout.toNanos();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      channel = ctx.channel();
    }

    void opened() {
      opened = true;
      lastActivity = System.nanoTime();
      idleCheck = channel.eventLoop().schedule(this::checkIdle, idleNanos, TimeUnit.NANOSECONDS);
    }

    /**
     * Here, after the codec, not as a listener of the channel's close, which runs first: a body
     * that ends with its connection (no length, not chunked) is whole only once the codec has seen
     * the connection end, and an answer waiting for it would fail as cut short.
     */
    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (opened) {
        closed();
      }
      ctx.fireChannelInactive();
    }

    void send(Exchange exchange) {
      current = exchange;
      exchange.connection = this;
      keepAlive = true;
      informational = false;
      bodyBytes = 0;
      head = null;
      kept = null;
      lastActivity = System.nanoTime();
      // failures of the write come back through exceptionCaught
      channel.writeAndFlush(
          RequestBytes.write(channel.alloc(), pool.hostHeader, exchange.outgoing),
          channel.voidPromise());
    }

    /** Notes when bytes came, before the codec holds them back to make a whole message. */
    ChannelInboundHandlerAdapter bytesSeen() {
      return new ChannelInboundHandlerAdapter() {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
          lastActivity = System.nanoTime();
          ctx.fireChannelRead(msg);
        }
      };
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (current == null) {
          channel.close(); // nothing was asked: a destination talking out of turn
          return;
        }
        if (msg instanceof HttpResponse response) {
          head(response);
        }
        if (msg instanceof HttpContent content) {
          body(content);
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    private void head(HttpResponse response) {
      if (response.decoderResult().isFailure()) {
        fail(response.decoderResult().cause());
        return;
      }
      int status = response.status().code();
      if (status == 101) {
        // no request asks to switch protocols: what follows would be no HTTP, and each byte of
        // it would keep the connection from looking idle
        fail(new ProtocolException("101 Switching Protocols to a request that asked for none"));
        return;
      }
      // a head came: past the deadline the connection is given up, not held for the rest
      current.responseCame = true;
      // 100 Continue and the like: the final response follows
      informational = status < 200;
      if (informational) {
        return;
      }
      keepAlive = HttpUtil.isKeepAlive(response);
      Instant finishedAt = clock.instant();
      Optional<Duration> retryAfter =
          Optional.ofNullable(response.headers().get("Retry-After"))
              .flatMap(value -> RetryAfter.parse(value, finishedAt));
      if (AdapterAnswers.readsBody(current.request)) {
        head = new Head(status, retryAfter, finishedAt);
        kept = new ByteArrayOutputStream();
        return;
      }
      pool.answer(
          current,
          AdapterAnswers.responded(
              current.request, current.startedAt, finishedAt, status, retryAfter, NO_BODY));
    }

    /** Answers the response whose body was kept, with what it has of the body. */
    private void answerWithBody() {
      if (head != null) {
        pool.answer(
            current,
            AdapterAnswers.responded(
                current.request,
                current.startedAt,
                head.finishedAt(),
                head.status(),
                head.retryAfter(),
                kept.toByteArray()));
        head = null;
        kept = null;
      }
    }

    private void body(HttpContent content) {
      if (content.decoderResult().isFailure()) {
        fail(content.decoderResult().cause());
        return;
      }
      int readable = content.content().readableBytes();
      if (kept != null && !informational) {
        int room = (int) Math.max(0, MAX_RESPONSE_BYTES - bodyBytes);
        byte[] chunk = new byte[Math.min(room, readable)];
        content.content().getBytes(content.content().readerIndex(), chunk);
        kept.writeBytes(chunk);
      }
      bodyBytes += readable;
      if (content instanceof LastHttpContent && informational) {
        informational = false;
      } else if (content instanceof LastHttpContent) {
        answerWithBody();
        current = null;
        if (keepAlive) {
          pool.idle(this);
        } else {
          channel.close();
        }
      } else if (bodyBytes > MAX_RESPONSE_BYTES) {
        // an endless or huge body costs this connection, not a stuck one; the adapter judges
        // what came
        answerWithBody();
        channel.close();
      }
    }

    private void checkIdle() {
      if (!channel.isOpen()) {
        return;
      }
      long silentFor = System.nanoTime() - lastActivity;
      if (silentFor >= idleNanos) {
        fail(new TimeoutException("no byte for " + Duration.ofNanos(idleNanos)));
      } else {
        idleCheck =
            channel
                .eventLoop()
                .schedule(this::checkIdle, idleNanos - silentFor, TimeUnit.NANOSECONDS);
      }
    }

    /** The request this connection carries, if any, fails with the cause; the connection closes. */
    private void fail(Throwable cause) {
      if (current != null) {
        pool.answer(current, pool.failed(current, Failures.classify(cause)));
      }
      channel.close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      fail(cause);
    }

    private void closed() {
      if (idleCheck != null) {
        idleCheck.cancel(false);
      }
      if (current != null) {
        pool.answer(
            current,
            pool.failed(
                current,
                Failures.classify(
                    new SocketException("connection closed before the response ended"))));
        current = null;
      }
      pool.closed(this);
    }
  }

  private static final byte[] NO_BODY = new byte[0];

  /** A response's head, kept until its body is whole. */
  private record Head(int status, Optional<Duration> retryAfter, Instant finishedAt) {}

  /** How long a request may take in all, however its bytes come: twice the idle timeout. */
  private static Duration deadline(DeliveryRequest request) {
    return request.destination().timeout().multipliedBy(2);
  }
}
