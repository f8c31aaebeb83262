package org.nftoffload.softswitch.pipeline;

/**
 * The exact-match key of {@code flow_v4} / {@code flow_v6}: ingress port, IP protocol, addresses and L4 ports
 * packed into longs so a lookup costs one hash. IPv4 addresses use {@code srcLo}/{@code dstLo} only.
 *
 * @param ingressPort 9-bit ingress port
 * @param ipProto IP protocol / IPv6 next header
 * @param srcHi upper 64 bits of the IPv6 source (0 for IPv4)
 * @param srcLo lower 64 bits of the IPv6 source, or the IPv4 source
 * @param dstHi upper 64 bits of the IPv6 destination
 * @param dstLo lower 64 bits of the destination
 * @param sport L4 source port (0 when the protocol has none)
 * @param dport L4 destination port
 */
public record FlowKey(int ingressPort, int ipProto, long srcHi, long srcLo, long dstHi, long dstLo, int sport,
    int dport) {

  public FlowKey {
    if (ingressPort < 0 || ingressPort >= 512 || ipProto < 0 || ipProto > 255 || sport < 0 || sport > 0xffff
        || dport < 0 || dport > 0xffff) {
      throw new IllegalArgumentException("flow key field out of range: " + this);
    }
  }

  /** An IPv4 key; addresses are unsigned 32-bit values. */
  public static FlowKey v4(int ingressPort, int ipProto, int src, int dst, int sport, int dport) {
    return new FlowKey(ingressPort, ipProto, 0, src & 0xffffffffL, 0, dst & 0xffffffffL, sport, dport);
  }

  /** An IPv6 key from 16-byte addresses. */
  public static FlowKey v6(int ingressPort, int ipProto, byte[] src, byte[] dst, int sport, int dport) {
    return new FlowKey(ingressPort, ipProto, Frames.get64(src, 0), Frames.get64(src, 8), Frames.get64(dst, 0),
        Frames.get64(dst, 8), sport, dport);
  }
}
