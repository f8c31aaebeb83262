package org.nftoffload.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The command-line client of the REST API: {@code ruleset apply|plan|show}, {@code devices}, {@code flows},
 * {@code agents}. Human tables by default, {@code --json} for the controller's JSON; exit codes as in
 * {@link RestClient}.
 */
final class ApiCommands {

  private ApiCommands() {}

  /** Runs a call, printing the failure and mapping it to the exit code. */
  abstract static class ApiCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    RestClient rest;

    abstract void run(PrintWriter out) throws RestClient.CallFailed;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      try {
        run(out);
        out.flush();
        return 0;
      } catch (RestClient.CallFailed e) {
        out.flush();
        spec.commandLine().getErr().println("nftoffload " + spec.name() + ": " + e.getMessage());
        spec.commandLine().getErr().flush();
        return e.exit;
      }
    }

    void print(PrintWriter out, JsonNode node) {
      out.println(node.toPrettyString());
    }
  }

  /** A text table with columns sized to their content. */
  static void table(PrintWriter out, List<String> header, List<List<String>> rows) {
    int[] w = new int[header.size()];
    for (int i = 0; i < w.length; i++) {
      w[i] = header.get(i).length();
      for (List<String> r : rows) {
        w[i] = Math.max(w[i], r.get(i).length());
      }
    }
    List<List<String>> all = new ArrayList<>();
    all.add(header);
    all.addAll(rows);
    for (List<String> r : all) {
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < w.length; i++) {
        b.append(i == w.length - 1 ? r.get(i) : String.format("%-" + w[i] + "s  ", r.get(i)));
      }
      out.println(b.toString().stripTrailing());
    }
  }

  @Command(name = "ruleset", mixinStandardHelpOptions = true, description = "Show, plan or apply the ruleset.",
      subcommands = {RulesetShow.class, RulesetPlan.class, RulesetApply.class})
  static final class Ruleset implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
      throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: show, plan or apply");
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true, description = "The ruleset in force and its verdicts.")
  static final class RulesetShow extends ApiCommand {
    @Option(names = "--text", description = "Print the ruleset text instead of the verdicts.")
    boolean text;

    @Override
    void run(PrintWriter out) throws RestClient.CallFailed {
      JsonNode r = rest.call("GET", "/api/v1/ruleset", null, null);
      if (rest.json) {
        print(out, r);
      } else if (text) {
        out.print(r.path("text").asText());
      } else {
        out.printf("ruleset v%d (%s), applied %s%n", r.path("version").asLong(), r.path("name").asText(),
            r.path("appliedAt").asText());
        verdicts(out, r);
      }
    }
  }

  static void verdicts(PrintWriter out, JsonNode r) {
    List<List<String>> rows = new ArrayList<>();
    for (JsonNode v : r.path("verdicts")) {
      rows.add(List.of(v.path("rule").asText(), v.path("verdict").asText(), v.path("aclEntries").asText(),
          v.path("text").asText() + (v.path("reasons").isEmpty() ? ""
              : "  (" + String.join("; ", texts(v.path("reasons"))) + ")")));
    }
    table(out, List.of("RULE", "VERDICT", "ACL", "TEXT"), rows);
    r.path("devices").fields().forEachRemaining(d -> out.printf("device %s: %d ACL entries%n", d.getKey(),
        d.getValue().path("aclEntries").asInt()));
    for (JsonNode p : r.path("offloadPolicies")) {
      out.printf("offload: %s -> flowtable %s%n", p.path("rule").asText(), p.path("flowtable").asText());
    }
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  abstract static class RulesetChange extends ApiCommand {
    @Parameters(paramLabel = "FILE", description = "nft ruleset, text (nft list ruleset) or JSON (nft -j list ruleset).")
    Path file;

    JsonNode put(boolean dryRun) throws RestClient.CallFailed {
      String text;
      try {
        text = Files.readString(file);
      } catch (IOException e) {
        throw new RestClient.CallFailed(2, "cannot read " + file + ": " + e.getMessage());
      }
      boolean isJson = text.stripLeading().startsWith("{");
      return rest.call("PUT", "/api/v1/ruleset" + (dryRun ? "?dryRun=true" : ""), text,
          isJson ? "application/json" : "text/plain");
    }

    void report(PrintWriter out, JsonNode r, String what) {
      if (rest.json) {
        print(out, r);
        return;
      }
      out.printf("%s ruleset v%d%n", what, r.path("version").asLong());
      verdicts(out, r);
      r.path("diff").fields().forEachRemaining(d -> out.printf("device %s: +%d ~%d -%d ACL entries%n", d.getKey(),
          d.getValue().path("inserts").asInt(), d.getValue().path("modifies").asInt(),
          d.getValue().path("deletes").asInt()));
    }
  }

  @Command(name = "plan", mixinStandardHelpOptions = true,
      description = "Dry run: what the controller would offload and change for FILE; changes nothing.")
  static final class RulesetPlan extends RulesetChange {
    @Override
    void run(PrintWriter out) throws RestClient.CallFailed {
      report(out, put(true), "plan for");
    }
  }

  @Command(name = "apply", mixinStandardHelpOptions = true,
      description = "Apply FILE to every device and agent (or nowhere, if any refuses).")
  static final class RulesetApply extends RulesetChange {
    @Override
    void run(PrintWriter out) throws RestClient.CallFailed {
      report(out, put(false), "applied");
    }
  }

  @Command(name = "devices", mixinStandardHelpOptions = true,
      description = "Devices: status, mastership, table occupancy.")
  static final class Devices extends ApiCommand {
    @Override
    void run(PrintWriter out) throws RestClient.CallFailed {
      JsonNode r = rest.call("GET", "/api/v1/devices", null, null);
      if (rest.json) {
        print(out, r);
        return;
      }
      List<List<String>> rows = new ArrayList<>();
      for (JsonNode d : r.path("devices")) {
        StringBuilder tables = new StringBuilder();
        for (JsonNode t : d.path("tables")) {
          String name = t.path("table").asText();
          tables.append(name.substring(name.lastIndexOf('.') + 1)).append(' ').append(t.path("entries").asInt())
              .append(t.has("size") ? "/" + t.path("size").asInt() : "").append("  ");
        }
        rows.add(List.of(d.path("name").asText(), d.path("status").asText(), d.path("mastership").asText(),
            d.path("driver").asText(), d.path("address").asText(), tables.toString().strip()));
      }
      table(out, List.of("NAME", "STATUS", "MASTERSHIP", "DRIVER", "ADDRESS", "TABLES"), rows);
    }
  }

  @Command(name = "flows", mixinStandardHelpOptions = true, description = "Offloaded (and rejected) flows.")
  static final class Flows extends ApiCommand {
    @Option(names = "--state", description = "PENDING, OFFLOADED, TEARDOWN, HW_DYING, HW_DEAD or REJECTED.")
    String state;

    @Option(names = "--device", description = "Only flows on this device.")
    String device;

    @Option(names = "--agent", description = "Only flows of this agent.")
    String agent;

    @Option(names = "--limit", defaultValue = "100", description = "Flows per page (default ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--offset", defaultValue = "0", description = "First flow to show.")
    int offset;

    @Override
    void run(PrintWriter out) throws RestClient.CallFailed {
      StringBuilder q = new StringBuilder("?limit=" + limit + "&offset=" + offset);
      if (state != null) {
        q.append("&state=").append(java.net.URLEncoder.encode(state, java.nio.charset.StandardCharsets.UTF_8));
      }
      if (device != null) {
        q.append("&device=").append(java.net.URLEncoder.encode(device, java.nio.charset.StandardCharsets.UTF_8));
      }
      if (agent != null) {
        q.append("&agent=").append(java.net.URLEncoder.encode(agent, java.nio.charset.StandardCharsets.UTF_8));
      }
      JsonNode r = rest.call("GET", "/api/v1/flows" + q, null, null);
      if (rest.json) {
        print(out, r);
        return;
      }
      List<List<String>> rows = new ArrayList<>();
      for (JsonNode f : r.path("flows")) {
        rows.add(List.of(f.path("id").asText(), f.path("agent").asText(), f.path("state").asText(),
            f.path("device").asText("-"), f.path("original").path("tuple").asText(),
            f.path("nat").asBoolean() ? "nat" : "", f.path("counters").path("packets").asText(),
            f.path("reason").asText("")));
      }
      table(out, List.of("ID", "AGENT", "STATE", "DEVICE", "ORIGINAL", "NAT", "PACKETS", "REASON"), rows);
      out.printf("%d of %d flow(s)%n", rows.size(), r.path("total").asInt());
    }
  }

  @Command(name = "agents", mixinStandardHelpOptions = true, description = "Connected kernel agents.")
  static final class Agents extends ApiCommand {
    @Override
    void run(PrintWriter out) throws RestClient.CallFailed {
      JsonNode r = rest.call("GET", "/api/v1/agents", null, null);
      if (rest.json) {
        print(out, r);
        return;
      }
      List<List<String>> rows = new ArrayList<>();
      for (JsonNode a : r.path("agents")) {
        rows.add(List.of(a.path("id").asText(), a.path("host").asText(), a.path("namespace").asText(),
            a.path("remote").asText(), a.path("connectedSince").asText(), a.path("flowAdds").asText(),
            a.path("flowDeletes").asText(), a.path("resyncs").asText()));
      }
      table(out, List.of("ID", "HOST", "NAMESPACE", "REMOTE", "SINCE", "ADDS", "DELETES", "RESYNCS"), rows);
    }
  }
}
