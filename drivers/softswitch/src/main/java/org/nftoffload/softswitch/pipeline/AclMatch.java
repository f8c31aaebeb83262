package org.nftoffload.softswitch.pipeline;

/**
 * The key of an {@code acl} entry: ternary value/mask per field (mask 0 = don't care) and inclusive ranges for
 * the L4 ports. IPv6 addresses are split into two 64-bit halves.
 *
 * @param ingressPort ingress port (9 bits)
 * @param ethType EtherType after any VLAN tag
 * @param vlanId VLAN id (0 when untagged)
 * @param ipProto IP protocol / next header (0 for non-IP)
 * @param ipv4Src IPv4 source
 * @param ipv4Dst IPv4 destination
 * @param ipv6SrcHi upper half of the IPv6 source
 * @param ipv6SrcLo lower half of the IPv6 source
 * @param ipv6DstHi upper half of the IPv6 destination
 * @param ipv6DstLo lower half of the IPv6 destination
 * @param l4Sport L4 source port range
 * @param l4Dport L4 destination port range
 */
public record AclMatch(Ternary ingressPort, Ternary ethType, Ternary vlanId, Ternary ipProto, Ternary ipv4Src,
    Ternary ipv4Dst, Ternary ipv6SrcHi, Ternary ipv6SrcLo, Ternary ipv6DstHi, Ternary ipv6DstLo, Range l4Sport,
    Range l4Dport) {

  /** A key that matches everything. */
  public static final AclMatch ANY = new AclMatch(Ternary.ANY, Ternary.ANY, Ternary.ANY, Ternary.ANY, Ternary.ANY,
      Ternary.ANY, Ternary.ANY, Ternary.ANY, Ternary.ANY, Ternary.ANY, Range.ANY, Range.ANY);

  /**
   * A ternary field: matches when {@code (field & mask) == value}.
   *
   * @param value the bits to match (no bit outside mask)
   * @param mask the bits that matter
   */
  public record Ternary(long value, long mask) {
    public static final Ternary ANY = new Ternary(0, 0);

    public Ternary {
      if ((value & ~mask) != 0) {
        throw new IllegalArgumentException("ternary value has bits outside its mask");
      }
    }

    boolean matches(long field) {
      return (field & mask) == value;
    }
  }

  /**
   * An inclusive range of a 16-bit field.
   *
   * @param low lowest value that matches
   * @param high highest value that matches
   */
  public record Range(int low, int high) {
    public static final Range ANY = new Range(0, 0xffff);

    public Range {
      if (low < 0 || high > 0xffff || low > high) {
        throw new IllegalArgumentException("invalid range " + low + ".." + high);
      }
    }

    boolean matches(int field) {
      return field >= low && field <= high;
    }
  }

  boolean matches(Headers h) {
    return ingressPort.matches(h.ingressPort) && ethType.matches(h.ethType) && vlanId.matches(h.vlanId)
        && ipProto.matches(h.ipProto) && ipv4Src.matches(h.ipv4Src) && ipv4Dst.matches(h.ipv4Dst)
        && ipv6SrcHi.matches(h.ipv6SrcHi) && ipv6SrcLo.matches(h.ipv6SrcLo) && ipv6DstHi.matches(h.ipv6DstHi)
        && ipv6DstLo.matches(h.ipv6DstLo) && l4Sport.matches(h.sport) && l4Dport.matches(h.dport);
  }
}
