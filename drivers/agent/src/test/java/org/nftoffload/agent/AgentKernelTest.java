package org.nftoffload.agent;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nftoffload.agent.config.AgentConfig;
import org.nftoffload.agent.v1.AgentMessage;
import org.nftoffload.agent.v1.ControllerMessage;
import org.nftoffload.agent.v1.FlowActivity;
import org.nftoffload.agent.v1.FlowAdd;
import org.nftoffload.agent.v1.FlowDelete;
import org.nftoffload.agent.v1.Path;
import org.nftoffload.linux.TestNamespace;
import org.nftoffload.linux.conntrack.Conntrack;
import org.nftoffload.linux.conntrack.ConntrackEntry;
import org.nftoffload.linux.route.MacAddress;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The agent against the real kernel: h1 — router — h2 namespaces, the agent's netlink sockets opened
 * inside the router namespace (setns on a helper thread, see KernelWatcher), and a controller test
 * double over real gRPC on 127.0.0.1.
 */
class AgentKernelTest {
    private static final int ESTABLISHED_TIMEOUT = 3;
    private static RouterLab lab;
    private static FakeController controller;
    private static Agent agent;
    private static final List<AutoCloseable> servers = new ArrayList<>();

    @BeforeAll
    static void startLab() throws Exception {
        TestNamespace.requireKernelTestPrerequisites();
        lab = new RouterLab(ESTABLISHED_TIMEOUT);
        controller = FakeController.start(0);
        AgentConfig config = new AgentConfig(
                new AgentConfig.Agent("test-agent", lab.router.name(), "secret"),
                new AgentConfig.Controller("127.0.0.1:" + controller.port(), 50, 500, 100),
                new AgentConfig.Selection(AgentConfig.Mode.MARK_BIT, 1L),
                new AgentConfig.Conntrack(4 << 20, ESTABLISHED_TIMEOUT),
                new AgentConfig.Queue(1024));
        agent = Agent.start(config, Clock.systemUTC());
        AgentMessage hello = controller.await(AgentMessage::hasHello, 10, "Hello");
        assertEquals("test-agent", hello.getHello().getAgentId());
        assertEquals(lab.router.name(), hello.getHello().getNamespace());
        assertEquals("secret", hello.getHello().getToken());
        controller.await(m -> m.hasResync() && m.getResync().getLast(), 10, "initial Resync");
        // servers in h2: TCP echo on 5000 (plain), 6000 (masqueraded), 7000 (DNAT target); UDP echo on 5001
        for (int port : new int[] {5000, 6000, 7000}) {
            ServerSocket server = lab.h2.namespace().call(() -> new ServerSocket(port, 50,
                    InetAddress.getByName("10.1.2.2")));
            servers.add(server);
            Thread.ofPlatform().daemon().start(() -> serveEcho(server));
        }
        DatagramSocket udp = lab.h2.namespace().call(() -> new DatagramSocket(new InetSocketAddress("10.1.2.2", 5001)));
        servers.add(udp);
        Thread.ofPlatform().daemon().start(() -> {
            byte[] buf = new byte[1500];
            while (!udp.isClosed()) {
                try {
                    DatagramPacket p = new DatagramPacket(buf, buf.length);
                    udp.receive(p);
                    udp.send(new DatagramPacket(p.getData(), p.getLength(), p.getSocketAddress()));
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    private static void serveEcho(ServerSocket server) {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                Thread.ofPlatform().daemon().start(() -> {
                    try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                        byte[] buf = new byte[1024];
                        int n;
                        while ((n = in.read(buf)) > 0) {
                            out.write(buf, 0, n);
                        }
                    } catch (IOException ignored) {
                        // peer reset: expected in the RST test
                    }
                });
            } catch (IOException e) {
                return;
            }
        }
    }

    @AfterAll
    static void stopLab() throws Exception {
        if (agent != null) {
            agent.close();
        }
        for (AutoCloseable s : servers) {
            s.close();
        }
        if (controller != null) {
            controller.close();
        }
        if (lab != null) {
            lab.close();
        }
    }

    /** Opens a TCP connection from h1 and exchanges one line, so conntrack sees it established. */
    private static Socket connect(String host, int port) throws Exception {
        Socket s = lab.h1.namespace().call(() -> {
            Socket socket = new Socket();
            socket.connect(new InetSocketAddress(host, port), 5000);
            return socket;
        });
        s.setSoTimeout(5000);
        s.getOutputStream().write("hello\n".getBytes(StandardCharsets.US_ASCII));
        byte[] back = s.getInputStream().readNBytes(6);
        assertEquals("hello\n", new String(back, StandardCharsets.US_ASCII));
        return s;
    }

    private static FlowAdd awaitAdd(int protocol, int sourcePort, int destinationPort) throws InterruptedException {
        return FakeController.add(controller.await(m -> FakeController.isAdd(m)
                && FakeController.add(m).getOriginal().getTuple().getProtocol() == protocol
                && (sourcePort == 0 || FakeController.add(m).getOriginal().getTuple().getSourcePort() == sourcePort)
                && FakeController.add(m).getOriginal().getTuple().getDestinationPort() == destinationPort,
                10, "FlowAdd proto " + protocol + " port " + sourcePort + " -> " + destinationPort));
    }

    private static FlowDelete awaitDelete(long conntrackId, int seconds) throws InterruptedException {
        return FakeController.delete(controller.await(m -> FakeController.isDelete(m)
                && FakeController.delete(m).getConntrackId() == conntrackId, seconds, "FlowDelete of ct " + conntrackId));
    }

    private static ByteString ip(String a) throws Exception {
        return ByteString.copyFrom(InetAddress.getByName(a).getAddress());
    }

    private static ByteString mac(String m) {
        return ByteString.copyFrom(MacAddress.parse(m).bytes());
    }

    @Test
    void tcpConnectionGivesFlowAddWithTuplesIfnamesAndMacsThenFinDeletesIt() throws Exception {
        Socket s = connect("10.1.2.2", 5000);
        FlowAdd add = awaitAdd(6, s.getLocalPort(), 5000);
        Path orig = add.getOriginal();
        assertEquals(ip("10.1.1.2"), orig.getTuple().getSource());
        assertEquals(ip("10.1.2.2"), orig.getTuple().getDestination());
        assertEquals("r1", orig.getIngressIfname());
        assertEquals("r2", orig.getEgressIfname());
        assertEquals(mac("02:00:00:01:02:01"), orig.getSourceMac());
        assertEquals(mac("02:00:00:01:02:02"), orig.getDestinationMac());
        assertEquals(0, orig.getEgressVlan());
        Path reply = add.getReply();
        assertEquals(ip("10.1.2.2"), reply.getTuple().getSource());
        assertEquals(ip("10.1.1.2"), reply.getTuple().getDestination());
        assertEquals(5000, reply.getTuple().getSourcePort());
        assertEquals(s.getLocalPort(), reply.getTuple().getDestinationPort());
        assertEquals("r2", reply.getIngressIfname());
        assertEquals("r1", reply.getEgressIfname());
        assertEquals(mac("02:00:00:01:01:01"), reply.getSourceMac());
        assertEquals(mac("02:00:00:01:01:02"), reply.getDestinationMac());
        assertFalse(add.getNat().getSource());
        assertFalse(add.getNat().getDestination());
        assertEquals(1, add.getMark() & 1);
        assertTrue(add.getConntrackId() != 0);

        s.shutdownOutput(); // FIN from h1; the echo server answers with its own FIN
        assertEquals(-1, s.getInputStream().read());
        s.close();
        assertEquals(FlowDelete.Reason.FIN, awaitDelete(add.getConntrackId(), 10).getReason());
    }

    @Test
    void resetGivesFlowDeleteRst() throws Exception {
        Socket s = connect("10.1.2.2", 5000);
        FlowAdd add = awaitAdd(6, s.getLocalPort(), 5000);
        s.setSoLinger(true, 0);
        s.close(); // RST
        assertEquals(FlowDelete.Reason.RST, awaitDelete(add.getConntrackId(), 10).getReason());
    }

    @Test
    void udpExchangeRunWithIpNetnsExecGivesFlowAdd() throws Exception {
        boolean socat = java.util.stream.Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
                .anyMatch(d -> java.nio.file.Files.isExecutable(java.nio.file.Path.of(d, "socat")));
        if (!socat) {
            if (System.getenv("CI") != null) {
                org.junit.jupiter.api.Assertions.fail("this kernel test needs the 'socat' command");
            }
            org.junit.jupiter.api.Assumptions.abort("this kernel test needs the 'socat' command");
        }
        Process p = new ProcessBuilder("ip", "netns", "exec", lab.h1.name(), "socat", "-t", "1", "-",
                "UDP:10.1.2.2:5001").redirectErrorStream(true).start();
        p.getOutputStream().write("ping\n".getBytes(StandardCharsets.US_ASCII));
        p.getOutputStream().close();
        String echoed = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        assertEquals("ping\n", echoed, "socat output");
        FlowAdd add = awaitAdd(17, 0, 5001);
        assertEquals(ip("10.1.1.2"), add.getOriginal().getTuple().getSource());
        assertEquals("r1", add.getOriginal().getIngressIfname());
        assertEquals("r2", add.getOriginal().getEgressIfname());
        assertEquals(mac("02:00:00:01:02:02"), add.getOriginal().getDestinationMac());
        assertEquals(mac("02:00:00:01:01:02"), add.getReply().getDestinationMac());
    }

    @Test
    void masqueradeIsReportedAsSourceNat() throws Exception {
        try (Socket s = connect("10.1.2.2", 6000)) {
            FlowAdd add = awaitAdd(6, s.getLocalPort(), 6000);
            assertTrue(add.getNat().getSource());
            assertFalse(add.getNat().getDestination());
            assertEquals(ip("10.1.2.1"), add.getNat().getSourceAddress(), "masquerade to r2's address");
            assertEquals(ip("10.1.2.1"), add.getReply().getTuple().getDestination());
            assertEquals(add.getReply().getTuple().getDestinationPort(), add.getNat().getSourcePort());
            assertEquals("r2", add.getOriginal().getEgressIfname());
            assertEquals("r1", add.getReply().getEgressIfname());
        }
    }

    @Test
    void dnatIsReportedAsDestinationNat() throws Exception {
        try (Socket s = connect("10.1.9.100", 8080)) {
            FlowAdd add = awaitAdd(6, s.getLocalPort(), 8080);
            assertEquals(ip("10.1.9.100"), add.getOriginal().getTuple().getDestination());
            assertTrue(add.getNat().getDestination());
            assertFalse(add.getNat().getSource());
            assertEquals(ip("10.1.2.2"), add.getNat().getDestinationAddress());
            assertEquals(7000, add.getNat().getDestinationPort());
            assertEquals("r2", add.getOriginal().getEgressIfname());
            assertEquals(mac("02:00:00:01:02:02"), add.getOriginal().getDestinationMac());
            assertEquals(ip("10.1.2.2"), add.getReply().getTuple().getSource());
            assertEquals(7000, add.getReply().getTuple().getSourcePort());
        }
    }

    @Test
    void activeFlowOutlivesTheTimeoutAndIdleOneExpires() throws Exception {
        Socket active = connect("10.1.2.2", 5000);
        Socket idle = connect("10.1.2.2", 5000);
        try {
            FlowAdd activeAdd = awaitAdd(6, active.getLocalPort(), 5000);
            FlowAdd idleAdd = awaitAdd(6, idle.getLocalPort(), 5000);
            long start = System.currentTimeMillis();
            Conntrack conntrack = lab.router.namespace().call(Conntrack::open);
            try {
                boolean idleGone = false;
                // 4 x the established timeout, with hardware activity reported every 500 ms for one flow only
                for (int i = 1; i <= 4 * ESTABLISHED_TIMEOUT * 2; i++) {
                    controller.send(activity(activeAdd, System.currentTimeMillis(), 10L * i));
                    controller.send(activity(idleAdd, start, 10));
                    Thread.sleep(500);
                    // dumping also makes the kernel reap expired entries right away instead of at its next GC
                    List<ConntrackEntry> table = new ArrayList<>();
                    conntrack.dump(e -> table.add(e.entry()));
                    assertTrue(table.stream().anyMatch(e -> e.id() == activeAdd.getConntrackId()),
                            "active flow still in conntrack after " + (System.currentTimeMillis() - start) + " ms");
                    idleGone |= table.stream().noneMatch(e -> e.id() == idleAdd.getConntrackId());
                }
                long elapsed = System.currentTimeMillis() - start;
                assertTrue(elapsed > 3 * ESTABLISHED_TIMEOUT * 1000L, "ran " + elapsed + " ms");
                assertTrue(idleGone, "the idle flow expired");
                assertEquals(FlowDelete.Reason.TIMEOUT, awaitDelete(idleAdd.getConntrackId(), 5).getReason());
            } finally {
                conntrack.close();
            }
        } finally {
            active.close();
            idle.close();
        }
    }

    @Test
    void entryDeletedThroughCtnetlinkGivesFlowDeleteDestroyed() throws Exception {
        try (Socket s = connect("10.1.2.2", 5000)) {
            FlowAdd add = awaitAdd(6, s.getLocalPort(), 5000);
            Conntrack conntrack = lab.router.namespace().call(Conntrack::open);
            try {
                assertTrue(conntrack.delete(org.nftoffload.agent.controller.Messages.tuple(add.getOriginal().getTuple()),
                        add.getZone()));
            } finally {
                conntrack.close();
            }
            assertEquals(FlowDelete.Reason.DESTROYED, awaitDelete(add.getConntrackId(), 10).getReason());
        }
    }

    private static ControllerMessage activity(FlowAdd add, long lastUsed, long packets) {
        return ControllerMessage.newBuilder().setActivity(FlowActivity.newBuilder()
                .setConntrackId(add.getConntrackId()).setZone(add.getZone()).setOriginal(add.getOriginal().getTuple())
                .setLastUsedUnixMillis(lastUsed).setPackets(packets).setBytes(packets * 100)).build();
    }
}
