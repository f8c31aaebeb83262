package org.nftoffload.plan;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.nftoffload.nft.Chain;
import org.nftoffload.nft.Expr;
import org.nftoffload.nft.Family;
import org.nftoffload.nft.Flowtable;
import org.nftoffload.nft.Hook;
import org.nftoffload.nft.NftSet;
import org.nftoffload.nft.Printer;
import org.nftoffload.nft.Rule;
import org.nftoffload.nft.Ruleset;
import org.nftoffload.nft.SetElement;
import org.nftoffload.nft.Stmt;
import org.nftoffload.nft.Table;
import org.nftoffload.nft.Values;
import org.nftoffload.p4.FlowtableP4;
import org.nftoffload.plan.AclMatch.Alt;
import org.nftoffload.plan.AclMatch.Field;
import org.onlab.util.ImmutableByteSequence;
import org.onosproject.net.pi.runtime.PiAction;
import org.onosproject.net.pi.runtime.PiFieldMatch;
import org.onosproject.net.pi.runtime.PiMatchKey;
import org.onosproject.net.pi.runtime.PiRangeFieldMatch;
import org.onosproject.net.pi.runtime.PiTableEntry;
import org.onosproject.net.pi.runtime.PiTernaryFieldMatch;

/**
 * Computes the offload {@link Plan} of a ruleset. The forward-hook base chains of the ip, ip6 and inet tables are
 * flattened in hook order (jumps and gotos inlined under the conditions of the rule that transfers, verdict maps
 * expanded element by element) into a first-match list; each flattened rule whose conditions fit the ACL key and
 * whose action the ACL has becomes entries, in strictly decreasing priorities so that the first nft match is the
 * highest P4Runtime priority (spaced out, and kept from the plan in force: {@code PriorityLayout}). A rule the
 * switch cannot decide is a barrier: later drop-like entries that could match the
 * same packets stay in the kernel too, so that the switch never decides a packet the kernel would have decided
 * differently. Permit entries never need that: permitted packets still meet the flow tables and the kernel.
 * Pure and deterministic.
 */
public final class Planner {
  private static final int MAX_DEPTH = 16;
  /**
   * Jumps and verdict maps can multiply paths (each level fans out again): past this many flattened rules the rest
   * of an expansion is left to the kernel instead of growing without bound.
   */
  private static final int MAX_FLAT_PATHS = 200_000;
  private static final Map<String, Integer> PROTOCOLS = Map.ofEntries(Map.entry("icmp", 1), Map.entry("igmp", 2),
      Map.entry("tcp", 6), Map.entry("udp", 17), Map.entry("dccp", 33), Map.entry("gre", 47), Map.entry("esp", 50),
      Map.entry("ah", 51), Map.entry("ipv6-icmp", 58), Map.entry("icmpv6", 58), Map.entry("sctp", 132),
      Map.entry("udplite", 136));
  private static final Map<String, Integer> SERVICES = Map.ofEntries(Map.entry("ftp", 21), Map.entry("ssh", 22),
      Map.entry("telnet", 23), Map.entry("smtp", 25), Map.entry("domain", 53), Map.entry("http", 80),
      Map.entry("ntp", 123), Map.entry("https", 443), Map.entry("submission", 587), Map.entry("imaps", 993));
  private static final Map<String, Integer> ETHER_TYPES = Map.of("ip", 0x0800, "ip6", 0x86dd, "arp", 0x0806,
      "vlan", 0x8100, "8021q", 0x8100, "8021ad", 0x88a8, "ipv4", 0x0800, "ipv6", 0x86dd);

  private final DevicePortMap ports;
  private final PlannerOptions options;

  public Planner(DevicePortMap ports, PlannerOptions options) {
    this.ports = ports;
    this.options = options;
  }

  /** What a flattened rule ends with. */
  private enum Terminal { ACCEPT, DROP, REJECT, BARRIER, NONE }

  /** One rule of the flattened forward path, with the conditions of every rule that led to it. */
  private record Flat(Table table, RuleRef ref, List<Stmt.Match> conds, List<Stmt> actions, Terminal terminal,
      List<RuleRef> via, String barrierReason) {}

  /** The verdict being built for one source rule. */
  private static final class Agg {
    int offloaded;
    int kernel;
    int entries;
    final Set<String> reasons = new LinkedHashSet<>();
    boolean partial;
    /** Flattened rules reached through this one (jump, goto, vmap), how many stay in the kernel, the first. */
    int ledTo;
    int ledToKernel;
    String firstKernel;
  }

  /** One flattened rule's ACL entries before their priority is chosen: they all get the same one. */
  private record Pending(List<PiMatchKey> keys, PiAction action, RuleRef ref, Optional<AclEntry.MeterSpec> meter) {}

  /** The plan of a ruleset on an empty switch: priorities spread out with {@link PlannerOptions#priorityGap()}. */
  public Plan plan(Ruleset rs) {
    return plan(rs, new Plan(List.of(), List.of(), List.of(), List.of()));
  }

  /**
   * The plan of a ruleset that replaces {@code inForce} (the plan the switch holds): entries that stay (same match,
   * same relative order) keep their priority, new ones go into the gaps between their neighbours, so that a rule
   * inserted, removed or changed anywhere in a chain costs the writes of that rule's entries only, as long as its gap
   * has room; where it has none, a window of neighbours is renumbered.
   */
  public Plan plan(Ruleset rs, Plan inForce) {
    // keyed by identity: one RuleRef per rule, and hashing a RuleRef (its text, its position) was a tenth of the time
    Map<RuleRef, Agg> aggs = new java.util.IdentityHashMap<>();
    List<RuleRef> order = new ArrayList<>();
    Map<Rule, RuleRef> refs = new java.util.IdentityHashMap<>();
    for (Table t : rs.tables()) {
      for (Chain c : t.chains()) {
        for (int i = 0; i < c.rules().size(); i++) {
          Rule r = c.rules().get(i);
          RuleRef ref = new RuleRef(t.family(), t.name(), c.name(), i, r.position(), Printer.rule(r));
          refs.put(r, ref);
          aggs.put(ref, new Agg());
          order.add(ref);
        }
      }
    }
    // forward base chains of routed families, in hook order
    record Base(Table table, Chain chain, Hook hook) {}
    List<Base> bases = new ArrayList<>();
    for (Table t : rs.tables()) {
      if (t.family() == Family.IP || t.family() == Family.IP6 || t.family() == Family.INET) {
        for (Chain c : t.chains()) {
          if (c.hook().isPresent() && c.hook().get().hook().equals("forward") && c.hook().get().type().equals("filter")) {
            bases.add(new Base(t, c, c.hook().get()));
          }
        }
      }
    }
    bases.sort(Comparator.comparingInt(b -> b.hook().priority()));
    List<Flat> flats = new ArrayList<>();
    Set<RuleRef> visited = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    for (int b = 0; b < bases.size(); b++) {
      Base base = bases.get(b);
      boolean last = b == bases.size() - 1;
      flatten(base.table(), base.chain(), List.of(), List.of(), 0, last, base.chain().name(), refs, flats, visited);
    }

    List<AclEntry> acl = new ArrayList<>();
    List<OffloadPolicy> policies = new ArrayList<>();
    List<Pending> pending = new ArrayList<>();
    for (String local : options.localAddresses()) {
      localPermit(local, options.topPriority()).ifPresent(acl::add);
    }
    Barriers barriers = new Barriers();
    int capacityLeft = options.aclCapacity() - acl.size();
    for (Flat f : flats) {
      List<String> reasons = new ArrayList<>();
      AclMatch match = new AclMatch();
      boolean translatable = conditions(f, match, reasons);
      AclMatch projection = translatable ? match : projection(f);
      boolean flowAdd = false;
      Optional<PiAction> action = Optional.empty();
      Optional<AclEntry.MeterSpec> meter = Optional.empty();
      boolean partial = false;
      List<String> notes = new ArrayList<>();
      Stmt.Limit limit = null;
      boolean log = false;
      boolean unsupportedAction = false;
      for (Stmt s : f.actions()) {
        switch (s) {
          case Stmt.Counter c -> { }
          case Stmt.ObjectRef o when o.kind().equals("counter") -> {
            notes.add("named counter " + o.name() + " counts only what the kernel sees; the ACL entry's direct "
                + "counter counts the rest");
            partial = true;
          }
          case Stmt.Limit l -> limit = l;
          case Stmt.Log l -> log = true;
          case Stmt.FlowOffload fo -> {
            flowAdd = true;
            policies.add(policy(f, fo));
          }
          default -> {
            unsupportedAction = true;
            reasons.add(describe(s) + " runs in the kernel only");
          }
        }
      }
      switch (f.terminal()) {
        case NONE -> {
          if (flowAdd && !unsupportedAction) {
            Agg a = aggs.get(f.ref());
            a.offloaded++;
            String ft = f.actions().stream().filter(s -> s instanceof Stmt.FlowOffload).map(s -> ((Stmt.FlowOffload) s)
                .flowtable()).findFirst().orElse("");
            a.reasons.add("flow add @" + ft + " → offload policy: matching connections are offloaded to the flow "
                + "tables once the kernel accepts them");
            if (!translatable) {
              a.reasons.add("the agent evaluates its conditions on conntrack entries");
            }
            propagate(aggs, f, true, "flattened into the offload policy");
            continue;
          }
          reasons.add(log ? "log without a verdict: the switch cannot copy a packet and go on matching"
              : "no verdict: nothing for the ACL to decide");
          kernel(aggs, f, reasons);
          continue;
        }
        case BARRIER -> {
          reasons.add(f.barrierReason());
          kernel(aggs, f, reasons);
          addBarrier(barriers, capacityLeft, projection, f);
          continue;
        }
        default -> { }
      }
      if (!translatable || unsupportedAction) {
        kernel(aggs, f, reasons);
        if (f.terminal() != Terminal.DROP) {
          addBarrier(barriers, capacityLeft, projection, f);
        }
        continue;
      }
      // the action
      switch (f.terminal()) {
        case ACCEPT -> {
          if (limit != null && log) {
            reasons.add("limit and log together: the ACL has one action per entry");
          } else if (limit != null) {
            if (!limit.unit().equals("packets")) {
              reasons.add("limit rate in bytes: the ACL meter counts packets");
            } else {
              action = Optional.of(act(FlowtableP4.Acl.METER));
              meter = Optional.of(meterSpec(limit));
              partial = true;
              notes.add(limit.over() ? "limit rate over → meter: packets under the rate are dropped in nft but "
                  + "continue in the switch" : "limit rate → meter: packets over the rate fall through to the next "
                  + "rule in nft, the switch's meter drops them");
            }
          } else if (log) {
            action = Optional.of(act(FlowtableP4.Acl.COPY_TO_CPU));
            partial = true;
            notes.add("log → sampled copy to CPU: the kernel writes the log line");
          } else {
            action = Optional.of(act(FlowtableP4.Acl.PERMIT));
          }
        }
        case DROP -> {
          if (limit != null && log) {
            reasons.add("limit and log together: the ACL has one action per entry");
          } else if (limit != null) {
            if (limit.over() && limit.unit().equals("packets")) {
              action = Optional.of(act(FlowtableP4.Acl.METER));
              meter = Optional.of(meterSpec(limit));
              notes.add("limit rate over … drop → meter: the switch drops what exceeds the rate");
            } else {
              reasons.add(limit.over() ? "limit rate in bytes: the ACL meter counts packets"
                  : "limit rate … drop drops the packets under the rate: the ACL meter drops those over it");
            }
          } else if (log) {
            action = Optional.of(act(FlowtableP4.Acl.PUNT));
            partial = true;
            notes.add("log + drop → punted to the kernel, which logs and drops");
          } else {
            action = Optional.of(act(FlowtableP4.Acl.DROP));
          }
        }
        case REJECT -> {
          action = Optional.of(act(FlowtableP4.Acl.PUNT));
          partial = true;
          notes.add("reject → punted: the kernel sends the ICMP error or TCP reset");
        }
        default -> throw new IllegalStateException(f.terminal().name());
      }
      if (action.isEmpty()) {
        kernel(aggs, f, reasons);
        if (f.terminal() != Terminal.DROP) {
          addBarrier(barriers, capacityLeft, projection, f);
        }
        continue;
      }
      boolean permit = action.get().id().equals(FlowtableP4.Acl.PERMIT.id());
      long n = match.entryCount();
      if (!permit && n <= capacityLeft) {
        String hit = barriers.firstOverlap(match);
        if (hit != null) {
          reasons.add("an earlier rule that stays in the kernel (" + hit + ") may decide the same packets first");
          kernel(aggs, f, reasons);
          if (f.terminal() != Terminal.DROP) {
            addBarrier(barriers, capacityLeft, projection, f);
          }
          continue;
        }
      }
      if (n > capacityLeft) {
        reasons.add("needs " + n + " ACL entries, " + capacityLeft + " left of " + options.aclCapacity());
        kernel(aggs, f, reasons);
        if (f.terminal() != Terminal.DROP) {
          addBarrier(barriers, capacityLeft, projection, f);
        }
        continue;
      }
      capacityLeft -= (int) n;
      List<PiMatchKey> keys = keys(match);
      pending.add(new Pending(keys, action.get(), f.ref(), meter));
      Agg a = aggs.get(f.ref());
      a.offloaded++;
      a.entries += keys.size();
      a.partial |= partial;
      a.reasons.addAll(notes);
      if (!f.via().isEmpty()) {
        a.reasons.add("reached through " + f.via().stream().map(Planner::where).toList());
      }
      propagate(aggs, f, true, null);
    }

    acl.addAll(prioritized(pending, inForce));

    // every rule not on the forward path
    Map<RuleRef, List<String>> why = new LinkedHashMap<>();
    List<NatRule> nat = new ArrayList<>();
    for (Table t : rs.tables()) {
      for (Chain c : t.chains()) {
        for (Rule r : c.rules()) {
          RuleRef ref = refs.get(r);
          if (visited.contains(ref)) {
            continue;
          }
          Optional<Stmt.Nat> natStmt = r.statements().stream().filter(s -> s instanceof Stmt.Nat)
              .map(s -> (Stmt.Nat) s).findFirst();
          Agg a = aggs.get(ref);
          if (natStmt.isPresent() && c.hook().map(h -> h.type().equals("nat")).orElse(false)) {
            nat.add(new NatRule(ref, c.hook().get().hook(), r.statements().stream()
                .filter(s -> s instanceof Stmt.Match).map(s -> (Stmt.Match) s).toList(), natStmt.get()));
            a.offloaded++;
            a.partial = true;
            a.reasons.add(natStmt.get().kind().nftName() + ": the kernel translates the first packets; offloaded "
                + "connections carry the translation in their flow entries");
            continue;
          }
          a.kernel++;
          a.reasons.add(elsewhere(t, c));
        }
      }
    }
    List<RuleVerdict> verdicts = new ArrayList<>();
    order.forEach(ref -> {
      Agg a = aggs.get(ref);
      if (a.ledToKernel == 1) {
        a.reasons.add("a rule it leads to stays in the kernel (" + a.firstKernel + ")");
      } else if (a.ledToKernel > 1) {
        a.reasons.add(a.ledToKernel + " of the " + a.ledTo + " rules it leads to stay in the kernel (the first: "
            + a.firstKernel + ")");
      }
      Verdict v;
      if (a.offloaded > 0 && a.kernel == 0) {
        v = a.partial ? Verdict.PARTIAL : Verdict.OFFLOADED;
      } else if (a.offloaded > 0) {
        v = Verdict.PARTIAL;
      } else {
        v = Verdict.KERNEL_ONLY;
      }
      if (a.offloaded == 0 && a.kernel == 0) {
        a.reasons.add("jumps to an empty chain");
        v = Verdict.OFFLOADED;
      }
      verdicts.add(new RuleVerdict(ref, v, List.copyOf(a.reasons), a.entries));
    });
    return new Plan(acl, policies, nat, verdicts);
  }

  /**
   * The projections of the rules that stay in the kernel, bucketed by IP protocol so that a TCP rule is not checked
   * against UDP barriers; identical projections are kept once (the first rule names them). Projections without a
   * protocol are further indexed by the first of {@link #INDEXED} they match exactly (a host address, a port), so
   * that a candidate with another exact value there skips them: without it, a ruleset with thousands of such kernel
   * rules (say {@code ip daddr X limit rate ... accept} behind a stateful rule) made planning quadratic.
   */
  private static final class Barriers {
    private record Named(AclMatch match, String name) {}

    private static final List<Field> INDEXED = List.of(Field.IPV4_DST, Field.IPV4_SRC, Field.INGRESS_PORT);

    private final List<Named> anyProto = new ArrayList<>();
    private final Map<Field, Map<Long, List<Named>>> anyProtoByValue = new java.util.EnumMap<>(Field.class);
    private final Map<Field, List<Named>> anyProtoIndexed = new java.util.EnumMap<>(Field.class);
    private final Map<Long, List<Named>> byProtoAll = new java.util.HashMap<>();
    private final Map<Long, List<Named>> byProtoNoPort = new java.util.HashMap<>();
    private final Map<Long, Map<Long, List<Named>>> byProtoPort = new java.util.HashMap<>();
    private final Set<Map<Field, List<Alt>>> seen = new HashSet<>();

    void add(AclMatch m, String name) {
      if (!seen.add(m.fields())) {
        return;
      }
      Named n = new Named(m, name);
      List<Long> protos = exactProtos(m);
      if (protos == null) {
        for (Field f : INDEXED) {
          List<Long> values = exactValues(m, f);
          if (values != null) {
            anyProtoIndexed.computeIfAbsent(f, k -> new ArrayList<>()).add(n);
            for (Long v : values) {
              anyProtoByValue.computeIfAbsent(f, k -> new java.util.HashMap<>())
                  .computeIfAbsent(v, k -> new ArrayList<>()).add(n);
            }
            return;
          }
        }
        anyProto.add(n);
        return;
      }
      List<Long> dports = singlePorts(m);
      for (Long p : protos) {
        byProtoAll.computeIfAbsent(p, k -> new ArrayList<>()).add(n);
        if (dports == null) {
          byProtoNoPort.computeIfAbsent(p, k -> new ArrayList<>()).add(n);
        } else {
          for (Long d : dports) {
            byProtoPort.computeIfAbsent(p, k -> new java.util.HashMap<>()).computeIfAbsent(d, k -> new ArrayList<>())
                .add(n);
          }
        }
      }
    }

    /** The name of a barrier that may match a packet the candidate matches, or null. */
    String firstOverlap(AclMatch candidate) {
      String hit = scan(anyProto, candidate);
      for (int i = 0; hit == null && i < INDEXED.size(); i++) {
        Field f = INDEXED.get(i);
        List<Long> values = exactValues(candidate, f);
        if (values == null) {
          hit = scan(anyProtoIndexed.getOrDefault(f, List.of()), candidate);
        } else {
          Map<Long, List<Named>> byValue = anyProtoByValue.getOrDefault(f, Map.of());
          for (int j = 0; hit == null && j < values.size(); j++) {
            hit = scan(byValue.getOrDefault(values.get(j), List.of()), candidate);
          }
        }
      }
      if (hit != null) {
        return hit;
      }
      List<Long> protos = exactProtos(candidate);
      if (protos == null) {
        for (List<Named> l : byProtoAll.values()) {
          hit = scan(l, candidate);
          if (hit != null) {
            return hit;
          }
        }
        return null;
      }
      List<Long> dports = singlePorts(candidate);
      for (Long p : protos) {
        if (dports == null) {
          hit = scan(byProtoAll.getOrDefault(p, List.of()), candidate);
        } else {
          hit = scan(byProtoNoPort.getOrDefault(p, List.of()), candidate);
          Map<Long, List<Named>> ports = byProtoPort.getOrDefault(p, Map.of());
          for (int i = 0; hit == null && i < dports.size(); i++) {
            hit = scan(ports.getOrDefault(dports.get(i), List.of()), candidate);
          }
        }
        if (hit != null) {
          return hit;
        }
      }
      return null;
    }

    private static String scan(List<Named> l, AclMatch candidate) {
      for (Named b : l) {
        if (b.match().overlaps(candidate)) {
          return b.name();
        }
      }
      return null;
    }

    /** The values of a field when each alternative is one exact value (and there are few), else null. */
    private static List<Long> exactValues(AclMatch m, Field f) {
      List<Alt> alts = m.fields().get(f);
      long ones = (1L << f.bits()) - 1;
      if (alts == null || alts.size() > 64) {
        return null;
      }
      List<Long> out = new ArrayList<>(alts.size());
      for (Alt a : alts) {
        if (a.wideValue() != null || a.mask() != ones) {
          return null;
        }
        out.add(a.value());
      }
      return out;
    }

    private static List<Long> exactProtos(AclMatch m) {
      return exactValues(m, Field.IP_PROTO);
    }

    /** The destination ports when each alternative is one port (and there are few), else null. */
    private static List<Long> singlePorts(AclMatch m) {
      List<Alt> alts = m.fields().get(Field.L4_DPORT);
      if (alts == null || alts.size() > 64) {
        return null;
      }
      List<Long> out = new ArrayList<>(alts.size());
      for (Alt a : alts) {
        if (a.value() != a.mask()) {
          return null;
        }
        out.add(a.value());
      }
      return out;
    }
  }

  /** Barriers matter only to later entries; once the ACL is full there are none, and their text is not built. */
  private static void addBarrier(Barriers barriers, int capacityLeft, AclMatch projection, Flat f) {
    if (capacityLeft > 0) {
      barriers.add(projection, where(f.ref()));
    }
  }

  private static String where(RuleRef r) {
    return r.position().map(Object::toString).orElse(r.label()) + ": " + r.text();
  }

  private static void kernel(Map<RuleRef, Agg> aggs, Flat f, List<String> reasons) {
    Agg a = aggs.get(f.ref());
    a.kernel++;
    a.reasons.addAll(reasons);
    propagate(aggs, f, false, null);
  }

  /** The rules a flattened rule was reached through (jump, goto, vmap) share its outcome. */
  private static void propagate(Map<RuleRef, Agg> aggs, Flat f, boolean offloaded, String note) {
    for (RuleRef via : f.via()) {
      Agg a = aggs.get(via);
      a.ledTo++;
      if (offloaded) {
        a.offloaded++;
      } else {
        a.kernel++;
        // one summary line, not one per rule: a vmap into big chains leads to thousands
        if (a.ledToKernel++ == 0) {
          a.firstKernel = f.ref().label();
        }
      }
      if (note != null) {
        a.reasons.add(note);
      }
    }
  }

  private static String elsewhere(Table t, Chain c) {
    if (t.family() == Family.BRIDGE || t.family() == Family.NETDEV || t.family() == Family.ARP) {
      return "family " + t.family().nftName() + ": only the forward hook of ip, ip6 and inet tables is offloaded";
    }
    if (c.hook().isEmpty()) {
      return "chain " + c.name() + " is not reached from a forward chain";
    }
    Hook h = c.hook().get();
    return switch (h.hook()) {
      case "input" -> "input hook: traffic to this host is decided by the kernel";
      case "output" -> "output hook: traffic from this host is decided by the kernel";
      case "prerouting", "postrouting" -> h.hook() + " hook (" + h.type() + "): runs in the kernel before the "
          + "connection is offloaded";
      case "forward" -> "forward chain of type " + h.type() + " runs in the kernel";
      default -> h.hook() + " hook runs in the kernel";
    };
  }

  // ---------------------------------------------------------------- flattening

  private void flatten(Table t, Chain chain, List<Stmt.Match> prefix, List<RuleRef> via, int depth, boolean lastBase,
      String baseName, Map<Rule, RuleRef> refs, List<Flat> out, Set<RuleRef> visited) {
    if (depth > MAX_DEPTH) {
      return;
    }
    for (Rule r : chain.rules()) {
      RuleRef ref = refs.get(r);
      visited.add(ref);
      List<Stmt.Match> conds = new ArrayList<>(prefix);
      List<Stmt> actions = new ArrayList<>();
      Stmt last = null;
      for (Stmt s : r.statements()) {
        if (s instanceof Stmt.Match m) {
          conds.add(m);
        } else if (s instanceof Stmt.Verdict || s instanceof Stmt.VerdictMap) {
          last = s;
        } else {
          actions.add(s);
        }
      }
      if (last == null && actions.stream().anyMatch(s -> s instanceof Stmt.Reject)) {
        out.add(new Flat(t, ref, conds, actions.stream().filter(s -> !(s instanceof Stmt.Reject)).toList(),
            Terminal.REJECT, via, null));
      } else if (last instanceof Stmt.Verdict v) {
        transfer(t, v.kind(), v.chain(), conds, actions, ref, via, depth, lastBase, baseName, refs, out, visited);
      } else if (last instanceof Stmt.VerdictMap vm) {
        List<Stmt.Match> keyless = conds;
        for (var e : vmapElements(t, vm.map())) {
          List<Stmt.Match> c = new ArrayList<>(keyless);
          c.add(new Stmt.Match(vm.key(), Stmt.Op.EQ, e.getKey()));
          Expr.VerdictValue vv = e.getValue();
          transfer(t, vv.kind(), vv.chain(), c, actions, ref, via, depth, lastBase, baseName, refs, out, visited);
        }
        // unvalidated input may hold anything here: what cannot be expanded is decided by the kernel
        if (!(vm.map() instanceof Expr.SetLiteral)
            && !(vm.map() instanceof Expr.SetRef sr && t.set(sr.name()).isPresent())) {
          out.add(new Flat(t, ref, conds, actions, Terminal.BARRIER, via, "verdict map not found"));
        }
      } else {
        out.add(new Flat(t, ref, conds, actions, Terminal.NONE, via, null));
      }
    }
  }

  private void transfer(Table t, Stmt.VerdictKind kind, Optional<String> target, List<Stmt.Match> conds,
      List<Stmt> actions, RuleRef ref, List<RuleRef> via, int depth, boolean lastBase, String baseName,
      Map<Rule, RuleRef> refs, List<Flat> out, Set<RuleRef> visited) {
    switch (kind) {
      case ACCEPT -> out.add(new Flat(t, ref, conds, actions, lastBase ? Terminal.ACCEPT : Terminal.BARRIER, via,
          "accept in " + baseName + ": base chains after it on the forward hook still see the packet"));
      case DROP -> out.add(new Flat(t, ref, conds, actions, Terminal.DROP, via, null));
      case CONTINUE -> out.add(new Flat(t, ref, conds, actions, Terminal.NONE, via, null));
      case RETURN -> out.add(new Flat(t, ref, conds, actions, Terminal.BARRIER, via, depth == 0
          ? "return from a base chain applies the chain policy, which stays in the kernel"
          : "return skips the rest of the chain: the ACL has no such skip"));
      case JUMP, GOTO -> {
        Optional<Chain> c = target.flatMap(t::chain);
        if (c.isEmpty() || depth >= MAX_DEPTH) {
          out.add(new Flat(t, ref, conds, actions, Terminal.BARRIER, via, "jump target not found"));
          return;
        }
        if (out.size() >= MAX_FLAT_PATHS) {
          out.add(new Flat(t, ref, conds, actions, Terminal.BARRIER, via, "jumps expand to more than "
              + MAX_FLAT_PATHS + " paths: the rest is decided in the kernel"));
          return;
        }
        if (!actions.isEmpty()) {
          out.add(new Flat(t, ref, conds, actions, Terminal.NONE, via, null));
        }
        List<RuleRef> v = new ArrayList<>(via);
        v.add(ref);
        flatten(t, c.get(), conds, v, depth + 1, lastBase, baseName, refs, out, visited);
        if (kind == Stmt.VerdictKind.GOTO) {
          out.add(new Flat(t, ref, conds, List.of(), Terminal.BARRIER, via,
              "goto: packets that fall off chain " + c.get().name() + " get the caller's outcome, decided in the "
                  + "kernel"));
        }
      }
    }
  }

  /** The elements of a verdict map (literal or named) as key and verdict. */
  private static List<Map.Entry<Expr, Expr.VerdictValue>> vmapElements(Table t, Expr map) {
    List<Map.Entry<Expr, Expr.VerdictValue>> out = new ArrayList<>();
    if (map instanceof Expr.SetLiteral lit) {
      for (Expr e : lit.elements()) {
        if (e instanceof Expr.MapEntry me && me.value() instanceof Expr.VerdictValue vv) {
          out.add(Map.entry(me.key(), vv));
        }
      }
    } else if (map instanceof Expr.SetRef ref) {
      t.set(ref.name()).ifPresent(set -> {
        for (SetElement e : set.elements()) {
          if (e.value().isPresent() && e.value().get() instanceof Expr.VerdictValue vv) {
            out.add(Map.entry(e.key(), vv));
          }
        }
      });
    }
    return out;
  }

  // ---------------------------------------------------------------- conditions → ACL key

  /** Adds the family's implied EtherType and every condition; false (with reasons) when one does not fit. */
  private boolean conditions(Flat f, AclMatch m, List<String> reasons) {
    boolean ok = true;
    if (f.table().family() == Family.IP) {
      m.and(Field.ETH_TYPE, List.of(Alt.exact(Field.ETH_TYPE, 0x0800)));
    } else if (f.table().family() == Family.IP6) {
      m.and(Field.ETH_TYPE, List.of(Alt.exact(Field.ETH_TYPE, 0x86dd)));
    }
    for (Stmt.Match c : f.conds()) {
      String r = condition(f.table(), c, m);
      if (r != null) {
        reasons.add(r);
        ok = false;
      }
    }
    return ok;
  }

  /** The part of a rule's conditions the ACL key can express: a superset of the packets it matches. */
  private AclMatch projection(Flat f) {
    AclMatch m = new AclMatch();
    conditions(f, m, new ArrayList<>());
    return m;
  }

  /** Adds one condition to the match, or says why it cannot be matched in the switch. */
  private String condition(Table t, Stmt.Match c, AclMatch m) {
    Expr left = c.left();
    if (c.op() != Stmt.Op.EQ) {
      if (left instanceof Expr.Ct) {
        return ctReason((Expr.Ct) left, c.right());
      }
      return "'" + Printer.stmt(c) + "': " + (c.op() == Stmt.Op.NE ? "a negated match" : "a comparison")
          + " has no single ternary or range entry";
    }
    if (left instanceof Expr.Ct ct) {
      return ctReason(ct, c.right());
    }
    if (left instanceof Expr.Fib) {
      return "fib: route lookups happen in the kernel";
    }
    if (left instanceof Expr.Meta meta && meta.key().equals("mark")) {
      return "meta mark exists only in the kernel";
    }
    List<Expr> values = values(t, c.right());
    if (values == null) {
      return "'" + Printer.stmt(c) + "': the values are not a literal, a prefix, a range or a set";
    }
    switch (left) {
      case Expr.Meta meta -> {
        switch (meta.key()) {
          case "iifname", "iif" -> {
            List<Alt> alts = new ArrayList<>();
            for (Expr v : values) {
              if (!(v instanceof Expr.Literal l)) {
                return "'" + Printer.stmt(c) + "': an interface is a name";
              }
              List<String> devs = l.value().endsWith("*")
                  ? ports.devices().stream().filter(d -> d.startsWith(l.value().substring(0, l.value().length() - 1)))
                  .toList() : List.of(l.value());
              for (String d : devs) {
                OptionalInt p = ports.port(d);
                if (p.isEmpty()) {
                  return "device " + d + " has no switch port";
                }
                alts.add(Alt.exact(Field.INGRESS_PORT, p.getAsInt()));
              }
              if (devs.isEmpty()) {
                return "no switch port matches " + l.value();
              }
            }
            m.and(Field.INGRESS_PORT, alts);
            return null;
          }
          case "oifname", "oif" -> {
            return meta.key() + ": the egress port is chosen after the ACL (by the flow tables or the kernel's "
                + "routing)";
          }
          case "nfproto", "protocol" -> {
            return number(values, ETHER_TYPES, Field.ETH_TYPE, m) ? null : "'" + Printer.stmt(c) + "': unknown "
                + "protocol";
          }
          case "l4proto" -> {
            return number(values, PROTOCOLS, Field.IP_PROTO, m) ? null : "'" + Printer.stmt(c) + "': unknown "
                + "protocol";
          }
          case "mark" -> {
            return "meta mark exists only in the kernel";
          }
          default -> {
            return "meta " + meta.key() + " is not in the ACL key";
          }
        }
      }
      case Expr.Payload p -> {
        return payload(c, p, values, m);
      }
      case Expr.Ct ct -> {
        return ctReason(ct, c.right());
      }
      case Expr.Fib fib -> {
        return "fib: route lookups happen in the kernel";
      }
      default -> {
        return Printer.expr(left) + " is not in the ACL key";
      }
    }
  }

  private static String ctReason(Expr.Ct ct, Expr right) {
    if (ct.key().equals("state")) {
      String v = Printer.expr(right);
      return "ct state " + v + " → needs conntrack, stays in the kernel"
          + (v.contains("established") ? " (established connections are offloaded through the flowtable)" : "");
    }
    return "ct " + ct.key() + " needs conntrack, stays in the kernel";
  }

  private String payload(Stmt.Match c, Expr.Payload p, List<Expr> values, AclMatch m) {
    String key = p.protocol() + " " + p.field();
    switch (key) {
      case "ether type" -> {
        return number(values, ETHER_TYPES, Field.ETH_TYPE, m) ? null : "'" + Printer.stmt(c) + "': unknown type";
      }
      case "vlan id" -> {
        return number(values, Map.of(), Field.VLAN_ID, m) ? null : "'" + Printer.stmt(c) + "': not a VLAN id";
      }
      case "ip protocol", "ip6 nexthdr" -> {
        m.and(Field.ETH_TYPE, List.of(Alt.exact(Field.ETH_TYPE, key.startsWith("ip6") ? 0x86dd : 0x0800)));
        return number(values, PROTOCOLS, Field.IP_PROTO, m) ? null : "'" + Printer.stmt(c) + "': unknown protocol";
      }
      case "ip saddr", "ip daddr", "ip6 saddr", "ip6 daddr" -> {
        boolean v6 = p.protocol().equals("ip6");
        Field f = v6 ? (p.field().equals("saddr") ? Field.IPV6_SRC : Field.IPV6_DST)
            : (p.field().equals("saddr") ? Field.IPV4_SRC : Field.IPV4_DST);
        List<Alt> alts = new ArrayList<>();
        for (Expr v : values) {
          if (!address(f, v, alts)) {
            return "'" + Printer.expr(v) + "' is not an " + (v6 ? "IPv6" : "IPv4") + " address, prefix or range";
          }
        }
        m.and(Field.ETH_TYPE, List.of(Alt.exact(Field.ETH_TYPE, v6 ? 0x86dd : 0x0800)));
        m.and(f, alts);
        return null;
      }
      case "tcp sport", "tcp dport", "udp sport", "udp dport", "th sport", "th dport" -> {
        Field f = p.field().equals("sport") ? Field.L4_SPORT : Field.L4_DPORT;
        List<Alt> alts = new ArrayList<>();
        for (Expr v : values) {
          long[] r = portRange(v);
          if (r == null) {
            return "'" + Printer.expr(v) + "' is not a port or port range";
          }
          alts.add(Alt.range(r[0], r[1]));
        }
        if (!p.protocol().equals("th")) {
          m.and(Field.IP_PROTO, List.of(Alt.exact(Field.IP_PROTO, p.protocol().equals("tcp") ? 6 : 17)));
        }
        m.and(f, alts);
        return null;
      }
      default -> {
        if (p.protocol().equals("tcp") && p.field().equals("flags")) {
          return "tcp flags are not in the ACL key (SYN, FIN and RST go to the kernel anyway)";
        }
        return key + " is not in the ACL key";
      }
    }
  }

  /** The literal values a right-hand side stands for, sets expanded; null when it is not such a thing. */
  private static List<Expr> values(Table t, Expr right) {
    return switch (right) {
      case Expr.Literal l -> List.of(l);
      case Expr.Prefix p -> List.of(p);
      case Expr.Range r -> List.of(r);
      case Expr.SetLiteral s -> s.elements().stream().anyMatch(e -> e instanceof Expr.MapEntry
          || e instanceof Expr.Concat) ? null : s.elements();
      case Expr.SetRef ref -> {
        Optional<NftSet> set = t.set(ref.name());
        if (set.isEmpty() || set.get().map() || set.get().keyType().contains(" . ")
            || set.get().flags().contains("dynamic") || set.get().flags().contains("timeout")) {
          yield null;
        }
        yield set.get().elements().stream().map(SetElement::key).toList();
      }
      default -> null;
    };
  }

  private static boolean number(List<Expr> values, Map<String, Integer> names, Field f, AclMatch m) {
    List<Alt> alts = new ArrayList<>();
    for (Expr v : values) {
      if (v instanceof Expr.Literal l) {
        Integer n = names.get(l.value());
        if (n == null && Values.isNumber(l.value()) && l.value().length() < 10) {
          n = Integer.parseInt(l.value());
        }
        if (n == null || n < 0 || BigInteger.valueOf(n).bitLength() > f.bits()) {
          return false;
        }
        alts.add(Alt.exact(f, n));
      } else if (v instanceof Expr.Range r && r.low() instanceof Expr.Literal lo && r.high() instanceof Expr.Literal hi
          && Values.isNumber(lo.value()) && Values.isNumber(hi.value())) {
        int a = Integer.parseInt(lo.value());
        int b = Integer.parseInt(hi.value());
        if (b - a > 64) {
          return false;
        }
        for (int x = a; x <= b; x++) {
          alts.add(Alt.exact(f, x));
        }
      } else {
        return false;
      }
    }
    m.and(f, alts);
    return true;
  }

  private static boolean address(Field f, Expr v, List<Alt> out) {
    boolean v6 = f == Field.IPV6_SRC || f == Field.IPV6_DST;
    switch (v) {
      case Expr.Literal l -> {
        BigInteger a = addr(l.value(), v6);
        if (a == null) {
          return false;
        }
        out.add(Alt.prefix(f, a, f.bits()));
        return true;
      }
      case Expr.Prefix p -> {
        BigInteger a = p.address() instanceof Expr.Literal l ? addr(l.value(), v6) : null;
        if (a == null || p.length() > f.bits()) {
          return false;
        }
        out.add(Alt.prefix(f, a, p.length()));
        return true;
      }
      case Expr.Range r -> {
        BigInteger lo = r.low() instanceof Expr.Literal l ? addr(l.value(), v6) : null;
        BigInteger hi = r.high() instanceof Expr.Literal h ? addr(h.value(), v6) : null;
        if (lo == null || hi == null || lo.compareTo(hi) > 0) {
          return false;
        }
        out.addAll(AclMatch.rangeToPrefixes(f, lo, hi));
        return true;
      }
      default -> {
        return false;
      }
    }
  }

  private static BigInteger addr(String s, boolean v6) {
    if (!v6 && Values.isIpv4(s)) {
      return new BigInteger(1, Values.ipv4Bytes(s));
    }
    if (v6 && Values.isIpv6(s)) {
      return new BigInteger(1, Values.parseIpv6(s));
    }
    return null;
  }

  private static long[] portRange(Expr v) {
    if (v instanceof Expr.Literal l) {
      Long p = port(l.value());
      return p == null ? null : new long[] {p, p};
    }
    if (v instanceof Expr.Range r && r.low() instanceof Expr.Literal lo && r.high() instanceof Expr.Literal hi) {
      Long a = port(lo.value());
      Long b = port(hi.value());
      return a == null || b == null || a > b ? null : new long[] {a, b};
    }
    return null;
  }

  private static Long port(String s) {
    if (Values.isNumber(s) && s.length() <= 5) {
      long p = Long.parseLong(s);
      return p <= 65535 ? p : null;
    }
    Integer named = SERVICES.get(s);
    return named == null ? null : named.longValue();
  }

  // ---------------------------------------------------------------- entries and policies

  private OffloadPolicy policy(Flat f, Stmt.FlowOffload fo) {
    Optional<Flowtable> ft = f.table().flowtable(fo.flowtable());
    List<String> devices = ft.map(Flowtable::devices).orElse(List.of());
    List<Integer> p = devices.stream().map(ports::port).filter(OptionalInt::isPresent).map(OptionalInt::getAsInt)
        .toList();
    return new OffloadPolicy(f.ref(), fo.flowtable(), f.conds(), devices, p,
        ft.map(x -> x.flags().contains("offload")).orElse(false), ft.map(Flowtable::counter).orElse(false));
  }

  private static AclEntry.MeterSpec meterSpec(Stmt.Limit l) {
    long perSecond = switch (l.per()) {
      case "minute" -> Math.max(1, l.rate() / 60);
      case "hour" -> Math.max(1, l.rate() / 3600);
      case "day" -> Math.max(1, l.rate() / 86_400);
      case "week" -> Math.max(1, l.rate() / 604_800);
      default -> l.rate();
    };
    return new AclEntry.MeterSpec(perSecond, l.burst());
  }

  private static PiAction act(FlowtableP4.Action a) {
    return PiAction.builder().withId(a.id()).build();
  }

  private static ImmutableByteSequence bytes(BigInteger v, int bits) {
    int n = (bits + 7) / 8;
    byte[] raw = v.toByteArray();
    byte[] out = new byte[n];
    int copy = Math.min(n, raw.length);
    System.arraycopy(raw, raw.length - copy, out, n - copy, copy);
    return ImmutableByteSequence.copyFrom(out);
  }

  private static List<PiMatchKey> keys(AclMatch match) {
    List<PiMatchKey> out = new ArrayList<>();
    for (Map<Field, Alt> e : match.expand()) {
      PiMatchKey.Builder key = PiMatchKey.builder();
      e.forEach((f, a) -> key.addFieldMatch(fieldMatch(f, a)));
      out.add(key.build());
    }
    return out;
  }

  private static List<AclEntry> entries(List<PiMatchKey> keys, PiAction action, int priority, RuleRef ref,
      Optional<AclEntry.MeterSpec> meter) {
    List<AclEntry> out = new ArrayList<>(keys.size());
    for (PiMatchKey k : keys) {
      out.add(new AclEntry(PiTableEntry.builder().forTable(FlowtableP4.Acl.TABLE.id()).withMatchKey(k)
          .withAction(action).withPriority(priority).build(), ref, meter));
    }
    return out;
  }

  /**
   * The entries of every pending group with its priority. A group of the plan in force is told by its priority (all
   * entries of one flattened rule share one, and no two rules share one below the top) and compared by its match
   * keys, in any order: the action may change in place, which is a modify.
   */
  private List<AclEntry> prioritized(List<Pending> pending, Plan inForce) {
    int top = options.topPriority();
    java.util.TreeMap<Integer, Set<PiMatchKey>> before = new java.util.TreeMap<>(Comparator.reverseOrder());
    for (AclEntry e : inForce.acl()) {
      int p = e.entry().priority().orElse(0);
      if (p >= 1 && p < top) {
        before.computeIfAbsent(p, k -> new HashSet<>()).add(e.entry().matchKey());
      }
    }
    int[] beforePriorities = before.keySet().stream().mapToInt(Integer::intValue).toArray();
    List<Set<PiMatchKey>> beforeGroups = new ArrayList<>(before.values());
    List<Set<PiMatchKey>> groups = new ArrayList<>(pending.size());
    for (Pending p : pending) {
      groups.add(new HashSet<>(p.keys()));
    }
    int[] prio = PriorityLayout.assign(beforeGroups, beforePriorities, groups, top, options.priorityGap());
    List<AclEntry> out = new ArrayList<>();
    for (int i = 0; i < pending.size(); i++) {
      Pending p = pending.get(i);
      out.addAll(entries(p.keys(), p.action(), prio[i], p.ref(), p.meter()));
    }
    return out;
  }

  private static PiFieldMatch fieldMatch(Field f, Alt a) {
    if (f.isRange()) {
      return new PiRangeFieldMatch(f.field.id(), bytes(a.bigValue(), f.bits()), bytes(a.bigMask(), f.bits()));
    }
    return new PiTernaryFieldMatch(f.field.id(), bytes(a.bigValue(), f.bits()), bytes(a.bigMask(), f.bits()));
  }

  private Optional<AclEntry> localPermit(String address, int priority) {
    boolean v6 = address.contains(":");
    BigInteger a = addr(address, v6);
    if (a == null) {
      throw new IllegalArgumentException("local address " + address + " is not an IPv4 or IPv6 address");
    }
    AclMatch m = new AclMatch();
    m.and(Field.ETH_TYPE, List.of(Alt.exact(Field.ETH_TYPE, v6 ? 0x86dd : 0x0800)));
    Field f = v6 ? Field.IPV6_DST : Field.IPV4_DST;
    m.and(f, List.of(Alt.prefix(f, a, f.bits())));
    RuleRef ref = new RuleRef(v6 ? Family.IP6 : Family.IP, "(local)", "input", 0, Optional.empty(),
        (v6 ? "ip6" : "ip") + " daddr " + address + " (to this host: input hook)");
    return entries(keys(m), act(FlowtableP4.Acl.PERMIT), priority, ref, Optional.empty()).stream().findFirst();
  }

  private static String describe(Stmt s) {
    return switch (s) {
      case Stmt.Mangle m -> Printer.expr(m.key()) + " set";
      case Stmt.Nat n -> n.kind().nftName();
      case Stmt.SetUpdate u -> u.op() + " @" + u.set();
      case Stmt.Quota q -> "quota";
      case Stmt.ObjectRef o -> o.kind() + " name " + o.name();
      case Stmt.Raw r -> r.keyword();
      default -> Printer.stmt(s).split(" ")[0];
    };
  }
}
