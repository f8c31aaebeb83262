package org.nftoffload.agent;

import org.nftoffload.agent.config.AgentConfig;
import org.nftoffload.agent.controller.ControllerHandler;
import org.nftoffload.agent.flow.Flow;
import org.nftoffload.agent.flow.FlowKey;
import org.nftoffload.agent.flow.FlowSelector;
import org.nftoffload.agent.flow.FlowTracker;
import org.nftoffload.agent.flow.PolicyRule;
import org.nftoffload.agent.kernel.KernelWatcher;
import org.nftoffload.agent.representor.Representors;
import org.nftoffload.linux.ErrnoException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Optional;

/**
 * What the controller's messages do on this host: verdicts and removals update the tracker, hardware
 * activity refreshes the conntrack timeout (only when the counters or last-used time moved, so an idle
 * offloaded connection still expires), a new offload policy replaces the selector and re-reads conntrack,
 * and relayed packet_ins go to the kernel on their port's representor.
 */
final class KernelFeedback implements ControllerHandler {
    private static final Logger LOG = LoggerFactory.getLogger(KernelFeedback.class);
    private final AgentConfig config;
    private final KernelWatcher kernel;
    private final FlowTracker tracker;
    private final Representors representors;

    KernelFeedback(AgentConfig config, KernelWatcher kernel, FlowTracker tracker, Representors representors) {
        this.config = config;
        this.kernel = kernel;
        this.tracker = tracker;
        this.representors = representors;
    }

    @Override
    public void packetIn(String device, int port, int reason, byte[] frame) {
        representors.deliver(device, port, reason, frame);
    }

    @Override
    public void verdict(FlowKey key, boolean offloaded, String reason) {
        tracker.verdict(key, offloaded, reason);
    }

    @Override
    public void activity(FlowKey key, long lastUsedUnixMillis, long packets, long bytes) {
        Optional<Flow> active = tracker.activity(key, lastUsedUnixMillis, packets);
        if (active.isEmpty()) {
            return;
        }
        int seconds = config.conntrack().refreshTimeoutSeconds();
        try {
            if (kernel.conntrack().setTimeout(key.original(), key.zone(), seconds)) {
                tracker.refreshed(key, seconds);
            }
        } catch (ErrnoException e) {
            LOG.warn("could not refresh the conntrack timeout of {}: {}", active.get().entry(), e.getMessage());
        }
    }

    @Override
    public void removed(FlowKey key, String reason) {
        tracker.removedByController(key, reason);
    }

    @Override
    public void policy(List<PolicyRule> rules) {
        if (config.selection().mode() != AgentConfig.Mode.POLICY) {
            LOG.info("controller sent an offload policy of {} rules; ignored in mode {}", rules.size(),
                    config.selection().mode());
            return;
        }
        LOG.info("new offload policy: {} rules; re-reading conntrack", rules.size());
        tracker.setSelector(new FlowSelector.Policy(rules));
        kernel.requestDump();
    }
}
