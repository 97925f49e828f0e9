package dev.eventrouter.router.filter;

import java.math.BigDecimal;

/**
 * The value of an event's field as a filter compares it: texts, numbers and booleans by value, each
 * only with its own kind ({@code "10"} is not {@code 10}). A JSON null is no value: the field
 * counts as absent.
 */
public sealed interface FieldValue {

  record Text(String text) implements FieldValue {}

  /** One number however it is written: {@code 3}, {@code 3.0} and {@code 0.3e1} are equal. */
  record Numeric(BigDecimal value) implements FieldValue {

    public Numeric {
      value = value.stripTrailingZeros();
    }
  }

  record Bool(boolean value) implements FieldValue {}

  /** An object or an array: present, and equal to no value a filter names. */
  record Composite() implements FieldValue {}
}
