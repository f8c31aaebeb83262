package org.nftoffload.device;

import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import org.onosproject.net.pi.model.PiTableId;

/**
 * What a target can do beyond the P4Info: whether it honours idle timeouts and meters, whether it offers atomic
 * (all-or-none) writes, and how many entries each table really holds (the P4Info size is a request, the target
 * decides). The flow manager consults these before it relies on a feature.
 *
 * @param idleTimeout entries age out and the device sends idle-timeout notifications
 * @param meters direct meters (the ACL's {@code limit}) are enforced
 * @param atomicWrites {@code Write} with {@code DATAPLANE_ATOMIC} / {@code ROLLBACK_ON_ERROR} is supported
 * @param tableSizes entries each table holds on this target, where known
 */
public record Capabilities(boolean idleTimeout, boolean meters, boolean atomicWrites,
    Map<PiTableId, Integer> tableSizes) {

  public Capabilities {
    tableSizes = Map.copyOf(Objects.requireNonNull(tableSizes, "tableSizes"));
    tableSizes.forEach((t, n) -> {
      if (n < 0) {
        throw new IllegalArgumentException("table " + t + ": negative size " + n);
      }
    });
  }

  public OptionalInt tableSize(PiTableId table) {
    Integer n = tableSizes.get(table);
    return n == null ? OptionalInt.empty() : OptionalInt.of(n);
  }
}
