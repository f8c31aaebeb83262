package org.nftoffload.device;

import java.util.Map;
import java.util.Optional;

/**
 * The driver SPI: what differs per target behind the common P4Runtime client. A driver packages the compiled
 * pipeline the way its target's {@code SetForwardingPipelineConfig} wants it, knows the CPU port and how the
 * operator's port names map to P4 port numbers, and declares the target's capabilities and table sizes.
 */
public interface DeviceDriver {

  /** The driver's name as used in config ({@code softswitch}, {@code bmv2}, {@code tofino}). */
  String name();

  /** The {@code p4_device_config} bytes sent with the P4Info. */
  byte[] deviceConfig();

  /** The port on which the device exchanges packet_in/packet_out with the controller. */
  int cpuPort();

  /** Port names → P4 port numbers on this device. */
  Map<String, Integer> ports();

  /** The P4 port number of a named port. */
  default Optional<Integer> portNumber(String name) {
    return Optional.ofNullable(ports().get(name));
  }

  /** The name of a P4 port number. */
  default Optional<String> portName(int number) {
    return ports().entrySet().stream().filter(e -> e.getValue() == number).map(Map.Entry::getKey).findFirst();
  }

  Capabilities capabilities();
}
