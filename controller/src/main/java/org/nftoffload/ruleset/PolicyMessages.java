package org.nftoffload.ruleset;

import com.google.protobuf.ByteString;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.nftoffload.agent.v1.OffloadPolicy;
import org.nftoffload.agent.v1.PolicyRule;
import org.nftoffload.agent.v1.Prefix;
import org.nftoffload.nft.Expr;
import org.nftoffload.nft.Stmt;

/**
 * Turns the planner's offload policies ({@code flow add @ft} rules with their conditions) into the agent protocol's
 * {@link OffloadPolicy}. Conditions the protocol can carry — L4 protocol, in/out interface names, IPv4/IPv6 source
 * and destination prefixes, destination ports, {@code ct state established} — become fields; anything else is
 * listed in {@link Converted#dropped()} (the agent then selects more broadly than the rule; the kernel's own
 * offload bit, when the agent uses it, stays exact).
 */
final class PolicyMessages {

  private static final Map<String, Integer> PROTOCOLS = Map.of("tcp", 6, "udp", 17, "icmp", 1, "sctp", 132,
      "dccp", 33, "udplite", 136, "icmpv6", 58, "ipv6-icmp", 58, "gre", 47);

  /** The message and the conditions that could not be expressed. */
  record Converted(OffloadPolicy policy, List<String> dropped) {}

  private PolicyMessages() {}

  static Converted convert(List<org.nftoffload.plan.OffloadPolicy> policies) {
    OffloadPolicy.Builder out = OffloadPolicy.newBuilder();
    List<String> dropped = new ArrayList<>();
    for (org.nftoffload.plan.OffloadPolicy p : policies) {
      PolicyRule.Builder r = PolicyRule.newBuilder();
      for (Stmt.Match m : p.conditions()) {
        if (!apply(m, r)) {
          dropped.add(p.rule().label() + ": " + org.nftoffload.nft.Printer.stmt(m));
        }
      }
      out.addRules(r);
    }
    return new Converted(out.build(), dropped);
  }

  private static boolean apply(Stmt.Match m, PolicyRule.Builder r) {
    if (m.op() != Stmt.Op.EQ) {
      return false;
    }
    List<String> values = literals(m.right());
    if (values.isEmpty()) {
      return false;
    }
    Expr left = m.left();
    if ((left instanceof Expr.Meta meta && meta.key().equals("l4proto"))
        || (left instanceof Expr.Payload pl && (pl.field().equals("protocol") || pl.field().equals("nexthdr")))) {
      for (String v : values) {
        Integer n = PROTOCOLS.get(v);
        if (n == null && v.chars().allMatch(Character::isDigit)) {
          n = Integer.parseInt(v);
        }
        if (n == null) {
          return false;
        }
        r.addProtocols(n);
      }
      return true;
    }
    if (left instanceof Expr.Meta meta && meta.key().equals("iifname")) {
      values.forEach(r::addIngressIfnames);
      return true;
    }
    if (left instanceof Expr.Meta meta && meta.key().equals("oifname")) {
      values.forEach(r::addEgressIfnames);
      return true;
    }
    if (left instanceof Expr.Payload pl && (pl.protocol().equals("ip") || pl.protocol().equals("ip6"))
        && (pl.field().equals("saddr") || pl.field().equals("daddr"))) {
      List<Prefix> prefixes = new ArrayList<>();
      for (Expr e : elements(m.right())) {
        Optional<Prefix> p = prefix(e);
        if (p.isEmpty()) {
          return false;
        }
        prefixes.add(p.get());
      }
      if (pl.field().equals("saddr")) {
        r.addAllSources(prefixes);
      } else {
        r.addAllDestinations(prefixes);
      }
      return true;
    }
    if (left instanceof Expr.Payload pl && pl.field().equals("dport")) {
      for (String v : values) {
        if (!v.chars().allMatch(Character::isDigit)) {
          return false;
        }
        r.addDestinationPorts(Integer.parseInt(v));
      }
      return true;
    }
    if (left instanceof Expr.Ct ct && ct.key().equals("state")) {
      if (values.contains("established")) {
        r.setEstablishedOnly(true);
        return true;
      }
      return false;
    }
    return false;
  }

  private static List<Expr> elements(Expr e) {
    return switch (e) {
      case Expr.SetLiteral s -> s.elements();
      case Expr.ValueList l -> l.values();
      default -> List.of(e);
    };
  }

  private static List<String> literals(Expr e) {
    List<String> out = new ArrayList<>();
    for (Expr x : elements(e)) {
      if (x instanceof Expr.Literal l) {
        out.add(l.value().replace("\"", ""));
      } else if (x instanceof Expr.Prefix) {
        out.add(x.toString());
      } else {
        return List.of();
      }
    }
    return out;
  }

  private static Optional<Prefix> prefix(Expr e) {
    Expr addr = e instanceof Expr.Prefix p ? p.address() : e;
    // literal addresses only: a name is never resolved here
    if (!(addr instanceof Expr.Literal lit) || !lit.value().matches("[0-9a-fA-F:.]+")) {
      return Optional.empty();
    }
    try {
      if (e instanceof Expr.Literal l) {
        byte[] a = InetAddress.getByName(l.value()).getAddress();
        return Optional.of(Prefix.newBuilder().setAddress(ByteString.copyFrom(a)).setLength(a.length * 8).build());
      }
      if (e instanceof Expr.Prefix p && p.address() instanceof Expr.Literal l) {
        byte[] a = InetAddress.getByName(l.value()).getAddress();
        return Optional.of(Prefix.newBuilder().setAddress(ByteString.copyFrom(a)).setLength(p.length()).build());
      }
    } catch (java.net.UnknownHostException ex) {
      return Optional.empty();
    }
    return Optional.empty();
  }
}
