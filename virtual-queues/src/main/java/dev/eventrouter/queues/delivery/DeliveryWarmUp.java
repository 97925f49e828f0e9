package dev.eventrouter.queues.delivery;

import com.typesafe.config.Config;
import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.queues.destination.BreakerSettings;
import dev.eventrouter.queues.destination.DestinationSettings;
import dev.eventrouter.queues.destination.RetryPolicy;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * Requests sent before a node reads Kafka, so that the JIT has compiled the delivery client's path
 * by the time the first jobs come: a new client of the node's kind sends them to an HTTP server of
 * its own on loopback (the node's own client may not reach loopback), which answers each 200 at
 * once. A new JVM runs that path interpreted for its first thousands of requests: a router started
 * straight into 3,520 jobs/s took 250 to 730 ms from a request written to its response's head in
 * its first ten seconds (9 ms once compiled), with a warm destination, and delivered a few hundred
 * jobs a second while it accepted all (BENCHMARKS.md, "A new router's first seconds").
 *
 * @param requests how many, at most; 0 for none
 * @param maxDuration the longest the node's start waits for them
 * @param concurrency requests under way at once
 */
public record DeliveryWarmUp(int requests, Duration maxDuration, int concurrency) {

  private static final String PATH = "/warm-up";

  /** A request's own limit: its own server answers at once, or something is wrong. */
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(1);

  public DeliveryWarmUp {
    if (requests < 0 || concurrency < 1 || maxDuration.isNegative() || maxDuration.isZero()) {
      throw new IllegalArgumentException(
          "eventrouter.delivery.warm-up needs requests >= 0, concurrency >= 1 and a max-duration"
              + " above zero");
    }
  }

  public static DeliveryWarmUp fromConfig(Config config) {
    Config c = config.getConfig("eventrouter.delivery.warm-up");
    return new DeliveryWarmUp(
        c.getInt("requests"), c.getDuration("max-duration"), c.getInt("concurrency"));
  }

  /**
   * Sends the requests with a client made as {@code client} says; completes with how many were
   * answered 2xx once all are answered or {@code maxDuration} has passed, whichever comes first,
   * the server stopped and the client's threads too where it has its own (the netty client's; the
   * pekko client's pool ends when idle). Completes exceptionally if the warm-up cannot run.
   */
  public CompletionStage<Long> run(ActorSystem<?> system, DeliveryClientSettings client) {
    if (requests == 0) {
      return CompletableFuture.completedFuture(0L);
    }
    LoopbackServer server = LoopbackServer.start();
    DeliveryClient warming;
    try {
      warming =
          client.create(
              system,
              Clock.systemUTC(),
              concurrency,
              AddressPolicy.allowing(server.address().getAddress().getHostAddress() + "/32"),
              Secrets.NONE);
    } catch (RuntimeException e) {
      server.close();
      return CompletableFuture.failedFuture(e);
    }
    CompletableFuture<Long> done = new CompletableFuture<>();
    try {
      Job[] jobs = jobs(server);
      DestinationSettings destination = destination();
      system.systemActorOf(
          Behaviors.<Driver.Message>setup(
              context ->
                  Behaviors.withTimers(
                      timers -> {
                        timers.startSingleTimer(Driver.TimeUp.INSTANCE, maxDuration);
                        return new Driver(context, warming, jobs, destination, done).start();
                      })),
          "delivery-warm-up-" + System.nanoTime(),
          Props.empty());
    } catch (RuntimeException e) {
      done.completeExceptionally(e);
    }
    return done.whenComplete(
        (answered, failure) -> {
          if (warming instanceof AutoCloseable closeable) {
            try {
              closeable.close();
            } catch (Exception ignored) {
              // its threads are daemons and stop with the actor system all the same
            }
          }
          server.close();
        });
  }

  private Job[] jobs(LoopbackServer server) {
    Instant now = Instant.now();
    PairId pair = new PairId("warm-up", "warm-up");
    String endpoint =
        "http://"
            + server.address().getAddress().getHostAddress()
            + ":"
            + server.address().getPort()
            + PATH;
    byte[] payload = new byte[1024];
    Arrays.fill(payload, (byte) ' ');
    payload[0] = '{';
    payload[payload.length - 1] = '}';
    Job[] jobs = new Job[Math.min(requests, 256)];
    for (int i = 0; i < jobs.length; i++) {
      String messageId = "warm-up-" + i;
      jobs[i] =
          new Job(
              Ksuid.derive(now, pair.source(), messageId, pair.destination()),
              pair,
              messageId,
              endpoint,
              payload,
              Map.of("Content-Type", "application/json"),
              now,
              now.plus(maxDuration));
    }
    return jobs;
  }

  private DestinationSettings destination() {
    return new DestinationSettings(
        "warm-up",
        concurrency,
        0,
        concurrency,
        REQUEST_TIMEOUT,
        new RetryPolicy(Duration.ofSeconds(1), Duration.ofSeconds(1)),
        maxDuration,
        new BreakerSettings(50, 10, 10, Duration.ofSeconds(5), 1));
  }

  /**
   * Keeps {@code concurrency} requests under way, each answer sending the next, until {@code
   * requests} were sent; done when nothing it sent is left unanswered, or at its time limit with
   * what was answered by then.
   */
  private final class Driver extends AbstractBehavior<Driver.Message> {

    sealed interface Message {}

    record Answered(DeliveryOutcomes outcomes) implements Message {}

    enum TimeUp implements Message {
      INSTANCE
    }

    private final DeliveryClient client;
    private final Job[] jobs;
    private final DestinationSettings destination;
    private final CompletableFuture<Long> done;
    private final ActorRef<DeliveryOutcomes> replyTo;
    private long sent;
    private long answered;
    private long ok;

    Driver(
        ActorContext<Message> context,
        DeliveryClient client,
        Job[] jobs,
        DestinationSettings destination,
        CompletableFuture<Long> done) {
      super(context);
      this.client = client;
      this.jobs = jobs;
      this.destination = destination;
      this.done = done;
      this.replyTo = context.messageAdapter(DeliveryOutcomes.class, Answered::new);
    }

    Behavior<Message> start() {
      sendWhileRoom();
      return next();
    }

    @Override
    public Receive<Message> createReceive() {
      return newReceiveBuilder()
          .onMessage(Answered.class, this::answered)
          .onMessageEquals(TimeUp.INSTANCE, this::finish)
          .onSignal(PostStop.class, stopped -> stopped())
          .build();
    }

    private Behavior<Message> answered(Answered message) {
      for (DeliveryOutcome outcome : message.outcomes().outcomes()) {
        answered++;
        if (outcome.status() >= 200 && outcome.status() < 300) {
          ok++;
        }
      }
      sendWhileRoom();
      return next();
    }

    /**
     * Sends until the room is used; a client that refuses gets more once an answer frees room, one
     * that throws ends the warm-up.
     */
    private void sendWhileRoom() {
      try {
        while (sent < requests
            && sent - answered < concurrency
            && client.send(
                new DeliveryRequest(jobs[(int) (sent % jobs.length)], 1, destination, replyTo))) {
          sent++;
        }
      } catch (RuntimeException e) {
        done.completeExceptionally(e);
      }
    }

    /** Nothing under way: all sent and answered, or the client full with nothing of ours in it. */
    private Behavior<Message> next() {
      return answered < sent && !done.isDone() ? this : finish();
    }

    private Behavior<Message> finish() {
      done.complete(ok);
      return Behaviors.stopped();
    }

    private Behavior<Message> stopped() {
      done.completeExceptionally(
          new IllegalStateException("the delivery warm-up stopped before it was done"));
      return this;
    }
  }

  /** An HTTP server on an ephemeral loopback port that answers every request 200, empty. */
  private record LoopbackServer(EventLoopGroup loop, Channel channel) {

    static LoopbackServer start() {
      EventLoopGroup loop = new NioEventLoopGroup(1, new DefaultThreadFactory("warm-up", true));
      try {
        Channel channel =
            new ServerBootstrap()
                .group(loop)
                .channel(NioServerSocketChannel.class)
                .childHandler(
                    new ChannelInitializer<SocketChannel>() {
                      @Override
                      protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                            .addLast(
                                new HttpServerCodec(),
                                new HttpObjectAggregator(64 * 1024),
                                new Answer());
                      }
                    })
                .bind(new InetSocketAddress("127.0.0.1", 0))
                .sync()
                .channel();
        return new LoopbackServer(loop, channel);
      } catch (InterruptedException e) {
        loop.shutdownGracefully(0, 0, TimeUnit.SECONDS);
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while starting the warm-up's server", e);
      } catch (Exception e) { // sync() rethrows a failed bind as it came, checked or not
        loop.shutdownGracefully(0, 0, TimeUnit.SECONDS);
        throw new IllegalStateException("the warm-up's server could not start", e);
      }
    }

    InetSocketAddress address() {
      return (InetSocketAddress) channel.localAddress();
    }

    void close() {
      channel.close();
      loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }

  private static final class Answer extends SimpleChannelInboundHandler<FullHttpRequest> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
      DefaultFullHttpResponse response =
          new DefaultFullHttpResponse(
              request.protocolVersion(), HttpResponseStatus.OK, Unpooled.EMPTY_BUFFER);
      response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
      ctx.writeAndFlush(response);
    }
  }
}
