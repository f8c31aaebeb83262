package org.nftoffload.nft;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.nftoffload.nft.RulesetBuilder.ChainB;
import org.nftoffload.nft.RulesetBuilder.SetB;
import org.nftoffload.nft.RulesetBuilder.TableB;

/**
 * Reads libnftables JSON ({@code nft -j list ruleset}, and the command form {@code {"add": {"rule": ...}}}) into
 * the same {@link Ruleset} model as {@link NftTextParser}. Each top-level object is read with its line and column
 * so that errors and rule positions point into the JSON text. Objects and expressions it does not model become
 * {@link Stmt.Raw}/{@link Expr.Raw} holding their JSON.
 */
public final class NftJsonParser {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final Source source;
  private final RulesetBuilder state = new RulesetBuilder();
  private Position at;

  private NftJsonParser(Source source) {
    this.source = source;
  }

  /** Parses JSON text. */
  public static Ruleset parse(String name, String json) throws NftParseException {
    return new NftJsonParser(new Source(name, json)).run();
  }

  /** Whether text looks like nft JSON rather than nft text (its first non-blank character is '{'). */
  public static boolean looksLikeJson(String text) {
    return text.stripLeading().startsWith("{");
  }

  private Ruleset run() throws NftParseException {
    try (JsonParser p = MAPPER.getFactory().createParser(source.text())) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw error(p.currentTokenLocation(), "expecting a JSON object {\"nftables\": [...]}");
      }
      if (p.nextToken() != JsonToken.FIELD_NAME || !"nftables".equals(p.currentName())) {
        throw error(p.currentTokenLocation(), "expecting the field \"nftables\"");
      }
      if (p.nextToken() != JsonToken.START_ARRAY) {
        throw error(p.currentTokenLocation(), "expecting an array after \"nftables\"");
      }
      while (p.nextToken() == JsonToken.START_OBJECT) {
        JsonLocation loc = p.currentTokenLocation();
        at = position(loc);
        JsonNode node = p.readValueAsTree();
        try {
          item(node);
        } catch (IllegalArgumentException | NullPointerException | ArithmeticException e) {
          throw error(loc, e.getMessage() == null ? "malformed " + firstKey(node) + " object" : e.getMessage());
        }
      }
      if (p.currentToken() != JsonToken.END_ARRAY) {
        throw error(p.currentTokenLocation(), "expecting an object in \"nftables\"");
      }
      if (p.nextToken() != JsonToken.END_OBJECT) {
        throw error(p.currentTokenLocation(), "expecting '}' after the \"nftables\" array");
      }
      if (p.nextToken() != null) {
        throw error(p.currentTokenLocation(), "trailing content after the JSON object");
      }
    } catch (JsonProcessingException e) {
      JsonLocation loc = e.getLocation() == null ? JsonLocation.NA : e.getLocation();
      throw error(loc, "malformed JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new NftParseException(new Position(source.name(), 1, 1), "", "cannot read JSON: " + e.getMessage());
    }
    return state.build();
  }

  private Position position(JsonLocation loc) {
    return new Position(source.name(), Math.max(1, loc.getLineNr()), Math.max(1, loc.getColumnNr()));
  }

  private NftParseException error(JsonLocation loc, String msg) {
    Position p = position(loc);
    return new NftParseException(p, source.line(p.line()), msg);
  }

  private static String firstKey(JsonNode n) {
    return n.fieldNames().hasNext() ? n.fieldNames().next() : "empty";
  }

  private static IllegalArgumentException bad(String msg) {
    return new IllegalArgumentException(msg);
  }

  // ---------------------------------------------------------------- objects

  private void item(JsonNode node) {
    if (node.size() != 1) {
      throw bad("expecting an object with one key (table, chain, rule, set, map, element, flowtable, add, ...)");
    }
    String key = firstKey(node);
    JsonNode body = node.get(key);
    switch (key) {
      case "metainfo" -> { }
      case "add", "create", "insert", "replace", "delete", "destroy", "flush" -> {
        if (!body.isObject() || body.size() != 1) {
          throw bad("expecting {\"" + key + "\": {\"<object>\": {...}}}");
        }
        object(key, firstKey(body), body.get(firstKey(body)));
      }
      default -> object("add", key, body);
    }
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || !v.isValueNode() || v.isNull()) {
      throw bad("missing or malformed \"" + field + "\"");
    }
    return v.asText();
  }

  private static Optional<String> optText(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() || !v.isValueNode() ? Optional.empty() : Optional.of(v.asText());
  }

  private static List<String> strings(JsonNode n) {
    if (n == null || n.isNull()) {
      return List.of();
    }
    if (n.isArray()) {
      List<String> out = new ArrayList<>();
      n.forEach(x -> out.add(x.asText()));
      return out;
    }
    return List.of(n.asText());
  }

  private Family family(JsonNode n) {
    return Family.of(text(n, "family")).orElseThrow(() -> bad("unknown family \"" + n.get("family").asText() + "\""));
  }

  private TableB table(JsonNode n) {
    Family f = family(n);
    String t = text(n, "table");
    TableB tb = state.tables.get(RulesetBuilder.key(f, t));
    if (tb == null) {
      throw bad("table " + f.nftName() + " " + t + " does not exist");
    }
    return tb;
  }

  private void object(String verb, String kind, JsonNode n) {
    boolean del = verb.equals("delete") || verb.equals("destroy");
    if (kind.equals("ruleset") && verb.equals("flush")) {
      state.tables.clear();
      return;
    }
    if (!n.isObject()) {
      throw bad("\"" + kind + "\" is not an object");
    }
    switch (kind) {
      case "table" -> {
        Family f = family(n);
        String name = text(n, "name");
        String key = RulesetBuilder.key(f, name);
        if (del) {
          state.tables.remove(key);
        } else if (verb.equals("flush")) {
          TableB tb = state.tables.get(key);
          if (tb != null) {
            tb.chains.values().forEach(c -> c.rules.clear());
          }
        } else {
          TableB tb = state.tables.computeIfAbsent(key, k -> new TableB(f, name));
          tb.flags.addAll(strings(n.get("flags")));
          optText(n, "comment").ifPresent(c -> tb.comment = Optional.of(c));
        }
      }
      case "chain" -> {
        TableB tb = table(n);
        String name = text(n, "name");
        if (del) {
          tb.chains.remove(name);
          return;
        }
        ChainB cb = tb.chain(name);
        if (verb.equals("flush")) {
          cb.rules.clear();
          return;
        }
        if (n.has("hook")) {
          cb.hook = Optional.of(new Hook(optText(n, "type").orElse("filter"), text(n, "hook"),
              n.path("prio").asInt(0), optText(n, "policy").orElse("accept"), strings(n.get("dev"))));
        }
        optText(n, "comment").ifPresent(c -> cb.comment = Optional.of(c));
      }
      case "rule" -> {
        TableB tb = table(n);
        String chain = text(n, "chain");
        ChainB cb = tb.chains.get(chain);
        if (cb == null) {
          throw bad("chain " + chain + " does not exist in table " + tb.family.nftName() + " " + tb.name);
        }
        OptionalLong handle = n.has("handle") ? OptionalLong.of(n.get("handle").asLong()) : OptionalLong.empty();
        if (del) {
          int i = handle.isPresent() ? cb.indexOfHandle(handle.getAsLong()) : -1;
          if (i < 0) {
            throw bad("no rule with handle " + n.path("handle").asText() + " in chain " + chain);
          }
          cb.rules.remove(i);
          return;
        }
        List<Stmt> stmts = new ArrayList<>();
        JsonNode exprs = n.get("expr");
        if (exprs == null || !exprs.isArray()) {
          throw bad("rule without an \"expr\" array");
        }
        for (JsonNode s : exprs) {
          stmts.add(stmt(s));
        }
        Rule r = new Rule(stmts, optText(n, "comment"), verb.equals("add") && !n.has("position") ? handle
            : OptionalLong.empty(), Optional.of(at));
        int index = -1;
        if (n.has("position")) {
          index = cb.indexOfHandle(n.get("position").asLong());
        } else if (!verb.equals("add") && handle.isPresent()) {
          index = cb.indexOfHandle(handle.getAsLong());
        }
        switch (verb) {
          case "insert" -> cb.rules.add(Math.max(index, 0), r);
          case "replace" -> {
            if (index < 0) {
              throw bad("no rule with handle " + n.path("handle").asText() + " in chain " + chain);
            }
            cb.rules.set(index, new Rule(stmts, r.comment(), handle, r.position()));
          }
          default -> cb.rules.add(index < 0 ? cb.rules.size() : index + 1, r);
        }
      }
      case "set", "map" -> {
        TableB tb = table(n);
        String name = text(n, "name");
        if (del) {
          tb.sets.remove(name);
          return;
        }
        SetB sb = tb.sets.computeIfAbsent(name, x -> new SetB(x, kind.equals("map")));
        if (verb.equals("flush")) {
          sb.elements.clear();
          return;
        }
        sb.keyType = String.join(" . ", strings(n.get("type")));
        if (kind.equals("map")) {
          sb.map = true;
          sb.dataType = Optional.of(String.join(" . ", strings(n.get("map"))));
        }
        sb.flags.addAll(strings(n.get("flags")));
        if (n.has("timeout")) {
          sb.timeout = OptionalLong.of(n.get("timeout").asLong());
        }
        if (n.has("size")) {
          sb.size = OptionalLong.of(n.get("size").asLong());
        }
        sb.policy = optText(n, "policy");
        sb.comment = optText(n, "comment");
        JsonNode elems = n.get("elem");
        if (elems != null) {
          for (JsonNode e : elems.isArray() ? elems : List.of(elems)) {
            sb.elements.add(element(e));
          }
        }
      }
      case "element" -> {
        TableB tb = table(n);
        String name = text(n, "name");
        SetB sb = tb.sets.get(name);
        if (sb == null) {
          throw bad("set " + name + " does not exist in table " + tb.name);
        }
        JsonNode elems = n.get("elem");
        List<SetElement> els = new ArrayList<>();
        for (JsonNode e : elems == null ? List.<JsonNode>of() : elems.isArray() ? elems : List.of(elems)) {
          els.add(element(e));
        }
        if (del) {
          els.forEach(e -> sb.elements.removeIf(x -> x.key().equals(e.key())));
        } else {
          sb.elements.addAll(els);
        }
      }
      case "flowtable" -> {
        TableB tb = table(n);
        String name = text(n, "name");
        if (del) {
          tb.flowtables.remove(name);
          return;
        }
        List<String> flags = strings(n.get("flags"));
        tb.flowtables.put(name, new Flowtable(name, optText(n, "hook").orElse("ingress"), n.path("prio").asInt(0),
            strings(n.get("dev")), flags.stream().filter(f -> !f.equals("counter")).toList(),
            flags.contains("counter") || n.path("counter").asBoolean(false)));
      }
      case "counter", "quota", "limit", "secmark", "synproxy", "ct helper", "ct timeout", "ct expectation" -> {
        TableB tb = table(n);
        String name = text(n, "name");
        if (del) {
          tb.objects.remove(kind + " " + name);
          return;
        }
        Map<String, String> attrs = new HashMap<>();
        switch (kind) {
          case "counter" -> { }
          case "quota" -> {
            attrs.put("bytes", Long.toString(n.path("bytes").asLong()));
            attrs.put("over", Boolean.toString(n.path("inv").asBoolean(false)));
          }
          case "limit" -> attrs.putAll(NftTextParser.limitAttributes(limit(n)));
          case "ct helper" -> {
            optText(n, "type").ifPresent(v -> attrs.put("type", v));
            optText(n, "protocol").ifPresent(v -> attrs.put("protocol", v));
            optText(n, "l3proto").ifPresent(v -> attrs.put("l3proto", v));
          }
          case "synproxy" -> {
            optText(n, "mss").ifPresent(v -> attrs.put("mss", v));
            optText(n, "wscale").ifPresent(v -> attrs.put("wscale", v));
            List<String> flags = strings(n.get("flags")).stream().sorted().toList();
            if (!flags.isEmpty()) {
              attrs.put("flags", String.join(",", flags));
            }
          }
          case "ct timeout" -> {
            optText(n, "protocol").ifPresent(v -> attrs.put("protocol", v));
            optText(n, "l3proto").ifPresent(v -> attrs.put("l3proto", v));
            JsonNode policy = n.get("policy");
            if (policy != null && policy.isObject()) {
              java.util.TreeMap<String, Long> p = new java.util.TreeMap<>();
              policy.fields().forEachRemaining(f -> p.put(f.getKey(), f.getValue().asLong()));
              attrs.put("policy", String.join(",", p.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                  .toList()));
            }
          }
          case "ct expectation" -> {
            for (String f : List.of("protocol", "l3proto", "dport", "size", "timeout")) {
              optText(n, f).ifPresent(v -> attrs.put(f, v));
            }
          }
          case "secmark" -> optText(n, "context").ifPresent(v -> attrs.put("context", v));
          default -> {
            var copy = n.deepCopy();
            if (copy instanceof com.fasterxml.jackson.databind.node.ObjectNode o) {
              o.remove(List.of("family", "table", "name", "handle", "comment"));
            }
            attrs.put("json", copy.toString());
          }
        }
        tb.objects.put(kind + " " + name, new StatefulObject(kind, name, attrs, optText(n, "comment")));
      }
      default -> throw bad("unknown object \"" + kind + "\"");
    }
  }

  private SetElement element(JsonNode e) {
    JsonNode key = e;
    Optional<Expr> value = Optional.empty();
    if (e.isArray() && e.size() == 2) {
      key = e.get(0);
      value = Optional.of(expr(e.get(1)));
    }
    OptionalLong timeout = OptionalLong.empty();
    Optional<String> comment = Optional.empty();
    if (key.isObject() && key.has("elem")) {
      JsonNode el = key.get("elem");
      if (el.has("timeout")) {
        timeout = OptionalLong.of(el.get("timeout").asLong());
      }
      comment = optText(el, "comment");
      key = el.get("val");
    }
    return new SetElement(expr(key), value, timeout, comment);
  }

  // ---------------------------------------------------------------- statements

  private Stmt stmt(JsonNode s) {
    if (!s.isObject() || s.size() != 1) {
      throw bad("a statement is an object with one key");
    }
    String k = firstKey(s);
    JsonNode v = s.get(k);
    return switch (k) {
      case "match" -> new Stmt.Match(expr(v.get("left")), Stmt.Op.of(text(v, "op"))
          .orElseThrow(() -> bad("unknown operator " + v.get("op"))), expr(v.get("right")));
      case "accept", "drop", "continue", "return" ->
          new Stmt.Verdict(Stmt.VerdictKind.valueOf(k.toUpperCase(Locale.ROOT)), Optional.empty());
      case "jump", "goto" -> new Stmt.Verdict(Stmt.VerdictKind.valueOf(k.toUpperCase(Locale.ROOT)),
          Optional.of(text(v, "target")));
      case "vmap" -> new Stmt.VerdictMap(expr(v.get("key")), expr(v.get("data")));
      case "counter" -> v.isTextual() ? new Stmt.ObjectRef("counter", v.asText()) : new Stmt.Counter();
      case "limit" -> v.isTextual() ? new Stmt.ObjectRef("limit", v.asText()) : limit(v);
      case "quota" -> v.isTextual() ? new Stmt.ObjectRef("quota", v.asText())
          : new Stmt.Quota(v.path("inv").asBoolean(false), Values.bytes(v.path("val").asLong(),
              v.path("val_unit").asText("bytes")), Values.bytes(v.path("used").asLong(0),
              v.path("used_unit").asText("bytes")));
      case "log" -> {
        Map<String, String> opts = new HashMap<>();
        if (v != null && v.isObject()) {
          v.fields().forEachRemaining(f -> opts.put(f.getKey(), f.getKey().equals("flags")
              ? String.join(",", strings(f.getValue()).stream().sorted().toList()) : f.getValue().asText()));
        }
        if ("warn".equals(opts.get("level"))) {
          opts.remove("level");
        }
        yield new Stmt.Log(opts);
      }
      case "reject" -> v == null || v.isNull() || "port-unreachable".equals(v.path("expr").asText())
          ? new Stmt.Reject(Optional.empty(), Optional.empty())
          : new Stmt.Reject(optText(v, "type"), optText(v, "expr").map(Values::canonical));
      case "ct helper", "ct timeout", "ct expectation" ->
          new Stmt.Mangle(new Expr.Ct(k.substring(3), Optional.empty()), expr(v));
      case "snat", "dnat", "masquerade", "redirect" -> {
        JsonNode o = v == null ? NullNode.getInstance() : v;
        yield new Stmt.Nat(Stmt.NatKind.valueOf(k.toUpperCase(Locale.ROOT)), optText(o, "family"),
            o.has("addr") ? Optional.of(expr(o.get("addr"))) : Optional.empty(),
            o.has("port") ? Optional.of(expr(o.get("port"))) : Optional.empty(),
            strings(o.get("flags")).stream().sorted().toList());
      }
      case "mangle" -> new Stmt.Mangle(expr(v.get("key")), expr(v.get("value")));
      case "flow" -> new Stmt.FlowOffload(text(v, "flowtable").replaceFirst("^@", ""));
      case "notrack" -> new Stmt.Notrack();
      case "tproxy" -> new Stmt.Tproxy(optText(v, "family"),
          v.has("addr") ? Optional.of(expr(v.get("addr"))) : Optional.empty(),
          v.has("port") ? Optional.of(expr(v.get("port"))) : Optional.empty());
      case "synproxy" -> v.isTextual() ? new Stmt.ObjectRef("synproxy", v.asText())
          : new Stmt.Synproxy(v.has("mss") ? OptionalLong.of(v.get("mss").asLong()) : OptionalLong.empty(),
              v.has("wscale") ? OptionalLong.of(v.get("wscale").asLong()) : OptionalLong.empty(),
              strings(v.get("flags")));
      case "secmark" -> new Stmt.Mangle(new Expr.Meta("secmark"), expr(v));
      case "ct count" -> new Stmt.ConnLimit(v.path("val").asLong(), v.path("inv").asBoolean(false));
      case "dup" -> new Stmt.Dup(v.has("addr") ? Optional.of(expr(v.get("addr"))) : Optional.empty(),
          v.has("dev") ? Optional.of(expr(v.get("dev"))) : Optional.empty());
      case "fwd" -> new Stmt.Fwd(expr(v.get("dev")), optText(v, "family"),
          v.has("addr") ? Optional.of(expr(v.get("addr"))) : Optional.empty());
      case "set" -> new Stmt.SetUpdate(text(v, "op"), text(v, "set").replaceFirst("^@", ""), expr(v.get("elem")));
      case "queue" -> new Stmt.Queue(v.has("num") ? Optional.of(exprText(v.get("num"))) : Optional.empty(),
          strings(v.get("flags")).stream().sorted().toList());
      default -> new Stmt.Raw(k, s.toString());
    };
  }

  private static String exprText(JsonNode n) {
    if (n.isObject() && n.has("range")) {
      return n.get("range").get(0).asText() + "-" + n.get("range").get(1).asText();
    }
    return n.asText();
  }

  private static Stmt.Limit limit(JsonNode v) {
    String unit = v.path("rate_unit").asText("packets");
    long burst = v.path("burst").asLong(unit.equals("packets") ? 5 : 0);
    String burstUnit = v.path("burst_unit").asText(unit.equals("packets") ? "packets" : "bytes");
    if (!burstUnit.equals("packets")) {
      burst = Values.bytes(burst, burstUnit);
      burstUnit = "bytes";
    }
    return new Stmt.Limit(v.path("rate").asLong(), unit, v.path("per").asText("second"), burst, burstUnit,
        v.path("inv").asBoolean(false));
  }

  // ---------------------------------------------------------------- expressions

  private Expr expr(JsonNode n) {
    if (n == null) {
      throw bad("missing expression");
    }
    if (n.isNumber()) {
      return new Expr.Literal(n.bigIntegerValue().toString());
    }
    if (n.isTextual()) {
      String s = n.asText();
      return s.startsWith("@") ? new Expr.SetRef(s.substring(1)) : new Expr.Literal(Values.canonical(s));
    }
    if (n.isBoolean()) {
      return new Expr.Literal(n.asText());
    }
    if (n.isArray()) {
      List<Expr> out = new ArrayList<>();
      n.forEach(x -> out.add(expr(x)));
      return out.size() == 1 ? out.getFirst() : new Expr.ValueList(out);
    }
    if (!n.isObject() || n.size() != 1) {
      throw bad("an expression is a value or an object with one key");
    }
    String k = firstKey(n);
    JsonNode v = n.get(k);
    return switch (k) {
      case "payload" -> v.has("protocol") ? new Expr.Payload(text(v, "protocol"), text(v, "field"))
          : new Expr.Raw(n.toString());
      case "meta" -> new Expr.Meta(text(v, "key"));
      case "rt" -> new Expr.Rt(text(v, "key"));
      case "numgen" -> new Expr.Numgen(text(v, "mode"), v.path("mod").asLong(), v.path("offset").asLong(0));
      case "jhash", "symhash" -> new Expr.Hash(k, v.has("expr") ? Optional.of(expr(v.get("expr"))) : Optional.empty(),
          v.path("mod").asLong(), v.path("seed").asLong(0), v.path("offset").asLong(0));
      case "tcp option", "ip option" -> new Expr.Payload(k + " " + text(v, "name"), optText(v, "field").orElse("exists"));
      case "ct" -> new Expr.Ct(text(v, "key"), optText(v, "dir"));
      case "socket" -> new Expr.Socket(text(v, "key"), v.path("level").asInt(0));
      case "osf" -> new Expr.Osf(text(v, "key"), optText(v, "ttl"));
      case "ipsec" -> new Expr.Ipsec(text(v, "dir"), v.path("spnum").asInt(0), text(v, "key"), optText(v, "family"));
      case "exthdr" -> v.has("offset") ? new Expr.Raw(n.toString())
          : new Expr.Exthdr(text(v, "name"), optText(v, "field"));
      case "fib" -> new Expr.Fib(strings(v.get("flags")).stream().sorted().toList(), text(v, "result"));
      case "prefix" -> new Expr.Prefix(expr(v.get("addr")), v.path("len").asInt());
      case "range" -> new Expr.Range(expr(v.get(0)), expr(v.get(1)));
      case "set" -> {
        List<Expr> els = new ArrayList<>();
        for (JsonNode e : v.isArray() ? v : List.of(v)) {
          SetElement se = element(e);
          els.add(se.value().<Expr>map(x -> new Expr.MapEntry(se.key(), x)).orElse(se.key()));
        }
        yield new Expr.SetLiteral(els);
      }
      case "elem" -> expr(v.get("val"));
      case "map" -> new Expr.MapLookup(expr(v.get("key")), expr(v.get("data")));
      case "concat" -> {
        List<Expr> parts = new ArrayList<>();
        v.forEach(x -> parts.add(expr(x)));
        yield parts.size() == 1 ? parts.getFirst() : new Expr.Concat(parts);
      }
      case "&", "|", "^", "<<", ">>" -> {
        Expr e = expr(v.get(0));
        for (int i = 1; i < v.size(); i++) {
          e = new Expr.Binop(k, e, expr(v.get(i)));
        }
        yield e;
      }
      case "accept", "drop", "continue", "return" ->
          new Expr.VerdictValue(Stmt.VerdictKind.valueOf(k.toUpperCase(Locale.ROOT)), Optional.empty());
      case "jump", "goto" -> new Expr.VerdictValue(Stmt.VerdictKind.valueOf(k.toUpperCase(Locale.ROOT)),
          Optional.of(text(v, "target")));
      default -> new Expr.Raw(n.toString());
    };
  }
}
