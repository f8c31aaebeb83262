package org.nftoffload.linux.route;

import java.net.InetAddress;
import java.util.Objects;

/**
 * A neighbour (ARP / NDP) entry: which Ethernet address answers for an IP address on a link.
 *
 * @param ifindex the link
 * @param address the IP address
 * @param mac     its Ethernet address
 * @param state   NUD state bits (NUD_REACHABLE = 0x02, NUD_STALE = 0x04, NUD_PERMANENT = 0x80, …)
 */
public record Neighbour(int ifindex, InetAddress address, MacAddress mac, int state) {
    /** NUD states that mean the address is not (or no longer) usable. */
    public static final int NUD_INCOMPLETE = 0x01, NUD_FAILED = 0x20, NUD_NOARP = 0x40;

    public Neighbour {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(mac, "mac");
    }

    /** Whether the entry holds a usable address. */
    public boolean usable() {
        return (state & (NUD_INCOMPLETE | NUD_FAILED)) == 0;
    }
}
