package org.nftoffload.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nftoffload.nft.NftFrontEnd;
import org.nftoffload.p4.FlowtableP4;
import org.onosproject.net.pi.model.PiMatchFieldId;
import org.onosproject.net.pi.runtime.PiAction;
import org.onosproject.net.pi.runtime.PiFieldMatch;
import org.onosproject.net.pi.runtime.PiMatchKey;
import org.onosproject.net.pi.runtime.PiRangeFieldMatch;
import org.onosproject.net.pi.runtime.PiTernaryFieldMatch;

/**
 * Seeded properties of the planner and the diff. For stateless rulesets the ACL decides every packet exactly as
 * nft's first match would (priorities keep the rule order, sets and ranges expand to the same packets); a diff
 * applied to plan A's entries gives plan B's entries, with exactly as many writes as the entries that differ; the
 * diff of a plan with itself is empty.
 */
class PlanPropertiesTest {
  private static final DevicePortMap PORTS = PlanFixtures.PORTS;
  private static final List<String> DEVICES = List.of("wan0", "lan0", "lan1");

  static LongStream seeds() {
    return LongStream.rangeClosed(1, 25);
  }

  // ---------------------------------------------------------------- a stateless ruleset and its reference meaning

  /** One generated rule: each condition is absent (null) or a set of alternatives. */
  private record GenRule(String iif, long[] src, long[] dst, Integer proto, List<int[]> dports, boolean accept) {
    String text() {
      StringBuilder sb = new StringBuilder();
      if (iif != null) {
        sb.append("iifname \"").append(iif).append("\" ");
      }
      if (src != null) {
        sb.append("ip saddr ").append(prefix(src)).append(' ');
      }
      if (dst != null) {
        sb.append("ip daddr ").append(prefix(dst)).append(' ');
      }
      String l4 = proto == null ? null : proto == 6 ? "tcp" : "udp";
      if (dports != null) {
        List<String> alts = dports.stream().map(r -> r[0] == r[1] ? "" + r[0] : r[0] + "-" + r[1]).toList();
        sb.append(l4).append(" dport ").append(alts.size() == 1 ? alts.getFirst() : "{ " + String.join(", ", alts)
            + " }").append(' ');
      } else if (l4 != null) {
        sb.append("meta l4proto ").append(l4).append(' ');
      }
      return sb.append(accept ? "accept" : "drop").toString();
    }

    boolean matches(Packet p) {
      return (iif == null || PORTS.port(iif).getAsInt() == p.port)
          && (src == null || inPrefix(p.src, src)) && (dst == null || inPrefix(p.dst, dst))
          && (proto == null || proto == p.proto)
          && (dports == null || dports.stream().anyMatch(r -> r[0] <= p.dport && p.dport <= r[1]));
    }
  }

  private record Packet(int port, long src, long dst, int proto, int dport) {}

  private static String prefix(long[] p) {
    long a = p[0];
    return (a >>> 24) + "." + (a >>> 16 & 255) + "." + (a >>> 8 & 255) + "." + (a & 255) + "/" + p[1];
  }

  private static boolean inPrefix(long addr, long[] p) {
    long mask = p[1] == 0 ? 0 : (0xffffffffL << (32 - p[1])) & 0xffffffffL;
    return (addr & mask) == p[0];
  }

  /** Addresses from a small space (10.a.b.c, a,b,c in 0..3) so that rules and packets meet often. */
  private static long address(SplittableRandom rnd) {
    return (10L << 24) | ((long) rnd.nextInt(4) << 16) | ((long) rnd.nextInt(4) << 8) | rnd.nextInt(4);
  }

  private static long[] randomPrefix(SplittableRandom rnd) {
    int len = List.of(8, 16, 24, 32).get(rnd.nextInt(4));
    long mask = (0xffffffffL << (32 - len)) & 0xffffffffL;
    return new long[] {address(rnd) & mask, len};
  }

  private static GenRule randomRule(SplittableRandom rnd) {
    String iif = rnd.nextInt(3) == 0 ? DEVICES.get(rnd.nextInt(3)) : null;
    long[] src = rnd.nextInt(2) == 0 ? randomPrefix(rnd) : null;
    long[] dst = rnd.nextInt(3) == 0 ? randomPrefix(rnd) : null;
    Integer proto = rnd.nextInt(2) == 0 ? (rnd.nextBoolean() ? 6 : 17) : null;
    List<int[]> dports = null;
    if (proto != null && rnd.nextBoolean()) {
      dports = new ArrayList<>();
      for (int i = 0, n = 1 + rnd.nextInt(3); i < n; i++) {
        int lo = 20 + rnd.nextInt(40);
        dports.add(new int[] {lo, rnd.nextBoolean() ? lo : lo + rnd.nextInt(20)});
      }
    }
    return new GenRule(iif, src, dst, proto, dports, rnd.nextInt(3) != 0);
  }

  private static String ruleset(List<GenRule> rules) {
    StringBuilder sb = new StringBuilder("table ip acl {\n\tchain forward {\n\t\ttype filter hook forward priority "
        + "filter; policy accept;\n");
    rules.forEach(r -> sb.append("\t\t").append(r.text()).append('\n'));
    return sb.append("\t}\n}\n").toString();
  }

  // ---------------------------------------------------------------- the ACL as the switch evaluates it

  private static final Map<PiMatchFieldId, java.util.function.ToLongFunction<Packet>> FIELDS = Map.of(
      FlowtableP4.Acl.INGRESS_PORT.id(), Packet::port, FlowtableP4.Acl.ETH_TYPE.id(), p -> 0x0800,
      FlowtableP4.Acl.IP_PROTO.id(), Packet::proto, FlowtableP4.Acl.IPV4_SRC.id(), Packet::src,
      FlowtableP4.Acl.IPV4_DST.id(), Packet::dst, FlowtableP4.Acl.L4_DPORT.id(), Packet::dport,
      FlowtableP4.Acl.L4_SPORT.id(), p -> 40000, FlowtableP4.Acl.VLAN_ID.id(), p -> 0);

  private static boolean entryMatches(PiMatchKey key, Packet p) {
    for (PiFieldMatch f : key.fieldMatches()) {
      var value = FIELDS.get(f.fieldId());
      if (value == null) {
        return false; // an IPv6 field: an IPv4 packet never matches it
      }
      BigInteger v = BigInteger.valueOf(value.applyAsLong(p));
      if (f instanceof PiTernaryFieldMatch t) {
        BigInteger mask = new BigInteger(1, t.mask().asArray());
        if (!v.and(mask).equals(new BigInteger(1, t.value().asArray()).and(mask))) {
          return false;
        }
      } else if (f instanceof PiRangeFieldMatch r) {
        if (v.compareTo(new BigInteger(1, r.lowValue().asArray())) < 0
            || v.compareTo(new BigInteger(1, r.highValue().asArray())) > 0) {
          return false;
        }
      }
    }
    return true;
  }

  /** The action of the highest-priority entry that matches, or empty (the packet goes on to the flow tables). */
  private static Optional<String> aclDecision(List<AclEntry> acl, Packet p) {
    AclEntry best = null;
    for (AclEntry e : acl) {
      if (entryMatches(e.entry().matchKey(), p) && (best == null
          || e.entry().priority().orElse(0) > best.entry().priority().orElse(0))) {
        best = e;
      }
    }
    return Optional.ofNullable(best).map(e -> ((PiAction) e.entry().action()).id().id());
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void statelessRulesetsDecideEveryPacketAsNftFirstMatchDoes(long seed) throws Exception {
    SplittableRandom rnd = new SplittableRandom(seed);
    List<GenRule> rules = new ArrayList<>();
    for (int i = 0, n = 5 + rnd.nextInt(25); i < n; i++) {
      rules.add(randomRule(rnd));
    }
    String text = ruleset(rules);
    Plan plan = new Planner(PORTS, PlannerOptions.defaults()).plan(NftFrontEnd.read("gen.nft", text));
    assertTrue(plan.verdicts().stream().allMatch(v -> v.verdict() == Verdict.OFFLOADED), () -> text + plan.verdicts());

    assertDecidesAsNft(rules, plan, rnd, text);
  }

  /** 2000 random packets: the ACL's highest-priority match accepts or drops each as nft's first matching rule. */
  private static void assertDecidesAsNft(List<GenRule> rules, Plan plan, SplittableRandom rnd, String text) {
    String drop = FlowtableP4.Acl.DROP.id().id();
    int decidedByARule = 0;
    for (int i = 0; i < 2000; i++) {
      Packet p = new Packet(1 + rnd.nextInt(3), address(rnd), address(rnd), rnd.nextBoolean() ? 6 : 17,
          20 + rnd.nextInt(90));
      Optional<GenRule> first = rules.stream().filter(r -> r.matches(p)).findFirst();
      decidedByARule += first.isPresent() ? 1 : 0;
      boolean nftAccepts = first.map(GenRule::accept).orElse(true);
      Optional<String> acl = aclDecision(plan.acl(), p);
      assertEquals(nftAccepts, acl.map(a -> !a.equals(drop)).orElse(true),
          () -> p + " decided " + acl + " by the ACL, " + (nftAccepts ? "accepted" : "dropped") + " by\n" + text);
    }
    assertTrue(decidedByARule > 0, "the packets meet the rules");
  }

  /** Rule groups (entries of one priority) strictly ordered, every priority positive and below the top. */
  private static void assertPrioritiesValid(Plan plan, PlannerOptions options) {
    int last = Integer.MAX_VALUE;
    for (AclEntry e : plan.acl()) {
      int p = e.entry().priority().orElse(0);
      assertTrue(p >= 1 && p <= options.topPriority(), "priority " + p + " out of range");
      assertTrue(p <= last, "entries highest priority first");
      last = p;
    }
    // one priority per rule: two rules never share one (the ACL would be free to pick either)
    Map<Integer, RuleRef> owner = new HashMap<>();
    for (AclEntry e : plan.acl()) {
      RuleRef r = owner.putIfAbsent(e.entry().priority().orElse(0), e.source());
      assertTrue(r == null || r == e.source(), () -> "two rules at priority " + e.entry().priority());
    }
  }

  // ---------------------------------------------------------------- re-planning against the plan in force

  private enum Edit { INSERT, DELETE, MODIFY }

  /**
   * Rulesets A and B = A with one rule inserted, deleted or replaced at a random place: plan(B, plan A) decides
   * every packet as nft does with B, and its diff against plan A writes no more than the entries of the edited
   * rule (the old one's and the new one's): every other rule keeps its entries and priorities.
   */
  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void aMidChainEditKeepsFirstMatchAndWritesOnlyTheEditedRule(long seed) throws Exception {
    SplittableRandom rnd = new SplittableRandom(seed * 7919);
    List<GenRule> rules = new ArrayList<>();
    for (int i = 0, n = 10 + rnd.nextInt(30); i < n; i++) {
      rules.add(randomRule(rnd));
    }
    PlannerOptions options = PlannerOptions.defaults();
    Planner planner = new Planner(PORTS, options);
    Plan pa = planner.plan(NftFrontEnd.read("a.nft", ruleset(rules)));
    for (int round = 0; round < 3; round++) {
      Edit edit = Edit.values()[rnd.nextInt(3)];
      int at = 1 + rnd.nextInt(rules.size() - 2); // never the first nor the last: mid-chain
      List<GenRule> edited = new ArrayList<>(rules);
      List<GenRule> touched = new ArrayList<>();
      switch (edit) {
        case INSERT -> {
          edited.add(at, randomRule(rnd));
          touched.add(edited.get(at));
        }
        case DELETE -> touched.add(edited.remove(at));
        case MODIFY -> {
          touched.add(edited.get(at));
          edited.set(at, randomRule(rnd));
          touched.add(edited.get(at));
        }
      }
      String text = ruleset(edited);
      Plan pb = planner.plan(NftFrontEnd.read("b.nft", text), pa);
      assertPrioritiesValid(pb, options);
      assertDecidesAsNft(edited, pb, rnd, text);
      PlanDiff d = PlanDiff.between(pa, pb);
      long bound = 0;
      for (GenRule r : touched) {
        bound += planner.plan(NftFrontEnd.read("r.nft", ruleset(List.of(r)))).acl().size();
      }
      assertTrue(d.aclWrites() <= bound, () -> edit + " at " + at + ": " + d.aclWrites() + " writes, the edited rule "
          + "has " + touched.stream().map(GenRule::text).toList() + "\n" + text);
      // what is written is what plan B holds
      assertEquals(table(pb.acl()), applied(pa, d));
      rules = edited;
      pa = pb;
    }
  }

  /**
   * The same place edited again and again with a small gap: the gap runs out, a window around it is renumbered,
   * and the plan still decides as nft does; the renumbering stays local (far fewer writes than the whole ACL).
   */
  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void insertingAtOnePlaceUntilTheGapIsExhaustedRenumbersAWindow(long seed) throws Exception {
    SplittableRandom rnd = new SplittableRandom(seed * 31);
    List<GenRule> rules = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      rules.add(randomRule(rnd));
    }
    PlannerOptions options = new PlannerOptions(2048, 1_000_000, List.of(), 8);
    Planner planner = new Planner(PORTS, options);
    Plan pa = planner.plan(NftFrontEnd.read("a.nft", ruleset(rules)));
    int at = 20;
    int renumbered = 0;
    for (int round = 0; round < 12; round++) {
      List<GenRule> edited = new ArrayList<>(rules);
      GenRule added = randomRule(rnd);
      edited.add(at, added);
      String text = ruleset(edited);
      Plan pb = planner.plan(NftFrontEnd.read("b.nft", text), pa);
      assertPrioritiesValid(pb, options);
      assertDecidesAsNft(edited, pb, rnd, text);
      PlanDiff d = PlanDiff.between(pa, pb);
      assertEquals(table(pb.acl()), applied(pa, d));
      int own = planner.plan(NftFrontEnd.read("r.nft", ruleset(List.of(added)))).acl().size();
      if (d.aclWrites() > own) {
        renumbered++;
        assertTrue(d.aclWrites() < pb.acl().size(), "a window, not the whole ACL: " + d.aclWrites() + " of "
            + pb.acl().size());
      }
      rules = edited;
      pa = pb;
    }
    assertTrue(renumbered > 0, "a gap of 8 holds 3 insertions at one place, not 12");
    assertTrue(renumbered < 12, "after a renumbering the window has room again");
  }

  /** The switch table after applying a diff to plan A's entries. */
  private static Map<Key, Write> applied(Plan a, PlanDiff d) {
    Map<Key, Write> t = table(a.acl());
    d.deletes().forEach(e -> assertTrue(t.remove(key(e)) != null, "delete of an entry the switch has"));
    d.modifies().forEach(m -> assertTrue(t.put(key(m.after()), new Write(m.after().entry().action(),
        m.after().meter())) != null, "modify of an entry the switch has"));
    d.inserts().forEach(e -> assertTrue(t.put(key(e), new Write(e.entry().action(), e.meter())) == null,
        "insert of an entry the switch does not have"));
    return t;
  }

  private static Key key(AclEntry e) {
    return new Key(e.entry().matchKey(), e.entry().priority().orElse(0));
  }

  // ---------------------------------------------------------------- diff

  private record Write(Object action, Optional<AclEntry.MeterSpec> meter) {}

  private record Key(PiMatchKey match, int priority) {}

  private static Map<Key, Write> table(List<AclEntry> acl) {
    Map<Key, Write> m = new HashMap<>();
    for (AclEntry e : acl) {
      m.putIfAbsent(new Key(e.entry().matchKey(), e.entry().priority().orElse(0)), new Write(e.entry().action(),
          e.meter()));
    }
    return m;
  }

  /** A variant of a generated ruleset: some rules removed, some changed, some added, at random places. */
  private static String mutate(String text, SplittableRandom rnd) {
    List<String> lines = new ArrayList<>(List.of(text.split("\n")));
    List<String> out = new ArrayList<>();
    for (String l : lines) {
      boolean rule = l.startsWith("\t\t") && !l.contains("type filter") && !l.contains("vmap")
          && !l.contains("flow add") && !l.contains("@deny");
      int r = rnd.nextInt(20);
      if (rule && r == 0) {
        continue;
      }
      if (rule && r == 1) {
        l = l.endsWith("accept") ? l.substring(0, l.length() - 6) + "drop"
            : l.endsWith("drop") ? l.substring(0, l.length() - 4) + "accept" : l;
      }
      out.add(l);
      if (rule && r == 2) {
        out.add("\t\tip saddr 10." + rnd.nextInt(256) + ".0.0/16 tcp dport " + (1 + rnd.nextInt(65000)) + " drop");
      }
    }
    return String.join("\n", out) + "\n";
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void diffAppliedToPlanAGivesPlanBWithOneWritePerChangedEntry(long seed) throws Exception {
    SplittableRandom rnd = new SplittableRandom(seed);
    String a = RulesetGenerator.generate(80 + rnd.nextInt(80), seed);
    String b = mutate(a, rnd);
    Planner planner = new Planner(PORTS, PlannerOptions.defaults());
    Plan pa = planner.plan(NftFrontEnd.read("a.nft", a));
    // planned on its own and planned to replace A: the diff is exact either way
    Plan fresh = planner.plan(NftFrontEnd.read("b.nft", b));
    Plan replacing = planner.plan(NftFrontEnd.read("b.nft", b), pa);
    assertDiffIsExact(pa, fresh);
    assertDiffIsExact(pa, replacing);
    assertTrue(PlanDiff.between(replacing, planner.plan(NftFrontEnd.read("b.nft", b), pa)).isEmpty(),
        "deterministic");
    assertTrue(PlanDiff.between(pa, replacing).aclWrites() <= PlanDiff.between(pa, fresh).aclWrites(),
        "keeping priorities never writes more");
  }

  private static void assertDiffIsExact(Plan pa, Plan pb) {
    assertTrue(PlanDiff.between(pa, pa).isEmpty());
    assertTrue(PlanDiff.between(pb, pb).isEmpty());

    PlanDiff d = PlanDiff.between(pa, pb);
    Map<Key, Write> switchTable = table(pa.acl());
    for (AclEntry e : d.deletes()) {
      assertTrue(switchTable.remove(new Key(e.entry().matchKey(), e.entry().priority().orElse(0))) != null,
          "delete of an entry the switch has");
    }
    for (PlanDiff.Modify m : d.modifies()) {
      Key k = new Key(m.before().entry().matchKey(), m.before().entry().priority().orElse(0));
      assertEquals(k, new Key(m.after().entry().matchKey(), m.after().entry().priority().orElse(0)));
      assertTrue(switchTable.containsKey(k), "modify of an entry the switch has");
      switchTable.put(k, new Write(m.after().entry().action(), m.after().meter()));
    }
    for (AclEntry e : d.inserts()) {
      assertTrue(switchTable.put(new Key(e.entry().matchKey(), e.entry().priority().orElse(0)),
          new Write(e.entry().action(), e.meter())) == null, "insert of an entry the switch does not have");
    }
    Map<Key, Write> wanted = table(pb.acl());
    assertEquals(wanted, switchTable);

    // minimal: one write for each entry that is only in A, only in B, or in both with another action or meter
    Map<Key, Write> before = table(pa.acl());
    long differing = before.keySet().stream().filter(k -> !wanted.containsKey(k) || !wanted.get(k)
        .equals(before.get(k))).count() + wanted.keySet().stream().filter(k -> !before.containsKey(k)).count();
    assertEquals(differing, d.aclWrites());

    // and back again: the reverse diff swaps inserts and deletes
    PlanDiff back = PlanDiff.between(pb, pa);
    assertEquals(List.of(d.inserts().size(), d.deletes().size(), d.modifies().size()),
        List.of(back.deletes().size(), back.inserts().size(), back.modifies().size()));
    assertEquals(d.policiesAdded().size(), back.policiesRemoved().size());
  }
}
