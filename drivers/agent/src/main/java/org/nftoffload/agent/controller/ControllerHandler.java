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
}
