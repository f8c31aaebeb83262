package org.nftoffload.packetio;

import com.google.protobuf.ByteString;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.function.Function;
import org.nftoffload.agent.v1.ControllerMessage;
import org.nftoffload.agent.v1.PacketIn;
import org.nftoffload.agent.v1.PacketOut;
import org.nftoffload.agent.v1.Representor;
import org.nftoffload.agentendpoint.AgentEndpoint;
import org.nftoffload.device.Device;
import org.nftoffload.p4.FlowtableP4;
import org.onlab.util.ImmutableByteSequence;
import org.onosproject.net.pi.model.PiPacketOperationType;
import org.onosproject.net.pi.runtime.PiPacketMetadata;
import org.onosproject.net.pi.runtime.PiPacketOperation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The slow-path packet relay between devices and kernel agents (the switchdev model): a device's P4Runtime
 * packet_in from port N goes to the agent that declared a representor for that port, as a PacketIn on its stream;
 * a PacketOut from that agent becomes a packet_out to port N of the device. Only the agent that declared a port
 * may send on it; ACL log copies (punt reason ACL_LOG) are never relayed, since the switch forwards the original.
 * Frames for a port nobody represents, or for an agent whose stream has about a megabyte waiting, are counted and
 * dropped, as a NIC drops when its queue is full: a miss flood must not grow the controller's memory.
 */
public final class PacketRelay implements AgentEndpoint.Packets {

  private static final Logger log = LoggerFactory.getLogger(PacketRelay.class);

  private record Port(String device, int port) {}

  private record Owner(String agent, String ifname, Predicate<ControllerMessage> sink) {}

  private final Function<String, Optional<Device>> devices;
  private final Map<Port, Owner> owners = new ConcurrentHashMap<>();
  private final Counter relayedIn;
  private final Counter unclaimedIn;
  private final Counter relayedOut;
  private final Counter refusedOut;

  /** @param devices the managed device of a name (packet_out goes through its primary stream) */
  public PacketRelay(Function<String, Optional<Device>> devices, MeterRegistry meters) {
    this.devices = devices;
    this.relayedIn = Counter.builder("nftoffload.packetio.in").description("packet_ins relayed to an agent")
        .register(meters);
    this.unclaimedIn = Counter.builder("nftoffload.packetio.in.dropped")
        .description("packet_ins dropped: ACL log copy, no agent represents the port, or its stream is full")
        .register(meters);
    this.relayedOut = Counter.builder("nftoffload.packetio.out").description("agent frames sent as packet_out")
        .register(meters);
    this.refusedOut = Counter.builder("nftoffload.packetio.out.dropped")
        .description("agent frames refused: port not declared by that agent, or unknown device").register(meters);
  }

  @Override
  public void connected(String agent, List<Representor> representors, Predicate<ControllerMessage> sink) {
    // a reconnecting agent replaces its old stream; ports it no longer declares are released
    owners.entrySet().removeIf(e -> e.getValue().agent().equals(agent));
    for (Representor r : representors) {
      Owner previous = owners.put(new Port(r.getDevice(), r.getPort()), new Owner(agent, r.getIfname(), sink));
      if (previous != null) {
        log.warn("device '{}' port {}: representor moves from agent '{}' to agent '{}'", r.getDevice(), r.getPort(),
            previous.agent(), agent);
      }
    }
    if (!representors.isEmpty()) {
      log.info("agent '{}' represents {}", agent, representors.stream()
          .map(r -> r.getDevice() + " port " + r.getPort() + " (" + r.getIfname() + ")").toList());
    }
  }

  @Override
  public void disconnected(String agent, Predicate<ControllerMessage> sink) {
    owners.values().removeIf(o -> o.agent().equals(agent) && o.sink() == sink);
  }

  /** A packet_in of {@code device}: handed to the agent representing its ingress port. Called on gRPC threads. */
  public void packetIn(String device, PiPacketOperation packet) {
    int port = -1;
    int reason = 0;
    for (PiPacketMetadata m : packet.metadatas()) {
      if (m.id().equals(FlowtableP4.PacketIn.INGRESS_PORT.id())) {
        port = new BigInteger(1, m.value().asArray()).intValue();
      } else if (m.id().equals(FlowtableP4.PacketIn.REASON.id())) {
        reason = new BigInteger(1, m.value().asArray()).intValue();
      }
    }
    Owner owner = owners.get(new Port(device, port));
    if (owner == null || reason == FlowtableP4.PuntReason.ACL_LOG.code()) {
      unclaimedIn.increment();
      return;
    }
    if (owner.sink().test(ControllerMessage.newBuilder().setPacketIn(PacketIn.newBuilder().setDevice(device)
        .setPort(port).setReason(reason).setPayload(ByteString.copyFrom(packet.data().asReadOnlyBuffer()))).build())) {
      relayedIn.increment();
    } else {
      unclaimedIn.increment();
    }
  }

  @Override
  public void packetOut(String agent, PacketOut packet) {
    Owner owner = owners.get(new Port(packet.getDevice(), packet.getPort()));
    Optional<Device> device = devices.apply(packet.getDevice());
    if (owner == null || !owner.agent().equals(agent) || device.isEmpty()) {
      refusedOut.increment();
      log.debug("agent '{}': PacketOut for device '{}' port {} refused (not its representor)", agent,
          packet.getDevice(), packet.getPort());
      return;
    }
    PiPacketOperation op = PiPacketOperation.builder().withType(PiPacketOperationType.PACKET_OUT)
        .withData(ImmutableByteSequence.copyFrom(packet.getPayload().asReadOnlyByteBuffer()))
        .withMetadata(PiPacketMetadata.builder().withId(FlowtableP4.PacketOut.EGRESS_PORT.id())
            .withValue(ImmutableByteSequence.copyFrom((short) packet.getPort())).build())
        .build();
    relayedOut.increment();
    device.get().packetOut(op).whenComplete((ok, e) -> {
      if (e != null) {
        log.debug("packet_out to device '{}' port {} failed: {}", packet.getDevice(), packet.getPort(), e.toString());
      }
    });
  }

  /** Relay counts for status: packet_ins relayed / dropped, packet_outs sent / refused. */
  public long[] counts() {
    return new long[] {(long) relayedIn.count(), (long) unclaimedIn.count(), (long) relayedOut.count(),
        (long) refusedOut.count()};
  }
}
