package org.nftoffload.flow;

import java.util.Objects;

/**
 * Identifies a flow across the controller: the agent that reported it and the conntrack entry's zone and id there.
 * Two agents can report the same conntrack id; their flows are distinct.
 *
 * @param agent the reporting agent's id
 * @param zone conntrack zone
 * @param conntrackId conntrack id in that agent's namespace
 */
public record FlowId(String agent, int zone, long conntrackId) {

  public FlowId {
    Objects.requireNonNull(agent, "agent");
    if (zone < 0 || zone > 0xffff) {
      throw new IllegalArgumentException("conntrack zone " + zone + " outside 0..65535");
    }
  }

  @Override
  public String toString() {
    return agent + "/" + zone + "/" + conntrackId;
  }
}
