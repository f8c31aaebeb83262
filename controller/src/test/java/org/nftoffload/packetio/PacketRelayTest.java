package org.nftoffload.packetio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.nftoffload.agent.v1.ControllerMessage;
import org.nftoffload.agent.v1.PacketOut;
import org.nftoffload.agent.v1.Representor;
import org.nftoffload.p4.FlowtableP4;
import org.onlab.util.ImmutableByteSequence;
import org.onosproject.net.pi.model.PiPacketOperationType;
import org.onosproject.net.pi.runtime.PiPacketMetadata;
import org.onosproject.net.pi.runtime.PiPacketOperation;

/** Who gets which packet_in, and whose PacketOut is refused (no device needed: refusals never reach one). */
class PacketRelayTest {

  private final PacketRelay relay = new PacketRelay(name -> Optional.empty(), new SimpleMeterRegistry());
  private final List<ControllerMessage> toA = new CopyOnWriteArrayList<>();
  private final List<ControllerMessage> toB = new CopyOnWriteArrayList<>();
  private final Predicate<ControllerMessage> sinkA = toA::add;
  private final Predicate<ControllerMessage> sinkB = toB::add;

  @Test
  void packetInGoesToTheAgentRepresentingItsPort() {
    relay.connected("a", List.of(rep("sw0", 1), rep("sw0", 2)), sinkA);
    relay.connected("b", List.of(rep("sw1", 1)), sinkB);

    relay.packetIn("sw0", packetIn(2, FlowtableP4.PuntReason.TCP_CONTROL.code(), new byte[] {9, 8, 7}));
    relay.packetIn("sw1", packetIn(1, FlowtableP4.PuntReason.FLOW_MISS.code(), new byte[] {1}));

    assertEquals(1, toA.size());
    var in = toA.get(0).getPacketIn();
    assertEquals("sw0", in.getDevice());
    assertEquals(2, in.getPort());
    assertEquals(FlowtableP4.PuntReason.TCP_CONTROL.code(), in.getReason());
    assertArrayEquals(new byte[] {9, 8, 7}, in.getPayload().toByteArray());
    assertEquals(1, toB.size());
    assertEquals("sw1", toB.get(0).getPacketIn().getDevice());
    assertEquals(2, relay.counts()[0]);
  }

  @Test
  void logCopiesAndUnrepresentedPortsAreDropped() {
    relay.connected("a", List.of(rep("sw0", 1)), sinkA);
    relay.packetIn("sw0", packetIn(1, FlowtableP4.PuntReason.ACL_LOG.code(), new byte[] {1}));
    relay.packetIn("sw0", packetIn(3, FlowtableP4.PuntReason.FLOW_MISS.code(), new byte[] {1}));
    relay.packetIn("sw9", packetIn(1, FlowtableP4.PuntReason.FLOW_MISS.code(), new byte[] {1}));
    assertEquals(List.of(), toA);
    assertEquals(0, relay.counts()[0]);
    assertEquals(3, relay.counts()[1]);
  }

  @Test
  void aReconnectReplacesTheOldStreamAndItsPorts() {
    relay.connected("a", List.of(rep("sw0", 1), rep("sw0", 2)), sinkA);
    List<ControllerMessage> toNew = new CopyOnWriteArrayList<>();
    Predicate<ControllerMessage> newSink = toNew::add;
    relay.connected("a", List.of(rep("sw0", 1)), newSink);
    // the old stream's late goodbye must not unregister the new one
    relay.disconnected("a", sinkA);

    relay.packetIn("sw0", packetIn(1, 1, new byte[] {1}));
    relay.packetIn("sw0", packetIn(2, 1, new byte[] {2}));
    assertEquals(List.of(), toA);
    assertEquals(1, toNew.size());
    assertEquals(1, toNew.get(0).getPacketIn().getPort());

    relay.disconnected("a", newSink);
    relay.packetIn("sw0", packetIn(1, 1, new byte[] {3}));
    assertEquals(1, toNew.size(), "nothing is relayed to a stream that is gone");
  }

  @Test
  void packetOutOnlyFromTheAgentThatRepresentsThePort() {
    relay.connected("a", List.of(rep("sw0", 1)), sinkA);
    relay.connected("b", List.of(rep("sw0", 2)), sinkB);
    relay.packetOut("b", out("sw0", 1));   // not b's port
    relay.packetOut("a", out("sw0", 7));   // nobody's port
    relay.packetOut("a", out("sw0", 1));   // a's port, but the device is unknown here
    assertEquals(0, relay.counts()[2]);
    assertEquals(3, relay.counts()[3]);
  }

  @Test
  void aFullStreamDropsAndCountsInsteadOfBuffering() {
    relay.connected("a", List.of(rep("sw0", 1)), m -> false);
    relay.packetIn("sw0", packetIn(1, 1, new byte[] {1}));
    assertEquals(0, relay.counts()[0]);
    assertEquals(1, relay.counts()[1]);
  }

  @Test
  void aPortMovesToTheAgentThatDeclaresItLast() {
    relay.connected("a", List.of(rep("sw0", 1)), sinkA);
    relay.connected("b", List.of(rep("sw0", 1)), sinkB);
    relay.packetIn("sw0", packetIn(1, 1, new byte[] {1}));
    assertEquals(List.of(), toA);
    assertEquals(1, toB.size());
    assertTrue(relay.counts()[0] == 1);
  }

  private static Representor rep(String device, int port) {
    return Representor.newBuilder().setDevice(device).setPort(port).setIfname(device + "p" + port).build();
  }

  private static PacketOut out(String device, int port) {
    return PacketOut.newBuilder().setDevice(device).setPort(port).setPayload(ByteString.copyFrom(new byte[14]))
        .build();
  }

  private static PiPacketOperation packetIn(int port, int reason, byte[] payload) {
    return PiPacketOperation.builder().withType(PiPacketOperationType.PACKET_IN)
        .withData(ImmutableByteSequence.copyFrom(payload))
        .withMetadata(PiPacketMetadata.builder().withId(FlowtableP4.PacketIn.INGRESS_PORT.id())
            .withValue(ImmutableByteSequence.copyFrom((short) port)).build())
        .withMetadata(PiPacketMetadata.builder().withId(FlowtableP4.PacketIn.REASON.id())
            .withValue(ImmutableByteSequence.copyFrom((byte) reason)).build())
        .build();
  }
}
