package dev.eventrouter.queues;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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
 * @param <S> its state
 * @param <R> what a handler returns: the effect it asks of the entity's actor
 */
final class HandlerTable<E, C, S, R> {

  /** Handles a command of type {@code T} for one entity, in its state: what it asks done. */
  @FunctionalInterface
  interface Handler<E, T, S, R> {
    R handle(E entity, S state, T command);
  }

  /**
   * Per command class, its handler, or null: found once per class, then read from the class's own
   * slot (a map lookup per message was 3 % of a drain's CPU).
   */
  private final ClassValue<Handler<E, ?, S, R>> byClass;

  private HandlerTable(Map<Class<?>, Handler<E, ?, S, R>> handlers) {
    Map<Class<?>, Handler<E, ?, S, R>> table = Map.copyOf(handlers);
    this.byClass =
        new ClassValue<>() {
          @Override
          protected Handler<E, ?, S, R> computeValue(Class<?> command) {
            for (Class<?> type = command; type != null; type = type.getSuperclass()) {
              Handler<E, ?, S, R> handler = table.get(type);
              if (handler != null) {
                return handler;
              }
            }
            return null;
          }
        };
  }

  static <E, C, S, R> Builder<E, C, S, R> of(Class<C> protocol) {
    return new Builder<>(protocol);
  }

  @SuppressWarnings("unchecked")
  R handle(E entity, S state, C command) {
    Handler<E, ?, S, R> handler = byClass.get(command.getClass());
    if (handler == null) {
      // build() saw every class of the protocol: only a class outside it gets here
      throw new IllegalArgumentException("no handler for " + command.getClass().getName());
    }
    return ((Handler<E, C, S, R>) handler).handle(entity, state, command);
  }

  static final class Builder<E, C, S, R> {
    private final Class<C> protocol;
    private final Map<Class<?>, Handler<E, ?, S, R>> byClass = new HashMap<>();

    private Builder(Class<C> protocol) {
      this.protocol = protocol;
    }

    <T extends C> Builder<E, C, S, R> on(Class<T> type, Handler<E, T, S, R> handler) {
      if (byClass.putIfAbsent(type, handler) != null) {
        throw new IllegalStateException("two handlers for " + type.getName());
      }
      return this;
    }

    HandlerTable<E, C, S, R> build() {
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
