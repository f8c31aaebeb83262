package org.nftoffload.softswitch.pipeline;

import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nftoffload.softswitch.pipeline.AclMatch.Range;
import org.nftoffload.softswitch.pipeline.AclMatch.Ternary;

/**
 * The flattened ACL scan agrees with the plain definition (the highest-priority entry whose every field matches,
 * the earliest inserted among equal priorities) on random tables and random frames. Seeded: a failure names the
 * seed that reproduces it.
 */
class AclLookupPropertyTest {

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
  void scanAgreesWithTheDefinition(long seed) throws TableException {
    Random random = new Random(seed);
    TableStore store = new TableStore(Map.of(TableKind.ACL, 512, TableKind.FLOW_V4, 1, TableKind.FLOW_V6, 1));
    List<TableEntry> inserted = new ArrayList<>();
    int entries = 1 + random.nextInt(200);
    for (int i = 0; i < entries; i++) {
      // every entry names one of ports 0..3; frames also arrive on port 4, which nothing matches
      long portMask = random.nextBoolean() ? 0x1ff : 0x1fe;
      AclMatch m = new AclMatch(new Ternary(random.nextInt(4) & portMask, portMask), ternary(random, 16, 0x0800),
          ternary(random, 12, 10),
          ternary(random, 8, 17), ternary(random, 32, 0x0a000001L), ternary(random, 32, 0x0a000002L),
          ternary(random, 64, 0x20010db800000000L), ternary(random, 64, 1), ternary(random, 64, 0),
          ternary(random, 64, 2), range(random), range(random));
      TableEntry e = TableEntry.acl(m, 1 + random.nextInt(20), new Action.Permit(), null, 0);
      try {
        store.insert(e);
        inserted.add(e);
      } catch (TableException duplicate) {
        // the same match and priority drawn twice: one entry, as in P4Runtime
      }
    }
    List<TableEntry> byPriority = new ArrayList<>(inserted);
    byPriority.sort(Comparator.comparingInt(TableEntry::priority).reversed());
    Headers h = new Headers();
    int hits = 0;
    for (int i = 0; i < 2000; i++) {
      TestFrame f = random.nextBoolean() ? TestFrame.v4() : TestFrame.v6();
      if (random.nextBoolean()) {
        f.vlan(random.nextBoolean() ? 10 : random.nextInt(4096), 0);
      }
      if (random.nextInt(4) == 0) {
        f.proto(1);
      } else {
        f.udp(random.nextBoolean() ? 53 : random.nextInt(65536), random.nextBoolean() ? 53 : random.nextInt(65536));
      }
      if (!f.ipv6 && random.nextBoolean()) {
        f.src("10.0.0." + random.nextInt(4));
      }
      byte[] frame = random.nextInt(10) == 0 ? TestFrame.arp().build() : f.build();
      h.parse(random.nextInt(5), frame, frame.length);
      TableEntry expected = byPriority.stream().filter(e -> ((TableEntry.AclKey) e.key()).match().matches(h))
          .findFirst().orElse(null);
      assertSame(expected, store.lookupAcl(h), "seed " + seed + ", frame " + i);
      hits += expected == null ? 0 : 1;
    }
    org.junit.jupiter.api.Assertions.assertTrue(hits > 0 && hits < 2000, "seed " + seed + ": " + hits
        + " of 2000 frames hit; the generator must produce both hits and misses");
  }

  /** Mostly don't-care; else a mask over the low bits around {@code near}, so some frames match. */
  private static Ternary ternary(Random random, int bits, long near) {
    if (random.nextInt(3) != 0) {
      return Ternary.ANY;
    }
    long all = bits == 64 ? -1L : (1L << bits) - 1;
    long mask = random.nextBoolean() ? all : all & (all << random.nextInt(Math.min(bits, 8) + 1));
    long value = (random.nextBoolean() ? near : random.nextLong()) & mask;
    return new Ternary(value, mask);
  }

  private static Range range(Random random) {
    if (random.nextInt(3) != 0) {
      return Range.ANY;
    }
    int a = random.nextBoolean() ? 53 : random.nextInt(65536);
    int b = Math.min(65535, a + random.nextInt(1000));
    return new Range(a, b);
  }
}
