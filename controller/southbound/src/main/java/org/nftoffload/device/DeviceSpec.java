package org.nftoffload.device;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One device as configured: where it is, its P4Runtime device id, which driver speaks to it, its front-panel ports
 * by name, and driver options. Validated here so a bad entry fails at load time naming the device and the field.
 *
 * @param name the device's name in the controller (used in logs, the REST API and errors)
 * @param host P4Runtime server host
 * @param port P4Runtime server port
 * @param deviceId P4Runtime device id
 * @param driver driver name: {@code softswitch}, {@code bmv2} or {@code tofino}
 * @param ports port name → P4 port number (the {@code ingress_port}/{@code egress_spec} value)
 * @param options driver options; each driver documents and checks its own keys
 */
public record DeviceSpec(String name, String host, int port, long deviceId, String driver, Map<String, Integer> ports,
    Map<String, String> options) {

  public DeviceSpec {
    Objects.requireNonNull(name, "name");
    if (name.isBlank()) {
      throw new IllegalArgumentException("device name is empty");
    }
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("device '" + name + "': host is empty");
    }
    if (port <= 0 || port > 65535) {
      throw new IllegalArgumentException("device '" + name + "': port " + port + " outside 1..65535");
    }
    if (deviceId < 0) {
      throw new IllegalArgumentException("device '" + name + "': device id " + deviceId + " is negative");
    }
    if (driver == null || driver.isBlank()) {
      throw new IllegalArgumentException("device '" + name + "': driver is empty");
    }
    ports = Map.copyOf(new TreeMap<>(Objects.requireNonNull(ports, "ports")));
    java.util.Map<Integer, String> seen = new java.util.HashMap<>();
    for (var e : ports.entrySet()) {
      if (e.getValue() == null || e.getValue() < 0 || e.getValue() >= 511) {
        throw new IllegalArgumentException("device '" + name + "': port '" + e.getKey() + "' number " + e.getValue()
            + " outside 0..510 (9-bit port, 511 is drop)");
      }
      String other = seen.put(e.getValue(), e.getKey());
      if (other != null) {
        throw new IllegalArgumentException("device '" + name + "': ports '" + other + "' and '" + e.getKey()
            + "' share number " + e.getValue());
      }
    }
    options = Map.copyOf(Objects.requireNonNull(options, "options"));
  }

  /** "host:port", for messages. */
  public String address() {
    return host + ":" + port;
  }
}
