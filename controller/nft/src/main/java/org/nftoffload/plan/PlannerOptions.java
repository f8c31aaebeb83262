package org.nftoffload.plan;

import java.util.List;

/**
 * Settings of the planner. {@code aclCapacity}: entries the switch ACL holds (from the P4Info; 2048 in
 * flowtable.p4); rules past it stay in the kernel. {@code topPriority}: the P4Runtime priority of the first entry;
 * later ones count down, so appending rules leaves earlier priorities unchanged. {@code localAddresses}: the host's
 * own addresses; traffic to them belongs to the input hook, so the first entries let it through to the kernel
 * before any forward-chain entry can drop it.
 */
public record PlannerOptions(int aclCapacity, int topPriority, List<String> localAddresses) {
  public PlannerOptions {
    if (aclCapacity < 0) {
      throw new IllegalArgumentException("aclCapacity " + aclCapacity);
    }
    if (topPriority < 2) {
      throw new IllegalArgumentException("topPriority " + topPriority + " leaves no room");
    }
    localAddresses = List.copyOf(localAddresses);
  }

  /** 2048 entries, priorities from 1,000,000 down, no local addresses. */
  public static PlannerOptions defaults() {
    return new PlannerOptions(2048, 1_000_000, List.of());
  }
}
