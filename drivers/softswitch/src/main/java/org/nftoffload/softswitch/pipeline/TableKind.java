package org.nftoffload.softswitch.pipeline;

/** The tables of the flowtable pipeline that hold entries, in the order a frame meets them. */
public enum TableKind {
  /** Ternary/range ACL with priorities, a direct counter and a direct meter. */
  ACL,
  /** Exact IPv4 5-tuple + ingress port, direct counter, idle timeout. */
  FLOW_V4,
  /** Exact IPv6 5-tuple + ingress port, direct counter, idle timeout. */
  FLOW_V6;

  /** True for the exact-match flow tables. */
  public boolean isFlow() {
    return this != ACL;
  }
}
