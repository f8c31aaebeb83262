package org.nftoffload.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** A flow keeps its spec as plain fields: what it rebuilds equals what it was made from, and it knows its identity. */
class FlowTest {

  static IntStream seeds() {
    return IntStream.range(0, 20);
  }

  @ParameterizedTest
  @MethodSource("seeds")
  void rebuildsTheSpecAndTheIdentityItWasMadeFrom(int seed) {
    SplittableRandom r = new SplittableRandom(seed);
    for (int i = 0; i < 500; i++) {
      FlowSpec s = Flows.random(r);
      Flow f = new Flow(i, s, FlowState.PENDING, "sw0", null, null, 0);
      assertEquals(s, f.spec(), "seed " + seed + " flow " + i);
      assertEquals(s.id(), f.id());
      assertEquals(s.id().hashCode(), f.idHash());
      assertEquals(s.conntrackId(), f.conntrackId);
      assertTrue(f.isId(s.id()));
    }
  }

  @ParameterizedTest
  @MethodSource("seeds")
  void isNoOtherIdentity(int seed) throws Exception {
    SplittableRandom r = new SplittableRandom(seed);
    for (int i = 0; i < 200; i++) {
      FlowSpec s = Flows.random(r);
      Flow f = new Flow(i, s, FlowState.PENDING, "sw0", null, null, 0);
      FlowId id = s.id();
      Tuple t = id.original();
      InetAddress other = InetAddress.getByAddress(t.ipv4() ? new byte[] {1, 2, 3, 4}
          : new byte[] {0x20, 1, 0x0d, (byte) 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9});
      InetAddress otherFamily = InetAddress.getByAddress(t.ipv4() ? new byte[16] : new byte[4]);
      FlowId[] others = {
          new FlowId(id.agent() + "x", id.zone(), t),
          new FlowId(id.agent(), (id.zone() + 1) & 0xffff, t),
          new FlowId(id.agent(), id.zone(), new Tuple(t.source(), t.destination(), (t.protocol() + 1) & 0xff,
              t.sourcePort(), t.destinationPort())),
          new FlowId(id.agent(), id.zone(), new Tuple(t.source(), t.destination(), t.protocol(),
              (t.sourcePort() + 1) & 0xffff, t.destinationPort())),
          new FlowId(id.agent(), id.zone(), new Tuple(t.source(), t.destination(), t.protocol(), t.sourcePort(),
              (t.destinationPort() + 1) & 0xffff)),
          new FlowId(id.agent(), id.zone(), new Tuple(other, t.destination(), t.protocol(), t.sourcePort(),
              t.destinationPort())),
          new FlowId(id.agent(), id.zone(), new Tuple(t.source(), other, t.protocol(), t.sourcePort(),
              t.destinationPort())),
          new FlowId(id.agent(), id.zone(), new Tuple(otherFamily, otherFamily, t.protocol(), t.sourcePort(),
              t.destinationPort())),
      };
      for (FlowId o : others) {
        assertEquals(o.equals(id), f.isId(o), "seed " + seed + " flow " + i + ": " + o + " against " + id);
      }
      assertFalse(f.isId(others[0]));
    }
  }
}
