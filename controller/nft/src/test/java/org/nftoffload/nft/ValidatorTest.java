package org.nftoffload.nft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class ValidatorTest {

  private static List<String> problems(String text) throws NftParseException {
    return Validator.validate(NftTextParser.parse("v.nft", text)).stream().map(Problem::message).toList();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "ip saddr @nope drop | set 'nope' does not exist",
      "jump nowhere | chain 'nowhere' does not exist",
      "flow add @ft | flowtable 'ft' does not exist",
      "counter name \"c\" | counter 'c' does not exist",
      "ip saddr @m drop | 'm' is a map, not a set",
      "tcp dport vmap @s | 's' is not a verdict map",
      "ip6 saddr @s drop | datatype mismatch: ip6 saddr is ipv6_addr, @s holds ipv4_addr",
      "ip saddr ::1 drop | datatype mismatch: ip saddr expects an IPv4 address, got ::1",
      "ip6 daddr { 10.0.0.1, ::2 } drop | datatype mismatch: ip6 daddr expects an IPv6 address, got 10.0.0.1",
      "jump base | cannot jump to base chain 'base'",
      "tcp dport 21 ct helper set \"ftp\" | ct helper 'ftp' does not exist",
  })
  void refusesWhatNftRefuses(String rule, String expected) throws Exception {
    List<String> p = problems("""
        table inet t {
          set s { type ipv4_addr; }
          map m { type ipv4_addr : verdict; }
          chain base { type filter hook forward priority 0; }
          chain c {
            %s
          }
        }
        """.formatted(rule));
    assertEquals(1, p.size(), p.toString());
    assertTrue(p.getFirst().startsWith(expected), p.getFirst());
  }

  @Test
  void jumpLoopsAreFoundWithThePath() throws Exception {
    List<String> p = problems("""
        table ip t {
          chain a { jump b }
          chain b { tcp dport vmap { 1 : jump c } }
          chain c { goto a }
        }
        """);
    assertEquals(List.of("jump loop a -> b -> c -> a in table ip t"), p);
  }

  @Test
  void jumpLoopsThroughNamedVerdictMapsAreFound() throws Exception {
    List<String> p = problems("""
        table inet t {
          map zones { type ifname : verdict; elements = { "lan0" : jump a, "wan0" : jump b } }
          chain a { accept }
          chain b { iifname vmap @zones }
        }
        """);
    assertEquals(List.of("jump loop b -> b in table inet t"), p);
  }

  @Test
  void validRulesetHasNoProblems() throws Exception {
    assertEquals(List.of(), problems("""
        table inet t {
          flowtable ft { hook ingress priority 0; devices = { a }; }
          set s { type ipv4_addr; }
          map vm { type inet_service : verdict; elements = { 22 : jump x } }
          chain fwd { type filter hook forward priority 0;
            ip saddr @s tcp dport vmap @vm
            flow add @ft
            jump x
          }
          chain x { accept }
        }
        """));
  }

  @Test
  void frontEndReportsTheFirstProblemAtItsRule() {
    NftParseException e = assertThrows(NftParseException.class, () -> NftFrontEnd.read("fw.nft", """
        table ip t {
          chain c {
            accept
            ip saddr @missing drop
          }
        }
        """));
    assertEquals(new Position("fw.nft", 4, 5), e.position());
    assertTrue(e.getMessage().startsWith("fw.nft:4:5: Error: set 'missing' does not exist in table ip t, chain c\n"
        + "    ip saddr @missing drop\n    ^"), e.getMessage());
  }
}
