package org.nftoffload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nftoffload.service.TestController;
import picocli.CommandLine;

/** The command-line client against a running controller: tables, --json and exit codes. */
class ApiCommandsTest {

  private static TestController c;

  @BeforeAll
  static void start() throws Exception {
    c = new TestController();
  }

  @AfterAll
  static void stop() {
    if (c != null) {
      c.close();
    }
  }

  private record Run(int exit, String out, String err) {}

  private static Run run(String token, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--url=http://127.0.0.1:" + c.listening.api().getPort());
    if (token != null) {
      all.add("--token=" + token);
    }
    CommandLine cli = Main.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int exit = cli.execute(all.toArray(String[]::new));
    return new Run(exit, out.toString(), err.toString());
  }

  @Test
  void devicesAsTableAndJson() throws Exception {
    Run table = run(TestController.READER, "devices");
    assertEquals(0, table.exit(), table.err());
    assertTrue(table.out().startsWith("NAME"), table.out());
    assertTrue(table.out().contains("sw0") && table.out().contains("PRIMARY") && table.out().contains("acl "),
        table.out());
    Run json = run(TestController.READER, "devices", "--json");
    JsonNode n = new ObjectMapper().readTree(json.out());
    assertEquals("sw0", n.get("devices").get(0).get("name").asText());
  }

  @Test
  void rulesetShowPlanAndApply(@TempDir Path dir) throws Exception {
    Run show = run(TestController.READER, "ruleset", "show");
    assertEquals(0, show.exit(), show.err());
    assertTrue(show.out().contains("VERDICT") && show.out().contains("inet filter forward"), show.out());

    Path text = dir.resolve("r.nft");
    Files.writeString(text, run(TestController.READER, "ruleset", "show", "--text").out());
    Run plan = run(TestController.ADMIN, "ruleset", "plan", text.toString());
    assertEquals(0, plan.exit(), plan.err());
    assertTrue(plan.out().contains("device sw0: +0 ~0 -0"), plan.out());

    Path bad = dir.resolve("bad.nft");
    Files.writeString(bad, "table inet filter {\n  chain forward {\n    jump nowhere\n  }\n}\n");
    Run refused = run(TestController.ADMIN, "ruleset", "apply", bad.toString());
    assertEquals(1, refused.exit());
    assertTrue(refused.err().contains("line 3"), refused.err());

    Run forbidden = run(TestController.READER, "ruleset", "apply", text.toString());
    assertEquals(1, forbidden.exit());
    assertTrue(forbidden.err().contains("HTTP 403"), forbidden.err());
    Run applied = run(TestController.ADMIN, "ruleset", "apply", text.toString());
    assertEquals(0, applied.exit(), applied.err());
  }

  @Test
  void flowsAndAgentsTables() {
    Run flows = run(TestController.READER, "flows", "--state", "offloaded");
    assertEquals(0, flows.exit(), flows.err());
    assertTrue(flows.out().startsWith("ID"), flows.out());
    assertTrue(flows.out().contains("flow(s)"), flows.out());
    Run agents = run(TestController.READER, "agents");
    assertEquals(0, agents.exit(), agents.err());
    assertTrue(agents.out().startsWith("ID"), agents.out());
    Run badState = run(TestController.READER, "flows", "--state", "sleepy");
    assertEquals(1, badState.exit());
  }

  @Test
  void exitCodesTellRefusedFromUnreachable() {
    Run noToken = run(null, "devices");
    assertEquals(1, noToken.exit());
    assertTrue(noToken.err().contains("HTTP 401"), noToken.err());
    CommandLine cli = Main.commandLine();
    cli.setErr(new PrintWriter(new StringWriter()));
    assertEquals(3, cli.execute("devices", "--url=http://127.0.0.1:1"));
    assertEquals(2, Main.commandLine().execute("ruleset"));
  }
}
