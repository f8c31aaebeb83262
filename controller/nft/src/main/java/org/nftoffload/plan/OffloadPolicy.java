package org.nftoffload.plan;

import java.util.List;
import java.util.Objects;
import org.nftoffload.nft.Stmt;

/**
 * Which connections the kernel hands to a flowtable ({@code flow add @ft}): the conditions of the rule (with those of
 * the chains that jump to it), the flowtable's devices and their switch ports, and its flags. The agent evaluates
 * the conditions on conntrack entries; the controller writes flow entries for the connections that match.
 */
public record OffloadPolicy(RuleRef rule, String flowtable, List<Stmt.Match> conditions, List<String> devices,
    List<Integer> ports, boolean hardwareOffload, boolean counter) {
  public OffloadPolicy {
    Objects.requireNonNull(rule);
    Objects.requireNonNull(flowtable);
    conditions = List.copyOf(conditions);
    devices = List.copyOf(devices);
    ports = List.copyOf(ports);
  }
}
