package org.nftoffload.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.nftoffload.nft.IncludeResolver;
import org.nftoffload.nft.NftFrontEnd;
import org.nftoffload.nft.NftParseException;
import org.nftoffload.nft.Printer;
import org.nftoffload.nft.Ruleset;
import org.nftoffload.nft.Source;
import org.nftoffload.plan.AclEntry;
import org.nftoffload.plan.DevicePortMap;
import org.nftoffload.plan.Plan;
import org.nftoffload.plan.Planner;
import org.nftoffload.plan.PlannerOptions;
import org.nftoffload.plan.RuleVerdict;
import org.nftoffload.plan.Verdict;
import org.onosproject.net.pi.runtime.PiAction;
import org.onosproject.net.pi.runtime.PiFieldMatch;
import org.onosproject.net.pi.runtime.PiRangeFieldMatch;
import org.onosproject.net.pi.runtime.PiTernaryFieldMatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code nftoffload plan FILE [--json]}: reads an nft ruleset (text as {@code nft list ruleset} prints it, or nft
 * JSON), and shows rule by rule what the switch would do with it and why, plus the ACL entries, offload policies
 * and NAT rules. A dry run: nothing is written anywhere. Exit 0 when the file parses, 1 with nft's positioned
 * message when it does not, 2 on usage errors.
 */
@Command(name = "plan", mixinStandardHelpOptions = true,
    description = "Show the offload plan of an nftables ruleset: a verdict per rule, ACL entries, offload policies.")
final class PlanCommand implements Callable<Integer> {

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "FILE", description = "nft ruleset (text or JSON); - reads standard input")
  String file;

  @Option(names = "--json", description = "print the plan as JSON")
  boolean json;

  @Option(names = "--port", paramLabel = "DEVICE=PORT", description = "switch port of a device (repeatable), "
      + "e.g. --port lan0=2")
  Map<String, Integer> ports = new TreeMap<>();

  @Option(names = "--local", paramLabel = "ADDRESS", description = "an address of this host (repeatable): its "
      + "traffic is left to the kernel's input hook")
  List<String> local = new ArrayList<>();

  @Option(names = "--acl-size", paramLabel = "N", defaultValue = "2048", description = "ACL entries the switch "
      + "holds (default ${DEFAULT-VALUE})")
  int aclSize;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    String text;
    try {
      text = file.equals("-") ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8)
          : Files.readString(Path.of(file));
    } catch (IOException | RuntimeException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), "cannot read " + file + ": " + e.getMessage());
    }
    Planner planner;
    try {
      planner = new Planner(DevicePortMap.of(ports), new PlannerOptions(aclSize, 1_000_000, local));
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    Ruleset rs;
    try {
      rs = NftFrontEnd.read(new Source(file, text), includes());
    } catch (NftParseException e) {
      err.println(e.getMessage());
      err.flush();
      return 1;
    }
    Plan plan;
    try {
      plan = planner.plan(rs);
    } catch (IllegalArgumentException e) {
      err.println("Error: " + e.getMessage());
      err.flush();
      return 1;
    }
    if (json) {
      try {
        out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(toJson(plan)));
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    } else {
      table(out, plan);
    }
    out.flush();
    return 0;
  }

  /** Includes are read relative to the including file; a name with '*' is a glob, matched in sorted order. */
  private IncludeResolver includes() {
    return (name, from) -> {
      Path base = from.equals("-") ? Path.of(".") : Path.of(from).toAbsolutePath().getParent();
      Path p = base.resolve(name);
      try {
        if (name.contains("*") || name.contains("?")) {
          PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + p.getFileName());
          try (Stream<Path> s = Files.list(p.getParent())) {
            List<Source> out = new ArrayList<>();
            for (Path f : s.filter(x -> m.matches(x.getFileName())).sorted().toList()) {
              out.add(new Source(f.toString(), Files.readString(f)));
            }
            return out;
          }
        }
        return List.of(new Source(p.toString(), Files.readString(p)));
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read " + p + " (" + e.getClass().getSimpleName() + ")");
      }
    };
  }

  private static void table(PrintWriter out, Plan plan) {
    out.printf("%-22s %-11s %7s  %s%n", "RULE", "VERDICT", "ENTRIES", "NFT / WHY");
    for (RuleVerdict v : plan.verdicts()) {
      String where = v.rule().position().map(Object::toString).orElse(v.rule().label());
      out.printf("%-22s %-11s %7d  %s%n", where, v.verdict(), v.aclEntries(), v.rule().text());
      for (String r : v.reasons()) {
        out.printf("%-22s %-11s %7s    - %s%n", "", "", "", r);
      }
    }
    long off = plan.verdicts().stream().filter(v -> v.verdict() == Verdict.OFFLOADED).count();
    long part = plan.verdicts().stream().filter(v -> v.verdict() == Verdict.PARTIAL).count();
    long kern = plan.verdicts().stream().filter(v -> v.verdict() == Verdict.KERNEL_ONLY).count();
    out.println();
    out.printf("%d rules: %d offloaded, %d partly, %d kernel only; %d ACL entries, %d offload policies, "
        + "%d NAT rules%n", plan.verdicts().size(), off, part, kern, plan.acl().size(), plan.offload().size(),
        plan.nat().size());
    plan.offload().forEach(p -> out.printf("offload: flow add @%s on %s (ports %s)%s if %s%n", p.flowtable(),
        p.devices(), p.ports(), p.hardwareOffload() ? " [flags offload]" : "",
        p.conditions().isEmpty() ? "any" : String.join(" ", p.conditions().stream().map(Printer::stmt).toList())));
  }

  private static Map<String, Object> toJson(Plan plan) {
    Map<String, Object> root = new LinkedHashMap<>();
    List<Object> verdicts = new ArrayList<>();
    for (RuleVerdict v : plan.verdicts()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("family", v.rule().family().nftName());
      m.put("table", v.rule().table());
      m.put("chain", v.rule().chain());
      m.put("index", v.rule().index());
      v.rule().position().ifPresent(p -> m.put("position", p.toString()));
      m.put("rule", v.rule().text());
      m.put("verdict", v.verdict().name());
      m.put("reasons", v.reasons());
      m.put("aclEntries", v.aclEntries());
      verdicts.add(m);
    }
    root.put("verdicts", verdicts);
    List<Object> acl = new ArrayList<>();
    for (AclEntry e : plan.acl()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("priority", e.entry().priority().orElse(0));
      m.put("action", ((PiAction) e.entry().action()).id().id());
      Map<String, String> match = new TreeMap<>();
      for (PiFieldMatch f : e.entry().matchKey().fieldMatches()) {
        match.put(f.fieldId().id(), f instanceof PiRangeFieldMatch r
            ? hex(r.lowValue().asArray()) + ".." + hex(r.highValue().asArray())
            : hex(((PiTernaryFieldMatch) f).value().asArray()) + "&&&" + hex(((PiTernaryFieldMatch) f).mask().asArray()));
      }
      m.put("match", match);
      e.meter().ifPresent(x -> m.put("meter", Map.of("packetsPerSecond", x.packetsPerSecond(), "burstPackets",
          x.burstPackets())));
      m.put("rule", e.source().label());
      acl.add(m);
    }
    root.put("acl", acl);
    root.put("offload", plan.offload().stream().map(p -> Map.of("flowtable", p.flowtable(), "devices", p.devices(),
        "ports", p.ports(), "hardwareOffload", p.hardwareOffload(), "conditions",
        p.conditions().stream().map(Printer::stmt).toList(), "rule", p.rule().label())).toList());
    root.put("nat", plan.nat().stream().map(n -> Map.of("hook", n.hook(), "rule", n.rule().text(), "conditions",
        n.conditions().stream().map(Printer::stmt).toList(), "translation", Printer.stmt(n.nat()))).toList());
    return root;
  }

  private static String hex(byte[] b) {
    return "0x" + new BigInteger(1, b).toString(16);
  }
}
