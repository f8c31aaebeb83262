package org.nftoffload.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.nftoffload.p4.FlowtableP4.FlowV4;
import org.junit.jupiter.api.Test;
import org.onlab.util.ImmutableByteSequence;
import org.onosproject.net.pi.runtime.PiExactFieldMatch;
import org.onosproject.net.pi.runtime.PiMatchKey;
import org.onosproject.net.pi.runtime.PiTableEntry;

class EntryKeyTest {

  /** A flow as the flow manager writes it: host 10.x.y.z, one connection each, to one server. */
  private static PiTableEntry flow(int i, boolean reversedFieldOrder) {
    PiExactFieldMatch[] m = {
        new PiExactFieldMatch(FlowV4.INGRESS_PORT.id(), ImmutableByteSequence.copyFrom((short) 1)),
        new PiExactFieldMatch(FlowV4.IP_PROTO.id(), ImmutableByteSequence.copyFrom((byte) 6)),
        new PiExactFieldMatch(FlowV4.IPV4_SRC.id(), ImmutableByteSequence.copyFrom(0x0a000000 | i)),
        new PiExactFieldMatch(FlowV4.IPV4_DST.id(), ImmutableByteSequence.copyFrom(0xcb007105)),
        new PiExactFieldMatch(FlowV4.L4_SPORT.id(), ImmutableByteSequence.copyFrom((short) (1024 + i % 60000))),
        new PiExactFieldMatch(FlowV4.L4_DPORT.id(), ImmutableByteSequence.copyFrom((short) 443))};
    PiMatchKey.Builder key = PiMatchKey.builder();
    for (int f = 0; f < m.length; f++) {
      key.addFieldMatch(m[reversedFieldOrder ? m.length - 1 - f : f]);
    }
    return PiTableEntry.builder().forTable(FlowV4.TABLE.id()).withMatchKey(key.build()).build();
  }

  @Test
  void flowKeysSpreadOverTheHashSpace() {
    int n = 200_000;
    Set<Integer> ours = new HashSet<>();
    Set<Integer> onos = new HashSet<>();
    for (int i = 0; i < n; i++) {
      PiTableEntry e = flow(i, false);
      ours.add(EntryKey.of(e).hashCode());
      onos.add(e.matchKey().hashCode());
    }
    assertTrue(ours.size() > n * 0.99, ours.size() + " distinct hashes for " + n + " keys");
    assertTrue(onos.size() < ours.size(), "the reason this exists: PiMatchKey's own hash gives " + onos.size());
  }

  @Test
  void equalKeysAreEqualWhateverTheFieldOrder() {
    EntryKey a = EntryKey.of(flow(12345, false));
    EntryKey b = EntryKey.of(flow(12345, true));
    assertEquals(a, b);
    assertEquals(a.hashCode(), b.hashCode());
    assertNotEquals(a, EntryKey.of(flow(12346, false)));
  }

  @Test
  void deviceStateKeysOfCanonicalBytesSpreadOverTheHashSpace() throws Exception {
    // The device keeps entries as canonical wire bytes; its map hashes their key prefix.
    var index = org.nftoffload.p4runtime.TestP4Info.get();
    try (var client = org.nftoffload.p4runtime.P4RuntimeClient.create(
        org.nftoffload.p4runtime.ClientConfig.of("127.0.0.1", 1, 1),
        index, null, new java.util.SplittableRandom(1))) {
      int n = 200_000;
      Set<Integer> hashes = new HashSet<>();
      for (int i = 0; i < n; i++) {
        byte[] b = client.canonicalBytes(flow(i, i % 2 == 0));
        hashes.add(new EntryTable.Key(b).hashCode());
      }
      assertTrue(hashes.size() > n * 0.99, hashes.size() + " distinct hashes for " + n + " keys");
    }
  }
}
