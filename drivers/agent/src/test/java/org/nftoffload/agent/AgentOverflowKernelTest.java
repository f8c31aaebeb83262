package org.nftoffload.agent;

import org.junit.jupiter.api.Test;
import org.nftoffload.agent.config.AgentConfig;
import org.nftoffload.agent.v1.AgentMessage;
import org.nftoffload.agent.v1.FlowAdd;
import org.nftoffload.agent.v1.FlowEvent;
import org.nftoffload.linux.TestNamespace;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A kernel notification overflow (ENOBUFS) against the real kernel: the agent's conntrack socket gets a
 * tiny receive buffer, the agent stops reading while 300 flows start, so the kernel drops most of
 * their NEW events. The agent must notice, re-read the table and resync: the controller ends up with
 * every flow anyway.
 */
class AgentOverflowKernelTest {
    private static final int FLOWS = 300;

    @Test
    void droppedNotificationsAreRecoveredByDumpAndResync() throws Exception {
        TestNamespace.requireKernelTestPrerequisites();
        try (RouterLab lab = new RouterLab(300); FakeController controller = FakeController.start(0)) {
            lab.router.exec("add rule inet nftoffload_lab forward ct state new udp dport 20000-29999 ct mark set ct mark or 0x1\n",
                    "nft", "-f", "-");
            AgentConfig config = new AgentConfig(
                    new AgentConfig.Agent("overflow", lab.router.name(), ""),
                    new AgentConfig.Controller("127.0.0.1:" + controller.port(), 50, 500, 100),
                    new AgentConfig.Selection(AgentConfig.Mode.MARK_BIT, 1L),
                    new AgentConfig.Conntrack(4096, 300), // the kernel's minimum: a few events fit
                    new AgentConfig.Queue(1024));
            try (Agent agent = Agent.start(config, Clock.systemUTC())) {
                controller.await(m -> m.hasResync() && m.getResync().getLast(), 10, "initial Resync");
                agent.kernel().pause();
                try (DatagramChannel h1 = lab.h1.namespace().call(() -> {
                    DatagramChannel c = DatagramChannel.open();
                    c.bind(new InetSocketAddress("10.1.1.2", 0));
                    return c;
                })) {
                    for (int i = 0; i < FLOWS; i++) {
                        h1.send(ByteBuffer.allocate(8), new InetSocketAddress("10.1.2.2", 20000 + i));
                    }
                }
                Thread.sleep(200);
                agent.kernel().resume();

                // the controller's view: the last complete Resync plus the adds that followed it
                Set<Integer> view = new HashSet<>();
                Set<Integer> building = new HashSet<>();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (view.size() < FLOWS && System.nanoTime() < deadline) {
                    for (AgentMessage m : controller.drain()) {
                        if (m.hasResync()) {
                            m.getResync().getFlowsList().forEach(f -> building.add(dport(f)));
                            if (m.getResync().getLast()) {
                                view.clear();
                                view.addAll(building);
                                building.clear();
                            }
                        }
                        for (FlowEvent e : m.getEvents().getEventsList()) {
                            if (e.hasAdd()) {
                                view.add(dport(e.getAdd()));
                            }
                        }
                    }
                    Thread.sleep(20);
                }
                assertTrue(agent.kernel().overflows() >= 1, "the kernel overflowed the tiny buffer");
                assertEquals(FLOWS, view.size(), "every flow reached the controller");
                assertEquals(FLOWS, agent.tracker().size());
                assertTrue(List.copyOf(view).stream().allMatch(p -> p >= 20000 && p < 20000 + FLOWS));
            }
        }
    }

    private static int dport(FlowAdd f) {
        return f.getOriginal().getTuple().getDestinationPort();
    }
}
