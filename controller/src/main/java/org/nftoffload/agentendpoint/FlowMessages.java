package org.nftoffload.agentendpoint;

import com.google.protobuf.ByteString;
import java.net.InetAddress;
import java.net.UnknownHostException;
import org.nftoffload.agent.v1.FlowAdd;
import org.nftoffload.agent.v1.Path;
import org.nftoffload.flow.Direction;
import org.nftoffload.flow.FlowId;
import org.nftoffload.flow.FlowSpec;
import org.nftoffload.flow.Tuple;

/**
 * Agent protocol messages → flow manager values. The protocol's types stop here; a malformed message fails with an
 * IllegalArgumentException naming the field, and the endpoint answers it with a rejecting verdict.
 */
final class FlowMessages {

  private FlowMessages() {}

  static FlowSpec spec(String agent, FlowAdd add) {
    if (!add.hasOriginal() || !add.hasReply()) {
      throw new IllegalArgumentException("conntrack id " + add.getConntrackId()
          + ": FlowAdd without original or reply path");
    }
    Direction original = direction(add.getOriginal(), "original");
    return new FlowSpec(new FlowId(agent, zone(add.getZone()), original.tuple()), add.getConntrackId(), original,
        direction(add.getReply(), "reply"));
  }

  static FlowId id(String agent, int zone, org.nftoffload.agent.v1.Tuple original) {
    return new FlowId(agent, zone(zone), tuple(original, "original"));
  }

  private static int zone(int zone) {
    if (zone < 0 || zone > 0xffff) {
      throw new IllegalArgumentException("zone " + Integer.toUnsignedString(zone) + " outside 0..65535");
    }
    return zone;
  }

  /** A flow's original tuple as the protocol carries it. */
  static org.nftoffload.agent.v1.Tuple tuple(Tuple t) {
    return org.nftoffload.agent.v1.Tuple.newBuilder()
        .setSource(ByteString.copyFrom(t.source().getAddress()))
        .setDestination(ByteString.copyFrom(t.destination().getAddress())).setProtocol(t.protocol())
        .setSourcePort(t.sourcePort()).setDestinationPort(t.destinationPort()).build();
  }

  static Tuple tuple(org.nftoffload.agent.v1.Tuple t, String where) {
    return new Tuple(address(t.getSource(), where + ".tuple.source"),
        address(t.getDestination(), where + ".tuple.destination"), t.getProtocol(), t.getSourcePort(),
        t.getDestinationPort());
  }

  private static Direction direction(Path p, String where) {
    // a VLAN interface is reached through its parent on the switch; the tag is carried separately
    String in = p.getIngressLowerIfname().isEmpty() ? p.getIngressIfname() : p.getIngressLowerIfname();
    String out = p.getEgressLowerIfname().isEmpty() ? p.getEgressIfname() : p.getEgressLowerIfname();
    return new Direction(tuple(p.getTuple(), where), in, out, mac(p.getSourceMac(), where + ".source_mac"),
        mac(p.getDestinationMac(), where + ".destination_mac"), p.getIngressVlan(), p.getEgressVlan());
  }

  private static InetAddress address(ByteString b, String field) {
    if (b.size() != 4 && b.size() != 16) {
      throw new IllegalArgumentException(field + ": " + b.size() + " bytes, want 4 or 16");
    }
    try {
      return InetAddress.getByAddress(b.toByteArray());
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(field + ": " + e.getMessage());
    }
  }

  private static long mac(ByteString b, String field) {
    if (b.size() != 6) {
      throw new IllegalArgumentException(field + ": " + b.size() + " bytes, want 6");
    }
    return Direction.mac(b.toByteArray());
  }
}
