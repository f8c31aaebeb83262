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

  /**
   * A hash that mixes every bit of every field. The record's default (31 * h + field) keeps the structure of
   * sequential addresses and ports that real flows have: 262,144 such keys landed in a quarter of a HashMap's
   * buckets, chains up to 16 long, and inserts into a large table spent their time walking them.
   */
  @Override
  public int hashCode() {
    long h = ((long) ingressPort << 48) ^ ((long) ipProto << 40) ^ ((long) sport << 16) ^ dport;
    h = mix(h ^ srcHi);
    h = mix(h ^ srcLo);
    h = mix(h ^ dstHi);
    h = mix(h ^ dstLo);
    return (int) (h ^ (h >>> 32));
  }

  private static long mix(long x) {
    x *= 0x9E3779B97F4A7C15L; // 2^64 / golden ratio: spreads every input bit upwards
    return x ^ (x >>> 29);    // and the high bits back down
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
