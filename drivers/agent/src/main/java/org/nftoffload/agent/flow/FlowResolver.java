package org.nftoffload.agent.flow;

import org.nftoffload.linux.ErrnoException;
import org.nftoffload.linux.conntrack.ConntrackEntry;
import org.nftoffload.linux.conntrack.ConntrackTuple;
import org.nftoffload.linux.route.Link;
import org.nftoffload.linux.route.MacAddress;
import org.nftoffload.linux.route.Route;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Turns a conntrack entry into a {@link Flow} with the kernel's own routing decisions, as
 * nf_flow_table does: per direction, the output route to where its packets really go (after NAT:
 * the other direction's source), the next hop's MAC from the neighbour table, and the input
 * interface as the output interface of the route back to the sender (symmetric routing assumed).
 *
 * <p>Everything but the tuples depends only on the two addresses routed to (the original and the reply
 * sender), so a resolved pair is cached and reused by every flow between the same two hosts, until the
 * routing view's {@linkplain RoutingLookup#generation generation} moves (a route, link or neighbour
 * changed). A lookup that cannot tell its generation is never cached.
 */
public final class FlowResolver {
    /** Address pairs remembered at most; beyond that the cache starts over (a miss only costs lookups). */
    static final int MAX_CACHED = 65_536;

    private record Ends(InetAddress originalSender, InetAddress replySender) {
    }

    /** How one direction is forwarded, without its tuple. */
    private record Hop(Link ingress, Link egress, MacAddress destinationMac, Optional<Link> ingressLower,
                       Optional<Link> egressLower) {
        FlowPath path(ConntrackTuple tuple) {
            return new FlowPath(tuple, ingress, egress, egress.mac(), destinationMac, ingressLower, egressLower);
        }
    }

    private record Hops(Hop original, Hop reply) {
    }

    private final RoutingLookup routing;
    private final Map<Ends, Hops> cache = new HashMap<>();
    private long cachedGeneration = Long.MIN_VALUE;
    private long hits;

    public FlowResolver(RoutingLookup routing) {
        this.routing = routing;
    }

    /** Resolves {@code entry}; never throws for routing problems, they become {@link Resolution.Unresolved}. */
    public synchronized Resolution resolve(ConntrackEntry entry) {
        long generation = routing.generation();
        Ends ends = new Ends(entry.original().source(), entry.reply().source());
        if (generation >= 0) {
            if (generation != cachedGeneration) {
                cache.clear();
                cachedGeneration = generation;
            }
            Hops known = cache.get(ends);
            if (known != null) {
                hits++;
                return new Resolution.Resolved(new Flow(entry, known.original.path(entry.original()),
                        known.reply.path(entry.reply())));
            }
        }
        try {
            // original packets come from original.source and really go to reply.source (DNAT undone);
            // reply packets come from reply.source and really go to original.source (SNAT undone)
            Route towardsOriginalSender = routing.route(ends.originalSender);
            Route towardsReplySender = routing.route(ends.replySender);
            if (towardsOriginalSender.local() || towardsReplySender.local()) {
                return new Resolution.Unresolved("connection to or from this host, not forwarded", false);
            }
            Optional<Hop> original = hop(towardsOriginalSender, towardsReplySender);
            Optional<Hop> reply = hop(towardsReplySender, towardsOriginalSender);
            if (original.isEmpty() || reply.isEmpty()) {
                return new Resolution.Unresolved("next hop " + (original.isEmpty()
                        ? towardsReplySender.nextHop().getHostAddress() : towardsOriginalSender.nextHop().getHostAddress())
                        + " has no resolved neighbour entry yet", true);
            }
            if (original.get().ingress().index() == original.get().egress().index()) {
                return new Resolution.Unresolved("traffic enters and leaves by " + original.get().ingress().name()
                        + " (hairpin), not offloaded", false);
            }
            Hops hops = new Hops(original.get(), reply.get());
            if (generation >= 0) {
                if (cache.size() >= MAX_CACHED) {
                    cache.clear();
                }
                // stored under the generation read before the lookups: a change meanwhile clears it on the next call
                cache.put(ends, hops);
            }
            return new Resolution.Resolved(new Flow(entry, hops.original.path(entry.original()),
                    hops.reply.path(entry.reply())));
        } catch (ErrnoException e) {
            return new Resolution.Unresolved("no route: " + e.getMessage(), true);
        } catch (MissingLinkException e) {
            return new Resolution.Unresolved(e.getMessage(), true);
        }
    }

    /** Resolutions answered from the cache so far (for tests and status). */
    public synchronized long cacheHits() {
        return hits;
    }

    private Optional<Hop> hop(Route in, Route out) throws ErrnoException {
        Link ingress = link(in.outputIndex());
        Link egress = link(out.outputIndex());
        InetAddress nextHop = out.nextHop();
        Optional<MacAddress> mac = routing.neighbour(egress.index(), nextHop);
        if (mac.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Hop(ingress, egress, mac.get(), lower(ingress), lower(egress)));
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
