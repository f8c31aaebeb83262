package org.nftoffload.softswitch.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Flow keys hash well for the structured keys real flows have (sequential addresses and ports), so a large
 * flow table keeps short bucket chains; equal keys hash equally.
 */
class FlowKeyTest {

  /** Longest chain when {@code keys} go into a table of {@code buckets} buckets, indexed as HashMap does. */
  private static int longestChain(FlowKey[] keys, int buckets) {
    Map<Integer, Integer> chains = new HashMap<>();
    int longest = 0;
    for (FlowKey k : keys) {
      int h = k.hashCode();
      longest = Math.max(longest, chains.merge((h ^ (h >>> 16)) & (buckets - 1), 1, Integer::sum));
    }
    return longest;
  }

  @Test
  void sequentialFlowsSpreadOverTheBuckets() {
    int n = 1 << 17;
    FlowKey[] bySource = new FlowKey[n];
    FlowKey[] byPort = new FlowKey[n];
    FlowKey[] v6 = new FlowKey[n];
    for (int i = 0; i < n; i++) {
      bySource[i] = FlowKey.v4(1, 6, 0x0a000000 | i, 0xc0a80101, 1024 + i % 60000, 443);
      byPort[i] = FlowKey.v4(1, 17, 0x0a000001, 0x0a000002, i & 0xffff, 1 + (i >> 16));
      v6[i] = new FlowKey(2, 6, 0x20010db800000000L, i, 0x20010db800000000L, 1, 40000, 443);
    }
    // a good hash puts n keys into 2n buckets with chains of at most ~6; the record's default reached 16
    for (FlowKey[] keys : new FlowKey[][] {bySource, byPort, v6}) {
      int longest = longestChain(keys, 2 * n);
      assertTrue(longest <= 8, "longest chain " + longest);
    }
  }

  @Test
  void equalKeysHashEquallyAndFieldsMatter() {
    FlowKey a = FlowKey.v4(1, 6, 0x0a000001, 0x0a000002, 1000, 80);
    assertEquals(a, FlowKey.v4(1, 6, 0x0a000001, 0x0a000002, 1000, 80));
    assertEquals(a.hashCode(), FlowKey.v4(1, 6, 0x0a000001, 0x0a000002, 1000, 80).hashCode());
    assertNotEquals(a.hashCode(), FlowKey.v4(2, 6, 0x0a000001, 0x0a000002, 1000, 80).hashCode());
    assertNotEquals(a.hashCode(), FlowKey.v4(1, 17, 0x0a000001, 0x0a000002, 1000, 80).hashCode());
    assertNotEquals(a.hashCode(), FlowKey.v4(1, 6, 0x0a000001, 0x0a000002, 80, 1000).hashCode());
  }
}
