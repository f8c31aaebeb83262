package org.nftoffload.agent.controller;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
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
import java.util.concurrent.ConcurrentHashMap;

/**
 * Translation between the agent's flow model and the agent protocol's messages. Protobuf types stay
 * in this package; the rest of the agent speaks {@link Flow} and friends.
 */
public final class Messages {
    private Messages() {
    }

    /** Interface names as UTF-8 (a handful of names; bounded so odd inputs cannot grow it). */
    private static final int MAX_NAMES = 4096;
    private static final ConcurrentHashMap<String, ByteString> NAMES = new ConcurrentHashMap<>();

    /** The FlowAdd announcing {@code flow}. */
    public static FlowAdd flowAdd(Flow flow) {
        ConntrackEntry e = flow.entry();
        Nat nat = Nat.getDefaultInstance();
        if (e.sourceNat() || e.destinationNat()) {
            Nat.Builder b = Nat.newBuilder();
            if (e.sourceNat()) {
                b.setSource(true).setSourceAddress(bytes(e.reply().destination())).setSourcePort(e.reply().destinationPort());
            }
            if (e.destinationNat()) {
                b.setDestination(true).setDestinationAddress(bytes(e.reply().source()))
                        .setDestinationPort(e.reply().sourcePort());
            }
            nat = b.build();
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
        // names as ready UTF-8 bytes: a String field is re-encoded every time the message is sized and written
        Path.Builder b = Path.newBuilder()
                .setTuple(tuple(p.tuple()))
                .setIngressIfnameBytes(name(p.ingress().name()))
                .setEgressIfnameBytes(name(p.egress().name()))
                .setSourceMac(UnsafeByteOperations.unsafeWrap(p.sourceMac().bytes()))
                .setDestinationMac(UnsafeByteOperations.unsafeWrap(p.destinationMac().bytes()))
                .setIngressVlan(p.ingress().vlanId())
                .setEgressVlan(p.egress().vlanId());
        if (p.ingressLower().isPresent()) {
            b.setIngressLowerIfnameBytes(name(p.ingressLower().get().name()));
        }
        if (p.egressLower().isPresent()) {
            b.setEgressLowerIfnameBytes(name(p.egressLower().get().name()));
        }
        return b.build();
    }

    private static ByteString name(String ifname) {
        ByteString known = NAMES.get(ifname);
        if (known == null) {
            if (NAMES.size() >= MAX_NAMES) {
                NAMES.clear();
            }
            known = ByteString.copyFromUtf8(ifname);
            NAMES.put(ifname, known);
        }
        return known;
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
        // getAddress() returns a fresh array nobody else holds: wrapping it is safe and saves a copy
        return UnsafeByteOperations.unsafeWrap(a.getAddress());
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
