package org.nftoffload.flow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nftoffload.p4.FlowtablePipeline;
import org.nftoffload.p4runtime.ExactEntryEncoder;

/**
 * The flow path's wire bytes are the device client's canonical bytes of the PI entries {@link FlowEntries} builds,
 * and the keys it indexes them by are those of the PI entries: over random flows (IPv4 and IPv6, NAT or not, VLAN
 * push, pop or none, any ports and idle timeouts).
 */
class FlowWireTest {

  private static final ExactEntryEncoder ENCODER = ExactEntryEncoder.of(FlowtablePipeline.load().p4Info());

  static IntStream seeds() {
    return IntStream.range(0, 25);
  }

  @ParameterizedTest
  @MethodSource("seeds")
  void wireBytesAndKeysEqualThoseOfThePiEntries(int seed) throws Exception {
    SplittableRandom r = new SplittableRandom(seed);
    Duration idle = r.nextBoolean() ? Duration.ofSeconds(r.nextInt(1, 7200)) : Duration.ofMillis(r.nextLong(1, 1L << 40));
    FlowWire wire = new FlowWire(ENCODER, idle);
    for (int n = 0; n < 40; n++) {
      FlowSpec spec = Flows.random(r);
      FlowEntries.Pair pi = FlowEntries.of(spec, Flows.ports(), idle);
      FlowEntries.Placement at = FlowEntries.place(spec, Flows.ports());
      FlowWire.Entry o = wire.original(spec, at);
      FlowWire.Entry b = wire.reply(spec, at);
      assertArrayEquals(ENCODER.canonical(pi.original()), o.bytes(), spec + " original");
      assertArrayEquals(ENCODER.canonical(pi.reply()), b.bytes(), spec + " reply");
      assertEquals(EntryKey.of(pi.original()), o.key());
      assertEquals(EntryKey.of(pi.reply()), b.key());
      assertEquals(pi.original(), FlowEntries.original(spec, at, idle));
    }
  }
}
