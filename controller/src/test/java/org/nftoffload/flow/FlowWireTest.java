package org.nftoffload.flow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
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
      FlowSpec spec = randomFlow(r);
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

  private static FlowSpec randomFlow(SplittableRandom r) throws Exception {
    boolean v4 = r.nextInt(3) > 0;
    Tuple orig = new Tuple(address(r, v4), address(r, v4), r.nextBoolean() ? 6 : r.nextInt(256), r.nextInt(65536),
        r.nextInt(65536));
    // NAT: some other tuple back; none: the original reversed
    Tuple reply = r.nextBoolean() ? orig.reversed()
        : new Tuple(address(r, v4), address(r, v4), orig.protocol(), r.nextInt(65536), r.nextInt(65536));
    String[] ifs = {"wan0", "lan0", "lan1"};
    String in = ifs[r.nextInt(3)];
    String out = ifs[r.nextInt(3)];
    int vlanIn = r.nextInt(3) == 0 ? r.nextInt(1, 4095) : 0;
    int vlanOut = r.nextInt(3) == 0 ? r.nextInt(1, 4095) : 0;
    long mac1 = r.nextLong() >>> 16;
    long mac2 = r.nextInt(4) == 0 ? 0 : r.nextLong() >>> 16;
    return new FlowSpec(new FlowId("a", r.nextInt(3), orig), r.nextLong(1L << 32),
        new Direction(orig, in, out, mac1, mac2, vlanIn, vlanOut),
        new Direction(reply, out, in, mac2, mac1, vlanOut, vlanIn));
  }

  private static InetAddress address(SplittableRandom r, boolean v4) throws Exception {
    byte[] a = new byte[v4 ? 4 : 16];
    if (r.nextInt(5) > 0) { // sometimes all zero: canonical values drop leading zero bytes
      r.nextBytes(a);
    }
    return InetAddress.getByAddress(a);
  }
}
