package org.nftoffload.agent;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import org.nftoffload.agent.config.AgentConfig;
import org.nftoffload.agent.controller.Backoff;
import org.nftoffload.agent.controller.ControllerHandler;
import org.nftoffload.agent.controller.ControllerLink;
import org.nftoffload.agent.controller.Outbox;
import org.nftoffload.agent.flow.FlowResolver;
import org.nftoffload.agent.flow.FlowSelector;
import org.nftoffload.agent.flow.FlowTracker;
import org.nftoffload.agent.flow.RoutingLookup;
import org.nftoffload.agent.kernel.KernelWatcher;
import org.nftoffload.agent.representor.Representors;
import org.nftoffload.agent.v1.Representor;
import org.nftoffload.agent.v1.Hello;

import java.time.Clock;
import java.util.List;
import java.util.Objects;

/**
 * Guice wiring of one agent from its config and a clock: kernel watcher (sockets in the configured
 * namespace), representors (TAPs in that namespace), selector, tracker, outbox, gRPC channel and controller link. Everything is a singleton
 * of the injector, so one injector is one agent.
 */
public final class AgentModule extends AbstractModule {
    private final AgentConfig config;
    private final Clock clock;

    public AgentModule(AgentConfig config, Clock clock) {
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    protected void configure() {
        bind(AgentConfig.class).toInstance(config);
        bind(Clock.class).toInstance(clock);
    }

    @Provides
    @Singleton
    KernelWatcher kernelWatcher(AgentConfig c) throws Exception {
        return KernelWatcher.open(c.agent().namespace(), c.conntrack().receiveBufferBytes());
    }

    @Provides
    @Singleton
    Representors representors(AgentConfig c) throws Exception {
        return Representors.open(c.agent().namespace(), c.representors());
    }

    @Provides
    @Singleton
    Outbox outbox(AgentConfig c) {
        return new Outbox(c.queue().capacity());
    }

    @Provides
    @Singleton
    FlowSelector selector(AgentConfig c) {
        return switch (c.selection().mode()) {
            case OFFLOAD_BIT -> new FlowSelector.OffloadBit();
            case MARK_BIT -> new FlowSelector.MarkBit((int) (long) c.selection().markMask());
            case POLICY -> new FlowSelector.Policy(List.of());
        };
    }

    @Provides
    @Singleton
    FlowTracker tracker(KernelWatcher kernel, FlowSelector selector, Outbox outbox, Clock c) {
        return new FlowTracker(new FlowResolver(RoutingLookup.of(kernel.routing())), selector, outbox, c);
    }

    @Provides
    @Singleton
    ManagedChannel channel(AgentConfig c) {
        return NettyChannelBuilder.forAddress(c.controller().host(), c.controller().port()).usePlaintext().build();
    }

    @Provides
    Hello hello(AgentConfig c) {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            host = "";
        }
        Hello.Builder hello = Hello.newBuilder()
                .setAgentId(c.agent().id())
                .setHost(host)
                .setNamespace(c.agent().namespace())
                .setVersion(Agent.VERSION)
                .setToken(c.agent().token());
        for (AgentConfig.Representor r : c.representors()) {
            hello.addRepresentors(Representor.newBuilder().setDevice(r.device()).setPort(r.port()).setIfname(r.name()));
        }
        return hello.build();
    }

    @Provides
    @Singleton
    ControllerHandler handler(AgentConfig c, KernelWatcher kernel, FlowTracker tracker, Representors representors) {
        return new KernelFeedback(c, kernel, tracker, representors);
    }

    @Provides
    @Singleton
    ControllerLink link(AgentConfig c, ManagedChannel channel, Hello hello, FlowTracker tracker, Outbox outbox,
                        ControllerHandler handler, Clock clk) {
        return new ControllerLink(channel, c.controller().address(), hello, tracker, outbox, handler,
                new Backoff(c.controller().initialBackoffMillis(), c.controller().maxBackoffMillis()),
                clk, c.controller().resyncChunk());
    }
}
