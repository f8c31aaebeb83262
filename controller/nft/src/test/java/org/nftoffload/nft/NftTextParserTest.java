package org.nftoffload.nft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class NftTextParserTest {

  private static Ruleset parse(String text) throws NftParseException {
    return NftTextParser.parse("test.nft", text);
  }

  private static List<Stmt> onlyRule(String rule) throws NftParseException {
    Ruleset rs = parse("table inet t { chain c { " + rule + "\n } }");
    return rs.tables().getFirst().chains().getFirst().rules().getFirst().statements();
  }

  @Test
  void matchesAreSelectorOperatorValue() throws Exception {
    List<Stmt> s = onlyRule("ip saddr != 10.0.0.0/8 tcp dport { 22, 80-90 } accept");
    assertEquals(new Stmt.Match(new Expr.Payload("ip", "saddr"), Stmt.Op.NE,
        new Expr.Prefix(new Expr.Literal("10.0.0.0"), 8)), s.get(0));
    assertEquals(new Stmt.Match(new Expr.Payload("tcp", "dport"), Stmt.Op.EQ, new Expr.SetLiteral(List.of(
        new Expr.Literal("22"), new Expr.Range(new Expr.Literal("80"), new Expr.Literal("90"))))), s.get(1));
    assertEquals(new Stmt.Verdict(Stmt.VerdictKind.ACCEPT, Optional.empty()), s.get(2));
  }

  @Test
  void flagListsAndMasksReadTheSameInEveryForm() throws Exception {
    Stmt printed = onlyRule("tcp flags syn / syn,ack drop").getFirst();
    Stmt written = onlyRule("tcp flags & (syn | ack) == syn drop").getFirst();
    assertEquals(printed, written);
    assertEquals(onlyRule("ct state established,related accept"), onlyRule("ct state { established, related } accept")
        .stream().map(x -> x instanceof Stmt.Match m ? new Stmt.Match(m.left(), m.op(),
            new Expr.ValueList(((Expr.SetLiteral) m.right()).elements())) : x).toList());
  }

  @Test
  void numbersAndAddressesAreCanonical() throws Exception {
    assertEquals(onlyRule("meta mark set 16"), onlyRule("meta mark set 0x00000010"));
    assertEquals(onlyRule("ip6 daddr 2001:db8::1 accept"), onlyRule("ip6 daddr 2001:DB8:0:0:0:0:0:1 accept"));
  }

  @Test
  void definesIncludesAndContinuationsExpand() throws Exception {
    IncludeResolver resolver = (name, from) -> {
      assertEquals("main.nft", from);
      return List.of(new Source("vars.nft", "define ports = { 22,\\\n 80 }\n"));
    };
    Ruleset rs = NftTextParser.parse(new Source("main.nft", """
        include "vars.nft"
        table ip t {
          chain c {
            tcp dport $ports accept
          }
        }
        """), resolver);
    Stmt m = rs.tables().getFirst().chains().getFirst().rules().getFirst().statements().getFirst();
    assertEquals(new Stmt.Match(new Expr.Payload("tcp", "dport"), Stmt.Op.EQ,
        new Expr.SetLiteral(List.of(new Expr.Literal("22"), new Expr.Literal("80")))), m);
  }

  @Test
  void commandsApplyInOrder() throws Exception {
    Ruleset rs = parse("""
        add table ip t
        add chain ip t c
        add rule ip t c tcp dport 1 accept
        add rule ip t c tcp dport 3 accept
        insert rule ip t c tcp dport 0 accept
        add chain ip t gone
        delete chain ip t gone
        table ip u { chain x { drop } }
        flush ruleset ip6
        """);
    Chain c = rs.table(Family.IP, "t").orElseThrow().chain("c").orElseThrow();
    assertEquals(List.of("tcp dport 0 accept", "tcp dport 1 accept", "tcp dport 3 accept"),
        c.rules().stream().map(Printer::rule).toList());
    assertTrue(rs.table(Family.IP, "t").orElseThrow().chain("gone").isEmpty());
    assertEquals(2, rs.tables().size());
    assertEquals(0, parse("table ip t { chain c { drop } }\nflush ruleset\n").tables().size());
  }

  @Test
  void handlesFromListingsPlaceRules() throws Exception {
    Ruleset rs = parse("""
        table ip t { # handle 1
          chain c { # handle 1
            tcp dport 1 accept # handle 2
            tcp dport 2 accept # handle 3
          }
        }
        add rule ip t c position 2 tcp dport 9 accept
        delete rule ip t c handle 3
        """);
    assertEquals(List.of("tcp dport 1 accept", "tcp dport 9 accept"),
        rs.tables().getFirst().chains().getFirst().rules().stream().map(Printer::rule).toList());
  }

  @Test
  void baseChainsResolveNamedPriorities() throws Exception {
    Ruleset rs = parse("""
        table bridge b { chain c { type filter hook forward priority filter + 5; policy drop; } }
        table inet i { chain n { type nat hook postrouting priority srcnat - 10; } }
        table netdev n { chain in { type filter hook ingress devices = { b, a } priority -500; } }
        """);
    assertEquals(new Hook("filter", "forward", -195, "drop", List.of()), rs.tables().get(0).chains().get(0).hook()
        .orElseThrow());
    assertEquals(90, rs.tables().get(1).chains().get(0).hook().orElseThrow().priority());
    assertEquals(List.of("a", "b"), rs.tables().get(2).chains().get(0).hook().orElseThrow().devices());
  }

  @Test
  void unknownConstructsAreKeptAsText() throws Exception {
    // constructs nft has and the model does not: kept with their text, the rest of the rule still read
    List<Stmt> s = onlyRule("meta l4proto tcp xt match \"conntrack\" accept");
    assertEquals(new Stmt.Raw("xt", "xt match \"conntrack\""), s.get(1));
    assertTrue(hasRaw(s) && hasRaw(List.of(new Stmt.Match(new Expr.Raw("x"), Stmt.Op.EQ, new Expr.Literal("1")))));
    assertInstanceOf(Stmt.Verdict.class, s.get(2));
    assertEquals(new Stmt.Raw("rt0", "rt0 addr [ 1 ] 2001:db8::1"), onlyRule("rt0 addr[1] 2001:db8::1 drop")
        .getFirst());
    List<Stmt> future = onlyRule("iifname \"lan0\" frobnicate level 3 { a, b } counter accept");
    assertEquals(new Stmt.Raw("frobnicate", "frobnicate level 3 { a , b }"), future.get(1));
    assertEquals(List.of(Stmt.Counter.class, Stmt.Verdict.class), future.subList(2, 4).stream()
        .map(Object::getClass).toList());
    // and what we print of them reads back the same
    Ruleset rs = parse("table inet t { chain c { meta l4proto tcp xt match \"conntrack\" accept\n } }");
    assertEquals(rs, parse(Printer.ruleset(rs)));
  }

  @Test
  void natStatementsSplitAddressAndPort() throws Exception {
    assertEquals(new Stmt.Nat(Stmt.NatKind.DNAT, Optional.of("ip"), Optional.of(new Expr.Literal("10.0.0.2")),
        Optional.of(new Expr.Literal("80")), List.of()), onlyRule("dnat ip to 10.0.0.2:80").getFirst());
    assertEquals(new Stmt.Nat(Stmt.NatKind.DNAT, Optional.of("ip6"), Optional.of(new Expr.Literal("fd00::10")),
        Optional.of(new Expr.Literal("8443")), List.of()), onlyRule("dnat ip6 to [fd00::10]:8443").getFirst());
    assertEquals(new Stmt.Nat(Stmt.NatKind.REDIRECT, Optional.empty(), Optional.empty(),
        Optional.of(new Expr.Literal("3128")), List.of()), onlyRule("redirect to :3128").getFirst());
    assertEquals(List.of("fully-random", "persistent"),
        ((Stmt.Nat) onlyRule("masquerade persistent,fully-random").getFirst()).flags());
  }

  @Test
  void errorsArePositionedLikeNft() {
    NftParseException e = assertThrows(NftParseException.class, () -> parse("""
        table inet t {
          chain c {
            tcp dport 22 accept
            ip saddr accept
          }
        }
        """));
    assertEquals(new Position("test.nft", 4, 14), e.position());
    assertEquals("""
        test.nft:4:14: Error: syntax error, unexpected 'accept', expecting a value to compare with
            ip saddr accept
                     ^""", e.getMessage());
  }

  @Test
  void unknownVariableIsPositioned() {
    NftParseException e = assertThrows(NftParseException.class,
        () -> parse("table ip t {\n chain c {\n  ip saddr $nope drop\n }\n}\n"));
    assertEquals(3, e.position().line());
    assertEquals(12, e.position().column());
    assertTrue(e.getMessage().contains("unknown identifier 'nope'"), e.getMessage());
  }

  @Test
  void unterminatedStringAndBracesAreErrors() {
    assertThrows(NftParseException.class, () -> parse("table ip t { chain c { log prefix \"x\n } }"));
    NftParseException e = assertThrows(NftParseException.class, () -> parse("table ip t { chain c { accept"));
    assertTrue(e.reason().contains("end of file"), e.reason());
  }

  @Test
  void includesNeedAResolver() {
    NftParseException e = assertThrows(NftParseException.class, () -> parse("include \"/etc/x.nft\"\n"));
    assertTrue(e.reason().contains("includes are not allowed"), e.reason());
  }

  @Test
  void setsAndMapsKeepTypesFlagsAndElements() throws Exception {
    Ruleset rs = parse("""
        table ip t {
          set s { type ipv4_addr . inet_service; flags interval,timeout; timeout 1h30m; size 100;
            elements = { 10.0.0.1 . 22 timeout 10s comment "x", 10.0.0.0/24 . 80-90 } }
          map m { typeof iifname : meta mark; elements = { "lan0" : 1 } }
        }
        """);
    NftSet s = rs.tables().getFirst().set("s").orElseThrow();
    assertEquals("ipv4_addr . inet_service", s.keyType());
    assertEquals(List.of("interval", "timeout"), s.flags());
    assertEquals(5400, s.timeoutSeconds().getAsLong());
    assertEquals(10, s.elements().getFirst().timeoutSeconds().getAsLong());
    assertEquals(Optional.of("x"), s.elements().getFirst().comment());
    NftSet m = rs.tables().getFirst().set("m").orElseThrow();
    assertEquals("ifname", m.keyType());
    assertEquals(Optional.of("mark"), m.dataType());
  }

  /** Walks a statement's expressions: the model has no generic node where it claims to model a form. */
  private static boolean hasRaw(Object o) {
    return switch (o) {
      case Stmt.Raw r -> true;
      case Expr.Raw r -> true;
      case Record r -> java.util.Arrays.stream(r.getClass().getRecordComponents()).anyMatch(c -> {
        try {
          return hasRaw(c.getAccessor().invoke(r));
        } catch (ReflectiveOperationException e) {
          throw new AssertionError(e);
        }
      });
      case java.util.Collection<?> c -> c.stream().anyMatch(NftTextParserTest::hasRaw);
      case Optional<?> opt -> opt.map(NftTextParserTest::hasRaw).orElse(false);
      default -> false;
    };
  }

  /**
   * Every statement and expression kind of the issue, written as {@code nft list ruleset} prints it, reads into a
   * modelled node (no generic text node), and what {@link Printer} makes of it reads back to the same rule.
   */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {
      // payload of every protocol
      "ether saddr 00:11:22:33:44:55 ether type vlan accept", "vlan id 10 vlan pcp 3 accept",
      "arp operation request arp saddr ip 10.0.0.1 accept", "ip saddr 10.0.0.0/8 ip ttl 1 ip dscp cs1 drop",
      "ip6 daddr 2001:db8::/32 ip6 hoplimit 1 drop", "icmp type echo-request accept",
      "icmpv6 type { nd-neighbor-solicit, nd-router-advert } accept", "igmp type membership-query accept",
      "tcp dport 1-1024 tcp flags syn / syn,ack accept", "udp sport 53 udp length > 512 drop",
      "udplite dport 5000 accept", "sctp dport 3868 accept", "dccp dport 5004 accept", "ah spi 5 accept",
      "esp spi 7 drop", "comp nexthdr 6 accept", "th dport 8080 accept", "gre protocol ip accept",
      "tcp option maxseg size 1-535 drop", "tcp option sack-perm exists drop",
      // meta, ct, fib, rt, socket, numgen, hash, osf, exthdr, ipsec
      "meta l4proto tcp meta mark 0x00000001 iifname \"lan0\" accept", "meta hour \"17:00\"-\"19:00\" drop",
      "ct state established,related accept", "ct original ip saddr 10.0.0.1 ct zone 3 accept",
      "ct count over 20 drop", "fib saddr . iif oif missing drop", "fib daddr type local accept",
      "rt classid 5 accept", "rt mtu 1500 accept", "socket transparent 1 accept",
      "socket cgroupv2 level 1 \"user.slice\" accept", "meta mark set numgen inc mod 2",
      "meta mark set jhash ip saddr . tcp dport mod 4 seed 0xdead", "meta mark set symhash mod 2",
      "osf ttl skip name \"Linux\" accept", "osf version \"Linux:4.20\" drop", "exthdr hbh exists drop",
      "hbh nexthdr tcp drop", "frag more-fragments 1 drop", "rt type 0 drop", "dst nexthdr udp accept",
      "mh type home-test-init accept", "srh last-entry 1 accept", "ipsec in reqid 1 accept",
      "ipsec out spnum 1 ip daddr 10.0.0.1 drop",
      // statements
      "accept", "drop", "continue", "return", "jump other", "goto other", "tcp dport vmap { 22 : accept, 23 : drop }",
      "counter packets 0 bytes 0 accept", "limit rate over 10/second burst 5 packets drop",
      "limit rate 1 mbytes/second burst 512 kbytes accept", "log prefix \"x \" level info flags all accept",
      "log group 2 snaplen 128 queue-threshold 2", "queue num 3 bypass", "queue flags bypass,fanout to 2-5",
      "reject with icmp host-unreachable", "reject with tcp reset", "reject with icmpx admin-prohibited",
      "snat ip to 192.0.2.1-192.0.2.10:1024-2048 persistent,fully-random", "dnat ip6 to [fd00::10]:8443",
      "dnat to ip saddr map { 10.0.0.0/8 : 192.0.2.1 }", "masquerade to :1024-65535 random", "redirect to :3128",
      "meta mark set 0x00000010 ct mark set meta mark", "ip dscp set af11", "ct helper set \"ftp\"",
      "notrack", "dup to 10.0.0.9 device \"lan1\"", "fwd to \"wan0\"", "fwd ip to 10.0.0.9 device \"wan0\"",
      "add @s { ip saddr } drop", "update @s { ip saddr } counter", "quota over 500 mbytes drop",
      "quota name \"q\" drop", "counter name \"c\" accept", "synproxy mss 1460 wscale 7 timestamp sack-perm",
      "synproxy name \"sp\"", "tproxy ip to 127.0.0.1:3129", "tproxy to :5353", "tproxy ip6 to [::1]:80",
      "flow add @ft", "ct timeout set \"t\"", "ct expectation set \"e\"", "meta secmark set \"sm\"",
  })
  void everyListedFormIsModelledAndReprints(String rule) throws Exception {
    String table = "table inet t {\n chain other { }\n chain c {\n  " + rule + "\n }\n}\n";
    Rule r = parse(table).tables().getFirst().chain("c").orElseThrow().rules().getFirst();
    assertTrue(r.statements().stream().noneMatch(NftTextParserTest::hasRaw), r.statements().toString());
    Rule again = parse("table inet t {\n chain other { }\n chain c {\n  " + Printer.rule(r) + "\n }\n}\n")
        .tables().getFirst().chain("c").orElseThrow().rules().getFirst();
    assertEquals(r, again, Printer.rule(r));
  }
}
