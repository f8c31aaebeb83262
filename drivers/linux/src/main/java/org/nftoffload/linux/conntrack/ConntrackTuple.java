package org.nftoffload.linux.conntrack;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Objects;

/**
 * One direction of a connection as conntrack sees it: addresses, IP protocol and ports (for ICMP,
 * the source "port" is the echo id and the destination port is {@code type << 8 | code}).
 *
 * @param source      source address
 * @param destination destination address, same family as the source
 * @param protocol    IP protocol number (6 TCP, 17 UDP, 1 ICMP, …)
 * @param sourcePort  0–65535
 * @param destinationPort 0–65535
 */
public record ConntrackTuple(InetAddress source, InetAddress destination, int protocol, int sourcePort,
                             int destinationPort) {
    /** IP protocol numbers used here. */
    public static final int ICMP = 1, TCP = 6, UDP = 17, ICMPV6 = 58;

    public ConntrackTuple {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(destination, "destination");
        if ((source instanceof Inet4Address) != (destination instanceof Inet4Address)) {
            throw new IllegalArgumentException("tuple mixes IPv4 and IPv6: " + source + " -> " + destination);
        }
        if (protocol < 0 || protocol > 255) {
            throw new IllegalArgumentException("IP protocol out of range: " + protocol);
        }
        if (sourcePort < 0 || sourcePort > 0xffff || destinationPort < 0 || destinationPort > 0xffff) {
            throw new IllegalArgumentException("port out of range: " + sourcePort + " -> " + destinationPort);
        }
    }

    /** Whether this is an IPv4 tuple. */
    public boolean isIpv4() {
        return source instanceof Inet4Address;
    }

    /** The same flow seen from the other end (source and destination swapped). */
    public ConntrackTuple reversed() {
        return new ConntrackTuple(destination, source, protocol, destinationPort, sourcePort);
    }

    @Override
    public String toString() {
        return protocolName() + " " + source.getHostAddress() + ":" + sourcePort + " -> "
                + destination.getHostAddress() + ":" + destinationPort;
    }

    private String protocolName() {
        return switch (protocol) {
            case TCP -> "tcp";
            case UDP -> "udp";
            case ICMP -> "icmp";
            case ICMPV6 -> "icmpv6";
            default -> "proto" + protocol;
        };
    }
}
