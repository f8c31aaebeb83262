package org.nftoffload.plan;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.nftoffload.p4.FlowtableP4;
import org.nftoffload.p4.FlowtableP4.MatchField;

/**
 * What one flattened rule asks of the ACL key: for each key field, alternatives (ternary value/mask or range) of
 * which one must hold. Conditions on the same field intersect; sets become several alternatives; the cross product
 * of the alternatives is the list of entries. Package-private: the planner's working form.
 */
final class AclMatch {

  /** The ACL key fields, in P4Info order. */
  enum Field {
    INGRESS_PORT(FlowtableP4.Acl.INGRESS_PORT), ETH_TYPE(FlowtableP4.Acl.ETH_TYPE), VLAN_ID(FlowtableP4.Acl.VLAN_ID),
    IP_PROTO(FlowtableP4.Acl.IP_PROTO), IPV4_SRC(FlowtableP4.Acl.IPV4_SRC), IPV4_DST(FlowtableP4.Acl.IPV4_DST),
    IPV6_SRC(FlowtableP4.Acl.IPV6_SRC), IPV6_DST(FlowtableP4.Acl.IPV6_DST), L4_SPORT(FlowtableP4.Acl.L4_SPORT),
    L4_DPORT(FlowtableP4.Acl.L4_DPORT);

    final MatchField field;

    Field(MatchField field) {
      this.field = field;
    }

    boolean isRange() {
      return this == L4_SPORT || this == L4_DPORT;
    }

    int bits() {
      return field.bitWidth();
    }
  }

  /**
   * One alternative: a ternary value/mask, or for range fields lo..hi (value=lo, mask=hi). Fields up to 64 bits
   * keep longs ({@code wide} null) so that the overlap checks the planner runs for every rule pair stay cheap; IPv6
   * fields keep BigIntegers.
   */
  record Alt(long value, long mask, BigInteger wideValue, BigInteger wideMask) {
    static Alt of(Field f, BigInteger value, BigInteger mask) {
      return f.bits() > 63 ? new Alt(0, 0, value, mask) : new Alt(value.longValueExact(), mask.longValueExact(), null,
          null);
    }

    static Alt exact(Field f, long v) {
      return f.isRange() ? new Alt(v, v, null, null) : of(f, BigInteger.valueOf(v), ones(f.bits()));
    }

    static Alt prefix(Field f, BigInteger addr, int len) {
      BigInteger mask = ones(f.bits()).shiftRight(f.bits() - len).shiftLeft(f.bits() - len);
      return of(f, addr.and(mask), mask);
    }

    static Alt range(long lo, long hi) {
      return new Alt(lo, hi, null, null);
    }

    BigInteger bigValue() {
      return wideValue != null ? wideValue : BigInteger.valueOf(value);
    }

    BigInteger bigMask() {
      return wideMask != null ? wideMask : BigInteger.valueOf(mask);
    }
  }

  static BigInteger ones(int bits) {
    return BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE);
  }

  private final Map<Field, List<Alt>> fields = new EnumMap<>(Field.class);

  Map<Field, List<Alt>> fields() {
    return fields;
  }

  AclMatch copy() {
    AclMatch m = new AclMatch();
    fields.forEach((k, v) -> m.fields.put(k, new ArrayList<>(v)));
    return m;
  }

  /** Adds a condition: the field must match one of alts. Returns false when nothing can match any more. */
  boolean and(Field f, List<Alt> alts) {
    List<Alt> cur = fields.get(f);
    if (cur == null) {
      fields.put(f, new ArrayList<>(new java.util.LinkedHashSet<>(alts)));
      return !alts.isEmpty();
    }
    List<Alt> out = new ArrayList<>();
    for (Alt a : cur) {
      for (Alt b : alts) {
        Alt x = intersect(f, a, b);
        if (x != null && !out.contains(x)) {
          out.add(x);
        }
      }
    }
    fields.put(f, out);
    return !out.isEmpty();
  }

  static Alt intersect(Field f, Alt a, Alt b) {
    if (f.isRange()) {
      long lo = Math.max(a.value(), b.value());
      long hi = Math.min(a.mask(), b.mask());
      return lo <= hi ? new Alt(lo, hi, null, null) : null;
    }
    if (a.wideValue() == null) {
      if (((a.value() ^ b.value()) & a.mask() & b.mask()) != 0) {
        return null;
      }
      long mask = a.mask() | b.mask();
      return new Alt((a.value() | b.value()) & mask, mask, null, null);
    }
    if (!a.wideValue().xor(b.wideValue()).and(a.wideMask()).and(b.wideMask()).equals(BigInteger.ZERO)) {
      return null;
    }
    BigInteger mask = a.wideMask().or(b.wideMask());
    return new Alt(0, 0, a.wideValue().or(b.wideValue()).and(mask), mask);
  }

  /** Whether two alternatives have a packet in common (without building the intersection). */
  static boolean meets(Field f, Alt a, Alt b) {
    if (f.isRange()) {
      return Math.max(a.value(), b.value()) <= Math.min(a.mask(), b.mask());
    }
    if (a.wideValue() == null) {
      return ((a.value() ^ b.value()) & a.mask() & b.mask()) == 0;
    }
    return a.wideValue().xor(b.wideValue()).and(a.wideMask()).and(b.wideMask()).signum() == 0;
  }

  private static final Field[] FIELDS = Field.values();

  /** Whether some packet can match both (no allocation: the planner asks this for many rule pairs). */
  boolean overlaps(AclMatch o) {
    for (Field f : FIELDS) {
      List<Alt> mine = fields.get(f);
      List<Alt> other = mine == null ? null : o.fields.get(f);
      if (other == null) {
        continue;
      }
      boolean any = false;
      for (int i = 0; i < mine.size() && !any; i++) {
        Alt a = mine.get(i);
        for (int j = 0; j < other.size(); j++) {
          if (meets(f, a, other.get(j))) {
            any = true;
            break;
          }
        }
        if (any) {
          break;
        }
      }
      if (!any) {
        return false;
      }
    }
    return true;
  }

  /** How many entries the cross product makes. */
  long entryCount() {
    long n = 1;
    for (List<Alt> alts : fields.values()) {
      n = Math.multiplyExact(n, Math.max(1, alts.size()));
      if (n > Integer.MAX_VALUE) {
        return Integer.MAX_VALUE;
      }
    }
    return n;
  }

  /** The cross product: one map of field to single alternative per entry. */
  List<Map<Field, Alt>> expand() {
    List<Map<Field, Alt>> out = new ArrayList<>();
    out.add(new EnumMap<>(Field.class));
    for (var e : fields.entrySet()) {
      List<Map<Field, Alt>> next = new ArrayList<>();
      for (Map<Field, Alt> partial : out) {
        for (Alt a : e.getValue()) {
          Map<Field, Alt> m = new EnumMap<>(partial);
          m.put(e.getKey(), a);
          next.add(m);
        }
      }
      out = next;
    }
    return out;
  }

  /** An inclusive address range as the fewest prefixes (value, length). */
  static List<Alt> rangeToPrefixes(Field f, BigInteger lo, BigInteger hi) {
    List<Alt> out = new ArrayList<>();
    int bits = f.bits();
    BigInteger cur = lo;
    while (cur.compareTo(hi) <= 0) {
      int len = bits;
      // grow the block while it stays aligned and inside the range
      while (len > 0) {
        int hostBits = bits - len + 1;
        BigInteger size = BigInteger.ONE.shiftLeft(hostBits);
        if (!cur.mod(size).equals(BigInteger.ZERO) || cur.add(size).subtract(BigInteger.ONE).compareTo(hi) > 0) {
          break;
        }
        len--;
      }
      out.add(Alt.prefix(f, cur, len));
      cur = cur.add(BigInteger.ONE.shiftLeft(bits - len));
      if (out.size() > 4096) {
        break;
      }
    }
    return out;
  }
}
