package org.nftoffload.plan;

import java.util.List;

/**
 * Settings of the planner. {@code aclCapacity}: entries the switch ACL holds (from the P4Info; 2048 in
 * flowtable.p4); rules past it stay in the kernel. {@code topPriority}: the P4Runtime priority of the entries that
 * must win over every rule (the local addresses); the rules' entries get lower, positive priorities (P4Runtime
 * priorities are positive 32-bit integers, higher wins). {@code localAddresses}: the host's own addresses; traffic
 * to them belongs to the input hook, so the first entries let it through to the kernel before any forward-chain
 * entry can drop it. {@code priorityGap}: the spacing between the priorities of consecutive rules in a fresh
 * layout, so that a rule inserted later between two others fits without renumbering them (about log2 of it
 * insertions at the same place; fewer when the ACL holds more rules than topPriority / priorityGap).
 */
public record PlannerOptions(int aclCapacity, int topPriority, List<String> localAddresses, int priorityGap) {
  /** The default spacing of rule priorities. */
  public static final int DEFAULT_PRIORITY_GAP = 1024;

  public PlannerOptions {
    if (aclCapacity < 0) {
      throw new IllegalArgumentException("aclCapacity " + aclCapacity);
    }
    if (topPriority < 2) {
      throw new IllegalArgumentException("topPriority " + topPriority + " leaves no room");
    }
    localAddresses = List.copyOf(localAddresses);
    if (priorityGap < 1) {
      throw new IllegalArgumentException("priorityGap " + priorityGap + " is not positive");
    }
  }

  /** With the default priority gap. */
  public PlannerOptions(int aclCapacity, int topPriority, List<String> localAddresses) {
    this(aclCapacity, topPriority, localAddresses, DEFAULT_PRIORITY_GAP);
  }

  /** 2048 entries, priorities below 1,000,000 spaced by 1024, no local addresses. */
  public static PlannerOptions defaults() {
    return new PlannerOptions(2048, 1_000_000, List.of(), DEFAULT_PRIORITY_GAP);
  }
}
