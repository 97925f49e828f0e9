package dev.eventrouter.queues;

import java.util.Arrays;

/**
 * A multiset of longs that knows its least element without a walk: the queue's low watermark (the
 * least payload sequence number of the jobs held) and its oldest job (the least second they arrived
 * at), asked at each upkeep tick and stats request of a queue that may hold millions of jobs.
 *
 * <p>Distinct keys in order, each with its count, in two arrays. Keys come mostly in increasing
 * order (sequence numbers always, the seconds jobs arrived at nearly), so adding is an append; a
 * key that comes late is inserted, moving the keys after it, which are few when keys are seconds. A
 * key whose count falls to zero stays until the least key passes it or until such keys are as many
 * as the others, when they are dropped together: removing is a binary search, and never a move per
 * removal.
 */
final class SortedCounts {

  private long[] keys = new long[16];
  private int[] counts = new int[16];

  /** Entries in use are [first, end); the first has a count above zero unless none has. */
  private int first;

  private int end;

  /** Entries in [first, end) whose count is zero. */
  private int empty;

  void add(long key) {
    if (end > first && keys[end - 1] == key) {
      if (counts[end - 1]++ == 0) {
        empty--;
      }
      return;
    }
    room();
    if (end == first || keys[end - 1] < key) {
      keys[end] = key;
      counts[end] = 1;
      end++;
      return;
    }
    int at = Arrays.binarySearch(keys, first, end, key);
    if (at >= 0) {
      if (counts[at]++ == 0) {
        empty--;
      }
      return;
    }
    int insert = -at - 1;
    if (insert == first && first > 0) {
      insert = --first; // the place a least key left is free
    } else {
      System.arraycopy(keys, insert, keys, insert + 1, end - insert);
      System.arraycopy(counts, insert, counts, insert + 1, end - insert);
      end++;
    }
    keys[insert] = key;
    counts[insert] = 1;
  }

  /**
   * Removes one of {@code key}, which must be held.
   *
   * @throws IllegalStateException if it is not
   */
  void remove(long key) {
    // jobs leave mostly in the order they came: the least key first
    int at = first < end && keys[first] == key ? first : Arrays.binarySearch(keys, first, end, key);
    if (at < 0 || counts[at] == 0) {
      throw new IllegalStateException("not held: " + key);
    }
    if (--counts[at] > 0) {
      return;
    }
    empty++;
    while (first < end && counts[first] == 0) {
      first++;
      empty--;
    }
    if (empty > 16 && empty * 2 > end - first) {
      dropEmpty();
    }
  }

  /** The least key held, or {@code otherwise} when none is. */
  long least(long otherwise) {
    return first < end ? keys[first] : otherwise;
  }

  boolean isEmpty() {
    return first == end;
  }

  /** Makes room for one more entry at the end. */
  private void room() {
    if (end < keys.length) {
      return;
    }
    if (first > 0) {
      dropEmpty();
    }
    if (end - first >= keys.length * 3 / 4) {
      keys = Arrays.copyOf(keys, keys.length * 2);
      counts = Arrays.copyOf(counts, counts.length * 2);
    }
  }

  /** Moves the entries with a count to the front, in order. */
  private void dropEmpty() {
    int kept = 0;
    for (int i = first; i < end; i++) {
      if (counts[i] > 0) {
        keys[kept] = keys[i];
        counts[kept] = counts[i];
        kept++;
      }
    }
    first = 0;
    end = kept;
    empty = 0;
  }
}
