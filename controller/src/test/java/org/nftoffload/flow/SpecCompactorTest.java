package org.nftoffload.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** Compacted specs equal what the agent reported and share the names and addresses flows have in common. */
class SpecCompactorTest {

  /** A masqueraded flow as decoded from an agent message: every string and address a fresh object. */
  private static FlowSpec decoded(int n) throws Exception {
    InetAddress server = InetAddress.getByAddress(new byte[] {(byte) 203, 0, 113, 5});
    InetAddress server2 = InetAddress.getByAddress(new byte[] {(byte) 203, 0, 113, 5});
    InetAddress host = InetAddress.getByAddress(new byte[] {10, 0, (byte) (n >> 8), (byte) n});
    InetAddress host2 = InetAddress.getByAddress(new byte[] {10, 0, (byte) (n >> 8), (byte) n});
    InetAddress masq = InetAddress.getByAddress(new byte[] {(byte) 198, 51, 100, 1});
    Tuple orig = new Tuple(host, server, 6, 40000 + n, 443);
    Tuple reply = new Tuple(server2, masq, 6, 443, 20000 + n);
    return new FlowSpec(new FlowId(new String("agent-1"), 0, orig), n,
        new Direction(orig, new String("lan0"), new String("wan0"), 1, 2, 0, 0),
        new Direction(reply, new String("wan0"), new String("lan0"), 3, 4, 0, 0));
  }

  @Test
  void compactedSpecsEqualTheReportedOnesAndShareCommonObjects() throws Exception {
    SpecCompactor c = new SpecCompactor();
    FlowSpec a = decoded(1);
    FlowSpec b = decoded(2);
    FlowSpec ca = c.compact(a);
    FlowSpec cb = c.compact(b);
    assertEquals(a, ca);
    assertEquals(b, cb);
    assertEquals(a.id(), ca.id());
    assertSame(ca.original().tuple().destination(), cb.original().tuple().destination(), "server address shared");
    assertSame(ca.original().tuple().destination(), cb.reply().tuple().source(), "across directions too");
    assertSame(ca.reply().tuple().destination(), cb.reply().tuple().destination(), "masquerade address shared");
    assertSame(ca.original().ingress(), cb.reply().egress(), "interface names shared");
    assertSame(ca.id().agent(), cb.id().agent(), "agent name shared");
    assertSame(ca.id().original(), ca.original().tuple());
    assertNotSame(ca.original().tuple().source(), cb.original().tuple().source());
  }

  @Test
  void aNewAddressTakesItsSlotAndStaysCorrect() throws Exception {
    SpecCompactor c = new SpecCompactor();
    for (int i = 0; i < 5000; i++) {
      FlowSpec s = decoded(i);
      assertEquals(s, c.compact(s), "flow " + i);
    }
  }
}
