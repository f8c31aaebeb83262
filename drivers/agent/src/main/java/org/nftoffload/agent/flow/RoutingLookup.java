package org.nftoffload.agent.flow;

import org.nftoffload.linux.ErrnoException;
import org.nftoffload.linux.route.Link;
import org.nftoffload.linux.route.MacAddress;
import org.nftoffload.linux.route.Route;
import org.nftoffload.linux.route.Routing;

import java.net.InetAddress;
import java.util.Optional;

/**
 * What the resolver asks the routing system: routes, links and neighbours. The kernel's
 * {@link Routing} is the real one; tests give a table.
 */
public interface RoutingLookup {
    /** The route towards {@code destination}. */
    Route route(InetAddress destination) throws ErrnoException;

    /** The link with index {@code index}. */
    Optional<Link> link(int index);

    /** The MAC of {@code address} on link {@code ifindex}, if resolved. */
    Optional<MacAddress> neighbour(int ifindex, InetAddress address) throws ErrnoException;

    /**
     * A number that moves whenever an answer above may have changed, so that what was derived from
     * the answers can be cached until it moves; negative when the lookup cannot tell (nothing may then
     * be cached).
     */
    default long generation() {
        return -1;
    }

    /** Adapts the kernel's routing view. */
    static RoutingLookup of(Routing routing) {
        return new RoutingLookup() {
            @Override
            public Route route(InetAddress destination) throws ErrnoException {
                return routing.route(destination);
            }

            @Override
            public Optional<Link> link(int index) {
                return routing.link(index);
            }

            @Override
            public Optional<MacAddress> neighbour(int ifindex, InetAddress address) throws ErrnoException {
                return routing.neighbour(ifindex, address);
            }

            @Override
            public long generation() {
                return routing.generation();
            }
        };
    }
}
