package org.nftoffload.agent.controller;

import com.google.protobuf.ByteString;
import org.nftoffload.agent.flow.DeleteReason;
import org.nftoffload.agent.flow.Flow;
import org.nftoffload.agent.flow.FlowKey;
import org.nftoffload.agent.flow.FlowPath;
import org.nftoffload.agent.flow.PolicyRule;
import org.nftoffload.agent.flow.Prefix;
import org.nftoffload.agent.v1.FlowAdd;
import org.nftoffload.agent.v1.FlowDelete;
import org.nftoffload.agent.v1.Nat;
import org.nftoffload.agent.v1.OffloadPolicy;
import org.nftoffload.agent.v1.Path;
import org.nftoffload.agent.v1.Tuple;
import org.nftoffload.linux.conntrack.ConntrackEntry;
import org.nftoffload.linux.conntrack.ConntrackTuple;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashSet;
import java.util.List;

/**
 * Translation between the agent's flow model and the agent protocol's messages. Protobuf types stay
 * in this package; the rest of the agent speaks {@link Flow} and friends.
 */
public final class Messages {
    private Messages() {
    }

    /** The FlowAdd announcing {@code flow}. */
    public static FlowAdd flowAdd(Flow flow) {
        ConntrackEntry e = flow.entry();
        Nat.Builder nat = Nat.newBuilder();
        if (e.sourceNat()) {
            nat.setSource(true).setSourceAddress(bytes(e.reply().destination())).setSourcePort(e.reply().destinationPort());
        }
        if (e.destinationNat()) {
            nat.setDestination(true).setDestinationAddress(bytes(e.reply().source()))
                    .setDestinationPort(e.reply().sourcePort());
        }
        return FlowAdd.newBuilder()
                .setConntrackId(e.id())
                .setZone(e.zone())
                .setOriginal(path(flow.original()))
                .setReply(path(flow.reply()))
                .setNat(nat)
                .setMark(e.mark())
                .setTimeoutSeconds((int) Math.max(0, Math.min(Integer.MAX_VALUE, e.timeoutSeconds())))
                .build();
    }

    /** The FlowDelete for a flow that ended. */
    public static FlowDelete flowDelete(FlowKey key, long conntrackId, DeleteReason reason) {
        return FlowDelete.newBuilder()
                .setConntrackId(conntrackId)
                .setZone(key.zone())
                .setOriginal(tuple(key.original()))
                .setReason(switch (reason) {
                    case FIN -> FlowDelete.Reason.FIN;
                    case RST -> FlowDelete.Reason.RST;
                    case TIMEOUT -> FlowDelete.Reason.TIMEOUT;
                    case DESTROYED -> FlowDelete.Reason.DESTROYED;
                })
                .build();
    }

    static Path path(FlowPath p) {
        Path.Builder b = Path.newBuilder()
                .setTuple(tuple(p.tuple()))
                .setIngressIfname(p.ingress().name())
                .setEgressIfname(p.egress().name())
                .setSourceMac(ByteString.copyFrom(p.sourceMac().bytes()))
                .setDestinationMac(ByteString.copyFrom(p.destinationMac().bytes()))
                .setIngressVlan(p.ingress().vlanId())
                .setEgressVlan(p.egress().vlanId());
        p.ingressLower().ifPresent(l -> b.setIngressLowerIfname(l.name()));
        p.egressLower().ifPresent(l -> b.setEgressLowerIfname(l.name()));
        return b.build();
    }

    /** A tuple in the protocol's form. */
    public static Tuple tuple(ConntrackTuple t) {
        return Tuple.newBuilder()
                .setSource(bytes(t.source()))
                .setDestination(bytes(t.destination()))
                .setProtocol(t.protocol())
                .setSourcePort(t.sourcePort())
                .setDestinationPort(t.destinationPort())
                .build();
    }

    /** A protocol tuple back in the agent's model. */
    public static ConntrackTuple tuple(Tuple t) {
        return new ConntrackTuple(address(t.getSource(), "source"), address(t.getDestination(), "destination"),
                t.getProtocol(), t.getSourcePort(), t.getDestinationPort());
    }

    private static ByteString bytes(InetAddress a) {
        return ByteString.copyFrom(a.getAddress());
    }

    static InetAddress address(ByteString raw, String field) {
        if (raw.size() != 4 && raw.size() != 16) {
            throw new IllegalArgumentException(field + " must be 4 or 16 bytes, got " + raw.size());
        }
        try {
            return InetAddress.getByAddress(raw.toByteArray());
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** The controller's offload policy in the agent's model; rejects malformed prefixes. */
    public static List<PolicyRule> policy(OffloadPolicy policy) {
        return policy.getRulesList().stream().map(r -> new PolicyRule(
                new HashSet<>(r.getProtocolsList()),
                new HashSet<>(r.getIngressIfnamesList()),
                new HashSet<>(r.getEgressIfnamesList()),
                r.getSourcesList().stream().map(p -> new Prefix(address(p.getAddress(), "source prefix"), p.getLength())).toList(),
                r.getDestinationsList().stream().map(p -> new Prefix(address(p.getAddress(), "destination prefix"), p.getLength())).toList(),
                new HashSet<>(r.getDestinationPortsList()),
                r.getEstablishedOnly())).toList();
    }
}
