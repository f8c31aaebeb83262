package org.nftoffload.plan;

import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;

/**
 * Which switch port a Linux device name stands for (the representor of port N is the device the kernel sees). The
 * planner turns {@code iifname "lan0"} into an {@code ingress_port} match through it; devices without a port cannot
 * be matched in the switch.
 */
public interface DevicePortMap {

  /** The port of a device, if it has one. */
  OptionalInt port(String device);

  /** Every device that has a port (to expand wildcards such as {@code "lan*"}). */
  Set<String> devices();

  /** A fixed map. */
  static DevicePortMap of(Map<String, Integer> ports) {
    Map<String, Integer> copy = new TreeMap<>(ports);
    copy.forEach((d, p) -> {
      if (p < 0 || p >= 511) {
        throw new IllegalArgumentException("device " + d + ": port " + p + " is not a switch port (0..510)");
      }
    });
    return new DevicePortMap() {
      @Override
      public OptionalInt port(String device) {
        Integer p = copy.get(device);
        return p == null ? OptionalInt.empty() : OptionalInt.of(p);
      }

      @Override
      public Set<String> devices() {
        return copy.keySet();
      }
    };
  }

  /** No devices: nothing matches on ports. */
  static DevicePortMap empty() {
    return of(Map.of());
  }
}
