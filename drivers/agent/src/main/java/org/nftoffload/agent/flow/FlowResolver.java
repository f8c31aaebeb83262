package org.nftoffload.agent.flow;

import org.nftoffload.linux.ErrnoException;
import org.nftoffload.linux.conntrack.ConntrackEntry;
import org.nftoffload.linux.conntrack.ConntrackTuple;
import org.nftoffload.linux.route.Link;
import org.nftoffload.linux.route.MacAddress;
import org.nftoffload.linux.route.Route;

import java.net.InetAddress;
import java.util.Optional;

/**
 * Turns a conntrack entry into a {@link Flow} with the kernel's own routing decisions, as
 * nf_flow_table does: per direction, the output route to where its packets really go (after NAT:
 * the other direction's source), the next hop's MAC from the neighbour table, and the input
 * interface as the output interface of the route back to the sender (symmetric routing assumed).
 */
public final class FlowResolver {
    private final RoutingLookup routing;

    public FlowResolver(RoutingLookup routing) {
        this.routing = routing;
    }

    /** Resolves {@code entry}; never throws for routing problems, they become {@link Resolution.Unresolved}. */
    public Resolution resolve(ConntrackEntry entry) {
        try {
            // original packets come from original.source and really go to reply.source (DNAT undone);
            // reply packets come from reply.source and really go to original.source (SNAT undone)
            Route towardsOriginalSender = routing.route(entry.original().source());
            Route towardsReplySender = routing.route(entry.reply().source());
            if (towardsOriginalSender.local() || towardsReplySender.local()) {
                return new Resolution.Unresolved("connection to or from this host, not forwarded", false);
            }
            Optional<FlowPath> original = path(entry.original(), towardsOriginalSender, towardsReplySender);
            Optional<FlowPath> reply = path(entry.reply(), towardsReplySender, towardsOriginalSender);
            if (original.isEmpty() || reply.isEmpty()) {
                return new Resolution.Unresolved("next hop " + (original.isEmpty()
                        ? towardsReplySender.nextHop().getHostAddress() : towardsOriginalSender.nextHop().getHostAddress())
                        + " has no resolved neighbour entry yet", true);
            }
            if (original.get().ingress().index() == original.get().egress().index()) {
                return new Resolution.Unresolved("traffic enters and leaves by " + original.get().ingress().name()
                        + " (hairpin), not offloaded", false);
            }
            return new Resolution.Resolved(new Flow(entry, original.get(), reply.get()));
        } catch (ErrnoException e) {
            return new Resolution.Unresolved("no route: " + e.getMessage(), true);
        } catch (MissingLinkException e) {
            return new Resolution.Unresolved(e.getMessage(), true);
        }
    }

    private Optional<FlowPath> path(ConntrackTuple tuple, Route in, Route out) throws ErrnoException {
        Link ingress = link(in.outputIndex());
        Link egress = link(out.outputIndex());
        InetAddress nextHop = out.nextHop();
        Optional<MacAddress> mac = routing.neighbour(egress.index(), nextHop);
        if (mac.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new FlowPath(tuple, ingress, egress, egress.mac(), mac.get(),
                lower(ingress), lower(egress)));
    }

    private Optional<Link> lower(Link link) {
        return link.isVlan() && link.parentIndex() > 0 ? routing.link(link.parentIndex()) : Optional.empty();
    }

    private Link link(int index) {
        return routing.link(index).orElseThrow(() -> new MissingLinkException(index));
    }

    private static final class MissingLinkException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        MissingLinkException(int index) {
            super("interface with index " + index + " is not known (yet)");
        }
    }
}
