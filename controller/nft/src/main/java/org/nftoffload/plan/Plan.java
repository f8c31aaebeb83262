package org.nftoffload.plan;

import java.util.List;

/**
 * The offload plan of a ruleset: the ACL entries (highest priority first), the offload policies, the NAT rules, and a
 * verdict for every rule of every chain. Computed by {@link Planner}, compared by {@link PlanDiff}.
 */
public record Plan(List<AclEntry> acl, List<OffloadPolicy> offload, List<NatRule> nat, List<RuleVerdict> verdicts) {
  public Plan {
    acl = List.copyOf(acl);
    offload = List.copyOf(offload);
    nat = List.copyOf(nat);
    verdicts = List.copyOf(verdicts);
  }
}
