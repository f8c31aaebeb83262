package org.nftoffload.agent;

import com.google.inject.Guice;
import com.google.inject.Inject;
import com.google.inject.ProvisionException;
import io.grpc.ManagedChannel;
import org.nftoffload.agent.config.AgentConfig;
import org.nftoffload.agent.controller.ControllerLink;
import org.nftoffload.agent.controller.Outbox;
import org.nftoffload.agent.flow.FlowTracker;
import org.nftoffload.agent.kernel.KernelWatcher;
import org.nftoffload.agent.representor.Representors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A running kernel agent: the kernel watcher feeding the flow tracker, the outbox and the controller
 * link (with {@link KernelFeedback} turning controller activity into conntrack timeout refreshes), and
 * the representors relaying the switch's slow-path packets through the controller link.
 * Wired by {@link AgentModule} and started by {@link #start}; {@link #close} stops everything.
 */
public final class Agent implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Agent.class);
    /** Software version reported in Hello. */
    public static final String VERSION = Optional.ofNullable(Agent.class.getPackage().getImplementationVersion())
            .orElse("0.1.0-SNAPSHOT");

    private final AgentConfig config;
    private final KernelWatcher kernel;
    private final FlowTracker tracker;
    private final Outbox outbox;
    private final ManagedChannel channel;
    private final ControllerLink link;
    private final Representors representors;

    @Inject
    Agent(AgentConfig config, KernelWatcher kernel, FlowTracker tracker, Outbox outbox, ManagedChannel channel,
          ControllerLink link, Representors representors) {
        this.representors = representors;
        this.config = config;
        this.kernel = kernel;
        this.tracker = tracker;
        this.outbox = outbox;
        this.channel = channel;
        this.link = link;
    }

    /** Wires an agent with {@link AgentModule}, dumps conntrack, starts watching and connects to the controller. */
    public static Agent start(AgentConfig config, Clock clock) throws Exception {
        Agent agent;
        try {
            agent = Guice.createInjector(new AgentModule(config, clock)).getInstance(Agent.class);
        } catch (ProvisionException e) {
            // say what failed (e.g. "setns(...) failed: Operation not permitted"), not Guice's wrapping
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            if (cause instanceof Exception ex) {
                throw ex;
            }
            throw e;
        }
        try {
            LOG.info("selecting flows by {}{}", config.selection().mode(), config.selection().mode()
                    == AgentConfig.Mode.MARK_BIT ? " (ct mark & 0x" + Long.toHexString(config.selection().markMask()) + ")" : "");
            agent.kernel.start(agent.tracker, agent.outbox);
            agent.link.start();
            agent.representors.start(agent.link::packetOut);
            return agent;
        } catch (Exception | Error e) {
            agent.close();
            throw e;
        }
    }

    /** The flow tracker (for status and tests). */
    public FlowTracker tracker() {
        return tracker;
    }

    /** The outbox (for status and tests). */
    public Outbox outbox() {
        return outbox;
    }

    /** The controller link (for status and tests). */
    public ControllerLink link() {
        return link;
    }

    /** The kernel watcher (for status and tests). */
    public KernelWatcher kernel() {
        return kernel;
    }

    /** The representor interfaces (for status and tests). */
    public Representors representors() {
        return representors;
    }

    /** The config the agent runs with. */
    public AgentConfig config() {
        return config;
    }

    @Override
    public void close() {
        representors.close();
        link.close();
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        kernel.close();
    }
}
