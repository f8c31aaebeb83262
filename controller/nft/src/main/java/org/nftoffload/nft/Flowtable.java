package org.nftoffload.nft;

import java.util.List;
import java.util.Objects;

/**
 * A flowtable: the fast path that {@code flow add @name} hands established connections to, on the listed devices.
 * {@code flags offload} asks for hardware offload; {@code counter} keeps per-flow counters.
 */
public record Flowtable(String name, String hook, int priority, List<String> devices, List<String> flags,
    boolean counter) {
  public Flowtable {
    Objects.requireNonNull(name);
    Objects.requireNonNull(hook);
    devices = List.copyOf(devices.stream().sorted().toList());
    flags = List.copyOf(flags.stream().sorted().toList());
  }
}
