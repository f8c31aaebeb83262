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

  @Override
  public String toString() {
    return agent + "/" + zone + "/" + original;
  }
}
