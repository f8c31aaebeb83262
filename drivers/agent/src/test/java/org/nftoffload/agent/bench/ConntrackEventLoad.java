package org.nftoffload.agent.bench;

import org.nftoffload.agent.Agent;
import org.nftoffload.agent.FakeController;
import org.nftoffload.agent.RouterLab;
import org.nftoffload.agent.config.AgentConfig;
import org.nftoffload.agent.v1.AgentMessage;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Clock;
import java.util.Locale;

/**
 * Load generator for the agent's event path (not a unit test; run by {@code drivers/agent/bench/conntrack-events.sh}).
 *
 * <p>In an h1 — router — h2 lab, h1 sends one UDP datagram to each of N destination ports on h2: N
 * short UDP flows through the router, each marked at its first packet, so each gives the agent a
 * NEW event it decodes, resolves and forwards as a FlowAdd. Then the router's conntrack table is
 * flushed: N DESTROY events arrive at kernel speed, and the agent decodes them and forwards N
 * FlowDeletes. Reported: events/s for both phases (first event to last message at the controller
 * test double over gRPC on 127.0.0.1) and the kernel overflows seen (each one costs a dump + resync).
 */
public final class ConntrackEventLoad {
    public static void main(String[] args) throws Exception {
        int flows = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        org.nftoffload.linux.TestNamespace.requireKernelTestPrerequisites();
        try (RouterLab lab = new RouterLab(300); FakeController controller = FakeController.counting(0)) {
            lab.router.exec("add rule inet nftoffload_lab forward ct state new udp dport 1024-65535 ct mark set ct mark or 0x1\n",
                    "nft", "-f", "-");
            lab.router.exec(null, "sysctl", "-q", "-w", "net.netfilter.nf_conntrack_udp_timeout=600");
            // h2 drops the datagrams silently: no ICMP errors competing for the CPU
            lab.h2.exec("table inet sink {\n chain input {\n type filter hook input priority 0; udp dport 1024-65535 drop\n }\n}\n",
                    "nft", "-f", "-");
            AgentConfig config = new AgentConfig(
                    new AgentConfig.Agent("bench", lab.router.name(), ""),
                    new AgentConfig.Controller("127.0.0.1:" + controller.port(), 50, 500, 1000),
                    new AgentConfig.Selection(AgentConfig.Mode.MARK_BIT, 1L),
                    new AgentConfig.Conntrack(256 << 20, 300),
                    new AgentConfig.Queue(1 << 18));
            try (Agent agent = Agent.start(config, Clock.systemUTC())) {
                waitFor(() -> agent.link().connected() && controller.count(AgentMessage.KindCase.RESYNC) > 0, 30_000,
                        "agent connected and resynced");
                DatagramChannel h1 = lab.h1.namespace().call(() -> {
                    DatagramChannel c = DatagramChannel.open();
                    c.bind(new InetSocketAddress("10.1.1.2", 0));
                    return c;
                });
                ByteBuffer payload = ByteBuffer.allocate(16);
                System.out.printf(Locale.ROOT, "%d flows per round, %d rounds%n", flows, rounds);
                for (int round = 1; round <= rounds; round++) {
                    long base = controller.adds();
                    long resyncs0 = controller.count(AgentMessage.KindCase.RESYNC);
                    long handled0 = agent.kernel().eventsHandled();
                    long overflows0 = agent.kernel().overflows() + agent.outbox().overflows();
                    // phase 1: the kernel queues N NEW events while the agent does not read, then the agent drains them
                    agent.kernel().pause();
                    long g0 = System.nanoTime();
                    for (int i = 0; i < flows; i++) {
                        payload.clear();
                        h1.send(payload, new InetSocketAddress("10.1.2.2", 1024 + i % 64000));
                        if (i % 64000 == 63999) {
                            // new source port for the next 64000 flows so every datagram is a new flow
                            h1.close();
                            h1 = lab.h1.namespace().call(() -> {
                                DatagramChannel c = DatagramChannel.open();
                                c.bind(new InetSocketAddress("10.1.1.2", 0));
                                return c;
                            });
                        }
                    }
                    long sent = System.nanoTime();
                    Thread.sleep(200); // let the last events reach the socket
                    long t0 = System.nanoTime();
                    long[] cpu0 = cpu();
                    agent.kernel().resume();
                    waitFor(() -> controller.adds() - base >= flows
                            || settled(agent, controller, resyncs0), 120_000, "FlowAdds at the controller");
                    long added = System.nanoTime();
                    long[] cpuNew = since(cpu0);
                    long handledNew = agent.kernel().eventsHandled() - handled0;

                    long base2 = controller.deletes();
                    long resyncs1 = controller.count(AgentMessage.KindCase.RESYNC);
                    long handled1 = agent.kernel().eventsHandled();
                    // phase 2: conntrack -F while the agent does not read: N DESTROY events queued, then drained
                    agent.kernel().pause();
                    long f0 = System.nanoTime();
                    lab.router.exec(null, "conntrack", "-F");
                    long flushed = System.nanoTime();
                    Thread.sleep(200);
                    long t1 = System.nanoTime();
                    long[] cpu1 = cpu();
                    agent.kernel().resume();
                    waitFor(() -> controller.deletes() - base2 >= flows
                            || settled(agent, controller, resyncs1) && agent.tracker().size() == 0,
                            30_000, "FlowDeletes at the controller", () -> "deletes "
                                    + (controller.deletes() - base2) + ", events handled "
                                    + (agent.kernel().eventsHandled() - handled1) + ", tracked " + agent.tracker().size()
                                    + ", overflows " + agent.kernel().overflows() + ", outbox " + agent.outbox().size());
                    long deleted = System.nanoTime();
                    long[] cpuDestroy = since(cpu1);
                    long handledDestroy = agent.kernel().eventsHandled() - handled1;
                    long overflows = agent.kernel().overflows() + agent.outbox().overflows() - overflows0;
                    System.out.printf(Locale.ROOT,
                            "round %d: NEW: %,d flows generated at %,.0f/s, backlog of %,d events drained at %,.0f events/s "
                                    + "(FlowAdds at the controller); DESTROY: conntrack -F %.0f ms, backlog of %,d events "
                                    + "drained at %,.0f events/s (FlowDeletes at the controller); overflows %d%n",
                            round, flows, flows / secs(g0, sent), handledNew, handledNew / secs(t0, added),
                            (flushed - f0) / 1e6, handledDestroy, handledDestroy / secs(t1, deleted), overflows);
                    // CPU time per event says what the agent costs even when other work shares the cores
                    System.out.printf(Locale.ROOT,
                            "round %d: CPU per event: NEW %.2f µs (kernel-event thread %.2f µs), DESTROY %.2f µs (%.2f µs); "
                                    + "load average %.2f%n",
                            round, cpuNew[0] / 1e3 / handledNew, cpuNew[1] / 1e3 / handledNew,
                            cpuDestroy[0] / 1e3 / handledDestroy, cpuDestroy[1] / 1e3 / handledDestroy,
                            ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
                }
                h1.close();
            }
        }
    }

    /** After an overflow the agent answers with a Resync: done when one arrived and nothing is queued. */
    private static boolean settled(Agent agent, FakeController controller, long resyncsBefore) {
        return controller.count(AgentMessage.KindCase.RESYNC) > resyncsBefore && agent.outbox().size() == 0;
    }

    /**
     * CPU nanoseconds used so far by the whole JVM (agent, gRPC and the controller double alike) and by
     * the agent's kernel-event thread alone.
     */
    private static long[] cpu() {
        long process = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
        long thread = 0;
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals("agent-kernel-events")) {
                thread = threads.getThreadCpuTime(t.threadId());
            }
        }
        return new long[] {process, thread};
    }

    private static long[] since(long[] before) {
        long[] now = cpu();
        return new long[] {now[0] - before[0], now[1] - before[1]};
    }

    private static double secs(long from, long to) {
        return (to - from) / 1e9;
    }

    private interface Condition {
        boolean met() throws Exception;
    }

    private static void waitFor(Condition c, long millis, String what) throws Exception {
        waitFor(c, millis, what, () -> "");
    }

    private static void waitFor(Condition c, long millis, String what, java.util.function.Supplier<String> state)
            throws Exception {
        long deadline = System.currentTimeMillis() + millis;
        while (!c.met()) {
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("timed out waiting for " + what + " " + state.get());
            }
            Thread.sleep(1);
        }
    }
}
