package org.nftoffload.agent.controller;

import org.nftoffload.agent.flow.FlowKey;
import org.nftoffload.agent.flow.PolicyRule;

import java.util.List;

/** What the agent does with the controller's messages; called on gRPC threads. */
public interface ControllerHandler {
    /** The controller's verdict on a reported flow. */
    void verdict(FlowKey key, boolean offloaded, String reason);

    /** Hardware activity of an offloaded flow. */
    void activity(FlowKey key, long lastUsedUnixMillis, long packets, long bytes);

    /** The controller took a flow out of hardware. */
    void removed(FlowKey key, String reason);

    /** A new offload policy. */
    void policy(List<PolicyRule> rules);

    /**
     * A frame the switch punted from {@code port} of {@code device} (P4Runtime packet_in, relayed by the
     * controller), for the representor of that port. Agents without representors ignore it.
     */
    default void packetIn(String device, int port, int reason, byte[] frame) {
    }
}
