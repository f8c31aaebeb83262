package org.nftoffload.nft;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.nftoffload.plan.DevicePortMap;
import org.nftoffload.plan.Plan;
import org.nftoffload.plan.Planner;
import org.nftoffload.plan.PlannerOptions;
import org.nftoffload.plan.RulesetGenerator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * JMH, companion of {@link org.nftoffload.plan.ParseAndPlanBench}: the same generated 10,000-rule ruleset, loaded
 * into the real kernel (a namespace of our own, as root; flowtable left out when the kernel has none) and read
 * back the two ways the controller meets it: {@code nft -j list ruleset} (JSON) and {@code nft list ruleset}
 * (nft's own text, not the hand-written input). Run through {@code ParseAndPlanBench.main}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 10, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
public class ParseJsonBench {
  private String json;
  private String listed;
  private Planner planner;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    String text = RulesetGenerator.generate(10_000, 42);
    try (Kernel k = Kernel.open("bench")) {
      String load = k.flowtables ? text : KernelRoundTripTest.withoutFlowtables(text);
      Kernel.Result r = k.nft("-f", "-", load);
      if (r.exit() != 0) {
        throw new IllegalStateException("nft refused the generated ruleset: " + r.err());
      }
      json = k.nft("-j", "list", "ruleset").out();
      listed = k.nft("list", "ruleset").out();
    }
    if (NftJsonParser.parse("bench.json", json).ruleCount() != 10_000
        || NftTextParser.parse("listed.nft", listed).ruleCount() != 10_000) {
      throw new IllegalStateException("the kernel listing does not hold the 10,000 rules");
    }
    planner = new Planner(DevicePortMap.of(Map.of("lan0", 1, "lan1", 2, "wan0", 3)), PlannerOptions.defaults());
  }

  @Benchmark
  public Ruleset parseJson() throws NftParseException {
    return NftJsonParser.parse("bench.json", json);
  }

  @Benchmark
  public Plan parseJsonAndPlan() throws NftParseException {
    return planner.plan(NftJsonParser.parse("bench.json", json));
  }

  @Benchmark
  public Plan parseListedTextAndPlan() throws NftParseException {
    return planner.plan(NftTextParser.parse("listed.nft", listed));
  }
}
