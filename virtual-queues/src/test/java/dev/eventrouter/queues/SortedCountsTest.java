package dev.eventrouter.queues;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The least key of the multiset, against a TreeMap of counts, over random adds and removes. */
class SortedCountsTest {

  @Test
  void knowsItsLeastKeyAsASortedMapOfCountsDoes() {
    Random random = new Random(42);
    for (int round = 0; round < 20; round++) {
      SortedCounts counts = new SortedCounts();
      TreeMap<Long, Integer> model = new TreeMap<>();
      List<Long> held = new ArrayList<>();
      long next = 0;
      for (int step = 0; step < 20_000; step++) {
        int choice = random.nextInt(10);
        if (choice < 5 || held.isEmpty()) {
          // mostly increasing keys, some repeated, some late (below the last)
          long key =
              switch (random.nextInt(4)) {
                case 0 -> next;
                case 1 -> next += 1 + random.nextInt(3);
                case 2 -> Math.max(0, next - random.nextInt(50));
                default -> random.nextInt((int) next + 1);
              };
          counts.add(key);
          model.merge(key, 1, Integer::sum);
          held.add(key);
        } else {
          // removals mostly of old keys, as jobs leave roughly in arrival order
          int at =
              random.nextBoolean()
                  ? random.nextInt(Math.min(held.size(), 8))
                  : random.nextInt(held.size());
          long key = held.remove(at);
          counts.remove(key);
          model.merge(key, -1, (a, b) -> a + b == 0 ? null : a + b);
        }
        assertThat(counts.isEmpty()).isEqualTo(model.isEmpty());
        assertThat(counts.least(-1)).isEqualTo(model.isEmpty() ? -1 : model.firstKey());
      }
    }
  }

  @Test
  void emptiedItTakesKeysBelowThoseItHadAgain() {
    SortedCounts counts = new SortedCounts();
    for (long key = 100; key < 200; key++) {
      counts.add(key);
    }
    for (long key = 100; key < 200; key++) {
      counts.remove(key);
    }
    assertThat(counts.isEmpty()).isTrue();
    assertThat(counts.least(7)).isEqualTo(7);
    counts.add(5);
    counts.add(3);
    assertThat(counts.least(7)).isEqualTo(3);
  }

  @Test
  void refusesToRemoveAKeyItDoesNotHold() {
    SortedCounts counts = new SortedCounts();
    counts.add(4);
    counts.add(9);
    counts.remove(9);
    assertThatThrownBy(() -> counts.remove(9)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> counts.remove(5)).isInstanceOf(IllegalStateException.class);
    assertThat(counts.least(-1)).isEqualTo(4);
  }
}
