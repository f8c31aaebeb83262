package org.nftoffload.nft;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Checks what nft itself checks when it loads a ruleset, after parsing: references to sets, maps, chains,
 * flowtables and named objects that do not exist in the table; jump/goto loops; sets used as maps and maps used as
 * sets; verdict maps whose data is not a verdict; and type mismatches between a selector and the set or literal it
 * is compared with ({@code ip saddr} against an IPv6 set or address). Pure: returns problems, changes nothing.
 */
public final class Validator {
  private Validator() {}

  /** Every problem found, in rule order; empty when the ruleset is valid. */
  public static List<Problem> validate(Ruleset rs) {
    List<Problem> out = new ArrayList<>();
    for (Table t : rs.tables()) {
      table(t, out);
    }
    return out;
  }

  private static void table(Table t, List<Problem> out) {
    Map<String, Set<String>> edges = new HashMap<>();
    Map<String, Map<String, Optional<Position>>> edgeAt = new HashMap<>();
    for (Chain c : t.chains()) {
      Set<String> targets = new HashSet<>();
      edges.put(c.name(), targets);
      for (Rule r : c.rules()) {
        Optional<Position> at = r.position();
        Consumer<String> problem = m -> out.add(new Problem(at, m + " in table " + t.label() + ", chain "
            + c.name()));
        for (Stmt s : r.statements()) {
          stmt(t, s, problem, chain -> {
            targets.add(chain);
            edgeAt.computeIfAbsent(c.name(), k -> new HashMap<>()).putIfAbsent(chain, at);
          });
        }
      }
    }
    // named verdict maps jump too
    for (NftSet s : t.sets()) {
      for (SetElement e : s.elements()) {
        e.value().ifPresent(v -> {
          if (v instanceof Expr.VerdictValue vv && vv.chain().isPresent() && t.chain(vv.chain().get()).isEmpty()) {
            out.add(new Problem(Optional.empty(), "map " + s.name() + " jumps to chain '" + vv.chain().get()
                + "', which does not exist in table " + t.label()));
          }
        });
      }
    }
    loops(t, edges, edgeAt, out);
  }

  private static void loops(Table t, Map<String, Set<String>> edges,
      Map<String, Map<String, Optional<Position>>> edgeAt, List<Problem> out) {
    Map<String, Integer> state = new HashMap<>();
    for (Chain c : t.chains()) {
      List<String> path = new ArrayList<>();
      dfs(c.name(), edges, state, path, t, edgeAt, out);
    }
  }

  private static void dfs(String chain, Map<String, Set<String>> edges, Map<String, Integer> state, List<String> path,
      Table t, Map<String, Map<String, Optional<Position>>> edgeAt, List<Problem> out) {
    Integer st = state.get(chain);
    if (st != null && st == 2) {
      return;
    }
    if (st != null && st == 1) {
      List<String> cycle = new ArrayList<>(path.subList(path.indexOf(chain), path.size()));
      cycle.add(chain);
      String from = path.getLast();
      out.add(new Problem(edgeAt.getOrDefault(from, Map.of()).getOrDefault(chain, Optional.empty()),
          "jump loop " + String.join(" -> ", cycle) + " in table " + t.label()));
      return;
    }
    state.put(chain, 1);
    path.add(chain);
    for (String next : edges.getOrDefault(chain, Set.of()).stream().sorted().toList()) {
      if (edges.containsKey(next)) {
        dfs(next, edges, state, path, t, edgeAt, out);
      }
    }
    path.removeLast();
    state.put(chain, 2);
  }

  private static void stmt(Table t, Stmt s, Consumer<String> problem, Consumer<String> jump) {
    switch (s) {
      case Stmt.Match m -> {
        expr(t, m.left(), problem, jump);
        expr(t, m.right(), problem, jump);
        if (m.right() instanceof Expr.SetRef ref) {
          t.set(ref.name()).ifPresent(set -> {
            if (set.map()) {
              problem.accept("'" + ref.name() + "' is a map, not a set: a match looks up a set");
            }
            typeCheck(m.left(), set.keyType(), "@" + ref.name(), problem);
          });
        } else {
          literalCheck(m.left(), m.right(), problem);
        }
      }
      case Stmt.Verdict v -> v.chain().ifPresent(c -> chainRef(t, c, problem, jump));
      case Stmt.VerdictMap v -> {
        expr(t, v.key(), problem, jump);
        expr(t, v.map(), problem, jump);
        boolean literalVmap = v.map() instanceof Expr.SetLiteral lit && lit.elements().stream()
            .allMatch(x -> x instanceof Expr.MapEntry me && me.value() instanceof Expr.VerdictValue);
        if (!literalVmap && !(v.map() instanceof Expr.SetRef)) {
          problem.accept("vmap needs a verdict map: { key : verdict, ... } or @name, not " + Printer.expr(v.map()));
        }
        if (v.map() instanceof Expr.SetRef ref) {
          t.set(ref.name()).ifPresent(set -> {
            // a named verdict map jumps from this rule's chain: its targets count for jump loops
            for (SetElement e : set.elements()) {
              e.value().ifPresent(x -> {
                if (x instanceof Expr.VerdictValue vv) {
                  vv.chain().ifPresent(jump);
                }
              });
            }
            if (!set.map() || !set.dataType().orElse("").equals("verdict")) {
              problem.accept("'" + ref.name() + "' is not a verdict map: vmap needs type ... : verdict");
            } else {
              typeCheck(v.key(), set.keyType(), "@" + ref.name(), problem);
            }
          });
        }
      }
      case Stmt.Mangle m -> {
        expr(t, m.key(), problem, jump);
        expr(t, m.value(), problem, jump);
        // ct helper/timeout/expectation set "name" and meta secmark set "name" refer to objects of the table
        String kind = switch (m.key()) {
          case Expr.Ct ct when List.of("helper", "timeout", "expectation").contains(ct.key()) -> "ct " + ct.key();
          case Expr.Meta meta when meta.key().equals("secmark") -> "secmark";
          default -> null;
        };
        if (kind != null && m.value() instanceof Expr.Literal l
            && t.objects().stream().noneMatch(o -> o.kind().equals(kind) && o.name().equals(l.value()))) {
          problem.accept(kind + " '" + l.value() + "' does not exist");
        }
      }
      case Stmt.Nat n -> {
        n.address().ifPresent(a -> expr(t, a, problem, jump));
        n.port().ifPresent(a -> expr(t, a, problem, jump));
      }
      case Stmt.FlowOffload f -> {
        if (t.flowtable(f.flowtable()).isEmpty()) {
          problem.accept("flowtable '" + f.flowtable() + "' does not exist");
        }
      }
      case Stmt.SetUpdate u -> {
        expr(t, u.element(), problem, jump);
        if (t.set(u.set()).isEmpty()) {
          problem.accept("set '" + u.set() + "' does not exist");
        }
      }
      case Stmt.ObjectRef o -> {
        if (t.objects().stream().noneMatch(x -> x.kind().equals(o.kind()) && x.name().equals(o.name()))) {
          problem.accept(o.kind() + " '" + o.name() + "' does not exist");
        }
      }
      case Stmt.Dup d -> {
        d.address().ifPresent(a -> expr(t, a, problem, jump));
        d.device().ifPresent(a -> expr(t, a, problem, jump));
      }
      case Stmt.Fwd f -> f.address().ifPresent(a -> expr(t, a, problem, jump));
      case Stmt.Counter c -> { }
      case Stmt.Limit l -> { }
      case Stmt.Log l -> { }
      case Stmt.Reject r -> { }
      case Stmt.Notrack n -> { }
      case Stmt.Quota q -> { }
      case Stmt.Queue q -> { }
      case Stmt.ConnLimit c -> { }
      case Stmt.Tproxy x -> {
        x.address().ifPresent(a -> expr(t, a, problem, jump));
        x.port().ifPresent(a -> expr(t, a, problem, jump));
      }
      case Stmt.Synproxy x -> { }
      case Stmt.Raw r -> { }
    }
  }

  private static void chainRef(Table t, String chain, Consumer<String> problem, Consumer<String> jump) {
    if (t.chain(chain).isEmpty()) {
      problem.accept("chain '" + chain + "' does not exist");
    } else if (t.chain(chain).get().hook().isPresent()) {
      problem.accept("cannot jump to base chain '" + chain + "'");
    } else {
      jump.accept(chain);
    }
  }

  private static void expr(Table t, Expr e, Consumer<String> problem, Consumer<String> jump) {
    switch (e) {
      case Expr.SetRef r -> {
        if (t.set(r.name()).isEmpty()) {
          problem.accept("set '" + r.name() + "' does not exist");
        }
      }
      case Expr.VerdictValue v -> v.chain().ifPresent(c -> chainRef(t, c, problem, jump));
      case Expr.SetLiteral s -> s.elements().forEach(x -> expr(t, x, problem, jump));
      case Expr.MapEntry m -> {
        expr(t, m.key(), problem, jump);
        expr(t, m.value(), problem, jump);
      }
      case Expr.MapLookup m -> {
        expr(t, m.key(), problem, jump);
        expr(t, m.map(), problem, jump);
        if (m.map() instanceof Expr.SetRef ref && t.set(ref.name()).map(x -> !x.map()).orElse(false)) {
          problem.accept("'" + ref.name() + "' is a set, not a map");
        }
      }
      case Expr.Concat c -> c.parts().forEach(x -> expr(t, x, problem, jump));
      case Expr.Binop b -> {
        expr(t, b.left(), problem, jump);
        expr(t, b.right(), problem, jump);
      }
      case Expr.ValueList v -> v.values().forEach(x -> expr(t, x, problem, jump));
      case Expr.Hash h -> h.input().ifPresent(x -> expr(t, x, problem, jump));
      case Expr.Payload p -> { }
      case Expr.Meta m -> { }
      case Expr.Ct c -> { }
      case Expr.Fib f -> { }
      case Expr.Rt r -> { }
      case Expr.Numgen n -> { }
      case Expr.Literal l -> { }
      case Expr.Prefix p -> { }
      case Expr.Range r -> { }
      case Expr.Socket x -> { }
      case Expr.Exthdr x -> { }
      case Expr.Osf x -> { }
      case Expr.Ipsec x -> { }
      case Expr.Raw r -> { }
    }
  }

  /** The address family a selector compares, if it is an address: "ipv4_addr" or "ipv6_addr". */
  private static Optional<String> addressType(Expr left) {
    if (left instanceof Expr.Payload p && (p.field().equals("saddr") || p.field().equals("daddr"))) {
      return switch (p.protocol()) {
        case "ip" -> Optional.of("ipv4_addr");
        case "ip6" -> Optional.of("ipv6_addr");
        default -> Optional.empty();
      };
    }
    return Optional.empty();
  }

  private static void typeCheck(Expr left, String setType, String what, Consumer<String> problem) {
    if (left instanceof Expr.Concat) {
      return;
    }
    String leftType = NftTextParser.typeOf(left);
    if (leftType.startsWith("typeof") || setType.startsWith("typeof") || setType.contains(" . ")) {
      return;
    }
    boolean compatible = leftType.equals(setType) || leftType.equals("integer") || setType.equals("integer")
        || leftType.equals("mark") && setType.equals("integer");
    if (!compatible) {
      problem.accept("datatype mismatch: " + Printer.expr(left) + " is " + leftType + ", " + what + " holds "
          + setType);
    }
  }

  private static void literalCheck(Expr left, Expr right, Consumer<String> problem) {
    Optional<String> type = addressType(left);
    if (type.isEmpty()) {
      return;
    }
    List<String> values = new ArrayList<>();
    collectLiterals(right, values);
    for (String v : values) {
      boolean v4 = Values.isIpv4(v);
      boolean v6 = Values.isIpv6(v);
      if (type.get().equals("ipv4_addr") && v6 || type.get().equals("ipv6_addr") && v4) {
        problem.accept("datatype mismatch: " + Printer.expr(left) + " expects " + (v4 ? "an IPv6" : "an IPv4")
            + " address, got " + v);
      }
    }
    if (right instanceof Expr.Prefix p && type.get().equals("ipv4_addr") && p.length() > 32) {
      problem.accept("prefix length " + p.length() + " is too long for an IPv4 address");
    }
  }

  private static void collectLiterals(Expr e, List<String> out) {
    switch (e) {
      case Expr.Literal l -> out.add(l.value());
      case Expr.Prefix p -> collectLiterals(p.address(), out);
      case Expr.Range r -> {
        collectLiterals(r.low(), out);
        collectLiterals(r.high(), out);
      }
      case Expr.SetLiteral s -> s.elements().forEach(x -> collectLiterals(x, out));
      default -> { }
    }
  }
}
