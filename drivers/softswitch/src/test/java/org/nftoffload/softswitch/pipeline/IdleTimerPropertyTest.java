package org.nftoffload.softswitch.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The idle timer agrees with the plain definition of idle timeout — at each collection, exactly the installed
 * flow entries with a timeout and no hit (or notification) for at least that timeout, each one's timer then
 * restarted — on random runs of inserts, deletes, re-inserts (undo), timeout changes, hits and clock steps from
 * nanoseconds to beyond a revolution of the wheel. The reference keeps its own idle-since times, so it does not
 * depend on the timer's bookkeeping. Seeded: a failure names the seed that reproduces it.
 */
class IdleTimerPropertyTest {

  private static final long SECOND = 1_000_000_000L;

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
  void collectionsAgreeWithTheDefinition(long seed) throws TableException {
    Random random = new Random(seed);
    long[] now = {1_700_000_000L * SECOND + random.nextInt(1_000_000_000)};
    TableStore store = new TableStore(Map.of(TableKind.ACL, 1, TableKind.FLOW_V4, 512, TableKind.FLOW_V6, 512));
    Pipeline pipeline = new Pipeline(store, 512, 256, () -> now[0]);
    List<TableEntry> all = new ArrayList<>();
    Set<TableEntry> installed = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    Map<TableEntry, Long> idleSince = new IdentityHashMap<>(); // the reference's own timers
    int reported = 0;
    for (int step = 0; step < 3000; step++) {
      int op = random.nextInt(10);
      if (op < 2 || all.isEmpty()) {
        TableKind kind = random.nextBoolean() ? TableKind.FLOW_V4 : TableKind.FLOW_V6;
        FlowKey key = new FlowKey(random.nextInt(4), 17, 0, random.nextInt(16), 0, 1, 53, random.nextInt(4));
        TableEntry e = TableEntry.flow(kind, key, new Action.NoAction(), timeout(random), null, now[0]);
        if (store.find(kind, key) == null) { // 256 keys per table, room for all
          store.insert(e);
          all.add(e);
          installed.add(e);
          idleSince.put(e, now[0]);
        }
      } else if (op == 2) {
        TableEntry e = all.get(random.nextInt(all.size()));
        if (installed.remove(e)) {
          store.remove(e.table(), e.key());
        } else if (store.find(e.table(), e.key()) == null) {
          store.insert(e); // an undone delete puts the same entry back, its timers as they were
          installed.add(e);
        }
      } else if (op == 3) {
        TableEntry e = all.get(random.nextInt(all.size()));
        e.idleTimeoutNs(timeout(random), now[0]); // MODIFY with a new timeout restarts the timer
        store.idleTimeoutChanged(e);
        idleSince.put(e, now[0]);
      } else if (op == 4) {
        TableEntry e = all.get(random.nextInt(all.size()));
        if (installed.contains(e)) { // a hit, as Pipeline.process records it
          e.lastHitNanos = now[0];
          e.idleSinceNanos = now[0];
          idleSince.put(e, now[0]);
        }
      } else if (op < 9) {
        now[0] += switch (random.nextInt(6)) {
          case 0 -> random.nextInt(3);
          case 1 -> random.nextInt(20_000_000);
          case 2 -> random.nextInt(100_000_000);
          case 3 -> (long) random.nextInt(3000) * 1_000_000;
          case 4 -> IdleTimer.RESOLUTION_NANOS * random.nextInt(4);
          default -> random.nextInt(50) == 0 ? 200 * SECOND + random.nextInt(1000) : random.nextInt(1000);
        };
      } else {
        Set<TableEntry> expected = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        for (TableEntry e : installed) {
          if (e.idleTimeoutNs() > 0 && now[0] - idleSince.get(e) >= e.idleTimeoutNs()) {
            expected.add(e);
            idleSince.put(e, now[0]);
          }
        }
        List<TableEntry> got = pipeline.collectIdle();
        assertEquals(got.size(), new HashSet<>(got).size(), "seed " + seed + ", step " + step + ": reported twice");
        Set<TableEntry> gotSet = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        gotSet.addAll(got);
        assertEquals(expected, gotSet, "seed " + seed + ", step " + step);
        reported += got.size();
      }
    }
    assertTrue(reported > 0, "seed " + seed + ": the generator must produce idle entries");
  }

  /** Mostly short timeouts (so entries go idle within a run), some none, some longer than a wheel revolution. */
  private static long timeout(Random random) {
    return switch (random.nextInt(8)) {
      case 0 -> 0;
      case 1 -> 1 + random.nextInt(5);
      case 2 -> 300 * SECOND + random.nextInt(1000);
      case 3 -> IdleTimer.RESOLUTION_NANOS * (1 + random.nextInt(3));
      default -> 1 + random.nextInt(2_000_000_000);
    };
  }

  @Test
  void onlyEntriesWithATimeoutAreTimedAndACollectionLooksAtTheDueOnes() throws TableException {
    long[] now = {5 * SECOND};
    TableStore store = new TableStore(Map.of(TableKind.ACL, 1, TableKind.FLOW_V4, 10_000, TableKind.FLOW_V6, 1));
    Pipeline pipeline = new Pipeline(store, 512, 256, () -> now[0]);
    for (int i = 0; i < 9_000; i++) {
      store.insert(TableEntry.flow(TableKind.FLOW_V4, new FlowKey(1, 6, 0, i, 0, 1, 1, 1), new Action.NoAction(), 0,
          null, now[0]));
    }
    List<TableEntry> timed = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      TableEntry e = TableEntry.flow(TableKind.FLOW_V4, new FlowKey(2, 6, 0, i, 0, 1, 1, 1), new Action.NoAction(),
          (1 + i % 10) * SECOND, null, now[0]);
      store.insert(e);
      timed.add(e);
    }
    assertEquals(1_000, store.idleTimerCopies(), "entries without a timeout never enter the timer");
    assertEquals(List.of(), pipeline.collectIdle());
    now[0] += SECOND;
    List<TableEntry> first = pipeline.collectIdle();
    assertEquals(100, first.size(), "the entries with a 1 s timeout");
    assertTrue(first.stream().allMatch(e -> e.idleTimeoutNs() == SECOND));
    for (TableEntry e : timed) {
      store.remove(e.table(), e.key());
    }
    now[0] += 20 * SECOND;
    assertEquals(List.of(), pipeline.collectIdle(), "deleted entries are never reported");
    assertEquals(0, store.idleTimerCopies(), "and have left the timer once their slot came round");
  }
}
