package org.nftoffload.agent;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;
import org.nftoffload.agent.config.AgentConfig;
import org.nftoffload.agent.v1.AgentMessage;
import org.nftoffload.agent.v1.ControllerMessage;
import org.nftoffload.agent.v1.PacketIn;
import org.nftoffload.agent.v1.PacketOut;
import org.nftoffload.linux.ErrnoException;
import org.nftoffload.linux.Libc;
import org.nftoffload.linux.TestNamespace;

import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The agent's representors against the real kernel: a PacketIn relayed by the controller arrives on the TAP of
 * its port, and the kernel's answer, sent out of that TAP, comes back to the controller as a PacketOut for the
 * same device and port. Controller test double over real gRPC on 127.0.0.1.
 */
class AgentRepresentorKernelTest {
    private static final byte[] PEER_MAC = {0x02, 0, 0, 0, 0, 0x42};
    private static final byte[] PEER_IP = {(byte) 192, 0, 2, 2};
    private static final byte[] REP_IP = {(byte) 192, 0, 2, 1};

    @Test
    void packetInReachesTheKernelOnItsRepresentorAndTheAnswerLeavesAsPacketOut() throws Exception {
        TestNamespace.requireKernelTestPrerequisites();
        try (TestNamespace ns = TestNamespace.create("nfo-rep"); FakeController controller = FakeController.start(0)) {
            AgentConfig config = new AgentConfig(new AgentConfig.Agent("rep-agent", ns.name(), ""),
                    new AgentConfig.Controller("127.0.0.1:" + controller.port(), 50, 500, 100),
                    new AgentConfig.Selection(AgentConfig.Mode.MARK_BIT, 1L), null, null,
                    List.of(new AgentConfig.Representor("sw0", 3, "sw0p3"),
                            new AgentConfig.Representor("sw0", 4, "sw0p4")));
            Agent agent = Agent.start(config, Clock.systemUTC());
            try {
                AgentMessage hello = controller.await(AgentMessage::hasHello, 10, "Hello");
                assertEquals(2, hello.getHello().getRepresentorsCount());
                assertEquals("sw0", hello.getHello().getRepresentors(0).getDevice());
                assertEquals(3, hello.getHello().getRepresentors(0).getPort());
                assertEquals("sw0p3", hello.getHello().getRepresentors(0).getIfname());
                controller.await(m -> m.hasResync() && m.getResync().getLast(), 10, "initial Resync");
                ns.exec(null, "ip", "addr", "add", "192.0.2.1/24", "dev", "sw0p3");

                // an ACL log copy and a frame for a port without representor are not delivered
                controller.send(packetIn("sw0", 3, 6, arpRequest()));
                controller.send(packetIn("sw0", 9, 1, arpRequest()));
                // the real one: ARP for the representor's address, punted from port 3
                controller.send(packetIn("sw0", 3, 1, arpRequest()));
                AgentMessage out = controller.await(m -> m.hasPacketOut() && isArpReply(m.getPacketOut()), 10,
                        "the kernel's ARP reply as PacketOut");
                PacketOut p = out.getPacketOut();
                assertEquals("sw0", p.getDevice());
                assertEquals(3, p.getPort());
                byte[] frame = p.getPayload().toByteArray();
                assertArrayEquals(PEER_MAC, Arrays.copyOfRange(frame, 0, 6));
                assertArrayEquals(REP_IP, Arrays.copyOfRange(frame, 28, 32));
                assertArrayEquals(PEER_IP, Arrays.copyOfRange(frame, 38, 42));
                assertEquals(1, agent.representors().delivered());
                assertTrue(agent.representors().dropped() >= 2, "log copy and unknown port dropped");
            } finally {
                agent.close();
            }
            // closing the agent removed its representors
            ErrnoException gone = assertThrows(ErrnoException.class,
                    () -> ns.namespace().call(() -> Libc.ifNameToIndex("sw0p3")));
            assertEquals(19, gone.errno()); // ENODEV
        }
    }

    @Test
    void representorConfigIsChecked() {
        assertThrows(IllegalArgumentException.class, () -> new AgentConfig.Representor("sw0", 255, "cpu"));
        assertThrows(IllegalArgumentException.class, () -> new AgentConfig.Representor("", 1, "a"));
        assertThrows(IllegalArgumentException.class, () -> new AgentConfig.Representor("sw0", 1, "much-too-long-name"));
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class, () -> new AgentConfig(
                null, null, null, null, null, List.of(new AgentConfig.Representor("sw0", 1, "a"),
                new AgentConfig.Representor("sw0", 1, "b"))));
        assertTrue(twice.getMessage().contains("port 1"), twice.getMessage());
    }

    private static ControllerMessage packetIn(String device, int port, int reason, byte[] frame) {
        return ControllerMessage.newBuilder().setPacketIn(PacketIn.newBuilder().setDevice(device).setPort(port)
                .setReason(reason).setPayload(ByteString.copyFrom(frame))).build();
    }

    private static boolean isArpReply(PacketOut p) {
        byte[] f = p.getPayload().toByteArray();
        return f.length >= 42 && f[12] == 0x08 && f[13] == 0x06 && f[21] == 2;
    }

    private static byte[] arpRequest() {
        ByteBuffer b = ByteBuffer.allocate(42);
        b.put(new byte[] {-1, -1, -1, -1, -1, -1}).put(PEER_MAC).putShort((short) 0x0806);
        b.putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4).putShort((short) 1);
        b.put(PEER_MAC).put(PEER_IP).put(new byte[6]).put(REP_IP);
        return b.array();
    }
}
