package org.nftoffload.nft;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.nftoffload.nft.RulesetBuilder.ChainB;
import org.nftoffload.nft.RulesetBuilder.SetB;
import org.nftoffload.nft.RulesetBuilder.TableB;
import org.nftoffload.nft.Token.Kind;

/**
 * Reads nft text (what {@code nft list ruleset} prints and what people write for {@code nft -f}) into a
 * {@link Ruleset}: a hand-written recursive-descent parser over {@link Lexer} tokens, after {@link Expander} has
 * applied defines and includes. Commands are applied in order, so the result is the state the kernel would hold.
 * Statements and selectors it does not model are kept as {@link Stmt.Raw}/{@link Expr.Raw} with their text. Pure:
 * no I/O (includes go through the {@link IncludeResolver}). Not thread-safe; use one instance per parse.
 */
public final class NftTextParser {

  static final Set<String> PAYLOAD_PROTOS = Set.of("ether", "vlan", "arp", "ip", "ip6", "icmp", "icmpv6", "igmp",
      "tcp", "udp", "udplite", "sctp", "dccp", "ah", "esp", "comp", "th", "gre", "ipcomp", "cfi");
  static final Set<String> META_BARE = Set.of("iif", "oif", "iifname", "oifname", "iiftype", "oiftype", "mark",
      "skuid", "skgid", "nftrace", "rtclassid", "ibrname", "obrname", "ibriport", "obriport", "pkttype", "cpu",
      "iifgroup", "oifgroup", "cgroup");
  static final Set<String> RAW_SELECTORS = Set.of("numgen", "jhash", "symhash", "tunnel", "secmark",
      "meter", "xt", "last", "inner", "rt0", "rt2", "rt4");
  /** IPv6 extension headers whose fields nft prints as {@code NAME FIELD} ({@code rt} is shared with routing). */
  static final Set<String> EXTHDRS = Set.of("hbh", "frag", "dst", "mh", "srh");
  private static final Set<String> RT_EXTHDR_FIELDS = Set.of("nexthdr", "hdrlength", "type", "seg-left");
  private static final Set<String> STOP_WORDS = Set.of("accept", "drop", "continue", "return", "jump", "goto",
      "comment", "counter", "log");
  private static final Set<String> BINOPS = Set.of("&", "|", "^", "<<", ">>");
  private static final Set<String> CMP = Set.of("==", "!=", "<", ">", "<=", ">=");

  private final IncludeResolver resolver;
  private List<Token> toks;
  private int pos;
  private final RulesetBuilder state = new RulesetBuilder();

  private NftTextParser(IncludeResolver resolver) {
    this.resolver = resolver;
  }

  /** Parses one source; includes are read through the resolver. */
  public static Ruleset parse(Source source, IncludeResolver resolver) throws NftParseException {
    NftTextParser p = new NftTextParser(resolver);
    p.toks = new Expander(resolver).expand(source);
    p.pos = 0;
    try {
      p.file();
    } catch (StackOverflowError e) {
      // only hostile input nests this deep; report where we were rather than die
      throw p.error(p.peek(), "input nested too deeply");
    }
    return p.state.build();
  }

  /** Parses self-contained text (includes refused). */
  public static Ruleset parse(String name, String text) throws NftParseException {
    return parse(new Source(name, text), IncludeResolver.none());
  }

  // ---------------------------------------------------------------- tokens

  private Token peek() {
    return toks.get(pos);
  }

  private Token peek(int k) {
    return toks.get(Math.min(pos + k, toks.size() - 1));
  }

  private Token next() {
    Token t = toks.get(pos);
    if (pos < toks.size() - 1) {
      pos++;
    }
    return t;
  }

  private boolean peekWord(String w) {
    return peek().isWord(w);
  }

  private boolean accept(String w) {
    if (peekWord(w)) {
      next();
      return true;
    }
    return false;
  }

  private Token expect(Kind k, String what) throws NftParseException {
    Token t = peek();
    if (!t.is(k)) {
      throw unexpected(t, what);
    }
    return next();
  }

  private void expectWord(String w) throws NftParseException {
    if (!peekWord(w)) {
      throw unexpected(peek(), w);
    }
    next();
  }

  /** A word or string: names of tables, chains, sets, devices. */
  private String name(String what) throws NftParseException {
    Token t = peek();
    if (t.is(Kind.WORD) || t.is(Kind.STRING)) {
      return next().text();
    }
    throw unexpected(t, what);
  }

  private String word(String what) throws NftParseException {
    return expect(Kind.WORD, what).text();
  }

  private long number(String what) throws NftParseException {
    Token t = peek();
    if (t.is(Kind.WORD) && Values.isNumber(t.text()) && t.text().length() < 18) {
      next();
      return Long.parseLong(Values.canonical(t.text()));
    }
    throw unexpected(t, what);
  }

  private boolean atRuleEnd() {
    Token t = peek();
    return t.is(Kind.NEWLINE) || t.is(Kind.SEMI) || t.is(Kind.RBRACE) || t.is(Kind.EOF) || t.is(Kind.HANDLE);
  }

  private void skipSeparators() {
    while (peek().is(Kind.NEWLINE) || peek().is(Kind.SEMI) || peek().is(Kind.HANDLE)) {
      next();
    }
  }

  private void skipNewlines() {
    while (peek().is(Kind.NEWLINE) || peek().is(Kind.HANDLE)) {
      next();
    }
  }

  NftParseException error(Token t, String msg) {
    return Expander.error(t, msg);
  }

  private NftParseException unexpected(Token t, String expecting) {
    return error(t, "syntax error, unexpected " + t.describe() + ", expecting " + expecting);
  }

  // ---------------------------------------------------------------- commands

  private void file() throws NftParseException {
    for (;;) {
      skipSeparators();
      Token t = peek();
      if (t.is(Kind.EOF)) {
        return;
      }
      if (!t.is(Kind.WORD)) {
        throw unexpected(t, "a command (table, add, insert, delete, flush, define, include)");
      }
      switch (t.text()) {
        case "table", "chain", "set", "map", "flowtable", "rule", "element", "counter", "quota", "limit", "ct",
             "secmark", "synproxy" -> command("add");
        case "add", "create", "insert", "replace", "delete", "destroy", "flush" -> command(next().text());
        default -> throw unexpected(t, "a command (table, add, insert, delete, flush, define, include)");
      }
      if (!atRuleEnd() && !peek().is(Kind.EOF)) {
        throw unexpected(peek(), "newline or semicolon");
      }
    }
  }

  private record TableRef(Family family, String name, Token at) {}

  private TableRef tableRef() throws NftParseException {
    Token first = peek();
    Family family = Family.IP;
    if (first.is(Kind.WORD) && Family.of(first.text()).isPresent()
        && (peek(1).is(Kind.WORD) || peek(1).is(Kind.STRING))) {
      family = Family.of(next().text()).orElseThrow();
    }
    Token at = peek();
    return new TableRef(family, name("table name"), at);
  }

  private TableB existingTable(TableRef r) throws NftParseException {
    TableB tb = state.tables.get(RulesetBuilder.key(r.family(), r.name()));
    if (tb == null) {
      throw error(r.at(), "No such file or directory; table '" + r.name() + "' does not exist in family "
          + r.family().nftName());
    }
    return tb;
  }

  private void command(String verb) throws NftParseException {
    Token objTok = peek();
    String obj = word("an object (table, chain, rule, set, map, element, flowtable, counter, ...)");
    boolean add = verb.equals("add") || verb.equals("create");
    boolean del = verb.equals("delete") || verb.equals("destroy");
    switch (obj) {
      case "ruleset" -> {
        if (!verb.equals("flush")) {
          throw unexpected(objTok, "table, chain, rule, set, map, element or flowtable after " + verb);
        }
        Optional<Family> f = peek().is(Kind.WORD) ? Family.of(peek().text()) : Optional.empty();
        f.ifPresent(x -> next());
        state.tables.values().removeIf(tb -> f.isEmpty() || tb.family == f.get());
      }
      case "table" -> {
        TableRef r = tableRef();
        String key = RulesetBuilder.key(r.family(), r.name());
        if (add) {
          if (verb.equals("create") && state.tables.containsKey(key)) {
            throw error(r.at(), "File exists; table '" + r.name() + "' already exists");
          }
          TableB tb = state.tables.computeIfAbsent(key, k -> new TableB(r.family(), r.name()));
          if (peek().is(Kind.LBRACE)) {
            tableBody(tb);
          }
        } else if (del) {
          if (state.tables.remove(key) == null && verb.equals("delete")) {
            existingTable(r);
          }
        } else if (verb.equals("flush")) {
          TableB tb = existingTable(r);
          tb.chains.values().forEach(c -> c.rules.clear());
          tb.sets.values().forEach(s -> s.elements.clear());
        } else {
          throw unexpected(objTok, "chain, rule, set, map or element after " + verb);
        }
      }
      case "chain" -> {
        TableB tb = existingTable(tableRef());
        Token at = peek();
        String c = name("chain name");
        if (add) {
          if (verb.equals("create") && tb.chains.containsKey(c)) {
            throw error(at, "File exists; chain '" + c + "' already exists");
          }
          ChainB cb = tb.chain(c);
          if (peek().is(Kind.LBRACE)) {
            chainBody(tb, cb);
          }
        } else if (del || verb.equals("flush")) {
          ChainB cb = tb.chains.get(c);
          if (cb == null) {
            if (verb.equals("destroy")) {
              return;
            }
            throw notInTable(at, "chain", c, tb);
          }
          if (del) {
            tb.chains.remove(c);
          } else {
            cb.rules.clear();
          }
        } else {
          throw unexpected(objTok, "rule after " + verb);
        }
      }
      case "rule" -> ruleCommand(verb);
      case "set", "map" -> {
        TableB tb = existingTable(tableRef());
        Token at = peek();
        String s = name("set name");
        if (add) {
          SetB sb = tb.sets.computeIfAbsent(s, n -> new SetB(n, obj.equals("map")));
          if (peek().is(Kind.LBRACE)) {
            setBody(tb, sb);
          }
        } else {
          SetB sb = tb.sets.get(s);
          if (sb == null) {
            if (verb.equals("destroy")) {
              return;
            }
            throw notInTable(at, "set", s, tb);
          }
          if (del) {
            tb.sets.remove(s);
          } else {
            sb.elements.clear();
          }
        }
      }
      case "element" -> {
        TableB tb = existingTable(tableRef());
        Token at = peek();
        String s = name("set name");
        SetB sb = tb.sets.get(s);
        if (sb == null) {
          throw notInTable(at, "set", s, tb);
        }
        List<SetElement> els = elementList();
        if (add) {
          sb.elements.addAll(els);
        } else if (del) {
          for (SetElement e : els) {
            sb.elements.removeIf(x -> x.key().equals(e.key()));
          }
        }
      }
      case "flowtable" -> {
        TableB tb = existingTable(tableRef());
        String f = name("flowtable name");
        if (add) {
          tb.flowtables.put(f, flowtableBody(tb, f));
        } else if (del) {
          tb.flowtables.remove(f);
        }
      }
      case "counter", "quota", "limit", "secmark", "synproxy", "ct" -> {
        String kind = obj;
        if (obj.equals("ct")) {
          kind = "ct " + word("helper, timeout or expectation");
        }
        TableB tb = existingTable(tableRef());
        String n = name(kind + " name");
        if (add) {
          StatefulObject o = peek().is(Kind.LBRACE) ? objectBody(kind, n) : new StatefulObject(kind, n, Map.of(),
              Optional.empty());
          tb.objects.put(kind + " " + n, o);
        } else if (del) {
          tb.objects.remove(kind + " " + n);
        }
      }
      default -> throw unexpected(objTok, "table, chain, rule, set, map, element, flowtable or a stateful object");
    }
  }

  /** nft's own wording for an object a command names that the table does not hold. */
  private NftParseException notInTable(Token at, String kind, String name, TableB tb) {
    return error(at, "No such file or directory; " + kind + " '" + name + "' does not exist in table " + tb.name);
  }

  private void ruleCommand(String verb) throws NftParseException {
    TableB tb = existingTable(tableRef());
    Token at = peek();
    String c = name("chain name");
    ChainB cb = tb.chains.get(c);
    if (cb == null) {
      throw notInTable(at, "chain", c, tb);
    }
    int index = -1;
    OptionalLong handle = OptionalLong.empty();
    Token posTok = peek();
    if (peekWord("position") || peekWord("handle") || peekWord("index")) {
      String kind = next().text();
      long v = number("a number");
      if (kind.equals("index")) {
        index = (int) Math.min(v, Integer.MAX_VALUE);
        if (index >= cb.rules.size() && !verb.equals("add")) {
          throw error(posTok, "No such file or directory; rule index " + v + " does not exist");
        }
      } else {
        index = cb.indexOfHandle(v);
        if (index < 0) {
          throw error(posTok, "No such file or directory; no rule with handle " + v + " in chain " + c);
        }
        handle = OptionalLong.of(v);
      }
    }
    switch (verb) {
      case "delete", "destroy" -> {
        if (handle.isEmpty()) {
          throw unexpected(peek(), "handle");
        }
        cb.rules.remove(index);
      }
      case "replace" -> {
        if (handle.isEmpty()) {
          throw unexpected(peek(), "handle");
        }
        Rule r = rule();
        cb.rules.set(index, new Rule(r.statements(), r.comment(), handle, r.position()));
      }
      case "insert" -> cb.rules.add(Math.max(index, 0), rule());
      case "add", "create" -> {
        Rule r = rule();
        cb.rules.add(index < 0 ? cb.rules.size() : Math.min(index + 1, cb.rules.size()), r);
      }
      default -> throw unexpected(at, "add, insert, replace or delete");
    }
  }

  // ---------------------------------------------------------------- table bodies

  private void tableBody(TableB tb) throws NftParseException {
    expect(Kind.LBRACE, "'{'");
    for (;;) {
      skipSeparators();
      Token t = peek();
      if (t.is(Kind.RBRACE)) {
        next();
        return;
      }
      String w = word("chain, set, map, flowtable, counter, quota, limit, ct, flags, comment or '}'");
      switch (w) {
        case "flags" -> tb.flags.addAll(wordList());
        case "comment" -> tb.comment = Optional.of(expect(Kind.STRING, "a quoted comment").text());
        case "chain" -> {
          ChainB cb = tb.chain(name("chain name"));
          if (peek().is(Kind.LBRACE)) {
            chainBody(tb, cb);
          }
        }
        case "set", "map" -> {
          String n = name("set name");
          SetB sb = tb.sets.computeIfAbsent(n, x -> new SetB(x, w.equals("map")));
          setBody(tb, sb);
        }
        case "flowtable" -> {
          String n = name("flowtable name");
          tb.flowtables.put(n, flowtableBody(tb, n));
        }
        case "counter", "quota", "limit", "secmark", "synproxy", "ct" -> {
          String kind = w.equals("ct") ? "ct " + word("helper, timeout or expectation") : w;
          String n = name(kind + " name");
          tb.objects.put(kind + " " + n, objectBody(kind, n));
        }
        default -> throw unexpected(t, "chain, set, map, flowtable, counter, quota, limit, ct, flags, comment or '}'");
      }
    }
  }

  private List<String> wordList() throws NftParseException {
    List<String> out = new ArrayList<>();
    out.add(name("a flag"));
    while (peek().is(Kind.COMMA)) {
      next();
      out.add(name("a flag"));
    }
    return out;
  }

  private List<String> deviceList() throws NftParseException {
    List<String> out = new ArrayList<>();
    if (peek().is(Kind.ASSIGN)) {
      next();
    }
    if (peek().is(Kind.LBRACE)) {
      next();
      skipNewlines();
      while (!peek().is(Kind.RBRACE)) {
        out.add(name("a device name"));
        skipNewlines();
        if (peek().is(Kind.COMMA)) {
          next();
          skipNewlines();
        } else if (!peek().is(Kind.RBRACE)) {
          throw unexpected(peek(), "',' or '}'");
        }
      }
      next();
    } else {
      out.add(name("a device name"));
    }
    return out;
  }

  private int priority(Family family) throws NftParseException {
    Token t = peek();
    String w = name("a priority");
    var m = java.util.regex.Pattern.compile("([a-z]+)([+-]\\d{1,9})?").matcher(w);
    if (w.matches("-?\\d{1,9}")) {
      return Integer.parseInt(w);
    }
    if (!m.matches()) {
      throw unexpected(t, "a priority (a number or raw, mangle, dstnat, filter, security, srcnat, out)");
    }
    var base = Hook.namedPriority(family, m.group(1));
    if (base.isEmpty()) {
      throw error(t, "'" + m.group(1) + "' is not a valid priority in family " + family.nftName());
    }
    int v = base.getAsInt();
    if (m.group(2) != null) {
      return v + Integer.parseInt(m.group(2));
    }
    if (peekWord("+") || peekWord("-")) {
      boolean minus = next().text().equals("-");
      int off = (int) number("a priority offset");
      return minus ? v - off : v + off;
    }
    return v;
  }

  private void chainBody(TableB tb, ChainB cb) throws NftParseException {
    expect(Kind.LBRACE, "'{'");
    for (;;) {
      skipSeparators();
      Token t = peek();
      if (t.is(Kind.RBRACE)) {
        next();
        return;
      }
      if (t.isWord("type") && peek(1).is(Kind.WORD)) {
        next();
        String type = word("filter, nat or route");
        String hook = null;
        Integer prio = null;
        List<String> devices = new ArrayList<>();
        while (!atRuleEnd()) {
          Token k = peek();
          String kw = word("hook, device or priority");
          switch (kw) {
            case "hook" -> hook = word("a hook name");
            case "device", "devices" -> devices.addAll(deviceList());
            case "priority" -> prio = priority(tb.family);
            default -> throw unexpected(k, "hook, device or priority");
          }
        }
        if (hook == null) {
          throw unexpected(peek(), "hook");
        }
        if (prio == null) {
          throw unexpected(peek(), "priority");
        }
        String policy = cb.hook.map(Hook::policy).orElse("accept");
        cb.hook = Optional.of(new Hook(type, hook, prio, policy, devices));
        continue;
      }
      if (t.isWord("policy") && peek(1).is(Kind.WORD) && (peek(2).is(Kind.SEMI) || peek(2).is(Kind.NEWLINE)
          || peek(2).is(Kind.RBRACE))) {
        next();
        Token p = peek();
        String policy = word("accept or drop");
        if (!policy.equals("accept") && !policy.equals("drop")) {
          throw unexpected(p, "accept or drop");
        }
        if (cb.hook.isEmpty()) {
          throw error(t, "policy on a chain that has no hook");
        }
        Hook h = cb.hook.get();
        cb.hook = Optional.of(new Hook(h.type(), h.hook(), h.priority(), policy, h.devices()));
        continue;
      }
      if (t.isWord("comment") && peek(1).is(Kind.STRING) && (peek(2).is(Kind.SEMI) || peek(2).is(Kind.NEWLINE)
          || peek(2).is(Kind.RBRACE))) {
        next();
        cb.comment = Optional.of(next().text());
        continue;
      }
      cb.rules.add(rule());
    }
  }

  private void setBody(TableB tb, SetB sb) throws NftParseException {
    expect(Kind.LBRACE, "'{'");
    for (;;) {
      skipSeparators();
      Token t = peek();
      if (t.is(Kind.RBRACE)) {
        next();
        return;
      }
      String w = word("type, typeof, flags, timeout, size, policy, elements, comment or '}'");
      switch (w) {
        case "type" -> {
          List<List<String>> sides = new ArrayList<>();
          sides.add(new ArrayList<>());
          while (!atRuleEnd()) {
            Token x = next();
            if (x.isWord(":")) {
              sides.add(new ArrayList<>());
            } else if (x.is(Kind.WORD) && x.text().contains(":") && !x.text().startsWith(":")) {
              String[] parts = x.text().split(":", 2);
              sides.getLast().add(parts[0]);
              sides.add(new ArrayList<>());
              if (!parts[1].isEmpty()) {
                sides.getLast().add(parts[1]);
              }
            } else if (!x.isWord(".")) {
              if (!x.is(Kind.WORD)) {
                throw unexpected(x, "a type name");
              }
              sides.getLast().add(x.text());
            }
          }
          if (sides.getFirst().isEmpty() || sides.size() > 2 || sides.size() == 2 && sides.get(1).isEmpty()) {
            throw unexpected(peek(), "a type name");
          }
          sb.keyType = String.join(" . ", sides.get(0));
          if (sides.size() == 2) {
            sb.map = true;
            sb.dataType = Optional.of(String.join(" . ", sides.get(1)));
          }
        }
        case "typeof" -> {
          List<Expr> key = new ArrayList<>();
          key.add(selectorOrRaw());
          while (accept(".")) {
            key.add(selectorOrRaw());
          }
          sb.keyType = String.join(" . ", key.stream().map(NftTextParser::typeOf).toList());
          if (accept(":")) {
            List<Expr> data = new ArrayList<>();
            data.add(selectorOrRaw());
            while (accept(".")) {
              data.add(selectorOrRaw());
            }
            sb.map = true;
            sb.dataType = Optional.of(String.join(" . ", data.stream().map(NftTextParser::typeOf).toList()));
          }
        }
        case "flags" -> sb.flags.addAll(wordList());
        case "timeout" -> sb.timeout = OptionalLong.of(duration());
        case "gc-interval" -> duration();
        case "size" -> sb.size = OptionalLong.of(number("a size"));
        case "policy" -> sb.policy = Optional.of(word("performance or memory"));
        case "comment" -> sb.comment = Optional.of(expect(Kind.STRING, "a quoted comment").text());
        case "auto-merge" -> {
          // merging adjacent intervals is how the kernel stores them; the elements are what we keep
        }
        case "counter" -> {
          // per-element counters are run-time state
        }
        case "elements" -> sb.elements.addAll(elementList());
        default -> throw unexpected(t, "type, typeof, flags, timeout, size, policy, elements, comment or '}'");
      }
    }
  }

  private long duration() throws NftParseException {
    Token t = peek();
    String w = word("a duration");
    long s = Values.durationSeconds(w);
    if (s < 0) {
      throw unexpected(t, "a duration (like 1h30m, 10s)");
    }
    return s;
  }

  /** The nft type name of a typeof expression, when the model knows it. */
  static String typeOf(Expr e) {
    String t = switch (e) {
      case Expr.Payload p -> switch (p.protocol() + " " + p.field()) {
        case "ip saddr", "ip daddr", "arp saddr ip", "arp daddr ip" -> "ipv4_addr";
        case "ip6 saddr", "ip6 daddr" -> "ipv6_addr";
        case "ether saddr", "ether daddr" -> "ether_addr";
        case "ether type" -> "ether_type";
        case "ip protocol", "ip6 nexthdr" -> "inet_proto";
        case "vlan id" -> "integer";
        default -> p.field().endsWith("port") ? "inet_service" : null;
      };
      case Expr.Meta m -> switch (m.key()) {
        case "iifname", "oifname" -> "ifname";
        case "iif", "oif" -> "iface_index";
        case "l4proto" -> "inet_proto";
        case "nfproto" -> "nf_proto";
        case "mark" -> "mark";
        case "protocol" -> "ether_type";
        default -> null;
      };
      case Expr.Ct c -> switch (c.key()) {
        case "state" -> "ct_state";
        case "mark" -> "mark";
        case "status" -> "ct_status";
        default -> null;
      };
      default -> null;
    };
    return t != null ? t : "typeof " + Printer.expr(e);
  }

  private List<SetElement> elementList() throws NftParseException {
    if (peek().is(Kind.ASSIGN)) {
      next();
    }
    expect(Kind.LBRACE, "'{'");
    List<SetElement> out = new ArrayList<>();
    skipNewlines();
    while (!peek().is(Kind.RBRACE)) {
      out.add(element());
      skipNewlines();
      if (peek().is(Kind.COMMA)) {
        next();
        skipNewlines();
      } else if (!peek().is(Kind.RBRACE)) {
        throw unexpected(peek(), "',' or '}'");
      }
    }
    next();
    return out;
  }

  private SetElement element() throws NftParseException {
    splitGluedColon();
    Expr key = value(false);
    while (accept(".")) {
      splitGluedColon();
      key = concat(key, value(false));
    }
    OptionalLong timeout = OptionalLong.empty();
    Optional<String> comment = Optional.empty();
    Optional<Expr> data = Optional.empty();
    for (;;) {
      if (accept("timeout")) {
        timeout = OptionalLong.of(duration());
      } else if (accept("expires")) {
        duration();
      } else if (accept("counter")) {
        if (accept("packets")) {
          number("a number");
          expectWord("bytes");
          number("a number");
        }
      } else if (accept("comment")) {
        comment = Optional.of(expect(Kind.STRING, "a quoted comment").text());
      } else if (data.isEmpty() && accept(":")) {
        splitGluedColon();
        Expr v = value(false);
        while (accept(".")) {
          v = concat(v, value(false));
        }
        data = Optional.of(v);
      } else {
        break;
      }
    }
    return new SetElement(key, data, timeout, comment);
  }

  private static Expr concat(Expr a, Expr b) {
    List<Expr> parts = new ArrayList<>(a instanceof Expr.Concat c ? c.parts() : List.of(a));
    parts.add(b);
    return new Expr.Concat(parts);
  }

  /** {@code 22:accept}, {@code 10.0.0.2:80}: nft's scanner splits these; ours splits here. */
  private void splitGluedColon() {
    Token t = peek();
    if (!t.is(Kind.WORD)) {
      return;
    }
    String w = t.text();
    int c = w.indexOf(':');
    if (c <= 0 || c == w.length() - 1 || w.contains("::") || Values.isMac(w) || looksLikeIpv6(w)) {
      return;
    }
    String head = w.substring(0, c);
    String tail = w.substring(c + 1);
    if (Values.isIpv6(tail) && !head.isEmpty() && !Values.isIpv4(head) && !Values.isNumber(head)) {
      return;
    }
    List<Token> repl = List.of(new Token(Kind.WORD, head, t.source(), t.line(), t.column()),
        new Token(Kind.WORD, ":", t.source(), t.line(), t.column() + c),
        new Token(Kind.WORD, tail, t.source(), t.line(), t.column() + c + 1));
    toks = new ArrayList<>(toks);
    toks.remove(pos);
    toks.addAll(pos, repl);
  }

  private Flowtable flowtableBody(TableB tb, String name) throws NftParseException {
    expect(Kind.LBRACE, "'{'");
    String hook = "ingress";
    int prio = 0;
    List<String> devices = new ArrayList<>();
    List<String> flags = new ArrayList<>();
    boolean counter = false;
    for (;;) {
      skipSeparators();
      Token t = peek();
      if (t.is(Kind.RBRACE)) {
        next();
        return new Flowtable(name, hook, prio, devices, flags, counter);
      }
      String w = word("hook, priority, devices, flags, counter or '}'");
      switch (w) {
        case "hook" -> hook = word("ingress");
        case "priority" -> prio = priority(tb.family);
        case "devices", "device" -> devices.addAll(deviceList());
        case "flags" -> flags.addAll(wordList());
        case "counter" -> counter = true;
        default -> throw unexpected(t, "hook, priority, devices, flags, counter or '}'");
      }
    }
  }

  private StatefulObject objectBody(String kind, String name) throws NftParseException {
    expect(Kind.LBRACE, "'{'");
    Map<String, String> attrs = new HashMap<>();
    Optional<String> comment = Optional.empty();
    StringBuilder raw = new StringBuilder();
    for (;;) {
      skipSeparators();
      Token t = peek();
      if (t.is(Kind.RBRACE)) {
        next();
        break;
      }
      if (t.isWord("comment") && peek(1).is(Kind.STRING)) {
        next();
        comment = Optional.of(next().text());
        continue;
      }
      switch (kind) {
        case "counter" -> {
          // packets and bytes are run-time state
          expectWord(t.isWord("bytes") ? "bytes" : "packets");
          number("a number");
        }
        case "quota" -> {
          if (accept("used")) {
            number("a number");
            word("a byte unit");
          } else {
            boolean over = accept("over");
            accept("until");
            long n = number("a number");
            String unit = peek().is(Kind.WORD) && peek().text().endsWith("bytes") ? next().text() : "bytes";
            attrs.put("bytes", Long.toString(Values.bytes(n, unit)));
            attrs.put("over", Boolean.toString(over));
          }
        }
        case "limit" -> {
          expectWord("rate");
          Stmt.Limit l = limitSpec();
          attrs.putAll(limitAttributes(l));
        }
        case "ct helper" -> {
          String k = word("type, protocol or l3proto");
          attrs.put(k, name("a value"));
        }
        case "synproxy" -> {
          Token k = next();
          if (k.isWord("mss") || k.isWord("wscale")) {
            attrs.put(k.text(), Long.toString(number("a number")));
          } else if (k.isWord("timestamp") || k.isWord("sack-perm")) {
            attrs.merge("flags", k.text(), (a, b) -> String.join(",", new java.util.TreeSet<>(List.of(a, b))));
          } else {
            throw unexpected(k, "mss, wscale, timestamp or sack-perm");
          }
        }
        case "ct timeout" -> {
          Token k = peek();
          String key = word("protocol, l3proto or policy");
          switch (key) {
            case "protocol", "l3proto" -> attrs.put(key, word("a protocol"));
            case "policy" -> attrs.put("policy", timeoutPolicy());
            default -> throw unexpected(k, "protocol, l3proto or policy");
          }
        }
        case "ct expectation" -> {
          Token k = peek();
          String key = word("protocol, dport, timeout, size or l3proto");
          switch (key) {
            case "protocol", "l3proto" -> attrs.put(key, word("a protocol"));
            case "dport", "size" -> attrs.put(key, Long.toString(number("a number")));
            case "timeout" -> attrs.put("timeout", Long.toString(duration() * 1000));
            default -> throw unexpected(k, "protocol, dport, timeout, size or l3proto");
          }
        }
        case "secmark" -> attrs.put("context", expect(Kind.STRING, "a quoted security context").text());
        default -> {
          while (!atRuleEnd()) {
            Token x = next();
            if (!raw.isEmpty()) {
              raw.append(' ');
            }
            raw.append(x.is(Kind.STRING) ? '"' + x.text() + '"' : x.text());
            if (x.is(Kind.LBRACE)) {
              throw unexpected(x, "a value");
            }
          }
          raw.append(';');
        }
      }
    }
    if (!raw.isEmpty()) {
      attrs.put("text", raw.toString());
    }
    return new StatefulObject(kind, name, attrs, comment);
  }

  /**
   * {@code = { established : 120, close : 4 }} as {@code close=4,established=120}: states sorted, seconds, the form
   * both readers agree on.
   */
  private String timeoutPolicy() throws NftParseException {
    if (peek().is(Kind.ASSIGN)) {
      next();
    }
    expect(Kind.LBRACE, "'{'");
    java.util.TreeMap<String, Long> policy = new java.util.TreeMap<>();
    skipNewlines();
    while (!peek().is(Kind.RBRACE)) {
      splitGluedColon();
      String state = word("a conntrack state");
      if (state.endsWith(":")) {
        state = state.substring(0, state.length() - 1);
      } else {
        expectWord(":");
      }
      policy.put(state, number("a timeout in seconds"));
      skipNewlines();
      if (peek().is(Kind.COMMA)) {
        next();
        skipNewlines();
      } else if (!peek().is(Kind.RBRACE)) {
        throw unexpected(peek(), "',' or '}'");
      }
    }
    next();
    return policy.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
        .collect(java.util.stream.Collectors.joining(","));
  }

  static Map<String, String> limitAttributes(Stmt.Limit l) {
    return Map.of("rate", Long.toString(l.rate()), "unit", l.unit(), "per", l.per(), "burst",
        Long.toString(l.burst()), "burst_unit", l.burstUnit(), "over", Boolean.toString(l.over()));
  }

  // ---------------------------------------------------------------- rules

  private Rule rule() throws NftParseException {
    Token start = peek();
    List<Stmt> stmts = new ArrayList<>();
    Optional<String> comment = Optional.empty();
    while (!atRuleEnd()) {
      if (peekWord("comment") && peek(1).is(Kind.STRING)) {
        next();
        comment = Optional.of(next().text());
        continue;
      }
      stmts.add(statement());
    }
    if (stmts.isEmpty()) {
      throw unexpected(peek(), "a statement");
    }
    OptionalLong handle = OptionalLong.empty();
    if (peek().is(Kind.HANDLE)) {
      handle = OptionalLong.of(Long.parseLong(next().text()));
    }
    return new Rule(stmts, comment, handle, Optional.of(start.position()));
  }

  private Stmt statement() throws NftParseException {
    Token t = peek();
    if (!t.is(Kind.WORD)) {
      throw unexpected(t, "a statement");
    }
    String w = t.text();
    switch (w) {
      case "accept", "drop", "continue", "return" -> {
        next();
        return new Stmt.Verdict(Stmt.VerdictKind.valueOf(w.toUpperCase(java.util.Locale.ROOT)), Optional.empty());
      }
      case "jump", "goto" -> {
        next();
        return new Stmt.Verdict(w.equals("jump") ? Stmt.VerdictKind.JUMP : Stmt.VerdictKind.GOTO,
            Optional.of(name("a chain name")));
      }
      case "counter" -> {
        next();
        if (accept("name")) {
          return new Stmt.ObjectRef("counter", name("a counter name"));
        }
        if (accept("packets")) {
          number("a number");
          expectWord("bytes");
          number("a number");
        }
        return new Stmt.Counter();
      }
      case "limit" -> {
        next();
        if (accept("name")) {
          return new Stmt.ObjectRef("limit", name("a limit name"));
        }
        expectWord("rate");
        return limitSpec();
      }
      case "quota" -> {
        next();
        if (accept("name")) {
          return new Stmt.ObjectRef("quota", name("a quota name"));
        }
        boolean over = accept("over");
        accept("until");
        long n = number("a number");
        String unit = peek().is(Kind.WORD) && peek().text().endsWith("bytes") ? next().text() : "bytes";
        long used = 0;
        if (accept("used")) {
          long u = number("a number");
          String uu = peek().is(Kind.WORD) && peek().text().endsWith("bytes") ? next().text() : "bytes";
          used = Values.bytes(u, uu);
        }
        return new Stmt.Quota(over, Values.bytes(n, unit), used);
      }
      case "log" -> {
        next();
        return log();
      }
      case "reject" -> {
        next();
        Optional<String> type = Optional.empty();
        Optional<String> code = Optional.empty();
        if (accept("with")) {
          Token tt = peek();
          String ty = word("icmp, icmpv6, icmpx or tcp");
          if (ty.equals("tcp")) {
            expectWord("reset");
            ty = "tcp reset";
          } else if (!Set.of("icmp", "icmpv6", "icmpx").contains(ty)) {
            throw unexpected(tt, "icmp, icmpv6, icmpx or tcp");
          } else {
            accept("type");
            code = Optional.of(Values.canonical(word("a reject code")));
          }
          type = Optional.of(ty);
        }
        if (code.equals(Optional.of("port-unreachable"))) {
          // the default, which nft prints as a bare reject
          type = Optional.empty();
          code = Optional.empty();
        }
        return new Stmt.Reject(type, code);
      }
      case "snat", "dnat", "masquerade", "redirect" -> {
        next();
        return nat(Stmt.NatKind.valueOf(w.toUpperCase(java.util.Locale.ROOT)));
      }
      case "flow" -> {
        if (peek(1).isWord("add") || peek(1).isWord("offload")) {
          next();
          next();
          Token at = peek();
          if (!at.is(Kind.AT)) {
            throw unexpected(at, "@flowtable");
          }
          next();
          return new Stmt.FlowOffload(at.text());
        }
        return rawStatement();
      }
      case "ct" -> {
        if (peek(1).isWord("count")) {
          next();
          next();
          boolean over = accept("over");
          return new Stmt.ConnLimit(number("a connection count"), over);
        }
        return matchOrMangle();
      }
      case "dup" -> {
        next();
        Optional<Expr> addr = accept("to") ? Optional.of(valueExpr()) : Optional.empty();
        Optional<Expr> dev = accept("device") ? Optional.of(valueExpr()) : Optional.empty();
        return new Stmt.Dup(addr, dev);
      }
      case "fwd" -> {
        next();
        Optional<String> family = Optional.empty();
        if (peekWord("ip") || peekWord("ip6")) {
          family = Optional.of(next().text());
        }
        expectWord("to");
        Expr first = valueExpr();
        if (accept("device")) {
          return new Stmt.Fwd(valueExpr(), family, Optional.of(first));
        }
        return new Stmt.Fwd(first, family, Optional.empty());
      }
      case "notrack" -> {
        next();
        return new Stmt.Notrack();
      }
      case "tproxy" -> {
        next();
        Stmt.Nat to = (Stmt.Nat) nat(Stmt.NatKind.DNAT);
        if (!to.flags().isEmpty() || to.address().isEmpty() && to.port().isEmpty()) {
          throw unexpected(peek(), "to ADDRESS[:PORT] or to :PORT");
        }
        return new Stmt.Tproxy(to.family(), to.address(), to.port());
      }
      case "synproxy" -> {
        next();
        if (accept("name")) {
          return new Stmt.ObjectRef("synproxy", name("a synproxy name"));
        }
        OptionalLong mss = OptionalLong.empty();
        OptionalLong wscale = OptionalLong.empty();
        List<String> flags = new ArrayList<>();
        for (;;) {
          if (accept("mss")) {
            mss = OptionalLong.of(number("a maximum segment size"));
          } else if (accept("wscale")) {
            wscale = OptionalLong.of(number("a window scale"));
          } else if (peekWord("timestamp") || peekWord("sack-perm")) {
            flags.add(next().text());
          } else {
            break;
          }
        }
        return new Stmt.Synproxy(mss, wscale, flags);
      }
      case "add", "update", "delete" -> {
        if (!peek(1).is(Kind.AT)) {
          return rawStatement();
        }
        next();
        String set = next().text();
        expect(Kind.LBRACE, "'{'");
        Expr e = valueExpr();
        while (accept(".")) {
          e = concat(e, valueExpr());
        }
        // per-element statements (counter, limit) inside the braces stay as text
        while (!peek().is(Kind.RBRACE)) {
          if (peek().is(Kind.EOF) || peek().is(Kind.NEWLINE)) {
            throw unexpected(peek(), "'}'");
          }
          next();
        }
        next();
        return new Stmt.SetUpdate(w, set, e);
      }
      case "queue" -> {
        next();
        Optional<String> num = Optional.empty();
        List<String> flags = new ArrayList<>();
        while (!atRuleEnd() && !STOP_WORDS.contains(peek().text())) {
          if (accept("num") || accept("to")) {
            num = Optional.of(name("a queue number"));
          } else if (accept("flags")) {
            flags.addAll(wordList());
          } else if (peekWord("bypass") || peekWord("fanout")) {
            flags.add(next().text());
            while (peek().is(Kind.COMMA)) {
              next();
              flags.add(word("bypass or fanout"));
            }
          } else {
            throw unexpected(peek(), "num, flags, bypass or fanout");
          }
        }
        return new Stmt.Queue(num, flags.stream().sorted().toList());
      }
      default -> {
        if (RAW_SELECTORS.contains(w) || !isSelectorStart(w)) {
          return rawStatement();
        }
        return matchOrMangle();
      }
    }
  }

  /** Words that would be read as a verdict or a statement keyword in a value position. */
  static boolean isKeywordLike(String w) {
    return STOP_WORDS.contains(w) || w.equals("map") || w.equals("vmap") || w.equals("set");
  }

  private static boolean isSelectorStart(String w) {
    return PAYLOAD_PROTOS.contains(w) || META_BARE.contains(w) || EXTHDRS.contains(w) || switch (w) {
      case "meta", "ct", "fib", "rt", "socket", "osf", "ipsec", "exthdr" -> true;
      default -> false;
    };
  }

  /** An unmodelled statement: its words up to the next verdict, counter, log, comment or end of rule. */
  private Stmt rawStatement() throws NftParseException {
    String kw = peek().text();
    StringBuilder sb = new StringBuilder();
    int depth = 0;
    do {
      Token x = next();
      if (x.is(Kind.LBRACE) || x.is(Kind.LPAREN) || x.is(Kind.LBRACK)) {
        depth++;
      } else if (x.is(Kind.RBRACE) || x.is(Kind.RPAREN) || x.is(Kind.RBRACK)) {
        depth--;
      }
      if (!sb.isEmpty()) {
        sb.append(' ');
      }
      sb.append(switch (x.kind()) {
        case STRING -> '"' + x.text() + '"';
        case AT -> "@" + x.text();
        default -> x.text();
      });
      if (peek().is(Kind.NEWLINE) && depth > 0) {
        skipNewlines();
      }
    } while (!peek().is(Kind.EOF) && (depth > 0 || !atRuleEnd() && !STOP_WORDS.contains(peek().text())));
    if (depth < 0) {
      throw unexpected(peek(), "a statement");
    }
    return new Stmt.Raw(kw, sb.toString());
  }

  private Stmt.Limit limitSpec() throws NftParseException {
    boolean over = accept("over");
    Token t = peek();
    String w = word("a rate like 10/second");
    long rate;
    String unit = "packets";
    String per;
    int slash = w.indexOf('/');
    if (slash > 0) {
      rate = parseLong(t, w.substring(0, slash));
      per = w.substring(slash + 1);
    } else {
      rate = parseLong(t, w);
      Token u = peek();
      String uw = word("a unit like packets/second or mbytes/second");
      int s2 = uw.indexOf('/');
      if (s2 < 0) {
        if (uw.equals("/")) {
          per = word("second, minute, hour, day or week");
        } else {
          throw unexpected(u, "a unit like mbytes/second");
        }
      } else {
        unit = uw.substring(0, s2);
        per = uw.substring(s2 + 1);
      }
    }
    if (!Set.of("second", "minute", "hour", "day", "week").contains(per)) {
      throw unexpected(t, "a rate per second, minute, hour, day or week");
    }
    long burst = unit.equals("packets") ? 5 : 0;
    String burstUnit = unit.equals("packets") ? "packets" : "bytes";
    if (accept("burst")) {
      burst = number("a burst size");
      if (peekWord("packets") || peek().is(Kind.WORD) && peek().text().endsWith("bytes")) {
        burstUnit = next().text();
      }
      if (!burstUnit.equals("packets")) {
        burst = Values.bytes(burst, burstUnit);
        burstUnit = "bytes";
      }
    }
    return new Stmt.Limit(rate, unit, per, burst, burstUnit, over);
  }

  private long parseLong(Token t, String s) throws NftParseException {
    if (!Values.isNumber(s) || s.length() > 17) {
      throw unexpected(t, "a number");
    }
    return Long.parseLong(Values.canonical(s));
  }

  private Stmt log() throws NftParseException {
    Map<String, String> opts = new HashMap<>();
    for (;;) {
      Token t = peek();
      if (t.isWord("prefix")) {
        next();
        opts.put("prefix", name("a quoted prefix"));
      } else if (t.isWord("level")) {
        next();
        opts.put("level", word("a log level"));
      } else if (t.isWord("group")) {
        next();
        opts.put("group", Long.toString(number("a group number")));
      } else if (t.isWord("snaplen")) {
        next();
        opts.put("snaplen", Long.toString(number("a number")));
      } else if (t.isWord("queue-threshold")) {
        next();
        opts.put("queue-threshold", Long.toString(number("a number")));
      } else if (t.isWord("flags")) {
        next();
        List<String> f = new ArrayList<>();
        do {
          if (!f.isEmpty()) {
            next();
          }
          String a = word("a log flag");
          if ((a.equals("tcp") || a.equals("ip")) && peek().is(Kind.WORD)) {
            a = a + " " + next().text();
          }
          f.add(a);
        } while (peek().is(Kind.COMMA));
        opts.put("flags", String.join(",", f.stream().sorted().toList()));
      } else {
        break;
      }
    }
    if ("warn".equals(opts.get("level"))) {
      opts.remove("level");
    }
    return new Stmt.Log(opts);
  }

  private Stmt nat(Stmt.NatKind kind) throws NftParseException {
    Optional<String> family = Optional.empty();
    if ((peekWord("ip") || peekWord("ip6")) && (peek(1).isWord("to") || peek(1).isWord("addr"))) {
      family = Optional.of(next().text());
    }
    Optional<Expr> addr = Optional.empty();
    Optional<Expr> port = Optional.empty();
    if (accept("to")) {
      Token t = peek();
      if (t.is(Kind.LBRACK)) {
        next();
        Token a = expect(Kind.WORD, "an IPv6 address");
        expect(Kind.RBRACK, "']'");
        addr = Optional.of(literalWord(a.text()));
        if (peek().is(Kind.WORD) && peek().text().startsWith(":")) {
          Token p = next();
          port = Optional.of(literalWord(p.text().substring(1).isEmpty() ? word("a port") : p.text().substring(1)));
        }
      } else if (t.is(Kind.WORD) && t.text().startsWith(":")) {
        next();
        String p = t.text().substring(1);
        port = Optional.of(p.isEmpty() ? value(false) : literalWord(p));
      } else if (t.is(Kind.WORD) && !Values.isIpv6(t.text()) && t.text().contains(":")
          && !isSelectorStart(t.text())) {
        next();
        int c = t.text().lastIndexOf(':');
        addr = Optional.of(literalWord(t.text().substring(0, c)));
        port = Optional.of(literalWord(t.text().substring(c + 1)));
      } else {
        addr = Optional.of(valueExpr());
        if (accept(":")) {
          port = Optional.of(valueExpr());
        } else if (peek().is(Kind.WORD) && peek().text().startsWith(":") && peek().text().length() > 1) {
          port = Optional.of(literalWord(next().text().substring(1)));
        }
      }
    }
    List<String> flags = new ArrayList<>();
    while (peekWord("persistent") || peekWord("random") || peekWord("fully-random") || peek().is(Kind.COMMA)
        && !flags.isEmpty()) {
      if (peek().is(Kind.COMMA)) {
        next();
      }
      flags.add(next().text());
    }
    return new Stmt.Nat(kind, family, addr, port, flags.stream().sorted().toList());
  }

  /** An IPv6 address, prefix or range (colons that are not a key/value separator). */
  private static boolean looksLikeIpv6(String w) {
    String head = w.split("[/-]", 2)[0];
    return Values.isIpv6(head);
  }

  /** A selector, or for typeof of an unknown kind a raw word. */
  private Expr selectorOrRaw() throws NftParseException {
    if (peek().is(Kind.WORD) && isSelectorStart(peek().text())) {
      return selector();
    }
    return new Expr.Raw(word("an expression"));
  }

  private Expr selector() throws NftParseException {
    Token t = next();
    String w = t.text();
    if (w.equals("meta")) {
      return new Expr.Meta(word("a meta key"));
    }
    if (META_BARE.contains(w)) {
      return new Expr.Meta(w);
    }
    if (w.equals("ct")) {
      String k = word("a ct key");
      Optional<String> dir = Optional.empty();
      if ((k.equals("original") || k.equals("reply")) && peek().is(Kind.WORD)) {
        dir = Optional.of(k);
        k = word("a ct key");
        if ((k.equals("ip") || k.equals("ip6")) && peek().is(Kind.WORD)) {
          k = k + " " + word("a ct key");
        }
      }
      return new Expr.Ct(k, dir);
    }
    if (w.equals("fib")) {
      List<String> flags = new ArrayList<>();
      flags.add(word("saddr, daddr, mark, iif or oif"));
      while (accept(".")) {
        flags.add(word("saddr, daddr, mark, iif or oif"));
      }
      return new Expr.Fib(flags.stream().sorted().toList(), word("oif, oifname or type"));
    }
    if (w.equals("socket")) {
      String k = word("transparent, wildcard, mark or cgroupv2");
      int level = 0;
      if (k.equals("cgroupv2")) {
        expectWord("level");
        level = (int) number("a cgroup level");
      }
      return new Expr.Socket(k, level);
    }
    if (w.equals("osf")) {
      Optional<String> ttl = Optional.empty();
      if (accept("ttl")) {
        ttl = Optional.of(word("loose or skip"));
      }
      return new Expr.Osf(word("name or version"), ttl);
    }
    if (w.equals("ipsec")) {
      Token d = peek();
      String dir = word("in or out");
      if (!dir.equals("in") && !dir.equals("out")) {
        throw unexpected(d, "in or out");
      }
      int spnum = accept("spnum") ? (int) number("a security association index") : 0;
      String k = word("reqid, spi, ip or ip6");
      Optional<String> fam = Optional.empty();
      if (k.equals("ip") || k.equals("ip6")) {
        fam = Optional.of(k);
        k = word("saddr or daddr");
      }
      return new Expr.Ipsec(dir, spnum, k, fam);
    }
    if (w.equals("exthdr")) {
      return new Expr.Exthdr(word("an extension header name"), Optional.empty());
    }
    if (EXTHDRS.contains(w)) {
      return new Expr.Exthdr(w, Optional.of(word("a " + w + " header field")));
    }
    if (w.equals("rt") && peek().is(Kind.WORD) && RT_EXTHDR_FIELDS.contains(peek().text())) {
      return new Expr.Exthdr("rt", Optional.of(next().text()));
    }
    if (w.equals("rt")) {
      String k = word("a routing key");
      if ((k.equals("ip") || k.equals("ip6")) && peek().is(Kind.WORD)) {
        k = word("a routing key");
      }
      return new Expr.Rt(k);
    }
    String field = word("a " + w + " header field");
    if (w.equals("arp") && (field.equals("saddr") || field.equals("daddr"))
        && (peekWord("ip") || peekWord("ether"))) {
      field = field + " " + next().text();
    }
    if (field.equals("option") && (w.equals("tcp") || w.equals("ip"))) {
      // tcp option maxseg size: an extension header field, kept as protocol "tcp option maxseg", field "size"
      String opt = word("an option name");
      String f = peek().is(Kind.WORD) && !Values.isNumber(peek().text()) && !isKeywordLike(peek().text())
          && !peekWord("exists") && !peekWord("missing") ? next().text() : "exists";
      return new Expr.Payload(w + " option " + opt, f);
    }
    return new Expr.Payload(w, field);
  }

  private Stmt matchOrMangle() throws NftParseException {
    Expr left = selector();
    while (accept(".")) {
      left = concat(left, selector());
    }
    while (peek().is(Kind.OP) && BINOPS.contains(peek().text())) {
      String op = next().text();
      left = new Expr.Binop(op, left, operand());
    }
    if (accept("set")) {
      return new Stmt.Mangle(left, valueExpr());
    }
    if (accept("vmap")) {
      return new Stmt.VerdictMap(left, value(true));
    }
    Stmt.Op op = Stmt.Op.EQ;
    if (peek().is(Kind.OP) && CMP.contains(peek().text())) {
      op = Stmt.Op.of(next().text()).orElseThrow();
    } else if (peek().is(Kind.OP) && peek().text().equals("!")) {
      next();
      op = Stmt.Op.NOT;
    }
    if (atRuleEnd() || peek().is(Kind.WORD) && STOP_WORDS.contains(peek().text())) {
      throw unexpected(peek(), "a value to compare with");
    }
    Expr right = rhs();
    if (right instanceof Expr.Literal l && (left instanceof Expr.Fib
        || left instanceof Expr.Payload p && p.protocol().contains(" option ")
        || left instanceof Expr.Exthdr x && x.field().isEmpty())) {
      // existence checks: nft prints exists/missing, its JSON true/false
      right = switch (l.value()) {
        case "missing" -> new Expr.Literal("false");
        case "exists" -> new Expr.Literal("true");
        default -> right;
      };
    }
    if (left instanceof Expr.Ct c && c.key().equals("expiration") && right instanceof Expr.Literal l
        && Values.durationSeconds(l.value()) >= 0) {
      right = new Expr.Literal(Long.toString(Values.durationSeconds(l.value())));
    }
    if (accept("/")) {
      left = new Expr.Binop("&", left, rhs());
    }
    return new Stmt.Match(left, op, right);
  }

  /** The right-hand side of a match: a value, a comma list of flags, or a concatenation. */
  private Expr rhs() throws NftParseException {
    Expr e = value(false);
    while (accept(".")) {
      e = concat(e, value(false));
    }
    if (peek().is(Kind.COMMA) || peek().is(Kind.OP) && peek().text().equals("|")) {
      // established,related and fin | syn are both flag lists
      List<Expr> list = new ArrayList<>();
      list.add(e);
      while (peek().is(Kind.COMMA) || peek().is(Kind.OP) && peek().text().equals("|")) {
        next();
        list.add(value(false));
      }
      return new Expr.ValueList(list);
    }
    return e;
  }

  /** The right operand of {@code & | ^ << >>}: a value, or a parenthesised {@code a|b|c} (a flag list). */
  private Expr operand() throws NftParseException {
    if (peek().is(Kind.LPAREN)) {
      next();
      List<Expr> parts = new ArrayList<>();
      parts.add(value(false));
      Expr e = parts.getFirst();
      boolean allOr = true;
      while (peek().is(Kind.OP) && BINOPS.contains(peek().text())) {
        String op = next().text();
        Expr r = value(false);
        allOr &= op.equals("|");
        parts.add(r);
        e = new Expr.Binop(op, e, r);
      }
      expect(Kind.RPAREN, "')'");
      if (allOr && parts.size() > 1 && parts.stream().allMatch(p -> p instanceof Expr.Literal)) {
        return new Expr.ValueList(parts);
      }
      return e;
    }
    return value(false);
  }

  private Expr hashExpr() throws NftParseException {
    String kind = next().text();
    if (kind.equals("numgen")) {
      Token m = peek();
      String mode = word("inc or random");
      if (!mode.equals("inc") && !mode.equals("random")) {
        throw unexpected(m, "inc or random");
      }
      expectWord("mod");
      long mod = number("a modulus");
      long offset = accept("offset") ? number("an offset") : 0;
      return new Expr.Numgen(mode, mod, offset);
    }
    Optional<Expr> input = Optional.empty();
    if (kind.equals("jhash")) {
      Expr in = selector();
      while (accept(".")) {
        in = concat(in, selector());
      }
      input = Optional.of(in);
    }
    expectWord("mod");
    long mod = number("a modulus");
    long seed = 0;
    long offset = 0;
    for (;;) {
      if (accept("seed")) {
        seed = number("a seed");
      } else if (accept("offset")) {
        offset = number("an offset");
      } else {
        break;
      }
    }
    return new Expr.Hash(kind, input, mod, seed, offset);
  }

  /** A value in a statement that computes one: literal or selector, with bitwise ops and a map lookup. */
  private Expr valueExpr() throws NftParseException {
    Expr e;
    if (peekWord("numgen") || peekWord("jhash") || peekWord("symhash")) {
      e = hashExpr();
    } else if (peek().is(Kind.WORD) && (META_BARE.contains(peek().text()) || isSelectorStart(peek().text())
        && peek(1).is(Kind.WORD) && !peek(1).isWord("map") && !peek(1).isWord(".")
        && !STOP_WORDS.contains(peek(1).text()))) {
      e = selector();
    } else {
      e = value(false);
    }
    while (peek().is(Kind.OP) && BINOPS.contains(peek().text())) {
      String op = next().text();
      e = new Expr.Binop(op, e, operand());
    }
    if (accept("map")) {
      e = new Expr.MapLookup(e, value(true));
    }
    return e;
  }

  /** One value: literal word, string, set literal, @set, verdict, or a parenthesised expression. */
  private Expr value(boolean mapContext) throws NftParseException {
    Token t = peek();
    switch (t.kind()) {
      case LBRACE -> {
        next();
        List<Expr> els = new ArrayList<>();
        skipNewlines();
        while (!peek().is(Kind.RBRACE)) {
          SetElement e = element();
          els.add(e.value().<Expr>map(v -> new Expr.MapEntry(e.key(), v)).orElse(e.key()));
          skipNewlines();
          if (peek().is(Kind.COMMA)) {
            next();
            skipNewlines();
          } else if (!peek().is(Kind.RBRACE)) {
            throw unexpected(peek(), "',' or '}'");
          }
        }
        next();
        if (els.isEmpty()) {
          throw unexpected(t, "a non-empty set");
        }
        return new Expr.SetLiteral(els);
      }
      case AT -> {
        next();
        return new Expr.SetRef(t.text());
      }
      case STRING -> {
        next();
        if (peekWord("-") && peek(1).is(Kind.STRING)) {
          // meta hour "17:00"-"19:00"
          next();
          return new Expr.Range(new Expr.Literal(t.text()), new Expr.Literal(next().text()));
        }
        return new Expr.Literal(t.text());
      }
      case LPAREN -> {
        next();
        Expr e = valueExpr();
        expect(Kind.RPAREN, "')'");
        return e;
      }
      case LBRACK -> {
        next();
        Token a = expect(Kind.WORD, "an IPv6 address");
        expect(Kind.RBRACK, "']'");
        return literalWord(a.text());
      }
      case WORD -> {
        String w = t.text();
        switch (w) {
          case "accept", "drop", "continue", "return" -> {
            next();
            return new Expr.VerdictValue(Stmt.VerdictKind.valueOf(w.toUpperCase(java.util.Locale.ROOT)),
                Optional.empty());
          }
          case "jump", "goto" -> {
            next();
            return new Expr.VerdictValue(w.equals("jump") ? Stmt.VerdictKind.JUMP : Stmt.VerdictKind.GOTO,
                Optional.of(name("a chain name")));
          }
          default -> {
            if (w.equals(":") || w.equals(".") || w.equals("/")) {
              throw unexpected(t, "a value");
            }
            next();
            if ((peekWord("-")) && Values.isRangeBound(w)) {
              next();
              Token h = expect(Kind.WORD, "the end of the range");
              return new Expr.Range(literalWord(w), literalWord(h.text()));
            }
            return literalWord(w);
          }
        }
      }
      default -> throw unexpected(t, mapContext ? "a map" : "a value");
    }
  }

  /** A word read as a value: prefix {@code a/n}, range {@code a-b}, or literal in canonical form. */
  static Expr literalWord(String w) {
    int slash = w.indexOf('/');
    if (slash > 0 && slash < w.length() - 1) {
      String a = w.substring(0, slash);
      String n = w.substring(slash + 1);
      if ((Values.isIpv4(a) || Values.isIpv6(a)) && n.matches("\\d{1,3}") && Integer.parseInt(n) <= 128) {
        return new Expr.Prefix(new Expr.Literal(Values.canonical(a)), Integer.parseInt(n));
      }
    }
    for (int i = w.indexOf('-'); i > 0; i = w.indexOf('-', i + 1)) {
      String lo = w.substring(0, i);
      String hi = w.substring(i + 1);
      if (Values.isRangeBound(lo) && Values.isRangeBound(hi)) {
        return new Expr.Range(new Expr.Literal(Values.canonical(lo)), new Expr.Literal(Values.canonical(hi)));
      }
    }
    return new Expr.Literal(Values.canonical(w));
  }
}
