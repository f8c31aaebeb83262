package org.nftoffload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class MainTest {

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

  @Test
  void pipelineListsTheContractTables() {
    Run run = run("pipeline");
    assertEquals(0, run.exit(), run.err());
    for (String table : new String[] {"FlowtableIngress.acl", "FlowtableIngress.flow_v4", "FlowtableIngress.flow_v6"}) {
      assertTrue(run.out().contains(table), run.out());
    }
    assertTrue(run.out().contains("ipv4_src:exact/32"), run.out());
  }

  @Test
  void unknownSubcommandIsAUsageError() {
    Run run = run("no-such-command");
    assertEquals(2, run.exit());
    assertTrue(run.err().contains("no-such-command"), run.err());
  }

  @Test
  void noSubcommandIsAUsageError() {
    assertEquals(2, run().exit());
  }
}
