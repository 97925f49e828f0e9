package dev.eventrouter.queues;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;

/**
 * The command handlers of an event-sourced entity class, one table for all its instances: each
 * handler is given the instance. Pekko's handler builder makes a table per actor, its cases and
 * lambdas bound to that actor: about 1.9 KB for each virtual queue, a fifth of the heap of a node
 * holding 100,000 queues (BENCHMARKS.md, "Cold queues: the journal's identity, what a started queue
 * weighs, waiting pairs").
 *
 * <p>A handler is found by the command's class (or the nearest superclass with one: an enum
 * constant with a body). {@link Builder#build()} refuses a table that leaves a command of the
 * sealed protocol without a handler, so a command added later cannot go unhandled at run time.
 *
 * @param <E> the entity class
 * @param <C> its command protocol, a sealed interface
 */
final class HandlerTable<E, C, Ev, S> {

  /** Handles a command of type {@code T} for one entity, in its state. */
  @FunctionalInterface
  interface Handler<E, T, Ev, S> {
    ReplyEffect<Ev, S> handle(E entity, S state, T command);
  }

  /**
   * Per command class, its handler, or null: found once per class, then read from the class's own
   * slot (a map lookup per message was 3 % of a drain's CPU).
   */
  private final ClassValue<Handler<E, ?, Ev, S>> byClass;

  private HandlerTable(Map<Class<?>, Handler<E, ?, Ev, S>> handlers) {
    Map<Class<?>, Handler<E, ?, Ev, S>> table = Map.copyOf(handlers);
    this.byClass =
        new ClassValue<>() {
          @Override
          protected Handler<E, ?, Ev, S> computeValue(Class<?> command) {
            for (Class<?> type = command; type != null; type = type.getSuperclass()) {
              Handler<E, ?, Ev, S> handler = table.get(type);
              if (handler != null) {
                return handler;
              }
            }
            return null;
          }
        };
  }

  static <E, C, Ev, S> Builder<E, C, Ev, S> of(Class<C> protocol) {
    return new Builder<>(protocol);
  }

  @SuppressWarnings("unchecked")
  ReplyEffect<Ev, S> handle(E entity, S state, C command) {
    Handler<E, ?, Ev, S> handler = byClass.get(command.getClass());
    if (handler == null) {
      // build() saw every class of the protocol: only a class outside it gets here
      throw new IllegalArgumentException("no handler for " + command.getClass().getName());
    }
    return ((Handler<E, C, Ev, S>) handler).handle(entity, state, command);
  }

  static final class Builder<E, C, Ev, S> {
    private final Class<C> protocol;
    private final Map<Class<?>, Handler<E, ?, Ev, S>> byClass = new HashMap<>();

    private Builder(Class<C> protocol) {
      this.protocol = protocol;
    }

    <T extends C> Builder<E, C, Ev, S> on(Class<T> type, Handler<E, T, Ev, S> handler) {
      if (byClass.putIfAbsent(type, handler) != null) {
        throw new IllegalStateException("two handlers for " + type.getName());
      }
      return this;
    }

    HandlerTable<E, C, Ev, S> build() {
      List<String> unhandled = new ArrayList<>();
      Deque<Class<?>> toVisit = new ArrayDeque<>(List.of(protocol));
      while (!toVisit.isEmpty()) {
        Class<?> type = toVisit.pop();
        if (byClass.containsKey(type)) {
          continue; // and its subclasses, such as an enum's constants with bodies
        }
        if (type.isSealed()) {
          toVisit.addAll(List.of(type.getPermittedSubclasses()));
        } else {
          unhandled.add(type.getName());
        }
      }
      if (!unhandled.isEmpty()) {
        throw new IllegalStateException(
            protocol.getName() + " has commands without a handler: " + unhandled);
      }
      return new HandlerTable<>(byClass);
    }
  }
}
