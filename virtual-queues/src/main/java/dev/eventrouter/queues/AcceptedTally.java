package dev.eventrouter.queues;

import java.time.Duration;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.pattern.StatusReply;

/**
 * Sums the replies of a group's pairs to their parts of one {@link QueueGroup.EnqueueAll} into the
 * one reply its sender waits for: success once every part is durable, the first error otherwise. A
 * child of the group, it stops with it; a part that never answers (a pair stopped mid-write) leaves
 * it only until the sender has given up.
 */
final class AcceptedTally {

  private enum GiveUp {
    INSTANCE
  }

  private AcceptedTally() {}

  static Behavior<StatusReply<VirtualQueue.Accepted>> create(
      int parts, ActorRef<StatusReply<VirtualQueue.Accepted>> replyTo, Duration askTimeout) {
    return Behaviors.<Object>setup(
            context ->
                Behaviors.withTimers(
                    timers -> {
                      timers.startSingleTimer(GiveUp.INSTANCE, askTimeout);
                      return waiting(parts, new VirtualQueue.Accepted(0, 0), replyTo);
                    }))
        .narrow();
  }

  private static Behavior<Object> waiting(
      int parts, VirtualQueue.Accepted sum, ActorRef<StatusReply<VirtualQueue.Accepted>> replyTo) {
    return Behaviors.receive(Object.class)
        .onMessageEquals(GiveUp.INSTANCE, Behaviors::stopped)
        .onMessage(
            StatusReply.class,
            reply -> {
              if (reply.isError()) {
                replyTo.tell(StatusReply.error(reply.getError()));
                return Behaviors.stopped();
              }
              VirtualQueue.Accepted total = sum.plus((VirtualQueue.Accepted) reply.getValue());
              if (parts == 1) {
                replyTo.tell(StatusReply.success(total));
                return Behaviors.stopped();
              }
              return waiting(parts - 1, total, replyTo);
            })
        .build();
  }
}
