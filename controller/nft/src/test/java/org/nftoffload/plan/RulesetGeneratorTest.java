package org.nftoffload.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nftoffload.nft.NftFrontEnd;
import org.nftoffload.nft.Ruleset;

/** The benchmark's input is what it claims: 10,000 valid rules, deterministic, and it plans. */
class RulesetGeneratorTest {
  @Test
  void generatesTenThousandValidRulesDeterministically() throws Exception {
    String text = RulesetGenerator.generate(10_000, 42);
    assertEquals(text, RulesetGenerator.generate(10_000, 42));
    Ruleset rs = NftFrontEnd.read("bench.nft", text);
    assertEquals(10_000, rs.ruleCount());
    Plan p = new Planner(DevicePortMap.of(Map.of("lan0", 1, "lan1", 2, "wan0", 3)), PlannerOptions.defaults()).plan(rs);
    assertEquals(10_000, p.verdicts().size());
    assertTrue(p.acl().size() > 100, "some rules are offloaded: " + p.acl().size());
    assertTrue(p.verdicts().stream().anyMatch(v -> v.verdict() == Verdict.KERNEL_ONLY));
  }
}
