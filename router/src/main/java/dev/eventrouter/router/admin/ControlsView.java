package dev.eventrouter.router.admin;

import dev.eventrouter.persistence.job.PairId;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's copy of the {@link OperatorControls}: read on every dispatch of every queue, so it
 * is a plain volatile value, refreshed from the entity every second (a paused queue looks again
 * as often) and at once after a change made through this node.
 */
public final class ControlsView {

  private static final Logger log = LoggerFactory.getLogger(ControlsView.class);
  private static final Duration REFRESH = Duration.ofSeconds(1);
  private static final Duration ASK_TIMEOUT = Duration.ofSeconds(10);

  private volatile OperatorControls.State state = OperatorControls.State.EMPTY;
  private volatile EntityRef<OperatorControls.Command> entity;

  public boolean isPaused(PairId pair) {
    return state.isPaused(pair);
  }

  public OperatorControls.State state() {
    return state;
  }

  /** Starts the entity's sharding on this node and the refreshing of this copy. */
  public void connect(ActorSystem<?> system) {
    ClusterSharding sharding = ClusterSharding.get(system);
    sharding.init(Entity.of(OperatorControls.ENTITY_TYPE, context -> OperatorControls.create()));
    entity = sharding.entityRefFor(OperatorControls.ENTITY_TYPE, OperatorControls.ENTITY_ID);
    system.scheduler().scheduleWithFixedDelay(Duration.ZERO, REFRESH, this::refresh, system.executionContext());
  }

  public CompletionStage<OperatorControls.State> pause(OperatorControls.Target target) {
    return entity.<OperatorControls.State>ask(replyTo -> new OperatorControls.Pause(target, replyTo),
        ASK_TIMEOUT).thenApply(this::update);
  }

  public CompletionStage<OperatorControls.State> resume(OperatorControls.Target target) {
    return entity.<OperatorControls.State>ask(replyTo -> new OperatorControls.Resume(target, replyTo),
        ASK_TIMEOUT).thenApply(this::update);
  }

  private void refresh() {
    entity.ask(OperatorControls.Get::new, ASK_TIMEOUT).whenComplete((fresh, failure) -> {
      if (failure != null) {
        log.debug("refreshing the operator controls failed; keeping the last ones: {}", failure.toString());
      } else {
        state = fresh;
      }
    });
  }

  private OperatorControls.State update(OperatorControls.State fresh) {
    state = fresh;
    return fresh;
  }
}
