package dev.eventrouter.router.registry;

import java.util.ArrayList;
import java.util.List;

/**
 * What is wrong with a registry, found as it is read. An error refuses it. A finding of a check
 * this version added refuses a registry sent now, but is overlooked, with a warning, in one an
 * earlier version accepted and stored: refusing that one would leave a node upgraded under it with
 * another registry than the cluster's, routing the operator's sources elsewhere.
 */
final class Mistakes {

  private final boolean overlookNewChecks;
  private final List<String> errors = new ArrayList<>();
  private final List<String> overlooked = new ArrayList<>();

  private Mistakes(boolean overlookNewChecks) {
    this.overlookNewChecks = overlookNewChecks;
  }

  /** For a registry sent now: every mistake refuses it. */
  static Mistakes strict() {
    return new Mistakes(false);
  }

  /** For a registry an earlier version accepted: the newer checks' findings are overlooked. */
  static Mistakes ofStored() {
    return new Mistakes(true);
  }

  void add(String error) {
    errors.add(error);
  }

  /**
   * A mistake an earlier version let through without a word (an unknown key, a header the router
   * sets itself): an error, or overlooked in a stored registry.
   */
  void addFromNewCheck(String mistake) {
    (overlookNewChecks ? overlooked : errors).add(mistake);
  }

  /** How many errors so far: a part read with more after than before is left out. */
  int size() {
    return errors.size();
  }

  boolean isEmpty() {
    return errors.isEmpty();
  }

  List<String> errors() {
    return List.copyOf(errors);
  }

  List<String> overlooked() {
    return List.copyOf(overlooked);
  }
}
