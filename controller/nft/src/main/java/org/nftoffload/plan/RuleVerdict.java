package org.nftoffload.plan;

import java.util.List;
import java.util.Objects;

/** The verdict for one nft rule, why, and how many ACL entries it became. */
public record RuleVerdict(RuleRef rule, Verdict verdict, List<String> reasons, int aclEntries) {
  public RuleVerdict {
    Objects.requireNonNull(rule);
    Objects.requireNonNull(verdict);
    reasons = List.copyOf(reasons);
    if (aclEntries < 0) {
      throw new IllegalArgumentException("aclEntries " + aclEntries);
    }
  }
}
