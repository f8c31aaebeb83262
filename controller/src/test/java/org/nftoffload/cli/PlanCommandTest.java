package org.nftoffload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class PlanCommandTest {
  @TempDir
  Path dir;

  private record Run(int exit, String out, String err) {}

  private static Run run(String... args) {
    CommandLine cli = Main.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int exit = cli.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  private Path write(String name, String text) throws Exception {
    Path p = dir.resolve(name);
    Files.writeString(p, text);
    return p;
  }

  private static final String FW = """
      define dc = 10.20.0.0/16
      table inet fw {
        chain forward {
          type filter hook forward priority filter; policy drop;
          ip saddr $dc tcp dport 5432 accept
          iifname "lan0" udp dport 53 limit rate 100/second accept
          ct state established,related accept
        }
      }
      """;

  @Test
  void printsAVerdictPerRule() throws Exception {
    Run r = run("plan", write("fw.nft", FW).toString(), "--port", "lan0=2");
    assertEquals(0, r.exit(), r.err());
    String[] lines = r.out().split("\n");
    assertTrue(lines[0].startsWith("RULE"), r.out());
    assertTrue(lines[1].contains("fw.nft:5:5") && lines[1].contains("OFFLOADED"), r.out());
    assertTrue(lines[2].contains("fw.nft:6:5") && lines[2].contains("PARTIAL"), r.out());
    assertTrue(lines[3].contains("- limit rate → meter"), r.out());
    assertTrue(lines[4].contains("fw.nft:7:5") && lines[4].contains("KERNEL_ONLY"), r.out());
    assertTrue(lines[5].contains("- ct state established,related → needs conntrack"), r.out());
    assertTrue(r.out().contains("3 rules: 1 offloaded, 1 partly, 1 kernel only; 2 ACL entries"), r.out());
  }

  @Test
  void jsonOutputIsJson() throws Exception {
    Run r = run("plan", "--json", "--port", "lan0=2", write("fw.nft", FW).toString());
    assertEquals(0, r.exit(), r.err());
    JsonNode root = new ObjectMapper().readTree(r.out());
    assertEquals(3, root.get("verdicts").size());
    assertEquals("OFFLOADED", root.get("verdicts").get(0).get("verdict").asText());
    assertEquals("FlowtableIngress.permit_acl", root.get("acl").get(0).get("action").asText());
    assertEquals("0x1538..0x1538", root.get("acl").get(0).get("match").get("l4_dport").asText());
    assertEquals(100, root.get("acl").get(1).get("meter").get("packetsPerSecond").asInt());
  }

  @Test
  void readsNftJsonToo() throws Exception {
    String json = """
        {"nftables": [{"table": {"family": "ip", "name": "t", "handle": 1}},
          {"chain": {"family": "ip", "table": "t", "name": "f", "handle": 1, "type": "filter", "hook": "forward",
            "prio": 0, "policy": "accept"}},
          {"rule": {"family": "ip", "table": "t", "chain": "f", "handle": 2, "expr": [
            {"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": 23}},
            {"drop": null}]}}]}
        """;
    Run r = run("plan", write("rs.json", json).toString());
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("tcp dport 23 drop"), r.out());
    assertTrue(r.out().contains("1 rules: 1 offloaded"), r.out());
  }

  @Test
  void parseErrorIsPositionedWithoutStackTrace() throws Exception {
    Run r = run("plan", write("bad.nft", "table ip t {\n  chain c {\n    tcp dport accept\n  }\n}\n").toString());
    assertEquals(1, r.exit());
    assertTrue(r.err().startsWith(dir.resolve("bad.nft") + ":3:15: Error: syntax error, unexpected 'accept'"),
        r.err());
    assertTrue(r.err().contains("    tcp dport accept\n                  ^".substring(0, 24)), r.err());
    assertFalse(r.err().contains("\tat "), r.err());
    assertEquals("", r.out());
  }

  @Test
  void validationErrorIsExitOne() throws Exception {
    Run r = run("plan", write("v.nft", "table ip t {\n chain c {\n  jump nowhere\n }\n}\n").toString());
    assertEquals(1, r.exit());
    assertTrue(r.err().contains(":3:3: Error: chain 'nowhere' does not exist"), r.err());
  }

  @Test
  void includesAreReadBesideTheFile() throws Exception {
    write("defs.nft", "define web = { 80, 443 }\n");
    Path main = write("main.nft", "include \"defs.nft\"\ntable ip t { chain f { type filter hook forward priority 0; "
        + "tcp dport $web drop; } }\n");
    Run r = run("plan", main.toString());
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("tcp dport { 80, 443 } drop"), r.out());
  }

  @Test
  void usageErrorsAreExitTwo() throws Exception {
    assertEquals(2, run("plan").exit());
    assertEquals(2, run("plan", dir.resolve("missing.nft").toString()).exit());
    assertEquals(2, run("plan", write("x.nft", FW).toString(), "--port", "lan0=9999").exit());
    assertEquals(2, run("plan", write("y.nft", FW).toString(), "--bogus").exit());
  }
}
