package org.nftoffload.plan;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.nftoffload.nft.NftParseException;
import org.nftoffload.nft.NftTextParser;
import org.nftoffload.nft.Ruleset;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * JMH: parse a generated 10,000-rule ruleset and plan it (target: at most 200 ms for both). {@link #main} also runs
 * {@link org.nftoffload.nft.ParseJsonBench} (the same ruleset as the kernel lists it, text and JSON; needs root and
 * nft). Run with {@code bin/mvnw -q -o -pl controller/nft test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=org.nftoffload.plan.ParseAndPlanBench [-Dexec.args="JMH options"]}; results go in BENCHMARKS.md.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 10, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
public class ParseAndPlanBench {
  static final int RULES = 10_000;
  private String text;
  private Ruleset parsed;
  private Planner planner;
  private Plan inForce;
  private Ruleset edited;

  @Setup
  public void setUp() throws NftParseException {
    text = RulesetGenerator.generate(RULES, 42);
    parsed = NftTextParser.parse("bench.nft", text);
    planner = new Planner(DevicePortMap.of(Map.of("lan0", 1, "lan1", 2, "wan0", 3)), PlannerOptions.defaults());
    inForce = planner.plan(parsed);
    // one rule inserted in the middle of the forward chain
    String[] lines = text.split("\n", -1);
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < lines.length; i++) {
      b.append(lines[i]).append(i == lines.length - 1 ? "" : "\n");
      if (i == lines.length / 2) {
        b.append("\t\tip saddr 192.0.2.0/24 tcp dport 8080 drop\n");
      }
    }
    edited = NftTextParser.parse("edited.nft", b.toString());
  }

  @Benchmark
  public Ruleset parse() throws NftParseException {
    return NftTextParser.parse("bench.nft", text);
  }

  @Benchmark
  public Plan plan() {
    return planner.plan(parsed);
  }

  /** Re-planning after a mid-chain insert against the plan in force (what a PUT does): the alignment's cost. */
  @Benchmark
  public Plan replanAgainstPlanInForce() {
    return planner.plan(edited, inForce);
  }

  @Benchmark
  public Plan parseAndPlan() throws NftParseException {
    return planner.plan(NftTextParser.parse("bench.nft", text));
  }

  /** Runs both benchmark classes; JMH command-line options (e.g. {@code -wi 3 -i 5}) override the defaults. */
  public static void main(String[] args) throws Exception {
    var cli = new org.openjdk.jmh.runner.options.CommandLineOptions(args);
    new Runner(new OptionsBuilder().parent(cli).include("org\\.nftoffload\\.(plan\\.ParseAndPlanBench|nft\\.ParseJsonBench)\\.")
        .build()).run();
  }
}
