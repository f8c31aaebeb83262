package org.nftoffload.nft;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Prints the model back as nft text, in the layout {@code nft list ruleset} uses. The output parses to an equal
 * model (a property the tests check), so it is also how a rule is shown to the operator in verdict tables.
 */
public final class Printer {
  private Printer() {}

  /** The whole ruleset as nft text. */
  public static String ruleset(Ruleset rs) {
    StringBuilder sb = new StringBuilder();
    for (Table t : rs.tables()) {
      sb.append("table ").append(t.family().nftName()).append(' ').append(name(t.name())).append(" {\n");
      if (!t.flags().isEmpty()) {
        sb.append("\tflags ").append(String.join(",", t.flags())).append("\n");
      }
      t.comment().ifPresent(c -> sb.append("\tcomment ").append(quote(c)).append("\n"));
      for (StatefulObject o : t.objects()) {
        sb.append('\t').append(o.kind()).append(' ').append(name(o.name())).append(" {\n");
        object(sb, o);
        o.comment().ifPresent(c -> sb.append("\t\tcomment ").append(quote(c)).append("\n"));
        sb.append("\t}\n");
      }
      for (NftSet s : t.sets()) {
        sb.append('\t').append(s.map() ? "map " : "set ").append(name(s.name())).append(" {\n");
        sb.append("\t\ttype ").append(s.keyType()).append(s.dataType().map(d -> " : " + d).orElse("")).append('\n');
        if (!s.flags().isEmpty()) {
          sb.append("\t\tflags ").append(String.join(",", s.flags())).append('\n');
        }
        s.timeoutSeconds().ifPresent(x -> sb.append("\t\ttimeout ").append(x).append("s\n"));
        s.size().ifPresent(x -> sb.append("\t\tsize ").append(x).append('\n'));
        s.policy().ifPresent(x -> sb.append("\t\tpolicy ").append(x).append('\n'));
        s.comment().ifPresent(c -> sb.append("\t\tcomment ").append(quote(c)).append('\n'));
        if (!s.elements().isEmpty()) {
          sb.append("\t\telements = { ").append(s.elements().stream().map(Printer::element)
              .collect(Collectors.joining(",\n\t\t\t     "))).append(" }\n");
        }
        sb.append("\t}\n");
      }
      for (Flowtable f : t.flowtables()) {
        sb.append("\tflowtable ").append(name(f.name())).append(" {\n\t\thook ").append(f.hook())
            .append(" priority ").append(f.priority()).append('\n');
        if (!f.devices().isEmpty()) {
          sb.append("\t\tdevices = { ").append(f.devices().stream().map(Printer::name)
              .collect(Collectors.joining(", "))).append(" }\n");
        }
        if (!f.flags().isEmpty()) {
          sb.append("\t\tflags ").append(String.join(",", f.flags())).append('\n');
        }
        if (f.counter()) {
          sb.append("\t\tcounter\n");
        }
        sb.append("\t}\n");
      }
      for (Chain c : t.chains()) {
        sb.append("\tchain ").append(name(c.name())).append(" {\n");
        c.hook().ifPresent(h -> {
          sb.append("\t\ttype ").append(h.type()).append(" hook ").append(h.hook());
          if (h.devices().size() == 1) {
            sb.append(" device ").append(quote(h.devices().getFirst()));
          } else if (!h.devices().isEmpty()) {
            sb.append(" devices = { ").append(h.devices().stream().map(Printer::quote)
                .collect(Collectors.joining(", "))).append(" }");
          }
          sb.append(" priority ").append(h.priority()).append("; policy ").append(h.policy()).append(";\n");
        });
        c.comment().ifPresent(x -> sb.append("\t\tcomment ").append(quote(x)).append('\n'));
        for (Rule r : c.rules()) {
          sb.append("\t\t").append(rule(r)).append('\n');
        }
        sb.append("\t}\n");
      }
      sb.append("}\n");
    }
    return sb.toString();
  }

  private static void object(StringBuilder sb, StatefulObject o) {
    Map<String, String> a = o.attributes();
    switch (o.kind()) {
      case "quota" -> sb.append("\t\t").append("true".equals(a.get("over")) ? "over " : "").append(a.get("bytes"))
          .append(" bytes\n");
      case "limit" -> sb.append("\t\trate ").append("true".equals(a.get("over")) ? "over " : "").append(a.get("rate"))
          .append(a.get("unit").equals("packets") ? "/" : " " + a.get("unit") + "/").append(a.get("per"))
          .append(" burst ").append(a.get("burst")).append(' ').append(a.get("burst_unit")).append('\n');
      case "counter" -> { }
      case "synproxy" -> {
        if (a.containsKey("mss")) {
          sb.append("\t\tmss ").append(a.get("mss")).append('\n');
        }
        if (a.containsKey("wscale")) {
          sb.append("\t\twscale ").append(a.get("wscale")).append('\n');
        }
        if (a.containsKey("flags")) {
          sb.append("\t\t").append(a.get("flags").replace(',', ' ')).append('\n');
        }
      }
      case "ct timeout" -> a.forEach((k, v) -> sb.append("\t\t").append(k).append(' ').append(k.equals("policy")
          ? "= { " + v.replace("=", " : ").replace(",", ", ") + " }" : v).append('\n'));
      case "ct expectation" -> a.forEach((k, v) -> sb.append("\t\t").append(k).append(' ')
          .append(k.equals("timeout") ? v + "ms" : v).append('\n'));
      case "secmark" -> sb.append("\t\t").append(quote(a.getOrDefault("context", ""))).append('\n');
      default -> a.forEach((k, v) -> sb.append("\t\t").append(k.equals("text") ? v : k + " " + quoteIfNeeded(v))
          .append('\n'));
    }
  }

  /** A set element as nft prints it. */
  public static String element(SetElement e) {
    StringBuilder sb = new StringBuilder(expr(e.key()));
    e.timeoutSeconds().ifPresent(t -> sb.append(" timeout ").append(t).append('s'));
    e.comment().ifPresent(c -> sb.append(" comment ").append(quote(c)));
    e.value().ifPresent(v -> sb.append(" : ").append(expr(v)));
    return sb.toString();
  }

  /** One rule as nft prints it. */
  public static String rule(Rule r) {
    String s = r.statements().stream().map(Printer::stmt).collect(Collectors.joining(" "));
    return r.comment().map(c -> s + " comment " + quote(c)).orElse(s);
  }

  /** One statement. */
  public static String stmt(Stmt s) {
    return switch (s) {
      case Stmt.Match m -> match(m);
      case Stmt.Verdict v -> v.kind().nftName() + v.chain().map(c -> " " + name(c)).orElse("");
      case Stmt.VerdictMap v -> expr(v.key()) + " vmap " + expr(v.map());
      case Stmt.Counter c -> "counter";
      case Stmt.Limit l -> "limit rate " + (l.over() ? "over " : "") + l.rate()
          + (l.unit().equals("packets") ? "/" : " " + l.unit() + "/") + l.per() + " burst " + l.burst() + " "
          + l.burstUnit();
      case Stmt.Log l -> "log" + l.options().entrySet().stream().sorted(Map.Entry.comparingByKey())
          .map(e -> " " + e.getKey() + " " + (e.getKey().equals("prefix") ? quote(e.getValue()) : e.getValue()))
          .collect(Collectors.joining());
      case Stmt.Reject r -> "reject" + r.type().map(t -> " with " + t).orElse("") + r.code().map(c -> " " + c)
          .orElse("");
      case Stmt.Nat n -> nat(n);
      case Stmt.Mangle m -> expr(m.key()) + " set " + expr(m.value());
      case Stmt.FlowOffload f -> "flow add @" + f.flowtable();
      case Stmt.Notrack n -> "notrack";
      case Stmt.SetUpdate u -> u.op() + " @" + u.set() + " { " + expr(u.element()) + " }";
      case Stmt.Quota q -> "quota " + (q.over() ? "over " : "") + q.bytes() + " bytes"
          + (q.used() > 0 ? " used " + q.used() + " bytes" : "");
      case Stmt.ObjectRef o -> o.kind() + " name " + quote(o.name());
      case Stmt.Queue q -> "queue" + (q.flags().isEmpty() ? "" : " flags " + String.join(",", q.flags()))
          + q.num().map(n -> " num " + n).orElse("");
      case Stmt.Dup d -> "dup" + d.address().map(a -> " to " + expr(a)).orElse("")
          + d.device().map(x -> " device " + expr(x)).orElse("");
      case Stmt.Fwd f -> "fwd" + f.family().map(x -> " " + x).orElse("") + f.address().map(a -> " to " + expr(a)
          + " device " + expr(f.device())).orElse(" to " + expr(f.device()));
      case Stmt.ConnLimit c -> "ct count " + (c.over() ? "over " : "") + c.count();
      case Stmt.Tproxy t -> "tproxy" + t.family().map(f -> " " + f).orElse("") + " to "
          + t.address().map(a -> Values.isIpv6(expr(a)) && t.port().isPresent() ? "[" + expr(a) + "]" : expr(a))
              .orElse("") + t.port().map(p -> ":" + expr(p)).orElse("");
      case Stmt.Synproxy p -> "synproxy" + (p.mss().isPresent() ? " mss " + p.mss().getAsLong() : "")
          + (p.wscale().isPresent() ? " wscale " + p.wscale().getAsLong() : "")
          + p.flags().stream().map(f -> " " + f).collect(Collectors.joining());
      case Stmt.Raw r -> r.text();
    };
  }

  private static String match(Stmt.Match m) {
    Expr left = m.left();
    String op = m.op() == Stmt.Op.EQ ? "" : m.op().symbol() + " ";
    if (m.op() == Stmt.Op.EQ && m.right() instanceof Expr.Literal l && (l.value().equals("true")
        || l.value().equals("false"))) {
      // presence checks: nft prints exists/missing where its JSON has true/false
      String what = switch (left) {
        case Expr.Exthdr x when x.field().isEmpty() -> expr(x);
        case Expr.Payload p when p.protocol().contains(" option ") && p.field().equals("exists") -> p.protocol();
        case Expr.Fib f -> expr(f);
        default -> null;
      };
      if (what != null) {
        return what + (l.value().equals("true") ? " exists" : " missing");
      }
    }
    if (left instanceof Expr.Binop b && b.op().equals("&") && m.op() != Stmt.Op.NOT
        && b.right() instanceof Expr.ValueList && !(m.right() instanceof Expr.Literal l && Values.isNumber(l.value()))) {
      // nft's own form for flag masks: tcp flags syn / syn,ack
      return expr(b.left()) + " " + op + expr(m.right()) + " / " + expr(b.right());
    }
    return expr(left) + " " + op + expr(m.right());
  }

  private static String nat(Stmt.Nat n) {
    StringBuilder sb = new StringBuilder(n.kind().nftName());
    n.family().ifPresent(f -> sb.append(' ').append(f));
    if (n.address().isPresent() || n.port().isPresent()) {
      sb.append(" to ");
      n.address().ifPresent(a -> {
        String s = expr(a);
        sb.append(Values.isIpv6(s) && n.port().isPresent() ? "[" + s + "]" : s);
      });
      n.port().ifPresent(p -> sb.append(n.address().isPresent() && !(n.address().get() instanceof Expr.Literal)
          && !(n.address().get() instanceof Expr.Range) ? " : " : ":").append(expr(p)));
    }
    if (!n.flags().isEmpty()) {
      sb.append(' ').append(String.join(",", n.flags()));
    }
    return sb.toString();
  }

  /** One expression. */
  public static String expr(Expr e) {
    return switch (e) {
      case Expr.Payload p -> p.protocol() + " " + p.field();
      case Expr.Meta m -> "meta " + m.key();
      case Expr.Ct c -> "ct " + c.direction().map(d -> d + " ").orElse("") + c.key();
      case Expr.Fib f -> "fib " + String.join(" . ", f.flags()) + " " + f.result();
      case Expr.Rt r -> "rt " + r.key();
      case Expr.Numgen n -> "numgen " + n.mode() + " mod " + n.mod() + (n.offset() != 0 ? " offset " + n.offset() : "");
      case Expr.Hash h -> h.kind() + h.input().map(i -> " " + expr(i)).orElse("") + " mod " + h.mod()
          + (h.seed() != 0 ? " seed " + h.seed() : "") + (h.offset() != 0 ? " offset " + h.offset() : "");
      case Expr.Literal l -> literal(l.value());
      case Expr.Prefix p -> expr(p.address()) + "/" + p.length();
      case Expr.Range r -> rangeBound(r.low()) + "-" + rangeBound(r.high());
      case Expr.ValueList v -> v.values().stream().map(Printer::expr).collect(Collectors.joining(","));
      case Expr.SetLiteral s -> "{ " + s.elements().stream().map(Printer::expr).collect(Collectors.joining(", "))
          + " }";
      case Expr.MapEntry m -> expr(m.key()) + " : " + expr(m.value());
      case Expr.SetRef r -> "@" + r.name();
      case Expr.Concat c -> c.parts().stream().map(Printer::expr).collect(Collectors.joining(" . "));
      case Expr.Binop b -> expr(b.left()) + " " + b.op() + " " + (b.right() instanceof Expr.ValueList v
          ? "(" + v.values().stream().map(Printer::expr).collect(Collectors.joining(" | ")) + ")"
          : expr(b.right()));
      case Expr.MapLookup m -> expr(m.key()) + " map " + expr(m.map());
      case Expr.VerdictValue v -> v.kind().nftName() + v.chain().map(c -> " " + name(c)).orElse("");
      case Expr.Socket x -> "socket " + x.key() + (x.key().equals("cgroupv2") ? " level " + x.level() : "");
      case Expr.Exthdr x -> x.field().map(f -> x.name() + " " + f).orElse("exthdr " + x.name());
      case Expr.Osf o -> "osf" + o.ttl().map(t -> " ttl " + t).orElse("") + " " + o.key();
      case Expr.Ipsec i -> "ipsec " + i.direction() + (i.spnum() != 0 ? " spnum " + i.spnum() : "") + " "
          + i.family().map(f -> f + " ").orElse("") + i.key();
      case Expr.Raw r -> r.text();
    };
  }

  /** A bound that is not a number, address or port name is quoted, as nft prints {@code "17:00"-"19:00"}. */
  private static String rangeBound(Expr e) {
    return e instanceof Expr.Literal l && !Values.isRangeBound(l.value()) ? quote(l.value()) : expr(e);
  }

  private static String literal(String v) {
    if (v.isEmpty() || !v.chars().allMatch(c -> Lexer.isWordChar((char) c)) || List.of(":", ".", "/", "-")
        .contains(v) || v.startsWith("-") || NftTextParser.isKeywordLike(v)) {
      return quote(v);
    }
    return v;
  }

  static String name(String n) {
    return n.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '_' || c == '-' || c == '.')
        && !n.isEmpty() && Character.isLetter(n.charAt(0)) ? n : quote(n);
  }

  static String quote(String s) {
    return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
  }

  private static String quoteIfNeeded(String v) {
    return v.chars().allMatch(c -> Lexer.isWordChar((char) c)) && !v.isEmpty() ? v : quote(v);
  }
}
