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

  @Test
  void checkConfigBuildsTheDriversSoAMissingCompilerOutputIsReported(@org.junit.jupiter.api.io.TempDir
      java.nio.file.Path dir) throws Exception {
    java.nio.file.Path config = dir.resolve("controller.yaml");
    java.nio.file.Files.writeString(config, """
        ruleset: {file: none}
        devices:
          - {name: leaf1, driver: bmv2, host: 127.0.0.1, port: 9559, device_id: 1, ports: {eth1: 1},
             options: {bmv2_json: %s}}
        """.formatted(dir.resolve("missing.json")));
    Run run = run("check-config", config.toString());
    assertEquals(1, run.exit(), run.out());
    assertTrue(run.err().contains("leaf1") && run.err().contains("missing.json"), run.err());
    java.nio.file.Files.writeString(dir.resolve("missing.json"), "{\"program\": \"flowtable.p4\"}");
    Run fixed = run("check-config", config.toString());
    assertEquals(0, fixed.exit(), fixed.err());
  }
}
