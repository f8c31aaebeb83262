package org.nftoffload.agent;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import org.nftoffload.agent.config.AgentConfig;
import org.nftoffload.agent.controller.Backoff;
import org.nftoffload.agent.controller.ControllerHandler;
import org.nftoffload.agent.controller.ControllerLink;
import org.nftoffload.agent.controller.Outbox;
import org.nftoffload.agent.flow.Flow;
import org.nftoffload.agent.flow.FlowKey;
import org.nftoffload.agent.flow.FlowResolver;
import org.nftoffload.agent.flow.FlowSelector;
import org.nftoffload.agent.flow.FlowTracker;
import org.nftoffload.agent.flow.PolicyRule;
import org.nftoffload.agent.flow.RoutingLookup;
import org.nftoffload.agent.kernel.KernelWatcher;
import org.nftoffload.agent.v1.Hello;
import org.nftoffload.linux.ErrnoException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A running kernel agent: the kernel watcher feeding the flow tracker, the outbox and the controller
 * link, and the handler that turns controller activity into conntrack timeout refreshes. Built and
 * started by {@link #start}; {@link #close} stops everything.
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

    private Agent(AgentConfig config, KernelWatcher kernel, FlowTracker tracker, Outbox outbox, ManagedChannel channel,
                  ControllerLink link) {
        this.config = config;
        this.kernel = kernel;
        this.tracker = tracker;
        this.outbox = outbox;
        this.channel = channel;
        this.link = link;
    }

    /** Opens the kernel side, connects to the controller and starts both loops. */
    public static Agent start(AgentConfig config, Clock clock) throws Exception {
        KernelWatcher kernel = KernelWatcher.open(config.agent().namespace(), config.conntrack().receiveBufferBytes());
        try {
            Outbox outbox = new Outbox(config.queue().capacity());
            FlowSelector selector = switch (config.selection().mode()) {
                case OFFLOAD_BIT -> new FlowSelector.OffloadBit();
                case MARK_BIT -> new FlowSelector.MarkBit((int) (long) config.selection().markMask());
                case POLICY -> new FlowSelector.Policy(List.of());
            };
            LOG.info("selecting flows by {}{}", config.selection().mode(), config.selection().mode()
                    == AgentConfig.Mode.MARK_BIT ? " (ct mark & 0x" + Long.toHexString(config.selection().markMask()) + ")" : "");
            FlowTracker tracker = new FlowTracker(new FlowResolver(RoutingLookup.of(kernel.routing())), selector,
                    outbox, clock);
            ManagedChannel channel = NettyChannelBuilder.forAddress(config.controller().host(), config.controller().port())
                    .usePlaintext().build();
            Hello hello = Hello.newBuilder()
                    .setAgentId(config.agent().id())
                    .setHost(hostName())
                    .setNamespace(config.agent().namespace())
                    .setVersion(VERSION)
                    .setToken(config.agent().token())
                    .build();
            Handler handler = new Handler(config, kernel, tracker);
            ControllerLink link = new ControllerLink(channel, config.controller().address(), hello, tracker, outbox, handler,
                    new Backoff(config.controller().initialBackoffMillis(), config.controller().maxBackoffMillis()),
                    clock, config.controller().resyncChunk());
            kernel.start(tracker, outbox);
            link.start();
            return new Agent(config, kernel, tracker, outbox, channel, link);
        } catch (Exception | Error e) {
            kernel.close();
            throw e;
        }
    }

    /** What the controller's messages do to the kernel. */
    private record Handler(AgentConfig config, KernelWatcher kernel, FlowTracker tracker) implements ControllerHandler {
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
                if (kernel.conntrack().setTimeout(active.get().entry().original(), key.zone(), seconds)) {
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

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "";
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

    /** The config the agent runs with. */
    public AgentConfig config() {
        return config;
    }

    @Override
    public void close() {
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
