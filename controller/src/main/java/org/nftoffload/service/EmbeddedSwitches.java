package org.nftoffload.service;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.nftoffload.config.ControllerConfig;
import org.nftoffload.softswitch.SoftSwitch;
import org.nftoffload.softswitch.config.SoftSwitchConfig;
import org.nftoffload.softswitch.port.Port;

/**
 * Starts the software switches the config marks {@code embedded}, in this process, and stops them on close. The
 * ports a switch gets beyond its P4Runtime server come from a {@link PortSource}: none for {@code serve} (the
 * switch then forwards nothing but holds and ages its tables), in-memory ports in end-to-end tests.
 */
public final class EmbeddedSwitches implements AutoCloseable {

  /** Data-plane ports to attach to an embedded switch, by device name. */
  @FunctionalInterface
  public interface PortSource {
    List<Port> ports(ControllerConfig.Device device);

    PortSource NONE = d -> List.of();
  }

  private final PortSource ports;
  private final InstantSource clock;
  private final Map<String, SoftSwitch> running = new ConcurrentHashMap<>();

  public EmbeddedSwitches(PortSource ports, InstantSource clock) {
    this.ports = ports;
    this.clock = clock;
  }

  /** Starts the switch of an embedded device; returns where it listens. */
  public InetSocketAddress start(ControllerConfig.Device device) throws IOException {
    SoftSwitchConfig c = new SoftSwitchConfig(device.host() + ":" + device.port(), device.deviceId(), null,
        device.tableSizes(), null);
    SoftSwitch s = SoftSwitch.start(c, clock, ports.ports(device));
    running.put(device.name(), s);
    return s.address();
  }

  public Map<String, SoftSwitch> running() {
    return Map.copyOf(running);
  }

  @Override
  public void close() {
    running.values().forEach(SoftSwitch::close);
    running.clear();
  }
}
