package org.nftoffload.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nftoffload.p4.FlowtableP4;

/**
 * The flow-by-key index against a plain map under random adds and removals of flows (IPv4 and IPv6 keys, growth,
 * removals that shift probe runs), and lookups of keys present and absent.
 */
class FlowKeysTest {

  static {
    FlowtableP4.TABLES.size(); // initialise FlowtableP4 before its nested classes
  }

  static IntStream seeds() {
    return IntStream.range(0, 10);
  }

  /** A flow entry key drawn from a small space (so that keys repeat and probe runs form). */
  private static EntryKey key(int n) {
    boolean v6 = n % 3 == 0;
    FlowEntries.Values v = new FlowEntries.Values();
    v.table = v6 ? FlowtableP4.FlowV6.TABLE : FlowtableP4.FlowV4.TABLE;
    byte[] src = new byte[v6 ? 16 : 4];
    byte[] dst = new byte[v6 ? 16 : 4];
    src[src.length - 1] = (byte) n;
    src[src.length - 2] = (byte) (n >> 8);
    dst[0] = 10;
    v.keyLongs[0] = n % 7;
    v.keyLongs[1] = 6;
    v.keyBytes[2] = src;
    v.keyBytes[3] = dst;
    v.keyLongs[4] = 1024 + n % 50;
    v.keyLongs[5] = 443;
    return EntryKey.of(v);
  }

  @ParameterizedTest
  @MethodSource("seeds")
  void behavesLikeAMapFromKeyToFlow(int seed) {
    SplittableRandom r = new SplittableRandom(seed);
    FlowKeys index = new FlowKeys();
    Map<EntryKey, Flow> model = new HashMap<>();
    Map<Integer, Flow> live = new HashMap<>(); // flow number → flow, both keys indexed
    int keys = 3000; // keys 2i and 2i + 1 belong to flow i
    for (int step = 0; step < 30_000; step++) {
      int i = r.nextInt(keys / 2);
      Flow present = live.get(i);
      if (present == null) {
        Flow f = new Flow(i, Flows.masqueraded("h1", i), FlowState.PENDING, "sw0",
            key(2 * i), key(2 * i + 1), 0);
        index.put(f, false);
        index.put(f, true);
        model.put(key(2 * i), f);
        model.put(key(2 * i + 1), f);
        live.put(i, f);
      } else if (r.nextInt(3) > 0) {
        index.remove(present, false);
        index.remove(present, true);
        model.remove(key(2 * i));
        model.remove(key(2 * i + 1));
        live.remove(i);
      }
      if (step % 3000 == 0 || step == 29_999) {
        assertEquals(model.size(), index.size(), "seed " + seed + " step " + step);
        for (int k = 0; k < keys + 100; k++) { // and 100 keys never indexed
          assertSame(model.get(key(k)), index.get(key(k)), "seed " + seed + " step " + step + " key " + k);
        }
      }
    }
  }
}
