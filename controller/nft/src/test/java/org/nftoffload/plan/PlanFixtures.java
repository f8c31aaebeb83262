package org.nftoffload.plan;

import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.nftoffload.nft.NftFrontEnd;
import org.nftoffload.nft.NftParseException;
import org.onosproject.net.pi.runtime.PiAction;
import org.onosproject.net.pi.runtime.PiFieldMatch;
import org.onosproject.net.pi.runtime.PiRangeFieldMatch;
import org.onosproject.net.pi.runtime.PiTernaryFieldMatch;

/** Shared helpers: plan a ruleset text, show ACL entries in a readable one-line form. */
final class PlanFixtures {
  static final DevicePortMap PORTS = DevicePortMap.of(Map.of("wan0", 1, "lan0", 2, "lan1", 3));

  private PlanFixtures() {}

  static Plan plan(String text) throws NftParseException {
    return new Planner(PORTS, PlannerOptions.defaults()).plan(NftFrontEnd.read("p.nft", text));
  }

  static Plan plan(String text, PlannerOptions options) throws NftParseException {
    return new Planner(PORTS, options).plan(NftFrontEnd.read("p.nft", text));
  }

  /** {@code 998976 drop_acl eth_type=0x800/0xffff ipv4_src=0xa000000/0xff000000 l4_dport=22..22}. */
  static String show(AclEntry e) {
    String action = ((PiAction) e.entry().action()).id().id().replace("FlowtableIngress.", "");
    String fields = e.entry().matchKey().fieldMatches().stream()
        .sorted(java.util.Comparator.comparing(f -> f.fieldId().id()))
        .map(PlanFixtures::show).collect(Collectors.joining(" "));
    return e.entry().priority().orElse(0) + " " + action + " " + fields;
  }

  private static String show(PiFieldMatch f) {
    String name = f.fieldId().id();
    if (f instanceof PiRangeFieldMatch r) {
      return name + "=" + num(r.lowValue().asArray()) + ".." + num(r.highValue().asArray());
    }
    PiTernaryFieldMatch t = (PiTernaryFieldMatch) f;
    return name + "=0x" + new BigInteger(1, t.value().asArray()).toString(16) + "/0x"
        + new BigInteger(1, t.mask().asArray()).toString(16);
  }

  private static String num(byte[] b) {
    return new BigInteger(1, b).toString();
  }

  static List<String> acl(Plan p) {
    return p.acl().stream().map(PlanFixtures::show).toList();
  }

  static RuleVerdict verdict(Plan p, String chain, int index) {
    return p.verdicts().stream().filter(v -> v.rule().chain().equals(chain) && v.rule().index() == index)
        .findFirst().orElseThrow();
  }
}
