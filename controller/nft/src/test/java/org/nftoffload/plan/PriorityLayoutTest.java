package org.nftoffload.plan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Seeded properties of the priority layout on plain keys: order, range, what is kept, where renumbering happens. */
class PriorityLayoutTest {
  static LongStream seeds() {
    return LongStream.rangeClosed(1, 40);
  }

  private static void assertOrdered(int[] prio, int top) {
    for (int i = 0; i < prio.length; i++) {
      assertTrue(prio[i] >= 1 && prio[i] < top, "priority " + prio[i] + " in [1, " + top + ")");
      if (i > 0) {
        assertTrue(prio[i] < prio[i - 1], "strictly decreasing at " + i);
      }
    }
  }

  @Test
  void aFreshLayoutLeavesTheGapBetweenGroupsAndShrinksItWhenTheyDoNotFit() {
    assertArrayEquals(new int[] {990, 980, 970}, PriorityLayout.assign(List.of(), new int[0], List.of(1, 2, 3),
        1000, 10));
    assertArrayEquals(new int[] {75, 50, 25}, PriorityLayout.assign(List.of(), new int[0], List.of(1, 2, 3),
        100, 1000));
  }

  @Test
  void moreGroupsThanPrioritiesNeverThrows() {
    int[] p = PriorityLayout.assign(List.of(), new int[0], List.of(1, 2, 3, 4), 3, 8);
    assertEquals(4, p.length);
    assertTrue(IntStream.of(p).allMatch(x -> x >= 1 && x < 3));
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void randomEditsKeepOrderAndTheCommonGroupsPriorities(long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    int top = 1 + (rnd.nextBoolean() ? 1_000_000 : 200 + rnd.nextInt(200));
    int gap = rnd.nextBoolean() ? 1024 : 1 + rnd.nextInt(16);
    List<Integer> keys = new ArrayList<>();
    int next = 0;
    for (int i = 0, n = rnd.nextInt(60); i < n; i++) {
      keys.add(next++);
    }
    int[] prio = PriorityLayout.assign(List.of(), new int[0], keys, top, gap);
    assertOrdered(prio, top);
    for (int round = 0; round < 30; round++) {
      List<Integer> edited = new ArrayList<>(keys);
      for (int e = 0, edits = 1 + rnd.nextInt(3); e < edits; e++) {
        int at = rnd.nextInt(edited.size() + 1);
        if (rnd.nextBoolean() || edited.isEmpty() || at == edited.size()) {
          edited.add(at, next++);
        } else {
          edited.remove(at);
        }
      }
      int[] p = PriorityLayout.assign(keys, prio, edited, top, gap);
      assertOrdered(p, top);
      // new keys never appear in the old list, so every common key is kept unless a window was renumbered; the
      // renumbered ones are few next to the whole
      int moved = 0;
      int common = 0;
      for (int j = 0; j < edited.size(); j++) {
        int i = keys.indexOf(edited.get(j));
        if (i >= 0) {
          common++;
          moved += prio[i] == p[j] ? 0 : 1;
        }
      }
      if (gap == 1024 && top > 1000) {
        assertEquals(0, moved, "room everywhere: nothing moves");
      }
      assertTrue(moved <= common, "sanity");
      keys = edited;
      prio = p;
    }
  }

  @Test
  void replacingAGroupReusesItsPriority() {
    int[] prio = {900, 800, 700};
    assertArrayEquals(new int[] {900, 800, 700}, PriorityLayout.assign(List.of(1, 2, 3), prio, List.of(1, 9, 3),
        1000, 100));
  }

  @Test
  void anExhaustedGapRenumbersOnlyAWindowAroundIt() {
    List<Integer> keys = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      keys.add(i);
    }
    int[] prio = PriorityLayout.assign(List.of(), new int[0], keys, 1_000_000, 4);
    // 4 apart: the third insertion between 50 and 51 finds no room
    List<Integer> edited = new ArrayList<>(keys);
    int[] p = prio;
    for (int k = 0; k < 3; k++) {
      List<Integer> before = new ArrayList<>(edited);
      edited.add(51, 1000 + k);
      p = PriorityLayout.assign(before, p, edited, 1_000_000, 4);
      assertOrdered(p, 1_000_000);
    }
    int moved = 0;
    for (int j = 0; j < edited.size(); j++) {
      int i = keys.indexOf(edited.get(j));
      if (i >= 0 && prio[i] != p[j]) {
        moved++;
      }
    }
    assertTrue(moved > 0 && moved < 10, moved + " groups renumbered");
  }
}
