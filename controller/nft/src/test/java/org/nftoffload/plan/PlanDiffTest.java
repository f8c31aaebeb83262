package org.nftoffload.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.nftoffload.plan.PlanFixtures.plan;
import static org.nftoffload.plan.PlanFixtures.show;

import java.util.List;
import org.junit.jupiter.api.Test;

class PlanDiffTest {
  private static final String BASE = """
      table ip acl {
        chain forward {
          type filter hook forward priority 0;
          ip saddr 10.0.0.1 drop
          ip saddr 10.0.0.2 drop
          %s
        }
      }
      """;

  @Test
  void samePlanNeedsNoWrites() throws Exception {
    PlanDiff d = PlanDiff.between(plan(BASE.formatted("")), plan(BASE.formatted("")));
    assertTrue(d.isEmpty());
  }

  @Test
  void appendingARuleIsOneInsert() throws Exception {
    PlanDiff d = PlanDiff.between(plan(BASE.formatted("")), plan(BASE.formatted("ip saddr 10.0.0.3 drop")));
    assertEquals(1, d.aclWrites());
    assertEquals("999997 drop_acl eth_type=0x800/0xffff ipv4_src=0xa000003/0xffffffff", show(d.inserts().getFirst()));
  }

  @Test
  void changedVerdictIsAModifyAndRemovedRuleADelete() throws Exception {
    Plan a = plan(BASE.formatted("ip saddr 10.0.0.3 drop"));
    Plan b = plan(BASE.formatted("ip saddr 10.0.0.3 accept").replace("ip saddr 10.0.0.2 drop",
        "ip saddr 10.0.0.9 drop"));
    PlanDiff d = PlanDiff.between(a, b);
    assertEquals(1, d.modifies().size());
    assertEquals("999997 permit_acl eth_type=0x800/0xffff ipv4_src=0xa000003/0xffffffff",
        show(d.modifies().getFirst().after()));
    assertEquals(List.of("999998 drop_acl eth_type=0x800/0xffff ipv4_src=0xa000002/0xffffffff"),
        d.deletes().stream().map(PlanFixtures::show).toList());
    assertEquals(List.of("999998 drop_acl eth_type=0x800/0xffff ipv4_src=0xa000009/0xffffffff"),
        d.inserts().stream().map(PlanFixtures::show).toList());
  }

  @Test
  void policyAndNatChangesAreListed() throws Exception {
    String a = """
        table inet t {
          flowtable ft { hook ingress priority 0; devices = { lan0 }; }
          chain f { type filter hook forward priority 0; meta l4proto tcp flow add @ft }
          chain n { type nat hook postrouting priority 100; oifname "wan0" masquerade }
        }
        """;
    String b = a.replace("meta l4proto tcp", "meta l4proto udp").replace("masquerade", "snat ip to 192.0.2.1");
    PlanDiff d = PlanDiff.between(plan(a), plan(b));
    assertEquals(1, d.policiesRemoved().size());
    assertEquals(1, d.policiesAdded().size());
    assertEquals(1, d.natRemoved().size());
    assertEquals(1, d.natAdded().size());
    assertEquals(0, d.aclWrites());
  }
}
