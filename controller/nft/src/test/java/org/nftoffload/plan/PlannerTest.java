package org.nftoffload.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.nftoffload.plan.PlanFixtures.acl;
import static org.nftoffload.plan.PlanFixtures.plan;
import static org.nftoffload.plan.PlanFixtures.verdict;

import java.util.List;
import org.junit.jupiter.api.Test;

class PlannerTest {

  @Test
  void statelessRulesBecomeEntriesInFirstMatchOrder() throws Exception {
    Plan p = plan("""
        table ip acl {
          chain forward {
            type filter hook forward priority 0; policy accept;
            ip saddr 10.0.0.5 accept
            ip saddr 10.0.0.0/24 tcp dport { 22, 80-90 } drop
            iifname "lan0" udp dport 53 drop
          }
        }
        """);
    assertEquals(List.of(
        "998976 permit_acl eth_type=0x800/0xffff ipv4_src=0xa000005/0xffffffff",
        "997952 drop_acl eth_type=0x800/0xffff ip_proto=0x6/0xff ipv4_src=0xa000000/0xffffff00 l4_dport=22..22",
        "997952 drop_acl eth_type=0x800/0xffff ip_proto=0x6/0xff ipv4_src=0xa000000/0xffffff00 l4_dport=80..90",
        "996928 drop_acl eth_type=0x800/0xffff ingress_port=0x2/0x1ff ip_proto=0x11/0xff l4_dport=53..53"), acl(p));
    assertEquals(Verdict.OFFLOADED, verdict(p, "forward", 1).verdict());
    assertEquals(2, verdict(p, "forward", 1).aclEntries());
  }

  @Test
  void ruleAfterAStatefulRuleStaysInTheKernel() throws Exception {
    Plan p = plan("""
        table inet fw {
          chain forward {
            type filter hook forward priority 0; policy drop;
            ct state established,related accept
            tcp dport 22 drop
            ip6 saddr 2001:db8::/32 accept
          }
        }
        """);
    RuleVerdict first = verdict(p, "forward", 0);
    assertEquals(Verdict.KERNEL_ONLY, first.verdict());
    assertTrue(first.reasons().getFirst().startsWith("ct state established,related → needs conntrack"),
        first.reasons().toString());
    RuleVerdict second = verdict(p, "forward", 1);
    assertEquals(Verdict.KERNEL_ONLY, second.verdict());
    assertTrue(second.reasons().getFirst().contains("an earlier rule that stays in the kernel (p.nft:4:5"),
        second.reasons().toString());
    // a permit cannot be wrong: permitted packets still meet the flow tables and the kernel
    assertEquals(Verdict.OFFLOADED, verdict(p, "forward", 2).verdict());
    assertEquals(List.of("998976 permit_acl eth_type=0x86dd/0xffff ipv6_src=0x20010db8000000000000000000000000/"
        + "0xffffffff000000000000000000000000"), acl(p));
  }

  @Test
  void eachActionGetsItsVerdictAndReason() throws Exception {
    Plan p = plan("""
        table ip fw {
          chain forward {
            type filter hook forward priority 0; policy accept;
            icmp type echo-request drop
            ip protocol icmp limit rate 10/second accept
            ip saddr 10.1.0.0/16 log prefix "x " accept
            ip saddr 10.2.0.0/16 log drop
            tcp dport 23 reject with tcp reset
            udp dport 9 limit rate over 600/minute burst 10 packets drop
            ct state new tcp dport 25 accept
            oifname "wan0" drop
            meta mark set 1
          }
        }
        """);
    assertTrue(verdict(p, "forward", 0).reasons().contains("icmp type is not in the ACL key"));
    assertEquals(Verdict.PARTIAL, verdict(p, "forward", 1).verdict());
    assertTrue(verdict(p, "forward", 1).reasons().getFirst().startsWith("limit rate → meter"));
    assertEquals(Verdict.PARTIAL, verdict(p, "forward", 2).verdict());
    assertTrue(verdict(p, "forward", 2).reasons().getFirst().startsWith("log → sampled copy to CPU"));
    assertTrue(verdict(p, "forward", 3).reasons().getFirst().startsWith("log + drop → punted"));
    assertTrue(verdict(p, "forward", 4).reasons().getFirst().startsWith("reject → punted"));
    RuleVerdict meter = verdict(p, "forward", 5);
    assertEquals(Verdict.OFFLOADED, meter.verdict());
    assertEquals(new AclEntry.MeterSpec(10, 10), p.acl().stream().filter(e -> e.source().index() == 5)
        .findFirst().orElseThrow().meter().orElseThrow());
    assertEquals("ct state new → needs conntrack, stays in the kernel", verdict(p, "forward", 6).reasons().getFirst());
    assertTrue(verdict(p, "forward", 7).reasons().getFirst().startsWith("oifname: the egress port"));
    assertEquals(Verdict.KERNEL_ONLY, verdict(p, "forward", 8).verdict());
    List<String> actions = acl(p).stream().map(s -> s.split(" ")[1]).toList();
    assertEquals(List.of("meter_acl", "copy_to_cpu_acl", "punt_acl", "punt_acl", "meter_acl"), actions);
  }

  @Test
  void jumpsGotosAndVerdictMapsAreFlattened() throws Exception {
    Plan p = plan("""
        table inet fw {
          map ports { type inet_service : verdict; elements = { 443 : accept, 8443 : drop } }
          chain forward {
            type filter hook forward priority 0; policy accept;
            iifname "lan0" jump from_lan
            tcp dport vmap { 22 : drop, 80 : jump web }
            tcp dport vmap @ports
          }
          chain from_lan {
            udp dport 53 accept
            udp dport 54 drop
          }
          chain web {
            ip daddr 192.0.2.0/24 accept
          }
        }
        """);
    assertEquals(List.of(
        "998976 permit_acl ingress_port=0x2/0x1ff ip_proto=0x11/0xff l4_dport=53..53",
        "997952 drop_acl ingress_port=0x2/0x1ff ip_proto=0x11/0xff l4_dport=54..54",
        "996928 drop_acl ip_proto=0x6/0xff l4_dport=22..22",
        "995904 permit_acl eth_type=0x800/0xffff ip_proto=0x6/0xff ipv4_dst=0xc0000200/0xffffff00 l4_dport=80..80",
        "994880 permit_acl ip_proto=0x6/0xff l4_dport=443..443",
        "993856 drop_acl ip_proto=0x6/0xff l4_dport=8443..8443"), acl(p));
    assertEquals(Verdict.OFFLOADED, verdict(p, "forward", 0).verdict());
    assertEquals(Verdict.OFFLOADED, verdict(p, "from_lan", 1).verdict());
  }

  @Test
  void aJumpIntoKernelRulesSaysHowManyOnce() throws Exception {
    Plan p = plan("""
        table inet fw {
          chain forward {
            type filter hook forward priority 0;
            iifname "lan0" jump from_lan
          }
          chain from_lan {
            ct state new tcp dport 22 accept
            udp dport 53 accept
            ct state new tcp dport 25 accept
            meta mark 7 accept
          }
        }
        """);
    RuleVerdict jump = verdict(p, "forward", 0);
    assertEquals(Verdict.PARTIAL, jump.verdict());
    assertEquals(List.of("3 of the 4 rules it leads to stay in the kernel (the first: inet fw from_lan #1)"),
        jump.reasons());
  }

  @Test
  void gotoFallThroughIsABarrier() throws Exception {
    Plan p = plan("""
        table ip fw {
          chain forward {
            type filter hook forward priority 0; policy drop;
            iifname "lan0" goto lan
            tcp dport 22 drop
          }
          chain lan { udp dport 53 accept }
        }
        """);
    assertEquals(Verdict.OFFLOADED, verdict(p, "lan", 0).verdict());
    assertTrue(verdict(p, "forward", 1).reasons().stream().anyMatch(r -> r.contains("iifname")), verdict(p,
        "forward", 1).reasons().toString());
    assertEquals(1, p.acl().size());
  }

  @Test
  void namedSetsAndRangesExpand() throws Exception {
    Plan p = plan("""
        table ip fw {
          set bad { type ipv4_addr; flags interval; elements = { 10.0.0.0/8, 192.168.1.1-192.168.1.6 } }
          chain forward {
            type filter hook forward priority 0;
            ip saddr @bad drop
          }
        }
        """);
    assertEquals(List.of("ipv4_src=0xa000000/0xff000000", "ipv4_src=0xc0a80101/0xffffffff",
        "ipv4_src=0xc0a80102/0xfffffffe", "ipv4_src=0xc0a80104/0xfffffffe", "ipv4_src=0xc0a80106/0xffffffff"),
        acl(p).stream().map(s -> s.split(" ")[3]).toList());
  }

  @Test
  void flowAddBecomesAnOffloadPolicyAndNatIsCollected() throws Exception {
    Plan p = plan("""
        table inet fw {
          flowtable ft { hook ingress priority 0; devices = { lan0, wan0, eth9 }; flags offload; }
          chain forward {
            type filter hook forward priority 0;
            iifname "lan0" jump offload
          }
          chain offload { meta l4proto { tcp, udp } ct state established flow add @ft }
          chain post { type nat hook postrouting priority srcnat; oifname "wan0" masquerade }
        }
        """);
    assertEquals(1, p.offload().size());
    OffloadPolicy op = p.offload().getFirst();
    assertEquals("ft", op.flowtable());
    assertEquals(List.of("eth9", "lan0", "wan0"), op.devices());
    assertEquals(List.of(2, 1), op.ports());
    assertTrue(op.hardwareOffload());
    assertEquals(3, op.conditions().size());
    assertEquals(Verdict.OFFLOADED, verdict(p, "offload", 0).verdict());
    assertEquals(1, p.nat().size());
    assertEquals("postrouting", p.nat().getFirst().hook());
    assertEquals(Verdict.PARTIAL, verdict(p, "post", 0).verdict());
  }

  @Test
  void acceptInAnEarlierBaseChainDoesNotEndTheHook() throws Exception {
    Plan p = plan("""
        table ip a { chain f { type filter hook forward priority -10; ip saddr 10.0.0.1 accept } }
        table ip b { chain f { type filter hook forward priority 10; ip saddr 10.0.0.0/24 drop } }
        """);
    assertEquals(Verdict.KERNEL_ONLY, p.verdicts().get(0).verdict());
    assertTrue(p.verdicts().get(1).reasons().getFirst().contains("an earlier rule"), p.verdicts().toString());
    assertEquals(List.of(), p.acl());
  }

  @Test
  void localAddressesGoToTheKernelFirstAndCapacityIsKept() throws Exception {
    Plan p = plan("""
        table ip fw {
          chain forward { type filter hook forward priority 0;
            tcp dport 22 drop
            udp dport { 1, 2, 3 } drop
            udp dport 4 drop
          }
        }
        """, new PlannerOptions(4, 100, List.of("192.0.2.1")));
    assertEquals(List.of("100 permit_acl eth_type=0x800/0xffff ipv4_dst=0xc0000201/0xffffffff",
        "67 drop_acl eth_type=0x800/0xffff ip_proto=0x6/0xff l4_dport=22..22"), acl(p).subList(0, 2));
    assertEquals(Verdict.KERNEL_ONLY, verdict(p, "forward", 1).verdict());
    assertEquals("needs 3 ACL entries, 2 left of 4", verdict(p, "forward", 1).reasons().getFirst());
    assertEquals(Verdict.OFFLOADED, verdict(p, "forward", 2).verdict());
  }

  @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
  @org.junit.jupiter.params.provider.MethodSource("org.nftoffload.nft.KernelRoundTripTest#rulesets")
  void everyExampleRulesetPlansWithAVerdictPerRule(java.nio.file.Path file) throws Exception {
    var rs = org.nftoffload.nft.NftFrontEnd.read(file.getFileName().toString(), java.nio.file.Files.readString(file));
    Plan p = new Planner(PlanFixtures.PORTS, PlannerOptions.defaults()).plan(rs);
    assertEquals(rs.ruleCount(), p.verdicts().size());
    java.util.Set<List<Object>> seen = new java.util.HashSet<>();
    for (AclEntry e : p.acl()) {
      assertTrue(e.entry().priority().orElse(0) > 0);
      assertTrue(seen.add(List.of(e.entry().matchKey(), e.entry().priority())), "duplicate entry "
          + PlanFixtures.show(e));
    }
    assertTrue(p.acl().size() <= PlannerOptions.defaults().aclCapacity());
  }

  @Test
  void everyRuleGetsExactlyOneVerdictAndPlansAreDeterministic() throws Exception {
    String text = new String(getClass().getResourceAsStream("/rulesets/02-openwrt-fw4.nft").readAllBytes());
    Plan a = plan(text);
    Plan b = plan(text);
    assertEquals(a, b);
    int rules = org.nftoffload.nft.NftTextParser.parse("x", text).ruleCount();
    assertEquals(rules, a.verdicts().size());
    assertTrue(a.verdicts().stream().allMatch(v -> !v.reasons().isEmpty() || v.verdict() == Verdict.OFFLOADED));
  }

  @Test
  void vlanIdsAndPortRangesBecomeAclFields() throws Exception {
    Plan p = plan("""
        table inet fw {
          chain forward {
            type filter hook forward priority 0;
            vlan id { 10, 20 } udp sport 1000-2000 drop
            iifname "lan1" vlan id 30 tcp dport { 22, 8000-8100 } accept
          }
        }
        """);
    assertEquals(List.of(
        "998976 drop_acl ip_proto=0x11/0xff l4_sport=1000..2000 vlan_id=0xa/0xfff",
        "998976 drop_acl ip_proto=0x11/0xff l4_sport=1000..2000 vlan_id=0x14/0xfff",
        "997952 permit_acl ingress_port=0x3/0x1ff ip_proto=0x6/0xff l4_dport=22..22 vlan_id=0x1e/0xfff",
        "997952 permit_acl ingress_port=0x3/0x1ff ip_proto=0x6/0xff l4_dport=8000..8100 vlan_id=0x1e/0xfff"),
        acl(p));
    assertEquals(2, verdict(p, "forward", 0).aclEntries());
  }

  @Test
  void aVerdictMapThatIsNoMapIsAnErrorNotACrash() throws Exception {
    var e = org.junit.jupiter.api.Assertions.assertThrows(org.nftoffload.nft.NftParseException.class, () -> plan("""
        table inet fw {
          chain forward {
            type filter hook forward priority 0;
            tcp dport vmap 22
          }
        }
        """));
    assertTrue(e.getMessage().startsWith("p.nft:4:5: Error: "), e.getMessage());
    // the planner alone (no validation in front of it) keeps such a rule in the kernel
    Plan p = new Planner(PlanFixtures.PORTS, PlannerOptions.defaults()).plan(org.nftoffload.nft.NftTextParser.parse(
        "p.nft", "table inet fw { chain forward { type filter hook forward priority 0; tcp dport vmap 22\n } }"));
    assertEquals(Verdict.KERNEL_ONLY, p.verdicts().getFirst().verdict());
  }

  /** Three jumps per chain, fourteen chains deep: 3^14 paths. The planner stops expanding and says why. */
  @Test
  void jumpFanOutIsBoundedAndLeftToTheKernel() throws Exception {
    StringBuilder text = new StringBuilder("""
        table inet t {
          chain fwd { type filter hook forward priority filter; policy accept;
            jump c0
          }
        """);
    for (int i = 0; i < 14; i++) {
      text.append("  chain c").append(i).append(" {\n");
      for (int port = 1; port <= 3; port++) {
        text.append("    tcp dport ").append(1000 * i + port).append(i < 13 ? " jump c" + (i + 1) : " drop")
            .append('\n');
      }
      text.append("  }\n");
    }
    text.append("}\n");
    Plan p = new Planner(PlanFixtures.PORTS, PlannerOptions.defaults()).plan(
        org.nftoffload.nft.NftTextParser.parse("fanout.nft", text.toString()));
    assertTrue(p.verdicts().stream().anyMatch(v -> v.reasons().stream().anyMatch(r -> r.contains("paths"))),
        p.verdicts().toString().substring(0, 500));
  }
}
