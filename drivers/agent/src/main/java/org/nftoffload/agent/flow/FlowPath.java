package org.nftoffload.agent.flow;

import org.nftoffload.linux.conntrack.ConntrackTuple;
import org.nftoffload.linux.route.Link;
import org.nftoffload.linux.route.MacAddress;

import java.util.Objects;
import java.util.Optional;

/**
 * How the packets of one direction of a flow are forwarded: the tuple they carry when they arrive,
 * where they come in and go out, and the Ethernet addresses to write on the way out.
 *
 * @param tuple          the direction's tuple as it arrives (before NAT)
 * @param ingress        interface the packets arrive on
 * @param egress         interface they leave by
 * @param sourceMac      the egress interface's address
 * @param destinationMac the next hop's address
 * @param ingressLower   parent device when {@code ingress} is a VLAN interface
 * @param egressLower    parent device when {@code egress} is a VLAN interface
 */
public record FlowPath(ConntrackTuple tuple, Link ingress, Link egress, MacAddress sourceMac, MacAddress destinationMac,
                       Optional<Link> ingressLower, Optional<Link> egressLower) {
    public FlowPath {
        Objects.requireNonNull(tuple, "tuple");
        Objects.requireNonNull(ingress, "ingress");
        Objects.requireNonNull(egress, "egress");
        Objects.requireNonNull(sourceMac, "sourceMac");
        Objects.requireNonNull(destinationMac, "destinationMac");
        Objects.requireNonNull(ingressLower, "ingressLower");
        Objects.requireNonNull(egressLower, "egressLower");
    }
}
