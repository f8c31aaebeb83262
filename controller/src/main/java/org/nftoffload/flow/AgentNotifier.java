package org.nftoffload.flow;

import java.time.Instant;

/**
 * What the flow manager tells the agent that reported a flow: whether it was offloaded, the traffic the hardware
 * forwarded for it (so the agent refreshes the conntrack timeout), and that it was taken out of hardware. Called on
 * the flow manager's thread: implementations queue and return.
 */
public interface AgentNotifier {

  void verdict(FlowId flow, long conntrackId, boolean offloaded, String reason);

  void activity(FlowId flow, long conntrackId, Instant lastUsed, long packets, long bytes);

  void removed(FlowId flow, long conntrackId, String reason);

  /** Discards everything. */
  AgentNotifier NONE = new AgentNotifier() {
    @Override
    public void verdict(FlowId flow, long conntrackId, boolean offloaded, String reason) {}

    @Override
    public void activity(FlowId flow, long conntrackId, Instant lastUsed, long packets, long bytes) {}

    @Override
    public void removed(FlowId flow, long conntrackId, String reason) {}
  };
}
