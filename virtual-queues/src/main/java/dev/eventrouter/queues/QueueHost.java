package dev.eventrouter.queues;

import dev.eventrouter.queues.delivery.DeliveryOutcomes;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.function.BiFunction;
import org.apache.pekko.actor.typed.ActorRef;
import org.slf4j.Logger;

/**
 * What a queue's parts ask of the actor that runs the queue: messages to the queue itself, its
 * timers, its log, and where its requests' answers come. The parts never hold the actor's context,
 * so that a host other than {@link VirtualQueue}, one actor per pair, can run many pairs' queues in
 * one actor (docs/queues-per-shard.md). Timer keys are the queue's own: a host of many queues keeps
 * each queue's apart.
 */
interface QueueHost {

  /** From any thread: a destination's limit hands a queue its permits from another's. */
  void tellSelf(VirtualQueue.Internal message);

  /** The stage's outcome, made a message, to the queue once it completes. */
  <T> void pipeToSelf(
      CompletionStage<T> stage, BiFunction<T, Throwable, VirtualQueue.Internal> toMessage);

  /** Replaces the timer of that key, if one is set. */
  void startTimer(Object key, VirtualQueue.Internal message, Duration delay);

  void cancelTimer(Object key);

  boolean timerActive(Object key);

  Logger log();

  /** Where the delivery client sends the answers to this queue's requests. */
  ActorRef<DeliveryOutcomes> answersTo();

  /**
   * The queue is empty and idle: its host may let it go, to start it again (from its journal) when
   * a message next comes for it.
   */
  void passivate();

  /**
   * Payloads of jobs the queue accepted in that journal event were not kept in memory. A host whose
   * log the queue shares may read them back for all its queues at once ({@link GroupReadAhead}).
   */
  default void notKept(long sequenceNr) {}

  /**
   * Whether the host hands the queue the payloads of that journal event soon, read for all its
   * queues at once: the queue does not read them back alone meanwhile.
   */
  default boolean readsAhead(long sequenceNr) {
    return false;
  }
}
