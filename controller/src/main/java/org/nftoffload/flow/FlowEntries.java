package org.nftoffload.flow;

import java.time.Duration;
import org.nftoffload.p4.FlowtableP4;
import org.nftoffload.p4.FlowtableP4.FlowV4;
import org.nftoffload.p4.FlowtableP4.FlowV6;
import org.onlab.util.ImmutableByteSequence;
import org.onosproject.net.pi.model.PiActionId;
import org.onosproject.net.pi.model.PiActionParamId;
import org.onosproject.net.pi.model.PiMatchFieldId;
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
    Placed o = place(flow.original(), ports, "original");
    Placed r = place(flow.reply(), ports, "reply");
    if (!o.device().equals(r.device())) {
      throw new FlowRejectedException("ports on two devices (" + o.device() + ", " + r.device()
          + "): cross-device flows are not offloaded");
    }
    return new Pair(o.device(),
        entry(flow.original(), flow.reply(), o, idleTimeout),
        entry(flow.reply(), flow.original(), r, idleTimeout));
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

  private static PiTableEntry entry(Direction d, Direction opposite, Placed at, Duration idleTimeout) {
    Tuple t = d.tuple();
    boolean v4 = t.ipv4();
    FlowtableP4.Table table = v4 ? FlowV4.TABLE : FlowV6.TABLE;
    PiMatchKey key = PiMatchKey.builder()
        .addFieldMatch(exact(table.key().get(0).id(), at.ingressPort(), FlowtableP4.PORT_BITS))
        .addFieldMatch(exact(table.key().get(1).id(), t.protocol(), FlowtableP4.IP_PROTO_BITS))
        .addFieldMatch(new PiExactFieldMatch(table.key().get(2).id(), bytes(t.source().getAddress())))
        .addFieldMatch(new PiExactFieldMatch(table.key().get(3).id(), bytes(t.destination().getAddress())))
        .addFieldMatch(exact(table.key().get(4).id(), t.sourcePort(), FlowtableP4.L4_PORT_BITS))
        .addFieldMatch(exact(table.key().get(5).id(), t.destinationPort(), FlowtableP4.L4_PORT_BITS))
        .build();
    // The tuple the packet must carry when it leaves: the opposite direction's tuple, reversed.
    Tuple leaving = opposite.tuple().reversed();
    PiAction.Builder action = PiAction.builder();
    boolean nat = !leaving.equals(t);
    FlowtableP4.Action a;
    if (nat) {
      a = v4 ? FlowV4.NAT : FlowV6.NAT;
    } else if (d.egressVlan() != 0) {
      a = v4 ? FlowV4.FORWARD_VLAN : FlowV6.FORWARD_VLAN;
    } else if (d.ingressVlan() != 0) {
      a = v4 ? FlowV4.FORWARD_UNTAG : FlowV6.FORWARD_UNTAG;
    } else {
      a = v4 ? FlowV4.FORWARD : FlowV6.FORWARD;
    }
    action.withId(a.id());
    param(action, FlowtableP4.PORT.id(), at.egressPort(), FlowtableP4.PORT_BITS);
    param(action, FlowtableP4.SMAC.id(), d.sourceMac(), FlowtableP4.MAC_BITS);
    param(action, FlowtableP4.DMAC.id(), d.destinationMac(), FlowtableP4.MAC_BITS);
    if (nat || d.egressVlan() != 0) {
      param(action, FlowtableP4.VLAN_ID.id(), d.egressVlan(), FlowtableP4.VLAN_ID_BITS);
    }
    if (nat) {
      // parameters 4..7 of nat_flow_v4/v6: new source, new destination, new source port, new destination port
      action.withParameter(new PiActionParam(a.params().get(4).id(), bytes(leaving.source().getAddress())));
      action.withParameter(new PiActionParam(a.params().get(5).id(), bytes(leaving.destination().getAddress())));
      param(action, a.params().get(6).id(), leaving.sourcePort(), FlowtableP4.L4_PORT_BITS);
      param(action, a.params().get(7).id(), leaving.destinationPort(), FlowtableP4.L4_PORT_BITS);
    }
    return PiTableEntry.builder().forTable(table.id()).withMatchKey(key).withAction(action.build())
        .withTimeout(idleTimeout.toNanos() / 1e9).build();
  }

  private static PiExactFieldMatch exact(PiMatchFieldId id, long value, int bits) {
    return new PiExactFieldMatch(id, fixed(value, bits));
  }

  private static void param(PiAction.Builder b, PiActionParamId id, long value, int bits) {
    b.withParameter(new PiActionParam(id, fixed(value, bits)));
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

  /** The action id of an entry built here. */
  static PiActionId actionOf(PiTableEntry e) {
    return ((PiAction) e.action()).id();
  }
}
