package dev.eventrouter.queues;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class HandlerTableTest {

  sealed interface Command permits Ping, Nested, Signal {}

  record Ping(int n) implements Command {}

  sealed interface Nested extends Command permits Pong {}

  record Pong(String s) implements Nested {}

  /** A constant with a body is a subclass of its enum. */
  enum Signal implements Command {
    PLAIN,
    WITH_BODY {
      @Override
      public String toString() {
        return "with a body";
      }
    }
  }

  /** The entity: records which handler ran, with what. */
  static final class Entity {
    String handled;
  }

  private static HandlerTable.Builder<Entity, Command, String, Object> complete() {
    return HandlerTable.<Entity, Command, String, Object>of(Command.class)
        .on(Ping.class, (e, state, ping) -> handled(e, state + " ping " + ping.n()))
        .on(Pong.class, (e, state, pong) -> handled(e, state + " pong " + pong.s()))
        .on(Signal.class, (e, state, signal) -> handled(e, state + " signal " + signal.name()));
  }

  private static <T> T handled(Entity entity, String what) {
    entity.handled = what;
    return null;
  }

  @Test
  void eachCommandGoesToTheHandlerOfItsClassWithTheEntityAndState() {
    HandlerTable<Entity, Command, String, Object> table = complete().build();
    Entity one = new Entity();
    Entity two = new Entity();

    table.handle(one, "s1", new Ping(7));
    table.handle(two, "s2", new Pong("x"));

    assertThat(one.handled).isEqualTo("s1 ping 7");
    assertThat(two.handled).isEqualTo("s2 pong x");
  }

  @Test
  void anEnumConstantWithABodyGoesToItsEnumsHandler() {
    HandlerTable<Entity, Command, String, Object> table = complete().build();
    Entity entity = new Entity();

    table.handle(entity, "s", Signal.WITH_BODY);

    assertThat(Signal.WITH_BODY.getClass()).isNotEqualTo(Signal.class);
    assertThat(entity.handled).isEqualTo("s signal WITH_BODY");
  }

  @Test
  void aTableThatLeavesACommandOfTheProtocolUnhandledIsRefused() {
    HandlerTable.Builder<Entity, Command, String, Object> withoutPong =
        HandlerTable.<Entity, Command, String, Object>of(Command.class)
            .on(Ping.class, (e, state, ping) -> null)
            .on(Signal.class, (e, state, signal) -> null);

    assertThatThrownBy(withoutPong::build)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(Pong.class.getName());
  }

  @Test
  void twoHandlersForOneCommandAreRefused() {
    assertThatThrownBy(() -> complete().on(Ping.class, (e, state, ping) -> null))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(Ping.class.getName());
  }
}
