package org.nftoffload.flow;

import java.util.HexFormat;
import java.util.Objects;

/**
 * How packets of one direction of a flow are forwarded, as the agent resolved it from routes and neighbours (what
 * nf_flow_table keeps per direction): the tuple they carry, the interfaces they enter and leave by, the Ethernet
 * addresses to write and the VLAN ids of the interfaces.
 *
 * @param tuple the packets' tuple on ingress
 * @param ingress the interface packets arrive on (the VLAN's parent when {@code ingressVlan} is set)
 * @param egress the interface packets leave by (the VLAN's parent when {@code egressVlan} is set)
 * @param sourceMac the egress interface's MAC, 48 bits
 * @param destinationMac the next hop's MAC, 48 bits
 * @param ingressVlan 802.1Q id on ingress, 0 when untagged
 * @param egressVlan 802.1Q id on egress, 0 when untagged
 */
public record Direction(Tuple tuple, String ingress, String egress, long sourceMac, long destinationMac,
    int ingressVlan, int egressVlan) {

  public Direction {
    Objects.requireNonNull(tuple, "tuple");
    Objects.requireNonNull(ingress, "ingress");
    Objects.requireNonNull(egress, "egress");
    if ((sourceMac >>> 48) != 0 || (destinationMac >>> 48) != 0) {
      throw new IllegalArgumentException("MAC address wider than 48 bits");
    }
    if (ingressVlan < 0 || ingressVlan > 4094 || egressVlan < 0 || egressVlan > 4094) {
      throw new IllegalArgumentException("VLAN id outside 0..4094: " + ingressVlan + "/" + egressVlan);
    }
  }

  /** A MAC address as text (aa:bb:cc:dd:ee:ff). */
  public static String mac(long mac) {
    return HexFormat.ofDelimiter(":").formatHex(new byte[] {
        (byte) (mac >>> 40), (byte) (mac >>> 32), (byte) (mac >>> 24), (byte) (mac >>> 16), (byte) (mac >>> 8),
        (byte) mac});
  }

  /** A 6-byte MAC as a long. */
  public static long mac(byte[] mac) {
    if (mac.length != 6) {
      throw new IllegalArgumentException("MAC address of " + mac.length + " bytes, want 6");
    }
    long v = 0;
    for (byte b : mac) {
      v = (v << 8) | (b & 0xff);
    }
    return v;
  }
}
