package org.nftoffload.flow;

import java.time.Instant;

/**
 * What the flow manager tells the agent that reported a flow: whether it was offloaded, the traffic the hardware
 * forwarded for it (so the agent refreshes the conntrack timeout), and that it was taken out of hardware.
 * Implementations queue and return, and may hold notices back until {@link #flush}: the flow manager calls it after
 * each burst of work (a device write batch answered, a counter read applied), so an agent gets one message per burst
 * rather than one per flow. Called on the flow manager's thread, and on the event path when the queue is full.
 */
public interface AgentNotifier {

  void verdict(FlowId flow, long conntrackId, boolean offloaded, String reason);

  void activity(FlowId flow, long conntrackId, Instant lastUsed, long packets, long bytes);

  void removed(FlowId flow, long conntrackId, String reason);

  /** Sends what is held back. */
  default void flush() {}

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
