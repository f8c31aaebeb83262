package org.nftoffload.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.onlab.util.ImmutableByteSequence;
import org.nftoffload.p4.FlowtableP4;
import org.nftoffload.p4.FlowtableP4.FlowV4;
import org.onosproject.net.pi.model.PiActionParamId;
import org.onosproject.net.pi.model.PiMatchFieldId;
import org.onosproject.net.pi.runtime.PiAction;
import org.onosproject.net.pi.runtime.PiActionParam;
import org.onosproject.net.pi.runtime.PiExactFieldMatch;
import org.onosproject.net.pi.runtime.PiMatchKey;
import org.onosproject.net.pi.runtime.PiTableEntry;

class FlowEntriesTest {

  static {
    FlowtableP4.TABLES.size();
  }

  @Test
  void masqueradedFlowBecomesTwoNatEntriesWithRewritesFromTheOppositeTuple() throws Exception {
    FlowEntries.Pair p = FlowEntries.of(Flows.masqueraded("a", 7), Flows.ports(), Duration.ofSeconds(30));
    assertEquals("sw0", p.device());

    PiTableEntry out = p.original();
    assertEquals(FlowV4.TABLE.id(), out.table());
    assertEquals(2, match(out, FlowV4.INGRESS_PORT.id()));
    assertEquals(6, match(out, FlowV4.IP_PROTO.id()));
    assertEquals(0xc0a80108L, match(out, FlowV4.IPV4_SRC.id()));
    assertEquals(0xcb007105L, match(out, FlowV4.IPV4_DST.id()));
    assertEquals(40000, match(out, FlowV4.L4_SPORT.id()));
    assertEquals(443, match(out, FlowV4.L4_DPORT.id()));
    PiAction a = (PiAction) out.action();
    assertEquals(FlowV4.NAT.id(), a.id());
    assertEquals(1, param(a, FlowtableP4.PORT.id()));
    assertEquals(Flows.ROUTER_WAN_MAC, param(a, FlowtableP4.SMAC.id()));
    assertEquals(Flows.GATEWAY_MAC, param(a, FlowtableP4.DMAC.id()));
    assertEquals(0, param(a, FlowtableP4.VLAN_ID.id()));
    // SNAT: the source becomes the reply's destination, the destination stays
    assertEquals(0xc6336401L, param(a, FlowV4.NAT_IPV4_SRC.id()));
    assertEquals(0xcb007105L, param(a, FlowV4.NAT_IPV4_DST.id()));
    assertEquals(20007, param(a, FlowV4.NAT_L4_SPORT.id()));
    assertEquals(443, param(a, FlowV4.NAT_L4_DPORT.id()));
    assertEquals(30.0, out.timeout().orElseThrow());

    PiTableEntry back = p.reply();
    assertEquals(1, match(back, FlowV4.INGRESS_PORT.id()));
    assertEquals(0xcb007105L, match(back, FlowV4.IPV4_SRC.id()));
    assertEquals(0xc6336401L, match(back, FlowV4.IPV4_DST.id()));
    assertEquals(20007, match(back, FlowV4.L4_DPORT.id()));
    PiAction b = (PiAction) back.action();
    assertEquals(FlowV4.NAT.id(), b.id());
    assertEquals(2, param(b, FlowtableP4.PORT.id()));
    assertEquals(Flows.HOST_MAC, param(b, FlowtableP4.DMAC.id()));
    // un-NAT: the destination goes back to the LAN host and its port
    assertEquals(0xcb007105L, param(b, FlowV4.NAT_IPV4_SRC.id()));
    assertEquals(0xc0a80108L, param(b, FlowV4.NAT_IPV4_DST.id()));
    assertEquals(443, param(b, FlowV4.NAT_L4_SPORT.id()));
    assertEquals(40000, param(b, FlowV4.NAT_L4_DPORT.id()));
  }

  @Test
  void routedFlowUsesPlainForwardAndVlanActions() throws Exception {
    FlowEntries.Pair plain = FlowEntries.of(Flows.routed("a", 1, "lan0", "lan1", 0), Flows.ports(),
        Duration.ofSeconds(5));
    assertEquals(FlowV4.FORWARD.id(), ((PiAction) plain.original().action()).id());
    assertEquals(FlowV4.FORWARD.id(), ((PiAction) plain.reply().action()).id());

    FlowEntries.Pair tagged = FlowEntries.of(Flows.routed("a", 1, "lan0", "lan1", 42), Flows.ports(),
        Duration.ofSeconds(5));
    PiAction push = (PiAction) tagged.original().action();
    assertEquals(FlowV4.FORWARD_VLAN.id(), push.id());
    assertEquals(42, param(push, FlowtableP4.VLAN_ID.id()));
    assertEquals(FlowV4.FORWARD_UNTAG.id(), ((PiAction) tagged.reply().action()).id());
  }

  @Test
  void flowsThatCannotBePlacedAreRefusedWithTheReason() {
    var unknown = assertThrows(FlowRejectedException.class,
        () -> FlowEntries.of(Flows.routed("a", 1, "lan0", "eth9", 0), Flows.ports(), Duration.ofSeconds(5)));
    assertTrue(unknown.getMessage().contains("'eth9'"), unknown.getMessage());
    var cross = assertThrows(FlowRejectedException.class,
        () -> FlowEntries.of(Flows.routed("a", 1, "lan0", "far0", 0), Flows.ports(), Duration.ofSeconds(5)));
    assertTrue(cross.getMessage().contains("sw1"), cross.getMessage());
  }

  @Test
  void entryKeysIgnoreByteWidth() throws Exception {
    FlowEntries.Pair p = FlowEntries.of(Flows.masqueraded("a", 3), Flows.ports(), Duration.ofSeconds(5));
    PiTableEntry widened = PiTableEntry.builder().forTable(p.original().table())
        .withMatchKey(widen(p.original())).withAction(p.original().action()).build();
    assertEquals(EntryKey.of(p.original()), EntryKey.of(widened));
    assertTrue(!EntryKey.of(p.original()).equals(EntryKey.of(p.reply())));
  }

  private static org.onosproject.net.pi.runtime.PiMatchKey widen(PiTableEntry e) {
    var b = org.onosproject.net.pi.runtime.PiMatchKey.builder();
    for (var m : e.matchKey().fieldMatches()) {
      byte[] v = ((PiExactFieldMatch) m).value().asArray();
      byte[] w = new byte[v.length + 2];
      System.arraycopy(v, 0, w, 2, v.length);
      b.addFieldMatch(new PiExactFieldMatch(m.fieldId(), org.onlab.util.ImmutableByteSequence.copyFrom(w)));
    }
    return b.build();
  }

  static long match(PiTableEntry e, PiMatchFieldId id) {
    return new BigInteger(1, ((PiExactFieldMatch) e.matchKey().fieldMatch(id).orElseThrow()).value().asArray())
        .longValueExact();
  }

  static long param(PiAction a, PiActionParamId id) {
    PiActionParam p = a.parameters().stream().filter(x -> x.id().equals(id)).findFirst().orElseThrow();
    return new BigInteger(1, p.value().asArray()).longValueExact();
  }

  @Test
  void flowIdsOfSimilarFlowsSpreadOverTheHashSpace() throws Exception {
    int n = 200_000;
    Set<Integer> hashes = new HashSet<>();
    Set<Integer> buckets = new HashSet<>();
    java.net.InetAddress server = java.net.InetAddress.getByName("203.0.113.5");
    for (int i = 0; i < n; i++) {
      java.net.InetAddress host = java.net.InetAddress.getByAddress(new byte[] {10, (byte) (i >> 16), (byte) (i >> 8),
          (byte) i});
      int h = new FlowId("bench", 0, new Tuple(host, server, 6, 1024 + i % 60000, 443)).hashCode();
      hashes.add(h);
      buckets.add((h ^ (h >>> 16)) & ((1 << 18) - 1)); // the bucket a 2^18-slot hash map would use
    }
    assertTrue(hashes.size() > n * 0.99, hashes.size() + " distinct hashes for " + n + " ids");
    // n keys thrown at random into 2^18 slots fill about 1 - e^(-n/2^18) of them (53 %)
    assertTrue(buckets.size() > (1 << 18) * 0.5, buckets.size() + " buckets used of " + (1 << 18));
  }

  @Test
  void entryKeysOfSimilarFlowsSpreadOverTheHashSpace() {
    int n = 200_000;
    Set<Integer> hashes = new HashSet<>();
    for (int i = 0; i < n; i++) {
      PiMatchKey key = PiMatchKey.builder()
          .addFieldMatch(exact(FlowV4.INGRESS_PORT, 1))
          .addFieldMatch(exact(FlowV4.IP_PROTO, 6))
          .addFieldMatch(exact(FlowV4.IPV4_SRC, 0x0a000000 | i)) // hosts 10.x.y.z, one flow each
          .addFieldMatch(exact(FlowV4.IPV4_DST, 0xcb007105))
          .addFieldMatch(exact(FlowV4.L4_SPORT, 1024 + i % 60000))
          .addFieldMatch(exact(FlowV4.L4_DPORT, 443)).build();
      hashes.add(EntryKey.of(PiTableEntry.builder()
          .forTable(FlowV4.TABLE.id()).withMatchKey(key).build()).hashCode());
    }
    assertTrue(hashes.size() > n * 0.99, hashes.size() + " distinct hashes for " + n + " keys");
  }

  private static PiExactFieldMatch exact(FlowtableP4.MatchField f, long v) {
    byte[] b = new byte[(f.bitWidth() + 7) / 8];
    for (int i = b.length - 1; i >= 0; i--, v >>>= 8) {
      b[i] = (byte) v;
    }
    return new PiExactFieldMatch(f.id(), ImmutableByteSequence.copyFrom(b));
  }
}
