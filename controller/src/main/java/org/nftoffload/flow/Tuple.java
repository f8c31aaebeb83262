package org.nftoffload.flow;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Objects;

/**
 * One direction of a connection as seen on the wire: addresses (both IPv4 or both IPv6), IP protocol and ports.
 *
 * @param source source address
 * @param destination destination address
 * @param protocol IP protocol number (6 TCP, 17 UDP)
 * @param sourcePort L4 source port
 * @param destinationPort L4 destination port
 */
public record Tuple(InetAddress source, InetAddress destination, int protocol, int sourcePort,
    int destinationPort) {

  public Tuple {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(destination, "destination");
    if ((source instanceof Inet4Address) != (destination instanceof Inet4Address)) {
      throw new IllegalArgumentException("tuple mixes IPv4 and IPv6: " + source.getHostAddress() + " -> "
          + destination.getHostAddress());
    }
    if (protocol < 0 || protocol > 255) {
      throw new IllegalArgumentException("IP protocol " + protocol + " outside 0..255");
    }
    if (sourcePort < 0 || sourcePort > 0xffff || destinationPort < 0 || destinationPort > 0xffff) {
      throw new IllegalArgumentException("L4 port outside 0..65535: " + sourcePort + " -> " + destinationPort);
    }
  }

  public boolean ipv4() {
    return source instanceof Inet4Address;
  }

  /** This tuple with source and destination swapped: what the other direction looks like without NAT. */
  public Tuple reversed() {
    return new Tuple(destination, source, protocol, destinationPort, sourcePort);
  }

  @Override
  public String toString() {
    return protocolName() + " " + source.getHostAddress() + ":" + sourcePort + " -> " + destination.getHostAddress()
        + ":" + destinationPort;
  }

  private String protocolName() {
    return switch (protocol) {
      case 6 -> "tcp";
      case 17 -> "udp";
      default -> "proto" + protocol;
    };
  }
}
