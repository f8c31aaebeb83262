package org.nftoffload.plan;

import java.util.List;
import java.util.Objects;
import org.nftoffload.nft.Stmt;

/**
 * A NAT rule of a nat chain: its hook, conditions and translation. The kernel translates the first packets of a
 * connection; the flow entries of an offloaded connection carry the translation it chose.
 */
public record NatRule(RuleRef rule, String hook, List<Stmt.Match> conditions, Stmt.Nat nat) {
  public NatRule {
    Objects.requireNonNull(rule);
    Objects.requireNonNull(hook);
    conditions = List.copyOf(conditions);
    Objects.requireNonNull(nat);
  }
}
