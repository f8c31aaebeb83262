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
    assertEquals("996928 drop_acl eth_type=0x800/0xffff ipv4_src=0xa000003/0xffffffff", show(d.inserts().getFirst()));
  }

  @Test
  void changedVerdictIsAModifyAndRemovedRuleADelete() throws Exception {
    Plan a = plan(BASE.formatted("ip saddr 10.0.0.3 drop"));
    Plan b = plan(BASE.formatted("ip saddr 10.0.0.3 accept").replace("ip saddr 10.0.0.2 drop",
        "ip saddr 10.0.0.9 drop"));
    PlanDiff d = PlanDiff.between(a, b);
    assertEquals(1, d.modifies().size());
    assertEquals("996928 permit_acl eth_type=0x800/0xffff ipv4_src=0xa000003/0xffffffff",
        show(d.modifies().getFirst().after()));
    assertEquals(List.of("997952 drop_acl eth_type=0x800/0xffff ipv4_src=0xa000002/0xffffffff"),
        d.deletes().stream().map(PlanFixtures::show).toList());
    assertEquals(List.of("997952 drop_acl eth_type=0x800/0xffff ipv4_src=0xa000009/0xffffffff"),
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

  /** {@code n} distinct stateless rules, one ACL entry each, with one more at {@code at} when {@code extra} is set. */
  private static String chain(int n, int at, String extra) {
    StringBuilder sb = new StringBuilder("table ip acl {\n chain forward {\n  type filter hook forward priority 0;\n");
    for (int i = 0; i < n; i++) {
      if (i == at && extra != null) {
        sb.append("  ").append(extra).append('\n');
      }
      sb.append("  ip saddr 10.").append(i / 250).append('.').append(i % 250).append(".0/24 tcp dport ")
          .append(1000 + i).append(i % 3 == 0 ? " accept\n" : " drop\n");
    }
    return sb.append(" }\n}\n").toString();
  }

  @Test
  void oneRuleInsertedMidChainOfAThousandIsOneWrite() throws Exception {
    Planner planner = new Planner(PlanFixtures.PORTS, PlannerOptions.defaults());
    Plan a = planner.plan(org.nftoffload.nft.NftFrontEnd.read("a.nft", chain(1000, -1, null)));
    assertEquals(1000, a.acl().size());
    var b = org.nftoffload.nft.NftFrontEnd.read("b.nft", chain(1000, 500, "ip saddr 192.0.2.0/24 drop"));

    PlanDiff kept = PlanDiff.between(a, planner.plan(b, a));
    assertEquals(1, kept.aclWrites());
    assertEquals(1, kept.inserts().size());
    AclEntry added = kept.inserts().getFirst();
    assertEquals("ip saddr 192.0.2.0/24 drop", added.source().text());
    // between its neighbours
    int p = added.entry().priority().orElseThrow();
    assertTrue(p < a.acl().get(499).entry().priority().orElseThrow()
        && p > a.acl().get(500).entry().priority().orElseThrow(), "priority " + p);

    // planned without the plan in force, at least every later rule moves (a delete and an insert each): the old
    // planner's count; here the spacing of all 1001 changes too
    PlanDiff fresh = PlanDiff.between(a, planner.plan(b));
    assertTrue(fresh.aclWrites() >= 1 + 2 * 500, fresh.aclWrites() + " writes");

    // and taking it out again is one delete, back to plan A exactly
    Plan back = planner.plan(org.nftoffload.nft.NftFrontEnd.read("a.nft", chain(1000, -1, null)), planner.plan(b, a));
    assertEquals(1, PlanDiff.between(planner.plan(b, a), back).aclWrites());
    assertTrue(PlanDiff.between(a, back).isEmpty());
  }

  @Test
  void removingAndChangingRulesMidChainWritesOnlyThem() throws Exception {
    Planner planner = new Planner(PlanFixtures.PORTS, PlannerOptions.defaults());
    String text = chain(1000, -1, null);
    Plan a = planner.plan(org.nftoffload.nft.NftFrontEnd.read("a.nft", text));
    String b = text.replace("  ip saddr 10.1.0.0/24 tcp dport 1250 drop\n", "")
        .replace("ip saddr 10.2.1.0/24 tcp dport 1501 accept", "ip saddr 10.2.1.0/24 tcp dport 1501 drop")
        .replace("ip saddr 10.3.1.0/24 tcp dport 1751 drop", "ip saddr 10.3.1.0/24 tcp dport 1761 drop");
    assertEquals(text.length() - 43 - 2, b.length(), "one line gone, accept became drop");
    PlanDiff d = PlanDiff.between(a, planner.plan(org.nftoffload.nft.NftFrontEnd.read("b.nft", b), a));
    // the removed rule: a delete; the verdict change: a modify in place; the changed match: a delete and an insert
    // at the priority it had
    assertEquals(List.of(2, 1, 1), List.of(d.deletes().size(), d.modifies().size(), d.inserts().size()));
    assertEquals("drop_acl", PlanFixtures.show(d.modifies().getFirst().after()).split(" ")[1]);
    assertEquals(d.deletes().get(1).entry().priority(), d.inserts().getFirst().entry().priority());
  }

  @Test
  void aMidChainInsertIntoAFullAclPushesOnlyTheLastRuleOut() throws Exception {
    Planner planner = new Planner(PlanFixtures.PORTS, new PlannerOptions(300, 1_000_000, List.of()));
    Plan a = planner.plan(org.nftoffload.nft.NftFrontEnd.read("a.nft", chain(300, -1, null)));
    assertEquals(300, a.acl().size());
    Plan b = planner.plan(org.nftoffload.nft.NftFrontEnd.read("b.nft", chain(300, 150, "ip saddr 192.0.2.0/24 drop")),
        a);
    PlanDiff d = PlanDiff.between(a, b);
    // the new rule in, the last rule (now past the capacity) out: the common part aligned, not only its ends
    assertEquals(List.of(1, 0, 1), List.of(d.inserts().size(), d.modifies().size(), d.deletes().size()));
    assertEquals("ip saddr 10.1.49.0/24 tcp dport 1299 drop", d.deletes().getFirst().source().text());
  }
}
