package org.nftoffload.nft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nftoffload.plan.DevicePortMap;
import org.nftoffload.plan.Plan;
import org.nftoffload.plan.Planner;
import org.nftoffload.plan.PlannerOptions;
import org.nftoffload.plan.RuleVerdict;
import org.nftoffload.plan.Verdict;

/**
 * What {@code bin/nftoffload plan} is given in practice: whatever {@code nft list ruleset} prints. Every example
 * ruleset is loaded into the real kernel in a namespace of our own; the listing as text, as text with handles
 * ({@code -a}) and as JSON goes through the front end (parse and validate) and the planner, with a port map that
 * covers every device the ruleset names. Each listed rule must get exactly one verdict, with a reason unless it is
 * fully offloaded, and the three listings must plan alike.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KernelListingPlanTest {
  private Kernel kernel;

  @BeforeAll
  void openNamespace() {
    kernel = Kernel.open("plan");
  }

  @AfterAll
  void closeNamespace() throws Exception {
    if (kernel != null) {
      kernel.close();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("org.nftoffload.nft.KernelRoundTripTest#rulesets")
  void everyListedRuleGetsAVerdict(Path file) throws Exception {
    String original = Files.readString(file);
    String toLoad = kernel.flowtables ? original : KernelRoundTripTest.withoutFlowtables(original);
    assertEquals(0, kernel.nft("flush", "ruleset").exit());
    Kernel.Result load = kernel.nft("-f", "-", toLoad);
    assertEquals(0, load.exit(), "nft refused " + file.getFileName() + ": " + load.err());

    List<List<String>> outcomes = new ArrayList<>();
    for (List<String> listing : List.of(List.of("list", "ruleset"), List.of("-a", "list", "ruleset"),
        List.of("-j", "list", "ruleset"))) {
      Kernel.Result listed = kernel.nft(listing.toArray(String[]::new));
      assertEquals(0, listed.exit(), listed.err());
      String name = "nft " + String.join(" ", listing);
      Ruleset rs = NftFrontEnd.read(name, listed.out());
      assertFalse(rs.tables().isEmpty(), name + " lists no tables");
      Plan plan = new Planner(portsFor(rs), PlannerOptions.defaults()).plan(rs);

      List<RuleVerdict> verdicts = plan.verdicts();
      assertEquals(rs.ruleCount(), verdicts.size(), name + ": one verdict per rule");
      int i = 0;
      for (Table t : rs.tables()) {
        for (Chain c : t.chains()) {
          for (int k = 0; k < c.rules().size(); k++) {
            RuleVerdict v = verdicts.get(i++);
            assertEquals(List.of(t.family(), t.name(), c.name(), k),
                List.of(v.rule().family(), v.rule().table(), v.rule().chain(), v.rule().index()),
                name + ": verdicts follow the rules in order");
            assertEquals(Printer.rule(c.rules().get(k)), v.rule().text());
            assertFalse(v.verdict() != Verdict.OFFLOADED && v.reasons().isEmpty(),
                name + ": " + v.verdict() + " without a reason for " + v.rule().text());
          }
        }
      }
      assertTrue(plan.acl().size() <= PlannerOptions.defaults().aclCapacity());
      outcomes.add(verdicts.stream().map(v -> v.rule().label() + " " + v.verdict() + " " + v.aclEntries()).toList());
    }
    assertEquals(outcomes.get(0), outcomes.get(1), "handles change nothing");
    assertEquals(outcomes.get(0), outcomes.get(2), "text and JSON listings plan alike");
  }

  /**
   * Ports 1..n for the namespace's devices and every device the ruleset names: interface matches, interface-keyed
   * sets and maps, hook and flowtable devices.
   */
  static DevicePortMap portsFor(Ruleset rs) {
    TreeSet<String> devices = new TreeSet<>(Kernel.DEVICES);
    for (Table t : rs.tables()) {
      t.flowtables().forEach(f -> devices.addAll(f.devices()));
      for (NftSet s : t.sets()) {
        if (s.keyType().equals("ifname") || s.keyType().equals("iface_index")) {
          s.elements().forEach(e -> names(e.key(), devices));
        }
      }
      for (Chain c : t.chains()) {
        c.hook().ifPresent(h -> devices.addAll(h.devices()));
        for (Rule r : c.rules()) {
          for (Stmt s : r.statements()) {
            if (s instanceof Stmt.Match m && m.left() instanceof Expr.Meta meta
                && List.of("iifname", "oifname", "iif", "oif").contains(meta.key())) {
              names(m.right(), devices);
            }
          }
        }
      }
    }
    Map<String, Integer> ports = new TreeMap<>();
    for (String d : devices) {
      ports.put(d, ports.size() + 1);
    }
    return DevicePortMap.of(ports);
  }

  private static void names(Expr e, TreeSet<String> out) {
    switch (e) {
      case Expr.Literal l when !l.value().endsWith("*") -> out.add(l.value());
      case Expr.SetLiteral s -> s.elements().forEach(x -> names(x, out));
      case Expr.ValueList v -> v.values().forEach(x -> names(x, out));
      case Expr.MapEntry m -> names(m.key(), out);
      default -> { }
    }
  }
}
