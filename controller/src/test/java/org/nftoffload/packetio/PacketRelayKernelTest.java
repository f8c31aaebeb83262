package org.nftoffload.packetio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nftoffload.agent.Agent;
import org.nftoffload.agent.config.AgentConfig;
import org.nftoffload.linux.TestNamespace;
import org.nftoffload.service.TestController;
import org.nftoffload.softswitch.port.InMemoryPort;

/**
 * The slow-path relay end to end: a frame arriving on a switch port is punted (packet_in), relayed by the controller
 * to the agent, written to that port's representor TAP in a real namespace; the kernel's answer, read from the TAP,
 * is relayed back and leaves the switch on the same port (packet_out). A frame the kernel sends on another
 * representor leaves on that representor's port only.
 */
class PacketRelayKernelTest {

  private static final byte[] PEER_MAC = {0x02, 0, 0, 0, 0, 0x42};
  private static final byte[] PEER_IP = {(byte) 192, 0, 2, 2};
  private static final byte[] REP1_IP = {(byte) 192, 0, 2, 1};

  private static final String CONFIG = """
      api: {port: 0}
      agents: {port: 0}
      devices: [{name: sw0, embedded: true, port: 0, ports: {p1: 1, p2: 2}}]
      interfaces: {}
      flows: {activity_interval: 1h}
      ruleset: {file: none}
      """;

  @Test
  void framesCrossTheRelayBothWaysOnTheRightPorts() throws Exception {
    TestNamespace.requireKernelTestPrerequisites();
    InMemoryPort p1 = new InMemoryPort(1);
    InMemoryPort p2 = new InMemoryPort(2);
    try (TestNamespace ns = TestNamespace.create("nfo-relay");
        TestController controller = new TestController(CONFIG, d -> List.of(p1, p2))) {
      AgentConfig config = new AgentConfig(new AgentConfig.Agent("slowpath", ns.name(), ""),
          new AgentConfig.Controller("127.0.0.1:" + controller.listening.agents().getPort(), 50, 300, 100),
          new AgentConfig.Selection(AgentConfig.Mode.MARK_BIT, 1L), null, null,
          List.of(new AgentConfig.Representor("sw0", 1, "sw0p1"), new AgentConfig.Representor("sw0", 2, "sw0p2")));
      try (Agent agent = Agent.start(config, Clock.systemUTC())) {
        ns.exec(null, "ip", "addr", "add", "192.0.2.1/24", "dev", "sw0p1");
        ns.exec(null, "ip", "addr", "add", "198.51.100.1/24", "dev", "sw0p2");
        PacketRelay relay = controller.injector.getInstance(PacketRelay.class);

        // switch → kernel → switch: ARP request for the representor's address on port 1, reply on port 1
        byte[] reply = null;
        long deadline = System.nanoTime() + 15_000_000_000L;
        while (reply == null && System.nanoTime() < deadline) {
          p1.inject(arpRequest()); // repeated: the agent may still be connecting
          reply = awaitArp(p1, 2, Duration.ofMillis(300));
        }
        assertNotNull(reply, "the kernel's ARP reply left the switch on port 1");
        assertArrayEquals(PEER_MAC, Arrays.copyOfRange(reply, 0, 6));
        assertArrayEquals(REP1_IP, Arrays.copyOfRange(reply, 28, 32));
        assertArrayEquals(PEER_IP, Arrays.copyOfRange(reply, 38, 42));
        assertTrue(agent.representors().delivered() >= 1);
        long[] counts = relay.counts();
        assertTrue(counts[0] >= 1 && counts[2] >= 1, "relayed in and out: " + Arrays.toString(counts));

        // kernel → switch: traffic towards port 2's subnet makes the kernel ARP out of sw0p2, which leaves on port 2
        ns.namespace().call(() -> {
          try (DatagramSocket s = new DatagramSocket()) {
            s.send(new DatagramPacket(new byte[] {1}, 1, InetAddress.getByName("198.51.100.77"), 9));
          }
          return null;
        });
        byte[] request = awaitArp(p2, 1, Duration.ofSeconds(10));
        assertNotNull(request, "the kernel's ARP request left on port 2");
        assertEquals((byte) 198, request[28]);
        assertArrayEquals(new byte[] {(byte) 198, 51, 100, 77}, Arrays.copyOfRange(request, 38, 42));
        byte[] stray = awaitArp(p1, 1, Duration.ofMillis(300));
        assertEquals(null, stray, "nothing for port 2 came out of port 1");
      }
    }
  }

  /** The next ARP frame with opcode {@code op} the switch sent on {@code port} within {@code timeout}, or null. */
  private static byte[] awaitArp(InMemoryPort port, int op, Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < end) {
      byte[] f = port.poll(Duration.ofMillis(50));
      if (f != null && f.length >= 42 && f[12] == 0x08 && f[13] == 0x06 && f[21] == op) {
        return f;
      }
    }
    return null;
  }

  private static byte[] arpRequest() {
    ByteBuffer b = ByteBuffer.allocate(60);
    b.put(new byte[] {-1, -1, -1, -1, -1, -1}).put(PEER_MAC).putShort((short) 0x0806);
    b.putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4).putShort((short) 1);
    b.put(PEER_MAC).put(PEER_IP).put(new byte[6]).put(REP1_IP);
    return b.array();
  }
}
