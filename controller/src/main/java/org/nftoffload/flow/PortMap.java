package org.nftoffload.flow;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Where host interfaces are on the fabric: interface name (as the agent reports it) → device and P4 port number.
 * Built from the {@code interfaces} section of the config and the devices' port maps.
 */
public final class PortMap {

  /** A device port: the device's name and the P4 port number. */
  public record Port(String device, int number) {
    public Port {
      Objects.requireNonNull(device, "device");
    }
  }

  private final Map<String, Port> ports;

  public PortMap(Map<String, Port> ports) {
    this.ports = Map.copyOf(ports);
  }

  public Optional<Port> lookup(String ifname) {
    return Optional.ofNullable(ports.get(ifname));
  }

  public Map<String, Port> all() {
    return ports;
  }
}
