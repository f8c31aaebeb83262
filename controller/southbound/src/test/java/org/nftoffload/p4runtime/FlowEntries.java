package org.nftoffload.p4runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import org.nftoffload.p4.FlowtableP4;
import org.nftoffload.p4.FlowtableP4.FlowV4;
import org.onlab.util.ImmutableByteSequence;
import org.onosproject.net.pi.runtime.PiAction;
import org.onosproject.net.pi.runtime.PiActionParam;
import org.onosproject.net.pi.runtime.PiExactFieldMatch;
import org.onosproject.net.pi.runtime.PiMatchKey;
import org.onosproject.net.pi.runtime.PiTableEntry;

/** Seeded generators of flow_v4 entries for tests. */
public final class FlowEntries {

  private FlowEntries() {}

  static {
    // FlowtableP4 has a class-initialisation cycle: touching FlowtableP4.FlowV4 before FlowtableP4 itself makes
    // FlowtableP4.TABLES see a null table and fail. Initialise the outer class first.
    FlowtableP4.TABLES.size();
  }

  /** The i-th flow_v4 entry of a deterministic sequence: distinct keys for distinct i. */
  public static PiTableEntry flowV4(int i, int egressPort) {
    PiMatchKey key = PiMatchKey.builder()
        .addFieldMatch(new PiExactFieldMatch(FlowV4.INGRESS_PORT.id(), ImmutableByteSequence.copyFrom((short) 1)))
        .addFieldMatch(new PiExactFieldMatch(FlowV4.IP_PROTO.id(), ImmutableByteSequence.copyFrom((byte) 6)))
        .addFieldMatch(new PiExactFieldMatch(FlowV4.IPV4_SRC.id(), ImmutableByteSequence.copyFrom(0x0a000000 | i)))
        .addFieldMatch(new PiExactFieldMatch(FlowV4.IPV4_DST.id(), ImmutableByteSequence.copyFrom(0xc0a80001)))
        .addFieldMatch(new PiExactFieldMatch(FlowV4.L4_SPORT.id(),
            ImmutableByteSequence.copyFrom((short) (1024 + (i & 0x7fff)))))
        .addFieldMatch(new PiExactFieldMatch(FlowV4.L4_DPORT.id(), ImmutableByteSequence.copyFrom((short) 443)))
        .build();
    PiAction action = PiAction.builder().withId(FlowV4.FORWARD.id())
        .withParameter(new PiActionParam(FlowtableP4.PORT.id(), ImmutableByteSequence.copyFrom((short) egressPort)))
        .withParameter(new PiActionParam(FlowtableP4.SMAC.id(),
            ImmutableByteSequence.copyFrom(new byte[] {0, 0x11, 0x22, 0x33, 0x44, 0x55})))
        .withParameter(new PiActionParam(FlowtableP4.DMAC.id(),
            ImmutableByteSequence.copyFrom(new byte[] {0, 0x66, 0x77, (byte) 0x88, (byte) 0x99, (byte) 0xaa})))
        .build();
    return PiTableEntry.builder().forTable(FlowV4.TABLE.id()).withMatchKey(key).withAction(action).build();
  }

  /** A random flow_v4 entry: random values within each field's width, random action among the table's. */
  public static PiTableEntry randomFlowV4(RandomGenerator r) {
    PiMatchKey.Builder key = PiMatchKey.builder();
    for (FlowtableP4.MatchField f : FlowV4.TABLE.key()) {
      key.addFieldMatch(new PiExactFieldMatch(f.id(), randomValue(r, f.bitWidth())));
    }
    FlowtableP4.Action a = FlowV4.TABLE.actions().get(r.nextInt(FlowV4.TABLE.actions().size()));
    PiAction.Builder action = PiAction.builder().withId(a.id());
    for (FlowtableP4.Param p : a.params()) {
      action.withParameter(new PiActionParam(p.id(), randomValue(r, p.bitWidth())));
    }
    PiTableEntry.Builder b = PiTableEntry.builder().forTable(FlowV4.TABLE.id()).withMatchKey(key.build())
        .withAction(action.build());
    if (r.nextBoolean()) {
      b.withTimeout(1 + r.nextInt(300));
    }
    if (r.nextInt(4) == 0) {
      b.withCookie(r.nextLong());
    }
    return b.build();
  }

  /** A value of {@code bits} bits, sometimes padded with extra zero bytes, sometimes small (leading zeros). */
  static ImmutableByteSequence randomValue(RandomGenerator r, int bits) {
    int bytes = (bits + 7) / 8;
    byte[] v = new byte[bytes + (r.nextInt(4) == 0 ? 2 : 0)];
    int significant = r.nextInt(3) == 0 ? r.nextInt(bits + 1) : bits;
    for (int bit = 0; bit < significant; bit++) {
      if (r.nextBoolean()) {
        v[v.length - 1 - bit / 8] |= (byte) (1 << (bit % 8));
      }
    }
    return ImmutableByteSequence.copyFrom(v);
  }

  public static List<PiTableEntry> flowV4(int count) {
    List<PiTableEntry> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      out.add(flowV4(i, 2));
    }
    return out;
  }
}
