package org.nftoffload.linux.route;

import java.net.InetAddress;
import java.util.Objects;
import java.util.Optional;

/**
 * The kernel's answer to "how do I reach this address": output interface and next hop.
 *
 * @param destination     the address looked up
 * @param outputIndex     ifindex of the output interface
 * @param gateway         the next-hop router, empty when the destination is on-link
 * @param preferredSource the source address the kernel would use, if any
 * @param local           whether the destination is an address of this host (RTN_LOCAL)
 */
public record Route(InetAddress destination, int outputIndex, Optional<InetAddress> gateway,
                    Optional<InetAddress> preferredSource, boolean local) {
    public Route {
        Objects.requireNonNull(destination, "destination");
        Objects.requireNonNull(gateway, "gateway");
        Objects.requireNonNull(preferredSource, "preferredSource");
    }

    /** The address whose neighbour entry gives the next-hop MAC: the gateway, or the destination itself. */
    public InetAddress nextHop() {
        return gateway.orElse(destination);
    }
}
