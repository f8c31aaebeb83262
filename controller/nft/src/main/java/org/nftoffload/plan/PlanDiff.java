package org.nftoffload.plan;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.onosproject.net.pi.runtime.PiMatchKey;
import org.onosproject.net.pi.runtime.PiTableEntry;

/**
 * The changes that turn a running plan A into plan B: the fewest ACL writes (an entry is identified by its match key
 * and priority, as P4Runtime identifies it; same key with another action or meter is a modify), and the offload
 * policies and NAT rules added and removed. Deletes come first, then modifies, then inserts, so the switch never
 * holds two entries for the same key. Since the priority is part of the key, the diff is small only if plan B keeps
 * plan A's priorities where it can: plan B with {@link Planner#plan(org.nftoffload.nft.Ruleset, Plan)}.
 */
public record PlanDiff(List<AclEntry> deletes, List<Modify> modifies, List<AclEntry> inserts,
    List<OffloadPolicy> policiesRemoved, List<OffloadPolicy> policiesAdded, List<NatRule> natRemoved,
    List<NatRule> natAdded) {
  public PlanDiff {
    deletes = List.copyOf(deletes);
    modifies = List.copyOf(modifies);
    inserts = List.copyOf(inserts);
    policiesRemoved = List.copyOf(policiesRemoved);
    policiesAdded = List.copyOf(policiesAdded);
    natRemoved = List.copyOf(natRemoved);
    natAdded = List.copyOf(natAdded);
  }

  /** One entry whose action or meter changes: before and after. */
  public record Modify(AclEntry before, AclEntry after) {
    public Modify {
      Objects.requireNonNull(before);
      Objects.requireNonNull(after);
    }
  }

  private record Key(PiMatchKey match, int priority) {}

  /** The changes from a to b. */
  public static PlanDiff between(Plan a, Plan b) {
    Map<Key, AclEntry> before = index(a.acl());
    Map<Key, AclEntry> after = index(b.acl());
    List<AclEntry> deletes = new ArrayList<>();
    List<Modify> modifies = new ArrayList<>();
    List<AclEntry> inserts = new ArrayList<>();
    before.forEach((k, e) -> {
      AclEntry n = after.get(k);
      if (n == null) {
        deletes.add(e);
      } else if (!sameWrite(e, n)) {
        modifies.add(new Modify(e, n));
      }
    });
    after.forEach((k, e) -> {
      if (!before.containsKey(k)) {
        inserts.add(e);
      }
    });
    return new PlanDiff(deletes, modifies, inserts,
        minus(a.offload(), b.offload(), PlanDiff::policyKey), minus(b.offload(), a.offload(), PlanDiff::policyKey),
        minus(a.nat(), b.nat(), PlanDiff::natKey), minus(b.nat(), a.nat(), PlanDiff::natKey));
  }

  /** Whether nothing changes. */
  public boolean isEmpty() {
    return deletes.isEmpty() && modifies.isEmpty() && inserts.isEmpty() && policiesRemoved.isEmpty()
        && policiesAdded.isEmpty() && natRemoved.isEmpty() && natAdded.isEmpty();
  }

  /** How many ACL writes it takes. */
  public int aclWrites() {
    return deletes.size() + modifies.size() + inserts.size();
  }

  private static Map<Key, AclEntry> index(List<AclEntry> entries) {
    Map<Key, AclEntry> m = new LinkedHashMap<>();
    for (AclEntry e : entries) {
      m.putIfAbsent(new Key(e.entry().matchKey(), e.entry().priority().orElse(0)), e);
    }
    return m;
  }

  private static boolean sameWrite(AclEntry x, AclEntry y) {
    PiTableEntry a = x.entry();
    PiTableEntry b = y.entry();
    return Objects.equals(a.action(), b.action()) && x.meter().equals(y.meter());
  }

  // the rule's position is where it was read, not what it asks for
  private static Object policyKey(OffloadPolicy p) {
    return List.of(p.flowtable(), p.conditions(), p.devices(), p.ports(), p.hardwareOffload(), p.counter());
  }

  private static Object natKey(NatRule n) {
    return List.of(n.rule().family(), n.rule().table(), n.hook(), n.conditions(), n.nat());
  }

  private static <T> List<T> minus(List<T> a, List<T> b, java.util.function.Function<T, Object> key) {
    List<Object> keys = new ArrayList<>(b.stream().map(key).toList());
    List<T> out = new ArrayList<>();
    for (T x : a) {
      if (!keys.remove(key.apply(x))) {
        out.add(x);
      }
    }
    return out;
  }
}
