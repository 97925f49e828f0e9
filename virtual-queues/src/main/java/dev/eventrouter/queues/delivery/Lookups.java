package dev.eventrouter.queues.delivery;

import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * Where a delivery client looks endpoints' hosts up: threads of its own, made as lookups need them
 * and gone after a minute unused. The system's resolver blocks for as long as a name server takes
 * to answer; on Pekko's blocking dispatcher, which the journal's payload reads and the archive use
 * too, a destination whose name server stopped answering would hold them all up. Here it holds up
 * its own new connections only (the Netty client looks a host up once at a time, whatever number of
 * connections wait for it).
 */
final class Lookups {

  private Lookups() {}

  /** Threads for the client's lookups, stopped with the actor system. */
  static ExecutorService start(ActorSystem<?> system) {
    ExecutorService threads =
        Executors.newCachedThreadPool(new DefaultThreadFactory("delivery-lookup", true));
    system.getWhenTerminated().thenRun(threads::shutdownNow);
    return threads;
  }
}
