package dev.eventrouter.router.admin;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.serialization.CborSerializable;
import dev.eventrouter.queues.destination.DestinationSettings;
import dev.eventrouter.router.registry.SecretBindings;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.SnapshotAdapter;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * What operators changed, for the whole cluster: what is paused, the pairs' own limits, and the
 * settings registry when it was replaced at run time. One sharded, event-sourced entity, so that a
 * change survives restarts and every node reads the same; nodes keep a copy ({@link ControlsView})
 * that ingest and the virtual queues consult.
 *
 * <p>A snapshot every {@code controls-snapshot-every} events, with the events before the older of
 * the two snapshots kept deleted: the journal of a cluster whose registry was replaced a thousand
 * times (each event carries the whole registry) is not read whole at every start.
 */
public final class OperatorControls
    extends EventSourcedBehaviorWithEnforcedReplies<
        OperatorControls.Command, OperatorControls.Event, OperatorControls.State> {

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
      return destination.equals(pair.destination())
          && (source == null || source.equals(pair.source()));
    }
  }

  public sealed interface Command {}

  public record Pause(Target target, ActorRef<State> replyTo)
      implements Command, CborSerializable {}

  public record Resume(Target target, ActorRef<State> replyTo)
      implements Command, CborSerializable {}

  /** Set a pair's own limits (null: the destination's); both null clears them. */
  public record SetLimits(Target pair, PairLimits limits, ActorRef<State> replyTo)
      implements Command, CborSerializable {}

  /**
   * Replace the settings registry by this text (checked by the caller), for every node; refused if
   * it sends a secret where it is not bound, unless that secret's move is acknowledged.
   *
   * @param secrets where the text's registry sends each secret
   * @param acknowledged the secrets the operator agrees to send to new origins
   */
  public record ReplaceRegistry(
      String text,
      SecretBindings secrets,
      Set<String> acknowledged,
      ActorRef<RegistryAnswer> replyTo)
      implements Command, CborSerializable {}

  /**
   * @param refused the moves not acknowledged: the registry was not replaced
   * @param moved the acknowledged moves made with the replacement, for the audit log
   */
  public record RegistryAnswer(
      State state, List<SecretBindings.Move> refused, List<SecretBindings.Move> moved)
      implements CborSerializable {}

  /** Bind secrets where the registry file sends them (each node, at start). */
  public record BindSecrets(SecretBindings secrets, ActorRef<State> replyTo)
      implements Command, CborSerializable {}

  /** The controls, without the registry's text (see {@link GetRegistry}). */
  public record Get(ActorRef<State> replyTo) implements Command, CborSerializable {}

  public record GetRegistry(ActorRef<RegistryText> replyTo) implements Command, CborSerializable {}

  /**
   * @param version 0 while the registry is the file's; counts replacements
   */
  public record RegistryText(long version, Instant changedAt, String text)
      implements CborSerializable {}

  /**
   * A pair's own limits, over its destination's.
   *
   * @param ratePerSecond requests per second; 0 for none; null for the destination's
   * @param maxInFlight outstanding requests; null for the destination's
   */
  public record PairLimits(Integer ratePerSecond, Integer maxInFlight) implements CborSerializable {
    public PairLimits {
      if (ratePerSecond != null && ratePerSecond < 0) {
        throw new IllegalArgumentException("ratePerSecond must be 0 (no limit) or more");
      }
      if (maxInFlight != null && maxInFlight < 1) {
        throw new IllegalArgumentException("maxInFlight must be at least 1");
      }
    }

    boolean isEmpty() {
      return ratePerSecond == null && maxInFlight == null;
    }

    /** The destination's settings with these limits where they are set. */
    DestinationSettings over(DestinationSettings settings) {
      DestinationSettings limited = settings;
      if (ratePerSecond != null) {
        limited = limited.withRatePerSecond(ratePerSecond);
      }
      if (maxInFlight != null) {
        limited = limited.withMaxInFlightPerPair(maxInFlight);
      }
      return limited;
    }
  }

  public record PairOverride(Target pair, PairLimits limits) implements CborSerializable {}

  public sealed interface Event extends CborSerializable {}

  public record Paused(Target target) implements Event {}

  public record Resumed(Target target) implements Event {}

  public record LimitsSet(Target pair, PairLimits limits) implements Event {}

  /**
   * @param secrets where the registry sends its secrets: bound from now on (null before bindings
   *     were kept)
   */
  public record RegistryReplaced(String text, Instant at, SecretBindings secrets)
      implements Event {}

  public record SecretsBound(SecretBindings secrets) implements Event {}

  /**
   * The state as a snapshot stores it: with the registry's text, which {@link State} leaves out of
   * what it sends between nodes.
   */
  public record Snapshot(
      List<Target> paused,
      List<PairOverride> limits,
      long registryVersion,
      long version,
      RegistryText registry,
      SecretBindings secrets)
      implements CborSerializable {

    static Snapshot of(State state) {
      return new Snapshot(
          state.paused(),
          state.limits(),
          state.registryVersion(),
          state.version(),
          state.registry(),
          state.secrets());
    }

    State state() {
      return new State(paused, limits, registryVersion, version, registry, secrets);
    }
  }

  /**
   * @param paused what is paused, pairs and destinations
   * @param limits the pairs with their own limits
   * @param registryVersion 0 while the registry is the file's
   * @param version counts the changes: a copy never replaces a newer one
   * @param secrets where secrets may be sent; names and origins, never values
   */
  public record State(
      List<Target> paused,
      List<PairOverride> limits,
      long registryVersion,
      long version,
      @JsonIgnore RegistryText registry,
      SecretBindings secrets)
      implements CborSerializable {
    public static final State EMPTY =
        new State(List.of(), List.of(), 0, 0, null, SecretBindings.NONE);

    public State {
      paused = List.copyOf(paused);
      limits = List.copyOf(limits);
      secrets = secrets == null ? SecretBindings.NONE : secrets;
    }

    public Optional<PairLimits> limitsOf(PairId pair) {
      for (PairOverride override : limits) {
        if (override.pair().covers(pair)) {
          return Optional.of(override.limits());
        }
      }
      return Optional.empty();
    }

    /** Without the registry's text: what nodes ask for every second. */
    State withoutText() {
      return new State(paused, limits, registryVersion, version, null, secrets);
    }

    State withLimits(Target pair, PairLimits set) {
      List<PairOverride> next = new ArrayList<>(limits);
      next.removeIf(o -> o.pair().equals(pair));
      if (!set.isEmpty()) {
        next.add(new PairOverride(pair, set));
      }
      return new State(paused, next, registryVersion, version + 1, registry, secrets);
    }

    State withRegistry(String text, Instant at, SecretBindings bound) {
      return new State(
          paused,
          limits,
          registryVersion + 1,
          version + 1,
          new RegistryText(registryVersion + 1, at, text),
          bound == null ? secrets : secrets.plus(bound));
    }

    State withSecrets(SecretBindings bound) {
      return new State(paused, limits, registryVersion, version + 1, registry, secrets.plus(bound));
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
      return withPaused(next);
    }

    State without(Target target) {
      Set<Target> next = new HashSet<>(paused);
      next.remove(target);
      return withPaused(next);
    }

    private State withPaused(Set<Target> targets) {
      Comparator<Target> order = Comparator.comparing(Target::destination);
      order = order.thenComparing(t -> t.source() == null ? "" : t.source());
      return new State(
          targets.stream().sorted(order).toList(),
          limits,
          registryVersion,
          version + 1,
          registry,
          secrets);
    }
  }

  /**
   * @param snapshotEvery events between snapshots; 0 for none (what versions before snapshots can
   *     read, during a rolling upgrade from one)
   */
  public static Behavior<Command> create(int snapshotEvery) {
    return new OperatorControls(snapshotEvery);
  }

  private final int snapshotEvery;

  private OperatorControls(int snapshotEvery) {
    super(
        PersistenceId.of(ENTITY_TYPE.name(), ENTITY_ID),
        SupervisorStrategy.restartWithBackoff(Duration.ofSeconds(1), Duration.ofSeconds(30), 0.2));
    if (snapshotEvery < 0) {
      throw new IllegalArgumentException(
          "eventrouter.admin.controls-snapshot-every must be 0 (none) or more, not "
              + snapshotEvery);
    }
    this.snapshotEvery = snapshotEvery;
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return snapshotEvery == 0
        ? RetentionCriteria.disabled()
        : RetentionCriteria.snapshotEvery(snapshotEvery, 2).withDeleteEventsOnSnapshot();
  }

  @Override
  public SnapshotAdapter<State> snapshotAdapter() {
    return new SnapshotAdapter<>() {
      @Override
      public Object toJournal(State state) {
        return Snapshot.of(state);
      }

      @Override
      public State fromJournal(Object from) {
        return ((Snapshot) from).state();
      }
    };
  }

  @Override
  public State emptyState() {
    return State.EMPTY;
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(Pause.class, this::pause)
        .onCommand(Resume.class, this::resume)
        .onCommand(SetLimits.class, this::setLimits)
        .onCommand(ReplaceRegistry.class, this::replaceRegistry)
        .onCommand(BindSecrets.class, this::bindSecrets)
        .onCommand(Get.class, (state, get) -> Effect().reply(get.replyTo(), state.withoutText()))
        .onCommand(
            GetRegistry.class,
            (state, get) ->
                Effect()
                    .reply(
                        get.replyTo(),
                        state.registry() == null
                            ? new RegistryText(0, null, null)
                            : state.registry()))
        .build();
  }

  /**
   * Limits the pair has already are not written again: this journal is replayed whole when the
   * controls start, and a script that sets the same limits again and again would grow it.
   */
  private ReplyEffect<Event, State> setLimits(State state, SetLimits set) {
    Optional<PairLimits> now =
        state.limits().stream()
            .filter(override -> override.pair().equals(set.pair()))
            .map(PairOverride::limits)
            .findFirst();
    if (set.limits().isEmpty() ? now.isEmpty() : now.equals(Optional.of(set.limits()))) {
      return Effect().reply(set.replyTo(), state.withoutText());
    }
    return Effect()
        .persist(new LimitsSet(set.pair(), set.limits()))
        .thenReply(set.replyTo(), State::withoutText);
  }

  /** Checked here, not by the caller: two replacements at once are checked one after the other. */
  private ReplyEffect<Event, State> replaceRegistry(State state, ReplaceRegistry replace) {
    List<SecretBindings.Move> moves = state.secrets().movesTo(replace.secrets());
    List<SecretBindings.Move> refused =
        moves.stream().filter(move -> !replace.acknowledged().contains(move.secret())).toList();
    if (!refused.isEmpty()) {
      return Effect()
          .reply(replace.replyTo(), new RegistryAnswer(state.withoutText(), refused, List.of()));
    }
    return Effect()
        .persist(new RegistryReplaced(replace.text(), Instant.now(), replace.secrets()))
        .thenReply(
            replace.replyTo(), next -> new RegistryAnswer(next.withoutText(), List.of(), moves));
  }

  private ReplyEffect<Event, State> bindSecrets(State state, BindSecrets bind) {
    if (state.secrets().plus(bind.secrets()).equals(state.secrets())) {
      return Effect().reply(bind.replyTo(), state.withoutText());
    }
    return Effect()
        .persist(new SecretsBound(bind.secrets()))
        .thenReply(bind.replyTo(), State::withoutText);
  }

  private ReplyEffect<Event, State> pause(State state, Pause pause) {
    if (state.paused().contains(pause.target())) {
      return Effect().reply(pause.replyTo(), state.withoutText());
    }
    return Effect()
        .persist(new Paused(pause.target()))
        .thenReply(pause.replyTo(), State::withoutText);
  }

  private ReplyEffect<Event, State> resume(State state, Resume resume) {
    if (!state.paused().contains(resume.target())) {
      return Effect().reply(resume.replyTo(), state.withoutText());
    }
    return Effect()
        .persist(new Resumed(resume.target()))
        .thenReply(resume.replyTo(), State::withoutText);
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(Paused.class, (state, paused) -> state.with(paused.target()))
        .onEvent(Resumed.class, (state, resumed) -> state.without(resumed.target()))
        .onEvent(LimitsSet.class, (state, set) -> state.withLimits(set.pair(), set.limits()))
        .onEvent(
            RegistryReplaced.class,
            (state, replaced) ->
                state.withRegistry(replaced.text(), replaced.at(), replaced.secrets()))
        .onEvent(SecretsBound.class, (state, bound) -> state.withSecrets(bound.secrets()))
        .build();
  }
}
