package org.nftoffload.softswitch.pipeline;

import java.util.Arrays;

/**
 * What a table entry (or a table's default) does to a frame: the actions of {@code p4/flowtable.p4} in compiled
 * form. Flow actions forward with a MAC rewrite and optional VLAN and NAT rewrites; ACL actions decide whether a
 * frame goes on to the flow tables.
 */
public sealed interface Action {

  /** NoAction: a miss behaves as if no entry matched. */
  record NoAction() implements Action {}

  /** ACL permit: go on to the flow tables. */
  record Permit() implements Action {}

  /** ACL drop. */
  record Drop() implements Action {}

  /** ACL punt: send to the CPU port with reason ACL_PUNT, stop. */
  record Punt() implements Action {}

  /** ACL copy-to-CPU (nft log): a clone through the CPU clone session, the original goes on. */
  record CopyToCpu() implements Action {}

  /** ACL meter (nft limit): the entry's direct meter colours the frame; red frames are dropped. */
  record Meter() implements Action {}

  /** How a flow action leaves the 802.1Q tag. */
  enum VlanMode {
    /** Leave the tag (or its absence) as received. */
    KEEP,
    /** Leave the frame tagged with the action's VLAN id: push a tag or rewrite the id. */
    SET,
    /** Leave the frame untagged: pop a tag if present. */
    POP
  }

  /**
   * A flow table hit: send out {@code port} with new MACs, the VLAN handled per {@code vlanMode}, and, when
   * {@code nat} is set, addresses and L4 ports rewritten.
   *
   * @param port egress port
   * @param smac new source MAC (48 bits)
   * @param dmac new destination MAC
   * @param vlanMode what happens to the 802.1Q tag
   * @param vlanId VLAN id for {@link VlanMode#SET}
   * @param nat the NAT rewrite, or null for none
   */
  record Forward(int port, long smac, long dmac, VlanMode vlanMode, int vlanId, Nat nat) implements Action {
    public Forward {
      if (port < 0 || port >= 512) {
        throw new IllegalArgumentException("port " + port + " does not fit 9 bits");
      }
      if (vlanId < 0 || vlanId >= 4096) {
        throw new IllegalArgumentException("vlan_id " + vlanId + " does not fit 12 bits");
      }
    }
  }

  /**
   * A NAT rewrite: new source and destination addresses (4 bytes for IPv4, 16 for IPv6) and L4 ports.
   *
   * @param src new source address
   * @param dst new destination address
   * @param sport new L4 source port
   * @param dport new L4 destination port
   */
  record Nat(byte[] src, byte[] dst, int sport, int dport) {
    public Nat {
      if (src.length != dst.length || (src.length != 4 && src.length != 16)) {
        throw new IllegalArgumentException("NAT addresses must both be 4 or 16 bytes");
      }
      src = src.clone();
      dst = dst.clone();
    }

    @Override
    public byte[] src() {
      return src.clone();
    }

    @Override
    public byte[] dst() {
      return dst.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Nat n && Arrays.equals(src, n.src) && Arrays.equals(dst, n.dst) && sport == n.sport
          && dport == n.dport;
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(src) * 31 + Arrays.hashCode(dst) * 17 + sport * 7 + dport;
    }

    @Override
    public String toString() {
      return "Nat[src=" + Arrays.toString(src) + ", dst=" + Arrays.toString(dst) + ", sport=" + sport + ", dport="
          + dport + "]";
    }

    byte[] srcRef() {
      return src;
    }

    byte[] dstRef() {
      return dst;
    }
  }
}
