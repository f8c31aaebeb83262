package org.nftoffload.flow;

import java.util.Objects;

/**
 * Identifies a flow across the controller, as the agent protocol does: the reporting agent, the conntrack zone and
 * the original-direction tuple (conntrack ids are only informational: they are reused and collide at scale).
 *
 * @param agent the reporting agent's id
 * @param zone conntrack zone
 * @param original the tuple of the connection's first packet
 */
public record FlowId(String agent, int zone, Tuple original) {

  public FlowId {
    Objects.requireNonNull(agent, "agent");
    Objects.requireNonNull(original, "original");
    if (zone < 0 || zone > 0xffff) {
      throw new IllegalArgumentException("conntrack zone " + zone + " outside 0..65535");
    }
  }

  /**
   * Every field mixed in (a 64-bit multiply and shift per field). The record's own hash (31 · h + field) collides
   * for flows from consecutive hosts and ports, and the flow map turned a fifth of its bins into trees at 100,000
   * flows. Equal ids still hash equally: the same fields, through their own hash codes.
   */
  @Override
  public int hashCode() {
    long h = mix(agent.hashCode(), zone);
    h = mix(h, original.source().hashCode());
    h = mix(h, original.destination().hashCode());
    h = mix(h, (long) original.protocol() << 32 | (long) original.sourcePort() << 16 | original.destinationPort());
    return (int) (h ^ (h >>> 32));
  }

  private static long mix(long h, long v) {
    h = (h ^ v) * 0xff51afd7ed558ccdL;
    return h ^ (h >>> 33);
  }

  @Override
  public String toString() {
    return agent + "/" + zone + "/" + original;
  }
}
