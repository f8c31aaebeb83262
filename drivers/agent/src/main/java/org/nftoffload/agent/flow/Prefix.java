package org.nftoffload.agent.flow;

import java.net.InetAddress;
import java.util.Objects;

/**
 * An IP prefix (address/length) used by offload policy rules.
 *
 * @param address the network address
 * @param length  prefix length in bits
 */
public record Prefix(InetAddress address, int length) {
    public Prefix {
        Objects.requireNonNull(address, "address");
        int bits = address.getAddress().length * 8;
        if (length < 0 || length > bits) {
            throw new IllegalArgumentException("prefix length " + length + " out of range for " + address.getHostAddress());
        }
    }

    /** Whether {@code candidate} lies inside this prefix (never for the other address family). */
    public boolean contains(InetAddress candidate) {
        byte[] net = address.getAddress();
        byte[] a = candidate.getAddress();
        if (net.length != a.length) {
            return false;
        }
        int full = length / 8;
        for (int i = 0; i < full; i++) {
            if (net[i] != a[i]) {
                return false;
            }
        }
        int rest = length % 8;
        if (rest == 0) {
            return true;
        }
        int mask = 0xff << (8 - rest) & 0xff;
        return (net[full] & mask) == (a[full] & mask);
    }
}
