package org.nftoffload.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** Shared specs equal what the agent reported and share the names flows have in common, up to a bound. */
class NamesTest {

  /** A masqueraded flow as decoded from an agent message: every string a fresh object. */
  private static FlowSpec decoded(int n, String agent) throws Exception {
    InetAddress server = InetAddress.getByAddress(new byte[] {(byte) 203, 0, 113, 5});
    InetAddress host = InetAddress.getByAddress(new byte[] {10, 0, (byte) (n >> 8), (byte) n});
    InetAddress masq = InetAddress.getByAddress(new byte[] {(byte) 198, 51, 100, 1});
    Tuple orig = new Tuple(host, server, 6, 40000 + n, 443);
    Tuple reply = new Tuple(server, masq, 6, 443, 20000 + n);
    return new FlowSpec(new FlowId(new String(agent), 0, orig), n,
        new Direction(orig, new String("lan0"), new String("wan0"), 1, 2, 0, 0),
        new Direction(reply, new String("wan0"), new String("lan0"), 3, 4, 0, 0));
  }

  @Test
  void sharedSpecsEqualTheReportedOnesAndShareTheirNames() throws Exception {
    Names names = new Names();
    FlowSpec a = decoded(1, "agent-1");
    FlowSpec b = decoded(2, "agent-1");
    FlowSpec sa = names.share(a);
    FlowSpec sb = names.share(b);
    assertEquals(a, sa);
    assertEquals(b, sb);
    assertSame(sa.original().ingress(), sb.reply().egress(), "interface names shared across flows and directions");
    assertSame(sa.original().egress(), sb.original().egress());
    assertSame(sa.id().agent(), sb.id().agent(), "agent name shared");
    assertNotSame(a.id().agent(), b.id().agent(), "the input had its own strings");
  }

  @Test
  void pastItsBoundANameIsUsedAsGiven() throws Exception {
    Names names = new Names();
    for (int i = 0; i < 5000; i++) {
      names.name("agent-" + i);
    }
    String late = new String("agent-4999");
    assertSame(late, names.name(late), "not kept: the bound was reached");
    String early = new String("agent-1");
    assertEquals(early, names.name(early));
    assertNotSame(early, names.name(early), "kept before the bound");
    FlowSpec s = decoded(7, "agent-9999");
    assertEquals(s, names.share(s));
  }
}
