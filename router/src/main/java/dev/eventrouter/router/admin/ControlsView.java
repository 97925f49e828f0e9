package dev.eventrouter.router.admin;

import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.queues.destination.DestinationSettings;
import dev.eventrouter.router.registry.PairOverrides;
import dev.eventrouter.router.registry.SecretBindings;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's copy of the {@link OperatorControls}: read on every dispatch of every queue, so it is
 * a plain volatile value, refreshed from the entity every second (a paused queue looks again as
 * often) and at once after a change made through this node. A registry replaced at run time is
 * handed to {@link #onRegistry} when its version changes.
 */
public final class ControlsView implements PairOverrides {

  private static final Logger log = LoggerFactory.getLogger(ControlsView.class);
  private static final Duration REFRESH = Duration.ofSeconds(1);
  private static final Duration ASK_TIMEOUT = Duration.ofSeconds(10);

  private volatile OperatorControls.State state = OperatorControls.State.EMPTY;
  private volatile EntityRef<OperatorControls.Command> entity;
  private volatile Consumer<OperatorControls.RegistryText> registryListener = text -> {};
  private volatile long registryVersion;
  private volatile boolean failing;
  private final String registryFileText;

  /**
   * @param registryFileText the text of the registry file the node started from (empty for none),
   *     shown until an operator replaces the registry through the API
   */
  public ControlsView(String registryFileText) {
    this.registryFileText = registryFileText;
  }

  @Override
  public boolean isPaused(PairId pair) {
    return state.isPaused(pair);
  }

  @Override
  public DestinationSettings limited(PairId pair, DestinationSettings configured) {
    return state.limitsOf(pair).map(limits -> limits.over(configured)).orElse(configured);
  }

  public OperatorControls.State state() {
    return state;
  }

  /** Told each registry that replaces the one in use; before {@link #connect}. */
  public void onRegistry(Consumer<OperatorControls.RegistryText> listener) {
    this.registryListener = listener;
  }

  /**
   * Starts the entity's sharding on this node and the refreshing of this copy; completes once the
   * first copy is here (so that a registry replaced earlier is in use before ingest starts), trying
   * again each second until it is.
   */
  public CompletionStage<Void> connect(ActorSystem<?> system) {
    ClusterSharding sharding = ClusterSharding.get(system);
    int snapshotEvery =
        system.settings().config().getInt("eventrouter.admin.controls-snapshot-every");
    // refused here, at start, not by the entity when sharding first starts it
    if (snapshotEvery < 0) {
      throw new IllegalArgumentException(
          "eventrouter.admin.controls-snapshot-every must be 0 (none) or more, not "
              + snapshotEvery);
    }
    sharding.init(
        Entity.of(OperatorControls.ENTITY_TYPE, context -> OperatorControls.create(snapshotEvery)));
    entity = sharding.entityRefFor(OperatorControls.ENTITY_TYPE, OperatorControls.ENTITY_ID);
    CompletableFuture<Void> first = new CompletableFuture<>();
    system
        .scheduler()
        .scheduleWithFixedDelay(
            Duration.ZERO,
            REFRESH,
            () ->
                refresh()
                    .whenComplete(
                        (done, failure) -> {
                          if (failure == null) {
                            first.complete(null);
                            if (failing) {
                              failing = false;
                              log.info("the operator controls can be read again");
                            }
                          } else if (!failing && !stopping(system)) {
                            failing = true;
                            log.warn(
                                "reading the operator controls failed; keeping the last ones until it works: {}",
                                failure.toString());
                          }
                        }),
            system.executionContext());
    return first;
  }

  /**
   * The node is stopping: its shard regions stop before the scheduler, so a refresh then fails as
   * it should, and is no operator's concern.
   */
  private static boolean stopping(ActorSystem<?> system) {
    return CoordinatedShutdown.get(system).getShutdownReason().isPresent();
  }

  public CompletionStage<OperatorControls.State> pause(OperatorControls.Target target) {
    return change(replyTo -> new OperatorControls.Pause(target, replyTo));
  }

  public CompletionStage<OperatorControls.State> resume(OperatorControls.Target target) {
    return change(replyTo -> new OperatorControls.Resume(target, replyTo));
  }

  public CompletionStage<OperatorControls.State> setLimits(
      PairId pair, OperatorControls.PairLimits limits) {
    return change(
        replyTo ->
            new OperatorControls.SetLimits(OperatorControls.Target.pair(pair), limits, replyTo));
  }

  /**
   * Replaces the registry for every node, unless it moves a secret the operator did not
   * acknowledge; the text must have been checked.
   */
  public CompletionStage<OperatorControls.RegistryAnswer> replaceRegistry(
      String text, SecretBindings secrets, Set<String> acknowledged) {
    return entity
        .<OperatorControls.RegistryAnswer>ask(
            replyTo ->
                new OperatorControls.ReplaceRegistry(
                    text, secrets, Set.copyOf(acknowledged), replyTo),
            ASK_TIMEOUT)
        .thenCompose(
            answer -> {
              update(answer.state());
              return answer.refused().isEmpty()
                  ? refresh().thenApply(done -> answer)
                  : CompletableFuture.completedFuture(answer);
            });
  }

  /** Binds secrets where the registry file sends them. */
  public CompletionStage<OperatorControls.State> bindSecrets(SecretBindings secrets) {
    return change(replyTo -> new OperatorControls.BindSecrets(secrets, replyTo));
  }

  public CompletionStage<OperatorControls.RegistryText> registry() {
    return entity.ask(OperatorControls.GetRegistry::new, ASK_TIMEOUT);
  }

  /**
   * The registry in force as text: the one an operator last put through the API, else the registry
   * file's text as this node read it at start (version 0; empty text for a node started without
   * one). Not the file as it is now: edits made since are not in force.
   */
  public CompletionStage<OperatorControls.RegistryText> registryText() {
    return registry()
        .thenApply(
            replaced -> {
              if (replaced.text() != null) {
                return replaced;
              }
              return new OperatorControls.RegistryText(0, null, registryFileText);
            });
  }

  private CompletionStage<OperatorControls.State> change(
      Function<ActorRef<OperatorControls.State>, OperatorControls.Command> command) {
    return entity.ask(command::apply, ASK_TIMEOUT).thenApply(this::update);
  }

  private CompletionStage<Void> refresh() {
    return entity
        .ask(OperatorControls.Get::new, ASK_TIMEOUT)
        .thenCompose(
            fresh -> {
              update(fresh);
              if (fresh.registryVersion() == registryVersion) {
                return CompletableFuture.completedFuture(null);
              }
              return registry().thenAccept(this::registryChanged);
            });
  }

  /** A copy older than the one held (a refresh answered before a change) is not taken. */
  private synchronized OperatorControls.State update(OperatorControls.State fresh) {
    if (fresh.version() >= state.version()) {
      state = fresh;
    }
    return state;
  }

  private synchronized void registryChanged(OperatorControls.RegistryText text) {
    if (text.version() > registryVersion && text.text() != null) {
      registryListener.accept(text);
      registryVersion = text.version();
    }
  }
}
