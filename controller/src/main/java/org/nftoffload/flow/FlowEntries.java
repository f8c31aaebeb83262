package org.nftoffload.flow;

import java.time.Duration;
import org.nftoffload.p4.FlowtableP4;
import org.nftoffload.p4.FlowtableP4.FlowV4;
import org.nftoffload.p4.FlowtableP4.FlowV6;
import org.onlab.util.ImmutableByteSequence;
import org.onosproject.net.pi.runtime.PiAction;
import org.onosproject.net.pi.runtime.PiActionParam;
import org.onosproject.net.pi.runtime.PiExactFieldMatch;
import org.onosproject.net.pi.runtime.PiMatchKey;
import org.onosproject.net.pi.runtime.PiTableEntry;

/**
 * Pure translation of a flow into its two flow_v4/flow_v6 entries, one per direction, as nf_flow_table offloads a
 * flow: each entry matches the direction's tuple on its ingress port and forwards to its egress port with the
 * direction's MACs; under NAT the rewrite values come from the opposite direction's tuple (new source = the other
 * tuple's destination, new destination = its source, ports likewise). No I/O; P4 names only from
 * {@link FlowtableP4}.
 */
public final class FlowEntries {

  static {
    FlowtableP4.TABLES.size(); // initialise FlowtableP4 before its nested classes
  }

  /** The two entries of a flow and the device that holds them. */
  public record Pair(String device, PiTableEntry original, PiTableEntry reply) {}

  private FlowEntries() {}

  /** Both entries of {@code flow} with the given idle timeout; refuses flows the port map cannot place. */
  public static Pair of(FlowSpec flow, PortMap ports, Duration idleTimeout) throws FlowRejectedException {
    Placement at = place(flow, ports);
    return new Pair(at.device(), original(flow, at, idleTimeout), reply(flow, at, idleTimeout));
  }

  /**
   * Where a flow's entries go: the device that owns all four of its interfaces, and the P4 ports each direction
   * enters and leaves by.
   */
  public record Placement(String device, int originalIn, int originalOut, int replyIn, int replyOut) {}

  /** The flow's placement; refuses flows whose interfaces are unknown or on more than one device. */
  public static Placement place(FlowSpec flow, PortMap ports) throws FlowRejectedException {
    Placed o = place(flow.original(), ports, "original");
    Placed r = place(flow.reply(), ports, "reply");
    if (!o.device().equals(r.device())) {
      throw new FlowRejectedException("ports on two devices (" + o.device() + ", " + r.device()
          + "): cross-device flows are not offloaded");
    }
    return new Placement(o.device(), o.ingressPort(), o.egressPort(), r.ingressPort(), r.egressPort());
  }

  /** The original direction's entry. */
  static PiTableEntry original(FlowSpec flow, Placement at, Duration idleTimeout) {
    return entry(flow.original(), flow.reply(), at.originalIn(), at.originalOut(), idleTimeout);
  }

  /** The reply direction's entry. */
  static PiTableEntry reply(FlowSpec flow, Placement at, Duration idleTimeout) {
    return entry(flow.reply(), flow.original(), at.replyIn(), at.replyOut(), idleTimeout);
  }

  private record Placed(String device, int ingressPort, int egressPort) {}

  private static Placed place(Direction d, PortMap ports, String which) throws FlowRejectedException {
    PortMap.Port in = ports.lookup(d.ingress()).orElseThrow(() -> new FlowRejectedException(
        which + " ingress interface '" + d.ingress() + "' is on no device (config: interfaces)"));
    PortMap.Port out = ports.lookup(d.egress()).orElseThrow(() -> new FlowRejectedException(
        which + " egress interface '" + d.egress() + "' is on no device (config: interfaces)"));
    if (!in.device().equals(out.device())) {
      throw new FlowRejectedException(which + " enters on " + in.device() + " and leaves on " + out.device()
          + ": cross-device flows are not offloaded");
    }
    return new Placed(in.device(), in.number(), out.number());
  }

  /**
   * The action of direction {@code d}'s entry, given the tuple its packets must carry when they leave: NAT when that
   * differs from the tuple they arrive with, else a forward that pushes, pops or keeps
   * the VLAN tag.
   */
  static FlowtableP4.Action action(Direction d, Tuple leaving) {
    boolean v4 = d.tuple().ipv4();
    if (!leaving.equals(d.tuple())) {
      return v4 ? FlowV4.NAT : FlowV6.NAT;
    } else if (d.egressVlan() != 0) {
      return v4 ? FlowV4.FORWARD_VLAN : FlowV6.FORWARD_VLAN;
    } else if (d.ingressVlan() != 0) {
      return v4 ? FlowV4.FORWARD_UNTAG : FlowV6.FORWARD_UNTAG;
    }
    return v4 ? FlowV4.FORWARD : FlowV6.FORWARD;
  }

  /**
   * One entry's values in {@link FlowtableP4} order: the key fields of its table, then the parameters of its action.
   * A value is a number, or bytes (addresses) when its slot in the byte arrays is set. Reused, so not shared.
   */
  static final class Values {
    FlowtableP4.Table table;
    FlowtableP4.Action action;
    final long[] keyLongs = new long[6];
    final byte[][] keyBytes = new byte[6][];
    final long[] paramLongs = new long[8];
    final byte[][] paramBytes = new byte[8][];
  }

  /** The values of direction {@code d}'s entry, entering on {@code ingressPort} and leaving on {@code egressPort}. */
  static Values fill(Direction d, Direction opposite, int ingressPort, int egressPort, Values v) {
    Tuple t = d.tuple();
    v.table = t.ipv4() ? FlowV4.TABLE : FlowV6.TABLE;
    java.util.Arrays.fill(v.keyBytes, null);
    java.util.Arrays.fill(v.paramBytes, null);
    v.keyLongs[0] = ingressPort;
    v.keyLongs[1] = t.protocol();
    v.keyBytes[2] = t.source().getAddress();
    v.keyBytes[3] = t.destination().getAddress();
    v.keyLongs[4] = t.sourcePort();
    v.keyLongs[5] = t.destinationPort();
    // The tuple the packets must carry when they leave: the opposite direction's tuple, reversed.
    Tuple leaving = opposite.tuple().reversed();
    v.action = action(d, leaving);
    v.paramLongs[0] = egressPort;
    v.paramLongs[1] = d.sourceMac();
    v.paramLongs[2] = d.destinationMac();
    if (v.action.params().contains(FlowtableP4.VLAN_ID)) { // NAT always has it; forward_vlan pushes it
      v.paramLongs[3] = d.egressVlan();
    }
    if (v.action == FlowV4.NAT || v.action == FlowV6.NAT) {
      // nat_flow_v4/v6 parameters 4..7: new source, new destination, new source port, new destination port
      v.paramBytes[4] = leaving.source().getAddress();
      v.paramBytes[5] = leaving.destination().getAddress();
      v.paramLongs[6] = leaving.sourcePort();
      v.paramLongs[7] = leaving.destinationPort();
    }
    return v;
  }

  private static PiTableEntry entry(Direction d, Direction opposite, int ingressPort, int egressPort,
      Duration idleTimeout) {
    Values v = fill(d, opposite, ingressPort, egressPort, new Values());
    PiMatchKey.Builder key = PiMatchKey.builder();
    for (int i = 0; i < v.table.key().size(); i++) {
      FlowtableP4.MatchField f = v.table.key().get(i);
      key.addFieldMatch(new PiExactFieldMatch(f.id(), v.keyBytes[i] != null ? bytes(v.keyBytes[i])
          : fixed(v.keyLongs[i], f.bitWidth())));
    }
    PiAction.Builder action = PiAction.builder().withId(v.action.id());
    for (int i = 0; i < v.action.params().size(); i++) {
      FlowtableP4.Param p = v.action.params().get(i);
      action.withParameter(new PiActionParam(p.id(), v.paramBytes[i] != null ? bytes(v.paramBytes[i])
          : fixed(v.paramLongs[i], p.bitWidth())));
    }
    return PiTableEntry.builder().forTable(v.table.id()).withMatchKey(key.build()).withAction(action.build())
        .withTimeout(idleTimeout.toNanos() / 1e9).build();
  }

  /** {@code value} in the fewest whole bytes that hold {@code bits} bits, big-endian. */
  static ImmutableByteSequence fixed(long value, int bits) {
    int n = (bits + 7) / 8;
    byte[] b = new byte[n];
    for (int i = n - 1; i >= 0; i--) {
      b[i] = (byte) value;
      value >>>= 8;
    }
    return ImmutableByteSequence.copyFrom(b);
  }

  private static ImmutableByteSequence bytes(byte[] b) {
    return ImmutableByteSequence.copyFrom(b);
  }
}
