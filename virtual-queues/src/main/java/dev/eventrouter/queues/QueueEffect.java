package dev.eventrouter.queues;

import dev.eventrouter.persistence.job.QueueEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * What a queue asks of the actor that runs it once it has handled a message: journal events to
 * persist in one atomic write (none, often), what to run once they are persisted, with the state
 * they made (at once when there are none), a reply, and whether the queue stops. The parts never
 * build Pekko's effects, so that a host running many queues in one actor can gather several queues'
 * writes into one (docs/queues-per-shard.md).
 */
final class QueueEffect {

  private static final QueueEffect NONE = new QueueEffect(List.of(), List.of(), null, false);

  /** The reply's address and its message, made from the state once the events are persisted. */
  record Reply<R>(ActorRef<R> to, Function<QueueState, R> message) {}

  private final List<QueueEvent> events;
  private final List<Consumer<QueueState>> then;
  private final Reply<?> reply;
  private final boolean stop;

  private QueueEffect(
      List<QueueEvent> events, List<Consumer<QueueState>> then, Reply<?> reply, boolean stop) {
    this.events = events;
    this.then = then;
    this.reply = reply;
    this.stop = stop;
  }

  /** Nothing to persist, nothing to run, no reply. */
  static QueueEffect none() {
    return NONE;
  }

  /** Persists the events in one write, atomically. */
  static QueueEffect persist(List<QueueEvent> events) {
    return new QueueEffect(List.copyOf(events), List.of(), null, false);
  }

  /** Replies now, persisting nothing. */
  static <R> QueueEffect reply(ActorRef<R> to, R message) {
    return none().thenReply(to, state -> message);
  }

  /** Stops the queue, persisting nothing. */
  static QueueEffect stop() {
    return none().thenStop();
  }

  /** Runs this once the events are persisted (in order with what was asked before). */
  QueueEffect thenRun(Consumer<QueueState> action) {
    List<Consumer<QueueState>> more = new ArrayList<>(then);
    more.add(action);
    return new QueueEffect(events, more, reply, stop);
  }

  /** Replies once the events are persisted and what was to run then has run. */
  <R> QueueEffect thenReply(ActorRef<R> to, Function<QueueState, R> message) {
    return new QueueEffect(events, then, new Reply<>(to, message), stop);
  }

  QueueEffect thenStop() {
    return new QueueEffect(events, then, reply, true);
  }

  List<QueueEvent> events() {
    return events;
  }

  List<Consumer<QueueState>> then() {
    return then;
  }

  /** The reply, or null. */
  Reply<?> reply() {
    return reply;
  }

  boolean stops() {
    return stop;
  }
}
