package dev.eventrouter.queues;

import com.typesafe.config.Config;
import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.journal.JdbcJournalCompaction;
import dev.eventrouter.queues.delivery.AddressPolicy;
import dev.eventrouter.queues.delivery.DeliveryClient;
import dev.eventrouter.queues.delivery.DeliveryClientSettings;
import dev.eventrouter.queues.delivery.Secrets;
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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
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
 * Jobs sent through queues of the node's own before it reads Kafka, so that the JIT has compiled a
 * job's whole trip by the time the first real ones come: accepted into a queue, written to the
 * journal, sent by a delivery client of the node's kind, its outcome written, its rows compacted. A
 * new JVM runs that code interpreted for its first thousands of jobs: a router started straight
 * into a moderate load took 200 to 300 ms for each journal write and up to a second and a half for
 * each request in its first ten seconds, and fell seconds behind (BENCHMARKS.md, "A new router's
 * first seconds").
 *
 * <p>The queues are the production entity, started outside sharding under pairs no source can have
 * (a random id per run), with the node's journal and settings; their destination is an HTTP server
 * of the warm-up's own on loopback, which answers every request 200 at once, and their client may
 * reach that server only (the node's own client still may not reach loopback). Their jobs count in
 * no metric and archive nowhere. Once the jobs are delivered, or at the time limit, the queues stop
 * and every row they wrote is deleted.
 *
 * @param jobs how many, at most, over all the queues; 0 for none
 * @param queues how many queues share them, each to a destination of its own
 * @param maxDuration the longest the node's start waits for them to be delivered
 */
public record WarmUp(int jobs, int queues, Duration maxDuration) {

  private static final String PATH = "/warm-up";

  /** Jobs in one Enqueue, as ingest sends a pair's jobs of one poll. */
  private static final int BATCH = 100;

  /** Jobs a queue holds at once: more wait for its deliveries, as a backlog would. */
  private static final int WINDOW = 1_000;

  /** A request's own limit: its own server answers at once, or something is wrong. */
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(1);

  public WarmUp {
    if (jobs < 0 || queues < 1 || maxDuration.isNegative() || maxDuration.isZero()) {
      throw new IllegalArgumentException(
          "eventrouter.warm-up needs jobs >= 0, queues >= 1 and a max-duration above zero");
    }
  }

  public static WarmUp fromConfig(Config config) {
    Config c = config.getConfig("eventrouter.warm-up");
    return new WarmUp(c.getInt("jobs"), c.getInt("queues"), c.getDuration("max-duration"));
  }

  /**
   * Runs the jobs through queues whose client is made as {@code client} says; completes with how
   * many were delivered once all are or {@code maxDuration} has passed, whichever comes first,
   * after the queues stopped and their rows were deleted. Completes exceptionally if the warm-up
   * cannot run, or cannot delete what it wrote.
   */
  public CompletionStage<Long> run(ActorSystem<?> system, DeliveryClientSettings client) {
    return run(system, client, UUID.randomUUID().toString());
  }

  /**
   * @param runId what makes the warm-up's pairs its own: their source is {@code warm-up-<runId>}
   */
  CompletionStage<Long> run(ActorSystem<?> system, DeliveryClientSettings client, String runId) {
    if (jobs == 0) {
      return CompletableFuture.completedFuture(0L);
    }
    LoopbackServer server = LoopbackServer.start();
    DeliveryClient warming;
    try {
      warming =
          client.create(
              system,
              Clock.systemUTC(),
              queues * WINDOW,
              AddressPolicy.allowing(server.address().getAddress().getHostAddress() + "/32"),
              Secrets.NONE);
    } catch (RuntimeException e) {
      server.close();
      return CompletableFuture.failedFuture(e);
    }
    CompletableFuture<Long> done = new CompletableFuture<>();
    try {
      List<PairId> pairs = new ArrayList<>();
      for (int i = 0; i < queues; i++) {
        pairs.add(new PairId("warm-up-" + runId, "warm-up-" + i));
      }
      system.systemActorOf(
          Behaviors.<Driver.Message>setup(
              context ->
                  Behaviors.withTimers(
                      timers -> {
                        timers.startSingleTimer(Driver.TimeUp.INSTANCE, maxDuration);
                        return new Driver(context, pairs, server, warming, done).start();
                      })),
          "warm-up-" + runId,
          Props.empty());
    } catch (RuntimeException e) {
      done.completeExceptionally(e);
    }
    return done.whenComplete(
        (delivered, failure) -> {
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

  private DestinationSettings destination(String id) {
    return new DestinationSettings(
        id,
        WINDOW,
        0,
        64,
        REQUEST_TIMEOUT,
        new RetryPolicy(Duration.ofSeconds(1), Duration.ofSeconds(1)),
        Duration.ofHours(1),
        new BreakerSettings(50, 10, 10, Duration.ofSeconds(5), 1));
  }

  /**
   * Keeps each queue's window of jobs full until every job was sent, then stops the queues once all
   * are delivered or the time is up, deletes their rows, and completes with the jobs delivered.
   */
  private final class Driver extends AbstractBehavior<Driver.Message> {

    /** Never sent between nodes. */
    sealed interface Message extends NoSerializationVerificationNeeded {}

    /** A queue's jobs left it, as its journal says: delivered, or not (then they count as sent). */
    record Finished(PairId pair, int delivered, int jobs) implements Message {}

    record Refused(Throwable reason) implements Message {}

    record Stopped(PairId pair) implements Message {}

    record Deleted(Throwable failure) implements Message {}

    enum Accepted implements Message {
      INSTANCE
    }

    enum TimeUp implements Message {
      INSTANCE
    }

    private final Map<PairId, ActorRef<VirtualQueue.Command>> running = new HashMap<>();
    private final Map<PairId, Integer> sent = new HashMap<>();
    private final Map<PairId, Integer> finished = new HashMap<>();

    /** The jobs each queue is sent: the jobs shared out, the first queues one more. */
    private final Map<PairId, Integer> quota = new HashMap<>();

    private final List<PairId> pairs;
    private final JdbcJournalCompaction journal;
    private final String endpoint;
    private final byte[] payload;
    private final CompletableFuture<Long> done;
    private long delivered;
    private long left;
    private boolean stopping;

    Driver(
        ActorContext<Message> context,
        List<PairId> pairs,
        LoopbackServer server,
        DeliveryClient client,
        CompletableFuture<Long> done) {
      super(context);
      this.pairs = pairs;
      this.done = done;
      this.journal = new JdbcJournalCompaction(context.getSystem());
      this.endpoint =
          "http://"
              + server.address().getAddress().getHostAddress()
              + ":"
              + server.address().getPort()
              + PATH;
      this.payload = new byte[1024];
      Arrays.fill(payload, (byte) ' ');
      payload[0] = '{';
      payload[payload.length - 1] = '}';
      this.left = jobs;
      ActorRef<Message> self = context.getSelf();
      VirtualQueue.Dependencies dependencies =
          VirtualQueues.dependencies(
              context.getSystem(),
              pair -> Optional.of(destination(pair.destination())),
              client,
              (pair, archived) ->
                  CompletableFuture.failedFuture(
                      new IllegalStateException("the warm-up archives nothing")),
              (pair, events) -> {
                int ended = 0;
                int succeeded = 0;
                for (JobEvent event : events) {
                  if (event.terminal()) {
                    ended++;
                    succeeded += event instanceof JobEvent.Succeeded ? 1 : 0;
                  }
                }
                if (ended > 0) {
                  self.tell(new Finished(pair, succeeded, ended));
                }
              });
      for (int i = 0; i < pairs.size(); i++) {
        PairId pair = pairs.get(i);
        quota.put(pair, jobs / queues + (i < jobs % queues ? 1 : 0));
        ActorRef<VirtualQueue.Command> queue =
            context.spawn(
                VirtualQueue.create(pair, context.getSystem().ignoreRef(), dependencies),
                pair.destination());
        context.watchWith(queue, new Stopped(pair));
        running.put(pair, queue);
        sent.put(pair, 0);
        finished.put(pair, 0);
      }
    }

    Behavior<Message> start() {
      pairs.forEach(this::fill);
      return this;
    }

    @Override
    public Receive<Message> createReceive() {
      return newReceiveBuilder()
          .onMessage(Finished.class, this::finished)
          .onMessageEquals(Accepted.INSTANCE, () -> this)
          .onMessage(Refused.class, refused -> stop())
          .onMessageEquals(TimeUp.INSTANCE, this::stop)
          .onMessage(Stopped.class, this::stopped)
          .onMessage(Deleted.class, this::deleted)
          .onSignal(PostStop.class, signal -> postStop())
          .build();
    }

    /** Sends the queue jobs while its window has room and it has jobs left to send. */
    private void fill(PairId pair) {
      ActorRef<VirtualQueue.Command> queue = running.get(pair);
      int batch;
      while (!stopping
          && (batch = Math.min(BATCH, Math.min(quota.get(pair) - sent.get(pair), room(pair))))
              > 0) {
        List<Job> jobs = jobs(pair, sent.get(pair), batch);
        sent.merge(pair, batch, Integer::sum);
        getContext()
            .askWithStatus(
                VirtualQueue.Accepted.class,
                queue,
                maxDuration,
                replyTo -> new VirtualQueue.Enqueue(jobs, replyTo),
                (accepted, failure) -> failure == null ? Accepted.INSTANCE : new Refused(failure));
      }
    }

    private int room(PairId pair) {
      return WINDOW - (sent.get(pair) - finished.get(pair));
    }

    private List<Job> jobs(PairId pair, int from, int count) {
      Instant now = Instant.now();
      List<Job> batch = new ArrayList<>(count);
      for (int i = from; i < from + count; i++) {
        String messageId = "warm-up-" + i;
        batch.add(
            new Job(
                Ksuid.derive(now, pair.source(), messageId, pair.destination()),
                pair,
                messageId,
                endpoint,
                payload,
                Map.of("Content-Type", "application/json"),
                now,
                now.plus(Duration.ofHours(1))));
      }
      return batch;
    }

    private Behavior<Message> finished(Finished message) {
      delivered += message.delivered();
      left -= message.jobs();
      finished.merge(message.pair(), message.jobs(), Integer::sum);
      if (left <= 0) {
        return stop();
      }
      fill(message.pair());
      return this;
    }

    /** Stops the queues; each one's stop waits for its requests under way (see VirtualQueue). */
    private Behavior<Message> stop() {
      if (!stopping) {
        stopping = true;
        running.values().forEach(queue -> queue.tell(VirtualQueue.Stop.INSTANCE));
      }
      return this;
    }

    /**
     * Once every queue stopped, nothing writes their rows any more: delete them all. A queue that
     * stops by itself (its journal failed) ends the warm-up for the others too.
     */
    private Behavior<Message> stopped(Stopped message) {
      running.remove(message.pair());
      stop();
      if (running.isEmpty()) {
        CompletableFuture<?>[] deletes =
            pairs.stream()
                .map(
                    pair ->
                        journal
                            .deleteAll(VirtualQueue.persistenceId(pair).id())
                            .toCompletableFuture())
                .toArray(CompletableFuture[]::new);
        getContext()
            .pipeToSelf(CompletableFuture.allOf(deletes), (ok, failure) -> new Deleted(failure));
      }
      return this;
    }

    private Behavior<Message> deleted(Deleted message) {
      if (message.failure() == null) {
        done.complete(delivered);
      } else {
        done.completeExceptionally(message.failure());
      }
      return Behaviors.stopped();
    }

    private Behavior<Message> postStop() {
      done.completeExceptionally(
          new IllegalStateException("the warm-up stopped before it was done"));
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
