package dev.eventrouter.persistence.journal;

import dev.eventrouter.persistence.job.JobEvent;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;

/** The smallest event-sourced actor over job events: what the journal suite writes and recovers. */
final class JobLog extends EventSourcedBehavior<JobLog.Command, JobEvent, List<JobEvent>> {

  sealed interface Command {}

  /** Persists all events in one write; replies with the number of events held. */
  record Append(List<JobEvent> events, ActorRef<Long> replyTo) implements Command {}

  record Read(ActorRef<List<JobEvent>> replyTo) implements Command {}

  /**
   * @param shard the journal database that holds the id, as a virtual queue's would be placed
   */
  static Behavior<Command> create(String persistenceId, JournalShard shard) {
    return new JobLog(PersistenceId.ofUniqueId(persistenceId), shard);
  }

  private final JournalShard shard;

  private JobLog(PersistenceId persistenceId, JournalShard shard) {
    super(persistenceId);
    this.shard = shard;
  }

  @Override
  public String journalPluginId() {
    return shard.journalPluginId();
  }

  @Override
  public String snapshotPluginId() {
    return shard.snapshotPluginId();
  }

  @Override
  public List<JobEvent> emptyState() {
    return List.of();
  }

  @Override
  public CommandHandler<Command, JobEvent, List<JobEvent>> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(
            Append.class,
            (state, append) ->
                Effect().persist(append.events()).thenReply(append.replyTo(), s -> (long) s.size()))
        .onCommand(Read.class, (state, read) -> Effect().reply(read.replyTo(), state))
        .build();
  }

  @Override
  public EventHandler<List<JobEvent>, JobEvent> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onAnyEvent(
            (state, event) -> {
              List<JobEvent> next = new ArrayList<>(state);
              next.add(event);
              return next;
            });
  }
}
