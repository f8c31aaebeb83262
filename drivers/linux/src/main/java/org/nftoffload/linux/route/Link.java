package org.nftoffload.linux.route;

import java.util.Objects;

/**
 * A network interface as rtnetlink describes it.
 *
 * @param index       ifindex
 * @param name        interface name
 * @param mac         its Ethernet address ({@link MacAddress#ZERO} when it has none)
 * @param kind        link kind from IFLA_INFO_KIND ("veth", "vlan", …), empty for plain devices
 * @param vlanId      802.1Q id of a VLAN interface, 0 otherwise
 * @param parentIndex ifindex of the lower device (IFLA_LINK; the VLAN's parent), 0 when none
 * @param up          whether the interface is administratively up
 */
public record Link(int index, String name, MacAddress mac, String kind, int vlanId, int parentIndex, boolean up) {
    public Link {
        if (index <= 0) {
            throw new IllegalArgumentException("ifindex must be positive, got " + index);
        }
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(mac, "mac");
        Objects.requireNonNull(kind, "kind");
        if (vlanId < 0 || vlanId > 4095) {
            throw new IllegalArgumentException("VLAN id out of range on " + name + ": " + vlanId);
        }
    }

    /** Whether this is an 802.1Q VLAN interface. */
    public boolean isVlan() {
        return "vlan".equals(kind);
    }
}
