package org.nftoffload.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.nftoffload.p4.FlowtablePipeline;
import p4.config.v1.P4InfoOuterClass.P4Info;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code nftoffload pipeline}: what the flowtable P4 program offers a controller, read from its P4Info. */
@Command(name = "pipeline", mixinStandardHelpOptions = true,
    description = "Show the tables, actions and counters of the flowtable P4 pipeline.")
final class PipelineCommand implements Callable<Integer> {

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    P4Info p4Info = FlowtablePipeline.load().p4Info();
    PrintWriter out = spec.commandLine().getOut();
    out.printf("%-30s %-10s %8s  %s%n", "TABLE", "ID", "SIZE", "KEY");
    p4Info.getTablesList().forEach(t -> out.printf("%-30s 0x%08x %8d  %s%n", t.getPreamble().getName(),
        t.getPreamble().getId(), t.getSize(), t.getMatchFieldsList().stream()
            .map(f -> f.getName() + ":" + f.getMatchType().name().toLowerCase() + "/" + f.getBitwidth())
            .toList()));
    out.println();
    out.printf("%-30s %-10s  %s%n", "ACTION", "ID", "PARAMS");
    p4Info.getActionsList().forEach(a -> out.printf("%-30s 0x%08x  %s%n", a.getPreamble().getName(),
        a.getPreamble().getId(), a.getParamsList().stream().map(p -> p.getName() + "/" + p.getBitwidth()).toList()));
    out.println();
    out.printf("%-30s %-10s  %s%n", "COUNTER / METER", "ID", "KIND");
    p4Info.getCountersList().forEach(c -> out.printf("%-30s 0x%08x  indexed, %d cells%n",
        c.getPreamble().getName(), c.getPreamble().getId(), c.getSize()));
    p4Info.getDirectCountersList().forEach(c -> out.printf("%-30s 0x%08x  direct counter%n",
        c.getPreamble().getName(), c.getPreamble().getId()));
    p4Info.getDirectMetersList().forEach(m -> out.printf("%-30s 0x%08x  direct meter%n",
        m.getPreamble().getName(), m.getPreamble().getId()));
    out.flush();
    return 0;
  }
}
