package dev.eventrouter.router.admin;

import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.serialization.CborSerializable;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;

/**
 * What operators paused, for the whole cluster: one sharded, event-sourced entity, so that a
 * pause survives restarts and every node reads the same. Nodes keep a copy ({@link
 * ControlsView}) that the virtual queues consult before they send.
 */
public final class OperatorControls
    extends EventSourcedBehaviorWithEnforcedReplies<OperatorControls.Command, OperatorControls.Event,
        OperatorControls.State> {

  public static final EntityTypeKey<Command> ENTITY_TYPE =
      EntityTypeKey.create(Command.class, "OperatorControls");
  public static final String ENTITY_ID = "controls";

  /** A pair, or with no source a whole destination. */
  public record Target(String source, String destination) implements CborSerializable {
    public Target {
      Objects.requireNonNull(destination, "destination");
    }

    public static Target destination(String destination) {
      return new Target(null, destination);
    }

    public static Target pair(PairId pair) {
      return new Target(pair.source(), pair.destination());
    }

    boolean covers(PairId pair) {
      return destination.equals(pair.destination()) && (source == null || source.equals(pair.source()));
    }
  }

  public sealed interface Command {}

  public record Pause(Target target, ActorRef<State> replyTo) implements Command, CborSerializable {}

  public record Resume(Target target, ActorRef<State> replyTo) implements Command, CborSerializable {}

  public record Get(ActorRef<State> replyTo) implements Command, CborSerializable {}

  public sealed interface Event extends CborSerializable {}

  public record Paused(Target target) implements Event {}

  public record Resumed(Target target) implements Event {}

  /** @param paused what is paused, pairs and destinations */
  public record State(List<Target> paused) implements CborSerializable {
    public static final State EMPTY = new State(List.of());

    public State {
      paused = List.copyOf(paused);
    }

    public boolean isPaused(PairId pair) {
      for (Target target : paused) {
        if (target.covers(pair)) {
          return true;
        }
      }
      return false;
    }

    State with(Target target) {
      Set<Target> next = new HashSet<>(paused);
      next.add(target);
      return sorted(next);
    }

    State without(Target target) {
      Set<Target> next = new HashSet<>(paused);
      next.remove(target);
      return sorted(next);
    }

    private static State sorted(Set<Target> targets) {
      Comparator<Target> order = Comparator.comparing(Target::destination);
      order = order.thenComparing(t -> t.source() == null ? "" : t.source());
      return new State(targets.stream().sorted(order).toList());
    }
  }

  public static Behavior<Command> create() {
    return new OperatorControls();
  }

  private OperatorControls() {
    super(PersistenceId.of(ENTITY_TYPE.name(), ENTITY_ID),
        SupervisorStrategy.restartWithBackoff(Duration.ofSeconds(1), Duration.ofSeconds(30), 0.2));
  }

  @Override
  public State emptyState() {
    return State.EMPTY;
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder().forAnyState()
        .onCommand(Pause.class, this::pause)
        .onCommand(Resume.class, this::resume)
        .onCommand(Get.class, (state, get) -> Effect().reply(get.replyTo(), state))
        .build();
  }

  private ReplyEffect<Event, State> pause(State state, Pause pause) {
    if (state.paused().contains(pause.target())) {
      return Effect().reply(pause.replyTo(), state);
    }
    return Effect().persist(new Paused(pause.target())).thenReply(pause.replyTo(), s -> s);
  }

  private ReplyEffect<Event, State> resume(State state, Resume resume) {
    if (!state.paused().contains(resume.target())) {
      return Effect().reply(resume.replyTo(), state);
    }
    return Effect().persist(new Resumed(resume.target())).thenReply(resume.replyTo(), s -> s);
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState()
        .onEvent(Paused.class, (state, paused) -> state.with(paused.target()))
        .onEvent(Resumed.class, (state, resumed) -> state.without(resumed.target()))
        .build();
  }
}
